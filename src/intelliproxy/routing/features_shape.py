"""Shape evidence over whole token lists: word problems, bare image captions, tag lists.

Split from features.py; `ev` is a features.Evidence (only its counts and `add` are used).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from intelliproxy.routing.features_frames import OBJECTS, REQUEST_VERBS
from intelliproxy.routing.features_lexicon import LEXICON, words

if TYPE_CHECKING:
    from intelliproxy.routing.features import Evidence

_QUANT_QUESTIONS = (
    "how many",
    "how much",
    "how long",
    "how far",
    "how old",
    "how fast",
    "what is the",
    "what was the",
    "what's the",
    "find the",
    "calculate",
    "compute",
    "determine",
    "what percent",
    "what fraction",
    "what is his",
    "what is her",
    "what was his",
    "what was her",
    "what will",
    "the chance",
    "the probability",
)
_UNITS = words(
    "km miles mile mph kg pounds pound lbs lb ounces oz grams gram liters litres liter gallons "
    "cups feet foot ft inches inch meters metres meter cm hours hour minutes minute seconds "
    "days weeks dollars dollar cents percent degrees per"
)


def word_problem(lower: str, tokens: list[str], ev: Evidence, flags: set[str]) -> None:
    # Several quantities plus a quantitative question is the shape of a word problem;
    # one number in a trivia question ("how many episodes in season 3") is not.
    if ev.numbers < 2:
        return
    if any(q in lower for q in _QUANT_QUESTIONS):
        weight = 2.5 + 0.5 * min(ev.numbers - 2, 4)
    elif ev.numbers >= 3 and lower.rstrip().endswith("?"):
        weight = 2.0  # "... at 60 mph; ... at 80 mph. When does the second train catch up?"
    else:
        return
    if _UNITS.intersection(tokens):
        weight += 0.5
    ev.add("reasoning", weight, "word-problem")
    flags.add("word-problem")


_CAPTION_START = words("a an the two three several some")
_SENTENCE_VERBS = words(
    "is are was were be been do does did can could will would should shall may might must "
    "have has had i you we please tell explain write what who when where why how which "
    "if let"
)


def bare_caption(text: str, tokens: list[str], ev: Evidence, flags: set[str]) -> None:
    # "A red fox in the snow, digital art" with no request verb and no question reads
    # like a text-to-image prompt. Weak on its own; style tags or frames add the rest.
    # "A script of ..." / "A poem about ..." name a text genre instead: not a picture.
    if not tokens or "?" in text or not 2 <= len(tokens) <= 60:
        return
    if _SENTENCE_VERBS.intersection(tokens):
        return
    if OBJECTS.get(tokens[0]) in ("uncensored", "general"):
        ev.add(OBJECTS[tokens[0]], 2.5, "genre-phrase")  # "lyrics for a song titled ..."
        return
    if tokens[0] not in _CAPTION_START:
        _tag_list(text, tokens, ev, flags)
        return
    genre = next((OBJECTS[w] for w in tokens[:4] if OBJECTS.get(w) not in (None, "image")), None)
    if genre is not None:
        # "A script of X meeting Y", "A poem about rain": a noun phrase naming the text.
        ev.add(genre, 2.5, "genre-phrase")
        return
    weight = 1.0 if tokens[0] == "the" else 1.8  # "the ..." is often a search query
    ev.add("image", weight + (0.5 if ev.commas >= 2 else 0.0), "caption")
    flags.add("caption")


def _tag_list(text: str, tokens: list[str], ev: Evidence, flags: set[str]) -> None:
    # "logo, letter M made of leaves, green, vector": comma-separated short tags with no
    # request verb are how text-to-image prompts are written (DiffusionDB, Midjourney).
    if ev.commas < 2 or tokens[0] in REQUEST_VERBS or ":" in text.split(",", 1)[0]:
        _picture_phrase(tokens, ev, flags)
        return
    head, colon, _ = text.partition(":")
    if colon and len(head.split()) >= 4:
        return  # "Classify each of the following as ...: salmon, bat, ...": an instruction
    segments = text.split(",")
    short = sum(1 for segment in segments if len(segment.split()) <= 4)
    if 3 * short >= 2 * len(segments):
        ev.add("image", 2.0, "tag-list")
        flags.add("tag-list")
    else:
        _picture_phrase(tokens, ev, flags)


_TEXT_KINDS = frozenset({"uncensored", "general", "code"})  # "cartoon captions" are text


def _picture_phrase(tokens: list[str], ev: Evidence, flags: set[str]) -> None:
    # "selfie of a raccoon in front of the Colosseum, smartphone photo": a verbless
    # phrase that names a picture is a text-to-image prompt, whatever its first word.
    kinds = {OBJECTS.get(t) for t in tokens}
    if tokens[0] not in REQUEST_VERBS and kinds & {"image"} and not kinds & _TEXT_KINDS:
        ev.add("image", 1.8, "picture-phrase")
        flags.add("picture-phrase")


def styled(tokens: list[str], ev: Evidence) -> None:
    """ "anime-style", "comic-style panel": a look, usually of a picture."""
    looks = [t[:-6] for t in tokens if t.endswith("-style")]
    if looks:
        art = any(OBJECTS.get(w) == "image" or w in LEXICON["image"] for w in looks)
        ev.add("image", 2.0 if art else 0.8, "styled")
