"""The fast in-process prompt classifier: request body -> Classification.

Design (see also features.py and features_lexicon.py):
- Facts first: images attached => `vision`; an explicit valid `task_type` is honoured.
- Otherwise every category gets a score from weighted evidence in the latest user turn,
  plus a discounted share of the system prompt and of earlier turns (a short follow-up
  such as "now in Rust?" leans on the conversation's topic). `general` has a prior, so
  a prompt without evidence lands there with low confidence.
- Confidence grows with the margin between the best and the runner-up score; a hybrid
  mode can ask an LLM when it is low.

Pure and deterministic: no I/O, no global state is mutated, bounded work per request
(texts are clipped in classifier_extract, so a 1 MB prompt costs about as much as 8 KB).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from intelliproxy.routing.classifier_complexity import estimate
from intelliproxy.routing.classifier_extract import RequestView, extract_view
from intelliproxy.routing.features import CATS, Evidence, analyse
from intelliproxy.routing.types import CATEGORIES, Classification

__all__ = ["classify", "extract_view", "RequestView"]

GENERAL_PRIOR = 1.2  # what a category needs to beat to displace "general"
SYSTEM_WEIGHT = 0.5  # a system prompt sets the scene but the user turn asks
HISTORY_WEIGHT = 0.3  # earlier turns, when the latest one has its own evidence
FOLLOW_UP_WEIGHT = 0.9  # earlier turns, when the latest one is a short, weak follow-up
HISTORY_DECAY = 0.7  # each older turn counts this much less
HISTORY_CHARS = 2000  # history is context, not the request: scan less of it
FOLLOW_UP_WORDS = 14
WEAK_EVIDENCE = 3.0
MAX_REASONS = 4


def classify(body: Mapping[str, Any]) -> Classification:
    """Classify a request body of any supported shape. Never raises."""
    try:
        return _classify(extract_view(body))
    except Exception:  # noqa: BLE001 - routing must never fail because of odd input
        return Classification("general", 2, 0.1, ("classifier-error",))


def _classify(view: RequestView) -> Classification:
    current = analyse(view.current)
    scores = dict(current.scores)
    scores["general"] += GENERAL_PRIOR
    extra: list[str] = []

    if view.system and _blend(scores, analyse(view.system), SYSTEM_WEIGHT):
        extra.append("system")
    if view.history:
        strongest = max(v for k, v in current.scores.items() if k != "general")
        follow_up = current.words <= FOLLOW_UP_WORDS and strongest < WEAK_EVIDENCE
        weight = FOLLOW_UP_WEIGHT if follow_up else HISTORY_WEIGHT
        moved = False
        for age, turn in enumerate(reversed(view.history)):
            moved |= _blend(scores, analyse(turn[:HISTORY_CHARS]), weight * HISTORY_DECAY**age)
        if moved and follow_up:
            extra.append("follow-up")
    if view.suffix:
        scores["code"] += 4.0
        extra.append("fill-in-middle")
    # The vision-from-text cue only means "an image was meant to be attached";
    # generation requests also say "the image", so it never beats a frame.
    if view.tools:
        extra.append(f"tools:{len(view.tools)}")
    if view.tool_calls:
        extra.append("tool-calls")

    ranked = sorted(CATS, key=lambda c: (-scores[c], CATS.index(c)))
    category, runner_up = ranked[0], ranked[1]
    margin = scores[category] - scores[runner_up]
    confidence = 0.15 + 0.83 * (1.0 - math.exp(-margin / 2.5))
    reasons = [category, *_top_reasons(current, category)]

    if view.images:
        category, confidence = "vision", 0.99
        reasons = ["vision", f"images:{view.images}"]
    elif view.task_type in CATEGORIES:
        category, confidence = view.task_type, 0.95
        reasons = [category, "task_type"]
    elif not view.current.strip() and not view.history:
        confidence = 0.1 if not view.known_shape else 0.2
        reasons.append("empty" if view.known_shape else "unknown-shape")

    text = view.current or (view.history[-1] if view.history else "")
    driving = current if view.current else analyse(text)
    complexity = estimate(category, text, driving, view.current_len)
    return Classification(
        category=category,
        complexity=complexity,
        confidence=round(confidence, 2),
        reasons=tuple(_ascii(r) for r in [*reasons, *extra][: MAX_REASONS + len(extra)]),
    )


def _blend(scores: dict[str, float], ev: Evidence, weight: float) -> bool:
    """Add `weight` x the evidence of another text; report whether it said anything."""
    said = False
    for cat, value in ev.scores.items():
        if value > 0:
            scores[cat] += weight * value
            said = said or cat != "general"
    return said


def _top_reasons(ev: Evidence, category: str) -> list[str]:
    ranked = sorted(ev.reasons[category], key=lambda r: (-r[0], r[1]))
    return [name for _, name in ranked[: MAX_REASONS - 1]]


def _ascii(reason: str) -> str:
    # Reasons travel in an HTTP header: ASCII only, short.
    return reason.encode("ascii", "ignore").decode("ascii")[:40]
