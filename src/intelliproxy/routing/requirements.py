"""Hard facts of a request, read from its body: what every candidate model must be able to do.

Works on the bodies of Ollama `/api/generate` and `/api/chat` and OpenAI
`/v1/chat/completions` and `/v1/completions`. It never raises: a body of an odd shape simply
yields fewer requirements, and the upstream server is left to reject it with its own error.

| field         | set when                                                                  |
|---------------|---------------------------------------------------------------------------|
| vision        | `images` (generate), `messages[].images`, an `image_url` / `image` part   |
| tools         | `tools` is a non-empty list                                               |
| thinking      | `think` is true or low/medium/high/max; `reasoning_effort` or             |
|               | `reasoning.effort` other than "none" (OpenAI)                             |
| prompt_tokens | characters of all text (prompt, suffix, system, history, tool specs) / 4, |
|               | plus the length of a legacy `context` token array; counting stops at a cap |
| num_ctx       | `options.num_ctx`, a positive integer                                     |
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intelliproxy.routing.types import Requirements

CHARS_PER_TOKEN = 4
# Counting stops here: enough to know a prompt is larger than any context window, and it keeps
# the cost of reading a many-MB body bounded.
MAX_COUNTED_CHARS = 4_000_000
_MAX_DEPTH = 12
_THINK_LEVELS = frozenset({"low", "medium", "high", "max"})
# Keys whose strings are not prompt text (base64 images, ids, roles, option values).
_SKIP_KEYS = frozenset(
    {"images", "image_url", "image", "input_audio", "model", "role", "id", "tool_call_id",
     "type", "options", "format", "keep_alive", "stream", "think", "response_format"}
)  # fmt: skip


def requirements_from_body(body: object) -> Requirements:
    """Requirements for one generate / chat / completions body; never raises."""
    if not isinstance(body, Mapping):
        return Requirements()
    try:
        return Requirements(
            vision=_has_images(body),
            tools=_non_empty_list(body.get("tools")),
            thinking=_wants_thinking(body),
            prompt_tokens=_estimate_tokens(body),
            num_ctx=_num_ctx(body.get("options")),
        )
    except Exception:  # noqa: BLE001 - a malformed body must never break routing
        return Requirements()


def _non_empty_list(value: object) -> bool:
    return isinstance(value, list) and len(value) > 0


def _has_images(body: Mapping[str, Any]) -> bool:
    if _non_empty_list(body.get("images")):
        return True
    messages = body.get("messages")
    if not isinstance(messages, list):
        return False
    for message in messages:
        if not isinstance(message, Mapping):
            continue
        if _non_empty_list(message.get("images")):
            return True
        content = message.get("content")
        if isinstance(content, list) and any(_is_image_part(part) for part in content):
            return True
    return False


def _is_image_part(part: object) -> bool:
    if not isinstance(part, Mapping):
        return False
    kind = part.get("type")
    return kind in ("image_url", "image", "input_image") or bool(part.get("image_url"))


def _wants_thinking(body: Mapping[str, Any]) -> bool:
    think = body.get("think")
    if think is True or (isinstance(think, str) and think.lower() in _THINK_LEVELS):
        return True
    effort = body.get("reasoning_effort")
    reasoning = body.get("reasoning")
    if effort is None and isinstance(reasoning, Mapping):
        effort = reasoning.get("effort")
    return isinstance(effort, str) and effort.strip().lower() not in ("", "none")


def _num_ctx(options: object) -> int | None:
    if not isinstance(options, Mapping):
        return None
    value = options.get("num_ctx")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def _estimate_tokens(body: Mapping[str, Any]) -> int:
    chars = _count_chars(body, MAX_COUNTED_CHARS, 0)
    context = body.get("context")
    legacy = len(context) if isinstance(context, list) else 0  # already tokens
    return -(-chars // CHARS_PER_TOKEN) + legacy


def _count_chars(value: object, budget: int, depth: int) -> int:
    """Characters of text inside `value`, at most `budget`; skips non-text keys."""
    if budget <= 0 or depth > _MAX_DEPTH:
        return 0
    if isinstance(value, str):
        return min(len(value), budget)
    total = 0
    if isinstance(value, Mapping):
        for key, item in value.items():
            if total >= budget:
                break
            if key not in _SKIP_KEYS and key != "context":
                total += _count_chars(item, budget - total, depth + 1)
    elif isinstance(value, list):
        for item in value:
            if total >= budget:
                break
            total += _count_chars(item, budget - total, depth + 1)
    return total
