"""Surface-shape evidence: how tokens are written, not which words they are.

Keyword tables can never list every library, tool or error name, so a request about an
unlisted tool ("Rigidbody ... transform.position in Update()") used to find no evidence
at all and fall back to `general`. Programmers write identifiers, and the way they are
spelled is evidence on its own: `dotted.names`, `calls()`, `snake_case`, `camelCase`,
`inline code` in backticks, spreadsheet formulas. Maths and puzzles have their own
shape: single-letter variables, and a set of constraints followed by a question.

Split from features.py; `ev` is a features.Evidence (only its counts and `add` are used).
Speed: a pattern that starts with `\b` and a class is tried at every word of a long prompt.
So each shape is found by a cheap anchor first (a "." before a letter, a "(" after a
name, a lower-upper hump, a digit-colon-letter) and the full pattern runs only on the
whitespace-delimited stretch around it: the same matches, 3-8x faster on long prompts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from intelliproxy.routing.features_lexicon import words

if TYPE_CHECKING:
    from intelliproxy.routing.features import Evidence

_INLINE_CODE = re.compile(r"`[^`\n]{2,120}`")
_CODE_PUNCTUATION = frozenset("()[]{}=%<>;")  # `x % 2`, `f(x)`: an expression, not a name
# obj.attr / obj.method( : both sides identifiers, no space; not "e.g.", not a domain.
_DOTTED = re.compile(r"\b([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\b", re.I)
_NOT_DOTTED = words(
    "com org net io uk de fr co edu gov info ai app dev me us ca au in jp eu tv html htm "
    "www e g i a m p s st mr mrs dr vs etc jr sr"
)
_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]+)\((?:\)|[A-Za-z_'\"0-9])")  # name() / name(x
_MATH_FUNCTIONS = words(
    "sin cos tan sec csc cot log ln exp sqrt max min gcd lcm det arcsin arccos arctan"
)
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]\b")
# useState, getElementById (lower-case start, 2+ letters before the hump: not iPhone,
# eBay), or three humps: CrashLoopBackOff, NullPointerException.
_CAMEL = re.compile(r"\b(?:[a-z]{2,}[A-Z][A-Za-z0-9]*|[A-Z][a-z]+[A-Z][a-z]+[A-Z][A-Za-z0-9]*)\b")
_FORMULA_CALL = re.compile(r"=\s?[A-Z]{2,}[A-Z.]*\(")  # =SUM(, =VLOOKUP(
_CELL_RANGE = re.compile(r"\b[A-Z]{1,2}\d{1,5}:[A-Z]{1,2}\d{0,5}\b")  # A1:B20
# Anchors: where a shape can be, found without trying every word.
_DOT_LETTER = re.compile(r"\.[A-Za-z_]")
_HUMP = re.compile(r"[a-z][A-Z]")
_DIGIT_COLON = re.compile(r"\d:[A-Z]")
_SPACE = re.compile(r"\s")
_MAX_SHAPES = 3  # three kinds of identifier are as telling as ten

# Single-letter names other than "a", "i" and chat slang ("u", "r"): maths variables.
_VARIABLES = words("k m n p q x y z")
_CONSTRAINTS = words(
    "each every all none no not never always only exactly different either neither both "
    "wrong true false lie lies doesn't don't isn't aren't can't cannot"
)
_FINAL_ASKS = words("determine find deduce identify work figure who which what")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def _asks_at_end(text: str) -> bool:
    """The text ends with a question, or its last sentence is an ask ("Determine the order.")."""
    tail = text[-200:].rstrip()
    if tail.endswith("?"):
        return True
    last = tail.rstrip(".!").rsplit(". ", 1)[-1].lstrip().split(" ", 1)[0].lower()
    return last in _FINAL_ASKS


def _around(text: str, pos: int) -> tuple[int, int]:
    """The whitespace-delimited stretch of `text` around `pos` (no identifier spans a space)."""
    start = max(text.rfind(" ", 0, pos), text.rfind("\n", 0, pos), text.rfind("\t", 0, pos))
    end = _SPACE.search(text, pos)
    return start + 1, end.start() if end else len(text)


def _has_dotted_name(text: str) -> bool:
    """obj.attr somewhere (not e.g. / a domain); stops at the first one."""
    for anchor in _DOT_LETTER.finditer(text):
        for a, b in _DOTTED.findall(text, *_around(text, anchor.start())):
            if a.lower() not in _NOT_DOTTED and b.lower() not in _NOT_DOTTED:
                return True
    return False


def _has_call(text: str) -> bool:
    """name( somewhere, other than a maths function; stops at the first one."""
    pos = text.find("(")
    while pos > 0:
        before = text[pos - 1]
        if before.isalnum() or before == "_":
            names = _CALL.findall(text, *_around(text, pos))
            if any(n.lower() not in _MATH_FUNCTIONS for n in names):
                return True
        pos = text.find("(", pos + 1)
    return False


def _anchored(pattern: re.Pattern[str], anchors: re.Pattern[str], text: str) -> bool:
    return any(pattern.search(text, *_around(text, a.start())) for a in anchors.finditer(text))


def code_shape(text: str, ev: Evidence, flags: set[str]) -> None:
    """Identifier spellings that prose does not use."""
    kinds = 0
    inline = _INLINE_CODE.search(text) if "`" in text else None
    if inline:
        kinds += 2 if _CODE_PUNCTUATION.intersection(inline.group()) else 1
        flags.add("inline-code")
    if "." in text and _has_dotted_name(text[:3000]):
        kinds += 1
    if "(" in text and _has_call(text[:3000]):
        kinds += 1
    if "_" in text and _SNAKE.search(text):
        kinds += 1
    if _anchored(_CAMEL, _HUMP, text):
        kinds += 1
    if ("=" in text and _FORMULA_CALL.search(text)) or (
        ":" in text and _anchored(_CELL_RANGE, _DIGIT_COLON, text)
    ):
        kinds += 1
    if kinds:
        ev.add("code", 0.8 + 0.7 * min(kinds, _MAX_SHAPES), "identifier-shape")
        flags.add("identifier-shape")


def puzzle_shape(text: str, tokens: list[str], ev: Evidence, flags: set[str]) -> None:
    """Maths variables, or several constraint statements and then a question."""
    variables = len(_VARIABLES.intersection(tokens))
    if variables and "inline-code" not in flags:  # `for x in xs`: names in code
        ev.add("reasoning", 1.0 + 0.5 * min(variables - 1, 2), "variables")
        flags.add("variables")
    if ev.words < 15 or not _asks_at_end(text):
        return
    sentences = len(_SENTENCE_END.findall(text))
    constraints = sum(1 for t in tokens if t in _CONSTRAINTS)
    if sentences >= 3 and constraints >= 3:
        ev.add("reasoning", 2.0, "premises-question")
        flags.add("premises-question")
