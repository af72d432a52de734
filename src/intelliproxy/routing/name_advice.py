"""The optional last step of auto-discovery: ask `CLASSIFIER_MODEL` about a model's name.

Ollama's facts settle capabilities (vision, image, embedding, tools, thinking) and size; the
name rules in `model_names.py` catch well-known families (`*coder*`, `deepseek-r1*`, ...).
What neither settles is the topic of a chat model with an unfamiliar name, so only then is
the LLM asked: for its category and, when the size is unknown too, complexity and speed.
The question uses Ollama's `format` with a JSON schema; the answer is validated and clamped
to 1-10, and anything unusable is ignored (the model stays a generalist). The network call
lives in the runtime; this module is pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from .model_names import categories_from_name, model_key
from .types import ModelProfile

# The categories a name can suggest: vision and image are capabilities, facts decide them.
TEXT_CATEGORIES: tuple[str, ...] = ("code", "reasoning", "general", "uncensored")
_SCALE = {"type": "integer", "minimum": 1, "maximum": 10}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "category": {"type": "string", "enum": list(TEXT_CATEGORIES)},
        "complexity": _SCALE,
        "speed": _SCALE,
    },
    "required": ["category", "complexity", "speed"],
}
_QUESTION = (
    "You help a router choose between local LLMs. From the model name and facts below, "
    "say what the model is best at: code (programming), reasoning (math, logic), "
    "uncensored (fiction, role-play, unfiltered), or general (everyday chat). Complexity: "
    "1 (tiny, simple prompts only) to 10 (the hardest prompts). Speed: 1 (very slow) to 10 "
    "(very fast). Answer only JSON with category, complexity and speed.\n\n"
)


def needs_advice(profile: ModelProfile, operator: Mapping[str, Any] | None) -> bool:
    """A chat model whose name matches no rule and whose category the operator left unset."""
    if operator and operator.get("preferred_for"):
        return False
    caps = profile.capabilities
    if "completion" not in caps or caps & {"vision", "image", "embedding"}:
        return False
    return not categories_from_name(model_key(profile.name).split(":", 1)[0])


def request_body(model: str, profile: ModelProfile) -> dict[str, Any]:
    """An /api/generate body asking `model` about `profile`'s name, schema-constrained."""
    facts = {
        "name": profile.name,
        "family": profile.family,
        "parameter_size_billions": profile.parameter_size_b,
        "context_length": profile.context_length,
        "capabilities": sorted(profile.capabilities),
    }
    return {
        "model": model,
        "prompt": _QUESTION + orjson.dumps(facts).decode(),
        "format": SCHEMA,
        "stream": False,
        "think": False,
        "options": {"temperature": 0, "num_predict": 64},
    }


def parse_advice(raw: object) -> dict[str, Any] | None:
    """{"category", "complexity", "speed"} clamped to 1-10, or None when unusable."""
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
    if not isinstance(raw, Mapping) or raw.get("category") not in TEXT_CATEGORIES:
        return None
    advice: dict[str, Any] = {"category": raw["category"]}
    for field in ("complexity", "speed"):
        value = raw.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        advice[field] = max(1, min(10, round(value)))
    return advice
