"""Evidence extraction: turn one text into per-category scores plus a few counts.

Three kinds of evidence, all precompiled and bounded in cost:
1. keywords and short phrases (`features_lexicon`), counted once per distinct term;
2. request frames: a request verb followed by what is asked for ("write ... poem");
3. structure: code fences, stack traces, LaTeX, numbers in a word problem, prompt-style
   image tags, role-play set-ups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from intelliproxy.routing.features_frames import (
    CHART_OBJECTS,
    CODE_MODIFIERS,
    CREATIVE_MODIFIERS,
    IMAGE_VERBS,
    LEAD_PREV,
    LEAD_VERBS,
    NOT_PICTURE_OBJECTS,
    OBJECTS,
    REQUEST_VERBS,
    TRANSPARENT_OBJECTS,
    VERSE_FORMS,
)
from intelliproxy.routing.features_lexicon import TERM_INDEX, TERMS, words
from intelliproxy.routing.features_multilingual import script_cues
from intelliproxy.routing.features_shape import bare_caption, styled, word_problem
from intelliproxy.routing.features_structure import (
    SYNTAX_MARKS,
    has_code_identifier,
    refers_to_an_image,
    rules_to_try,
    takes_a_role,
)
from intelliproxy.routing.features_tokens import code_shape, puzzle_shape

CATS = ("code", "reasoning", "general", "vision", "image", "uncensored")
FRAME_WINDOW = 6  # words between a request verb and its object ("write me a short sad poem")
LEAD_TOKENS = 8  # a verb this early is the main request
MAX_FRAME_TOKENS = 160
MAX_NGRAM_TOKENS = 200  # phrases past this point rarely change the decision
MAX_TERM_SUM = 6.0  # keyword evidence saturates: fifty math words are not 50x one

_TOKEN = re.compile(r"[a-z0-9](?:[a-z0-9+#&'\-]*[a-z0-9+#])?")  # no trailing ' or -
# The same for text with accented letters ("génère", "über"): Unicode classes cost ~2.5x,
# so only then; curly quotes and dashes alone keep the ASCII tokenizer.
# CJK, kana and Hangul are left out: without spaces a "word" would be a whole sentence;
# their cues are substrings (features_multilingual), and embedded Latin words ("用Python写")
# still become tokens.
_W = r"[^\W_\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"
_TOKEN_UNICODE = re.compile(_W + r"(?:(?:" + _W + r"|[+#&'\-])*(?:" + _W + r"|[+#]))?")
_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")


def _tokenize(lower: str) -> list[str]:
    if lower.isascii() or not any(ch.isalpha() for ch in _ASCII_RUNS.sub("", lower)[:200]):
        return _TOKEN.findall(lower)
    return _TOKEN_UNICODE.findall(lower)


# Spelled-out quantities count as numbers in word problems ("five years younger").
_NUMBER_WORDS = words(
    "two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty "
    "fifty hundred thousand half twice triple double quarter dozen"
)
_DIGITS = frozenset("0123456789$")
_COMPARATIVE = re.compile(
    r"(?:taller|shorter|older|younger|faster|slower|heavier|lighter|bigger|smaller|richer"
    r"|poorer|higher|lower) than"
)
_WISH_VERBS = words("like love")
_WISHERS = words("i'd we'd would")
_ASKERS = words("you me us want need like how")
_ARTICLES = words("a an the my your this that his her its our their")
_DETERMINERS = words("me us a an the some my our this that your his her its")
_DOES = words("that which to")
_JUDGE_FLAGS = frozenset({"io-spec", "judge-format"})
_BULLET = re.compile(r"^[ \t]*(?:[-*•]|\d+[.)])\s+\S", re.MULTILINE)
_REQUIREMENT_WORDS = words(
    "must should ensure including include handle support without requirements"
)


@dataclass(slots=True)
class Evidence:
    """Scores per category for one text, the reasons behind them, and a few counts."""

    scores: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CATS, 0.0))
    reasons: dict[str, list[tuple[float, str]]] = field(
        default_factory=lambda: {c: [] for c in CATS}
    )
    words: int = 0
    numbers: int = 0
    latex: int = 0
    code_lines: int = 0
    bullets: int = 0
    requirements: int = 0
    questions: int = 0  # question marks
    commas: int = 0
    frame: str | None = None  # category of the leading request frame
    terms: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATS, 0))
    flags: frozenset[str] = frozenset()

    def add(self, cat: str, weight: float, reason: str) -> None:
        self.scores[cat] += weight
        self.reasons[cat].append((weight, reason))


def _frames(tokens: list[str], ev: Evidence) -> None:
    """Find request verbs and the object each one asks for."""
    seen: set[tuple[str, str]] = set()
    for i, tok in enumerate(tokens[:MAX_FRAME_TOKENS]):
        lead = i < LEAD_TOKENS or (i > 0 and tokens[i - 1] in LEAD_PREV) or _wants(tokens, i)
        if tok in _WISH_VERBS and i > 0 and tokens[i - 1] in _WISHERS:
            tok = "want"  # "I'd like a ...", "we'd love a ...": a request like "want"
        if lead and tok in LEAD_VERBS and (tok, "lead") not in seen:
            seen.add((tok, "lead"))
            ev.add(LEAD_VERBS[tok], 2.0, f"lead-{tok}")
        if tok not in REQUEST_VERBS:
            continue
        if i and (
            tokens[i - 1] in _ARTICLES
            or (tok in IMAGE_VERBS and i > 1 and tokens[i - 2] in _ARTICLES)
        ):
            continue  # "the draft", "a comedic sketch": a noun, not the ask
        if tok == "get" and tokens[i + 1 : i + 2] not in (["me"], ["us"]):
            continue  # "how can I get the list of ...": a goal, not a request for a list
        found = _frame_object(tok, tokens[i + 1 : i + 6 + FRAME_WINDOW])
        if found is None or (tok, found) in seen:
            continue
        seen.add((tok, found))
        weight = 3.0 if lead else 1.5
        ev.add(found, weight, f"{tok}-{found}")
        if ev.frame is None and lead:
            ev.frame = found


def _wants(tokens: list[str], i: int) -> bool:
    """ "... want you to write", "how to implement": the verb after `to` is the ask."""
    return i >= 2 and tokens[i - 1] == "to" and tokens[i - 2] in _ASKERS


def _frame_object(verb: str, window: list[str]) -> str | None:
    """Category of what `verb` asks for, from the next few words, or None.

    `window` holds the words after the verb (a few more than FRAME_WINDOW, so that
    "a plot outline for a thriller novel" can look through "outline").
    """
    picture_verb = verb in IMAGE_VERBS
    if picture_verb:
        first = next((w for w in window if w not in _DETERMINERS), "")
        if first in NOT_PICTURE_OBJECTS or not first or "words" in window[:FRAME_WINDOW]:
            return None  # ... or "paint a picture with words": prose
    modifier: str | None = None
    for i, word in enumerate(window[:FRAME_WINDOW]):
        if word in CODE_MODIFIERS:
            modifier = "code"
        elif word in CREATIVE_MODIFIERS:
            modifier = "uncensored"
        if picture_verb and word in CHART_OBJECTS:
            return None  # "draw a bar chart" is a plotting task, not artwork
        cat = OBJECTS.get(word)
        if cat is None and "-" in word:  # "choose-your-own-adventure", "self-portrait"
            cat = OBJECTS.get(word.rsplit("-", 1)[1])
        if cat is None:
            continue
        # Compound nouns take their head: "app icon" is an icon, "blog post" a post.
        following = window[i + 1] if i + 1 < len(window) else ""
        if word == "script" and following in _DOES:
            return "code"  # "a script that clicks ...": a program, not a screenplay
        if following in OBJECTS and following not in TRANSPARENT_OBJECTS:
            cat = OBJECTS[following]
        # "a list of poems", "an outline for a novel": the thing inside decides.
        elif word in TRANSPARENT_OBJECTS:
            inner = next((OBJECTS[w] for w in window[i + 1 : i + 6] if w in OBJECTS), None)
            cat = inner or cat
        if modifier == "code" and cat != "reasoning":
            return "code"  # "a python script", "a bash one-liner"
        if cat == "general" and (
            modifier == "uncensored" or VERSE_FORMS.intersection(window[i + 1 : i + 7])
        ):
            return "uncensored"  # "a fictional letter", "a love letter", "a toast in verse"
        # "render a scene", "illustrate a story": a picture verb makes it a picture.
        return "image" if picture_verb and cat != "code" else cat
    return "image" if picture_verb else None


def _terms(tokens: list[str], ev: Evidence) -> None:
    grams = set(tokens)
    head = tokens[:MAX_NGRAM_TOKENS]
    grams.update(map(" ".join, zip(head, head[1:], strict=False)))
    grams.update(map(" ".join, zip(head, head[1:], head[2:], strict=False)))
    totals = dict.fromkeys(CATS, 0.0)
    best: dict[str, tuple[float, str]] = {}
    for term in sorted(grams & TERMS):  # sorted: deterministic reasons
        for cat, weight in TERM_INDEX[term]:
            totals[cat] += weight
            ev.terms[cat] += 1
            if weight > best.get(cat, (0.0, ""))[0]:
                best[cat] = (weight, term)
    for cat, total in totals.items():
        if total > 0:
            ev.add(cat, min(total, MAX_TERM_SUM), "kw:" + best[cat][1])


def _structure(
    text: str, lower: str, tokens: frozenset[str], ev: Evidence, flags: set[str]
) -> None:
    for rule in rules_to_try(tokens, lower):
        if rule.pattern.search(lower if rule.lower else text):
            ev.add(rule.category, rule.weight, rule.reason)
            flags.add(rule.reason)
    if sum(1 for mark in SYNTAX_MARKS if mark in text) >= 2:
        ev.add("code", 1.5, "syntax")
        flags.add("syntax")
    nouns = ("image", "photo", "picture", "screenshot")
    if any(noun in lower for noun in nouns) and refers_to_an_image(lower):
        ev.add("vision", 2.0, "image-ref")
        flags.add("image-ref")
    if ("role of" in lower or "in character" in lower) and takes_a_role(lower):
        ev.add("uncensored", 2.5, "take-role")
        flags.add("take-role")
    if has_code_identifier(text):
        ev.add("code", 1.5, "identifier")
        flags.add("identifier")


_SHAPE_REASONS = frozenset({"word-problem", "variables", "premises-question"})


def _code_context(ev: Evidence) -> None:
    """Numbers and single-letter names in a question about numpy arrays are data shapes.

    When several programming terms name the field, the word-problem and variable shapes
    count half: maths problems seldom mention three programming terms.
    """
    if ev.terms["code"] < 3 or ev.scores["code"] < 4.0:
        return
    shape = sum(w for w, reason in ev.reasons["reasoning"] if reason in _SHAPE_REASONS)
    if shape:
        ev.add("reasoning", -shape / 2, "code-context")


def analyse(text: str) -> Evidence:
    """Score one (already clipped) text. Pure and bounded by the clip size."""
    ev = Evidence()
    if not text:
        return ev
    lower = text.lower()
    tokens = _tokenize(lower)
    ev.words = len(tokens)
    flags: set[str] = set()
    _frames(tokens, ev)
    _terms(tokens, ev)
    script_cues(text, ev)
    _structure(text, lower, frozenset(tokens), ev, flags)
    ev.numbers = sum(1 for t in tokens if t[0] in _DIGITS or t in _NUMBER_WORDS)
    ev.latex = lower.count("\\") + lower.count("$") + lower.count("^") + lower.count("_{")
    ev.code_lines = sum(lower.count(m) for m in ("\n    ", "\n\t", ";\n", "{\n"))
    ev.bullets = len(_BULLET.findall(text)) if "\n" in text else 0
    ev.requirements = sum(1 for t in tokens if t in _REQUIREMENT_WORDS)
    ev.questions = text.count("?")
    ev.commas = text.count(",")
    styled(tokens, ev)
    if not flags & _JUDGE_FLAGS:  # a judge statement's numbers are data for a program
        word_problem(lower, tokens, ev, flags)
    if " than " in lower and len(_COMPARATIVE.findall(lower)) >= 2:
        ev.add("reasoning", 2.5, "ordering-puzzle")  # "A is taller than B. B is ..."
        flags.add("ordering-puzzle")
    bare_caption(text, tokens, ev, flags)
    code_shape(text, ev, flags)
    if not flags & _JUDGE_FLAGS:
        puzzle_shape(text, tokens, ev, flags)
    _code_context(ev)
    ev.flags = frozenset(flags)
    return ev
