"""The plain data of one proxied exchange: what goes upstream, where, and what happened."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import orjson

from .backends import Backend
from .errors import Failure

Send = Callable[[dict], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

# RFC 9110 hop-by-hop headers plus what we recompute; the list Ollama's cloud proxy drops.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
    }
)
# Compressed answers could not be relayed line by line.
_NOT_FORWARDED = HOP_BY_HOP | {b"accept-encoding"}


def request_headers(raw: Sequence[tuple[bytes, bytes]]) -> Headers:
    """Client headers worth sending upstream: everything but hop-by-hop ones."""
    return [(k, v) for k, v in raw if k.lower() not in _NOT_FORWARDED]


@dataclass(frozen=True, slots=True)
class Target:
    """One attempt resolved to a live backend."""

    backend: Backend
    model: str | None  # the real model that serves (None: not a model request)
    reason: str = ""
    rewrite: bool = False  # put `model` into the body (virtual model, fallback)
    drop_fields: tuple[str, ...] = ()  # top-level fields this model would reject
    first_byte_budget: float | None = None  # seconds; None = the request's own timeout
    cold: bool = False  # the model is not loaded there: a load precedes the first token


@dataclass(slots=True)
class Outcome:
    """What happened, for the response headers, statistics and the request log."""

    status: int = 0
    model: str | None = None
    backend: str | None = None
    attempts: list[str] = field(default_factory=list)
    failure: Failure | None = None
    error: str | None = None
    stream_error: str | None = None  # the stream broke after the client got bytes
    ttfb: float | None = None  # seconds to the first byte relayed
    final_chunk: bytes | None = None  # the `done: true` line, for token counts
    final_metrics: dict[str, int] | None = None  # its counters, parsed once
    target: Target | None = None  # the attempt that served
    started: float = field(default_factory=time.perf_counter)
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400 and self.stream_error is None


@dataclass(slots=True)
class Forward:
    """The parts of a client request that go upstream."""

    method: str
    target: bytes  # path and query exactly as received
    headers: Headers
    body: bytes | None
    client_model: str | None = None  # the model string the client sent
    openai: bool = False  # error shapes and SSE framing of /v1
    header_timeout: float | None = None  # seconds to wait for an answer's head (last attempt)
    idle_timeout: float | None = None  # seconds a started stream may stay silent
    # Called after a failure with the remaining targets; returns the new remaining list
    # (e.g. a smaller model of the same category after an out-of-memory error).
    on_failure: Callable[[Target, Failure, list[Target]], list[Target]] | None = None


# ---------------------------------------------------------------- model name in bodies

_MODEL_FIELD = re.compile(rb'"model"\s*:\s*"((?:[^"\\]|\\.)*)"')


def drop_fields(body: bytes, fields: tuple[str, ...]) -> bytes:
    """Remove top-level fields (e.g. `think` for a model without thinking)."""
    data = orjson.loads(body)
    for name in fields:
        data.pop(name, None)
    return orjson.dumps(data)


def swap_model(body: bytes, new: str) -> bytes:
    """Put `new` in the top-level `model` field, leaving every other byte alone.

    A byte splice keeps key order, unknown fields and number formatting exactly (contract
    item 6). Only when the field cannot be found unambiguously do we re-serialise.
    """
    matches = list(_MODEL_FIELD.finditer(body))
    encoded = orjson.dumps(new)[1:-1]
    if len(matches) == 1:
        start, end = matches[0].span(1)
        return body[:start] + encoded + body[end:]
    data = orjson.loads(body)
    data["model"] = new
    return orjson.dumps(data)


class ModelEcho:
    """Rewrites the `model` a backend echoes back into the string the client sent.

    Ollama writes compact JSON, so a plain bytes replace finds it; a backend that pads
    with spaces still gets the (slower) regular expression.
    """

    __slots__ = ("compact", "replacement", "pattern")

    def __init__(self, real: str, client: str) -> None:
        real_json, client_json = orjson.dumps(real), orjson.dumps(client)
        self.compact = b'"model":' + real_json
        self.replacement = b'"model":' + client_json
        self.pattern = re.compile(rb'"model"\s*:\s*' + re.escape(real_json))

    def __call__(self, data: bytes) -> bytes:
        if self.compact in data:
            return data.replace(self.compact, self.replacement, 1)
        return self.pattern.sub(lambda _: self.replacement, data, count=1)
