"""The optional LLM classifier (CLASSIFIER_MODE=llm|hybrid): the pure parts.

The question sent to `CLASSIFIER_MODEL`, the JSON schema its answer must follow (Ollama's
`format` constrains generation to it), the validation of that answer, and a bounded cache
keyed by a hash of the prompt. The network call itself lives in the runtime; anything that
goes wrong there falls back to the fast classifier.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import orjson

from .types import CATEGORIES, Classification

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "category": {"type": "string", "enum": list(CATEGORIES)},
        "complexity": {"type": "integer", "minimum": 1, "maximum": 10},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    },
    "required": ["category", "complexity"],
}

_INSTRUCTIONS = (
    "Classify the user's request for a model router. Categories: "
    "code (writing, debugging or explaining code), reasoning (math, logic, step-by-step "
    "problem solving), general (conversation, facts, summaries, everyday writing), vision "
    "(questions about an attached image), image (asking for a picture to be generated), "
    "uncensored (fiction, stories, poems, role-play). Complexity: 1 trivial to 10 very "
    "hard. Answer only JSON with category, complexity and confidence (0-1).\n\nRequest:\n"
)
MAX_PROMPT_CHARS = 4000  # the classifier needs the gist, not a whole pasted file


def prompt_text(text: str) -> str:
    if len(text) > MAX_PROMPT_CHARS:
        text = text[: MAX_PROMPT_CHARS // 2] + "\n...\n" + text[-MAX_PROMPT_CHARS // 2 :]
    return _INSTRUCTIONS + text


def request_body(model: str, text: str) -> dict[str, Any]:
    """An /api/generate body asking `model` for a schema-constrained classification."""
    return {
        "model": model,
        "prompt": prompt_text(text),
        "format": SCHEMA,
        "stream": False,
        "think": False,
        "options": {"temperature": 0, "num_predict": 64},
    }


def parse_answer(raw: object) -> Classification | None:
    """Validate the model's answer; None when it is unusable (the caller falls back)."""
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
    if not isinstance(raw, Mapping):
        return None
    category = raw.get("category")
    complexity = raw.get("complexity")
    if category not in CATEGORIES or isinstance(complexity, bool):
        return None
    try:
        level = round(float(complexity))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    confidence = raw.get("confidence", 0.8)
    if not isinstance(confidence, int | float) or isinstance(confidence, bool):
        confidence = 0.8
    return Classification(
        category=str(category),
        complexity=max(1, min(10, level)),
        confidence=max(0.0, min(1.0, float(confidence))),
        reasons=("llm",),
    )


def cache_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


class AnswerCache:
    """Least-recently-used answers by prompt hash, bounded so memory stays flat."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._items: OrderedDict[str, Classification] = OrderedDict()

    def get(self, key: str) -> Classification | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: str, value: Classification) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
