"""Ollama's failures, sorted into what the proxy should do about them.

The strings are Ollama's own (see ollama-api.md §12.3); matching them is how the proxy tells
"this machine is out of memory, try elsewhere" from "your request is wrong, stop".
"""

from __future__ import annotations

from enum import StrEnum

import orjson


class Failure(StrEnum):
    """Why an attempt failed before anything reached the client."""

    CONNECT = "connect"  # refused, reset, unreachable: nothing was processed
    TIMEOUT = "timeout"  # no first byte within the budget
    BUSY = "busy"  # 503 queue full
    OOM = "oom"  # not enough memory to load the model here
    NOT_FOUND = "not_found"  # this backend does not have the model
    LOAD = "load"  # runner failed to start or crashed
    SERVER = "server"  # other 5xx
    REQUEST = "request"  # 4xx caused by the request itself: never retried
    BREAKER = "breaker_open"  # skipped: its circuit breaker refuses traffic for now
    # After the first byte reached the client (no retry possible any more):
    CUT = "cut"  # the connection broke mid-stream
    STALL = "stall"  # silent longer than the inactivity timeout
    MALFORMED = "malformed"  # a line that is not JSON
    IN_BAND = "in_band"  # an {"error": ...} line inside the stream


# Substrings, lower-cased, legacy (<= v0.2x) and current (llama-server) families.
_OOM_MARKERS = (
    "requires more system memory",
    "out-of-memory",
    "out of memory",
    "unable to load full model on gpu",
    "but only",  # MLX: "model requires 20.1 GiB but only 14.0 GiB are available"
    "cudamalloc failed",
    "insufficient memory",
)
_LOAD_MARKERS = (
    "llama-server process has terminated",
    "llama-server process no longer running",
    "llama runner process has terminated",
    "timed out waiting for llama-server to start",
    "timed out waiting for llama runner to start",
    "model runner has unexpectedly stopped",
    "this model may be incompatible",
    "requires mlx support",
    "error loading model",
)


def error_message(body: bytes) -> str:
    """The `error` text of an Ollama or OpenAI error body, else the body itself."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", "replace").strip()
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):  # OpenAI shape on /v1
            error = error.get("message")
        if isinstance(error, str):
            return error
    return body.decode("utf-8", "replace").strip()


def classify_failure(status: int, message: str) -> Failure | None:
    """Sort a non-2xx answer; None means it is not a failure at all."""
    if status < 400:
        return None
    text = message.lower()
    if status == 503:
        return Failure.BUSY
    if status == 404 and "not found" in text and "model" in text:
        return Failure.NOT_FOUND
    if any(marker in text for marker in _OOM_MARKERS) and status >= 500:
        return Failure.OOM
    if any(marker in text for marker in _LOAD_MARKERS) and status >= 500:
        return Failure.LOAD
    if status >= 500:
        return Failure.SERVER
    return Failure.REQUEST


# Which failures are worth another attempt (another backend or another model).
RETRYABLE = frozenset(
    {
        Failure.CONNECT,
        Failure.TIMEOUT,
        Failure.BUSY,
        Failure.OOM,
        Failure.NOT_FOUND,
        Failure.LOAD,
        Failure.SERVER,
    }
)
