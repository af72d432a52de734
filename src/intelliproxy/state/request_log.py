"""The last N requests, for the dashboard's debug tab and GET /requests.

A ring of `RequestRecord`s: memory is bounded by `size` records, each with its prompt and
error message truncated on the way in. Entries are plain JSON values; the prompt is user
data and must only ever be rendered as text (the dashboard uses `textContent`, never HTML).
"""

from __future__ import annotations

import dataclasses
from collections import deque
from datetime import UTC, datetime
from typing import Any

from .records import RequestRecord

DEFAULT_SIZE = 50
PROMPT_LIMIT = 500
ERROR_LIMIT = 500


def truncate(text: str | None, limit: int) -> str | None:
    """At most `limit` characters (an ellipsis marks a cut), always encodable as UTF-8."""
    if text is None:
        return None
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate would make the JSON encoder fail
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _seconds(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


class RequestLog:
    def __init__(self, size: int = DEFAULT_SIZE, prompt_limit: int = PROMPT_LIMIT) -> None:
        if size < 1:
            raise ValueError(f"request log size must be at least 1, got {size}")
        self.size = size
        self.prompt_limit = prompt_limit
        self._ring: deque[RequestRecord] = deque(maxlen=size)

    def __len__(self) -> int:
        return len(self._ring)

    def record(self, rec: RequestRecord) -> None:
        """Keep `rec` (the oldest entry drops out when full)."""
        if len(rec.prompt) > self.prompt_limit or (rec.error and len(rec.error) > ERROR_LIMIT):
            # Only long ones are copied; a frozen record is otherwise kept as it is.
            rec = dataclasses.replace(
                rec,
                prompt=truncate(rec.prompt, self.prompt_limit) or "",
                error=truncate(rec.error, ERROR_LIMIT),
            )
        self._ring.append(rec)

    def clear(self) -> None:
        self._ring.clear()

    def entries(self) -> list[dict[str, Any]]:
        """Newest first."""
        return [self._entry(rec) for rec in reversed(self._ring)]

    def _entry(self, rec: RequestRecord) -> dict[str, Any]:
        tps = rec.tokens_per_s
        return {
            "time": datetime.fromtimestamp(rec.time, UTC).isoformat(),
            "client": rec.client,
            "method": rec.method,
            "endpoint": rec.endpoint,
            "requested_model": rec.requested_model,
            "model": rec.model,
            "backend": rec.backend,
            "category": rec.category,
            "complexity": rec.complexity,
            "reason": rec.reason,
            "attempts": list(rec.attempts),
            "status": rec.status,
            "ok": rec.ok,
            "duration": _seconds(rec.duration),
            "ttft": _seconds(rec.ttft),
            "tokens": rec.eval_count,
            "tokens_per_s": None if tps is None else round(tps, 2),
            "streamed": rec.streamed,
            "fallback": rec.fallback,
            "error_kind": rec.error_kind,
            "error": truncate(rec.error, ERROR_LIMIT),
            "prompt": truncate(rec.prompt, self.prompt_limit),
        }
