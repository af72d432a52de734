"""Send one client request through a list of attempts and relay the answer.

The rules this module keeps (ollama-api.md §15):
- nothing is sent to the client until an upstream answered, so a failed attempt can still be
  retried elsewhere (no early commit, item 8);
- streams are relayed line by line (NDJSON) or event by event (SSE), one write each, as they
  arrive, with nothing injected (items 10-12);
- once bytes reached the client, a broken upstream ends the stream with an error line, never
  a silent truncation (item 13);
- the status, content type and error bodies of the upstream are relayed unchanged.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import orjson

from .backends import Backend
from .errors import RETRYABLE, Failure, classify_failure, error_message
from .http1 import Response, UpstreamConnectError, UpstreamError

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
    header_timeout: float | None = None  # seconds to wait for an answer's head


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


# ---------------------------------------------------------------- the exchange


async def execute(
    send: Send,
    request: Forward,
    targets: Sequence[Target],
    extra_headers: Headers,
    outcome: Outcome | None = None,
) -> Outcome:
    """Try each target until one answers, then relay that answer to the client.

    `outcome` is filled in place, so a caller whose task is cancelled (client gone) still
    sees which attempts were made."""
    outcome = outcome if outcome is not None else Outcome()
    last: tuple[Response, bytes] | None = None
    for index, target in enumerate(targets):
        backend = target.backend
        label = f"{target.model or request.client_model or '-'}@{backend.url}"
        body = request.body
        if target.drop_fields and body:
            body = drop_fields(body, target.drop_fields)
        if target.rewrite and target.model and body:
            body = swap_model(body, target.model)
        backend.in_flight += 1
        try:
            # asyncio.timeout, not wait_for: no extra task on the hot path.
            async with asyncio.timeout(request.header_timeout):
                response = await backend.pool.request(
                    request.method, backend.target(request.target), request.headers, body
                )
        except (UpstreamError, OSError, TimeoutError) as exc:
            backend.in_flight -= 1
            failure = Failure.TIMEOUT if isinstance(exc, TimeoutError) else Failure.CONNECT
            message = (
                f"backend {backend.url} did not answer within {request.header_timeout:g}s"
                if failure is Failure.TIMEOUT
                else str(exc)
                if isinstance(exc, UpstreamConnectError)
                else f"backend {backend.url} failed: {exc}"
            )
            outcome.attempts.append(f"{label}:{failure.value}")
            outcome.failure, outcome.error = failure, message
            continue
        except BaseException:
            backend.in_flight -= 1
            raise

        is_last = index == len(targets) - 1
        if response.status >= 400 and not is_last:
            try:
                error_body = await response.read()
            except UpstreamError:
                error_body = b""
            finally:
                backend.in_flight -= 1
            failure = classify_failure(response.status, error_message(error_body))
            outcome.attempts.append(f"{label}:{failure.value if failure else response.status}")
            if failure in RETRYABLE:
                outcome.failure, outcome.error = failure, error_message(error_body)
                last = (response, error_body)
                continue
            await _send_buffered(
                send, response, error_body, extra_headers, outcome, target, request
            )
            return outcome

        outcome.attempts.append(f"{label}:{response.status}")
        outcome.failure = outcome.error = None  # earlier attempts stay in `attempts`
        try:
            await _relay(send, response, extra_headers, outcome, target, request)
        finally:
            backend.in_flight -= 1
            response.release()
        return outcome

    # Every attempt failed before anything reached the client.
    if last is not None:
        response, error_body = last
        await _send_buffered(send, response, error_body, extra_headers, outcome, None, request)
    else:
        status = 504 if outcome.failure is Failure.TIMEOUT else 502
        message = outcome.error or "no backend is available"
        outcome.status = status
        await send_error(send, status, message, request.openai, extra_headers)
    outcome.duration = time.perf_counter() - outcome.started
    return outcome


def _response_headers(
    response: Response, extra: Headers, outcome: Outcome, target: Target | None
) -> Headers:
    headers = [(k, v) for k, v in response.headers if k.lower() not in HOP_BY_HOP]
    if target is not None:
        if target.model:
            headers.append((b"x-intelliproxy-model", target.model.encode()))
        headers.append((b"x-intelliproxy-backend", target.backend.url.encode()))
    headers.extend(extra)
    headers.append((b"x-intelliproxy-attempts", ", ".join(outcome.attempts).encode()))
    return headers


async def _send_buffered(
    send: Send,
    response: Response,
    body: bytes,
    extra: Headers,
    outcome: Outcome,
    target: Target | None,
    request: Forward,
) -> None:
    outcome.status = response.status
    if target is not None:
        outcome.model, outcome.backend = target.model, target.backend.url
    if response.status >= 400:
        outcome.error = error_message(body)
    headers = _response_headers(response, extra, outcome, target)
    if request.method != "HEAD":
        headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": body if request.method != "HEAD" else b""})
    outcome.duration = time.perf_counter() - outcome.started


async def _relay(
    send: Send,
    response: Response,
    extra: Headers,
    outcome: Outcome,
    target: Target,
    request: Forward,
) -> None:
    outcome.status = response.status
    outcome.model, outcome.backend = target.model, target.backend.url
    content_type = (response.header(b"content-type") or b"").lower()
    echo = None
    if target.rewrite and target.model and request.client_model is not None:
        # Chunks echo the model string the client sent (contract item 17).
        echo = ModelEcho(target.model, request.client_model)

    if (
        request.method == "HEAD"
        or response.header(b"content-length") is not None
        or content_type.startswith(b"application/json")
    ):
        # A single object (or an empty body): read it, fix the model echo, send it whole.
        body = b"" if request.method == "HEAD" else await response.read()
        if echo is not None:
            body = echo(body)
        outcome.ttfb = time.perf_counter() - outcome.started
        if response.status == 200 and len(body) < 1 << 16 and b'"done":true' in body:
            outcome.final_chunk = body  # a non-streamed answer carries the final metrics
        if response.status >= 400:
            outcome.error = error_message(body)
        headers = _response_headers(response, extra, outcome, target)
        if request.method != "HEAD":
            headers.append((b"content-length", str(len(body)).encode()))
        else:
            length = response.header(b"content-length")
            if length is not None:
                headers.append((b"content-length", length))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        outcome.duration = time.perf_counter() - outcome.started
        return

    if content_type.startswith(b"application/x-ndjson"):
        separator = b"\n"
    elif content_type.startswith(b"text/event-stream"):
        separator = b"\n\n"
    else:
        separator = b""
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": _response_headers(response, extra, outcome, target),
        }
    )
    relay_piece = _piece_sender(send, outcome, echo, separator)
    pending = b""
    try:
        async for chunk in response.iter_chunks():
            if not separator:
                await relay_piece(chunk)
                continue
            if pending:
                chunk = pending + chunk
            start = 0
            while (end := chunk.find(separator, start)) >= 0:
                stop = end + len(separator)
                await relay_piece(chunk[start:stop])
                start = stop
            pending = chunk[start:]
    except UpstreamError as exc:
        outcome.stream_error = f"backend {target.backend.url} broke the stream: {exc}"
        outcome.failure = Failure.CONNECT
        if separator:
            await send(
                {
                    "type": "http.response.body",
                    "body": stream_error_piece(outcome.stream_error, request.openai),
                    "more_body": True,
                }
            )
    else:
        if pending:  # a last line without its newline: relay what the backend sent
            await relay_piece(pending)
    await send({"type": "http.response.body", "body": b""})
    outcome.duration = time.perf_counter() - outcome.started


def _piece_sender(
    send: Send, outcome: Outcome, echo: ModelEcho | None, separator: bytes
) -> Callable[[bytes], Awaitable[None]]:
    first = True

    async def relay_piece(piece: bytes) -> None:
        nonlocal first
        if first:
            outcome.ttfb = time.perf_counter() - outcome.started
            first = False
        if echo is not None:
            piece = echo(piece)
        if separator == b"\n":
            if piece.startswith(b'{"error"'):
                outcome.stream_error = error_message(piece)
            elif b'"done":true' in piece:
                outcome.final_chunk = piece
        await send({"type": "http.response.body", "body": piece, "more_body": True})

    return relay_piece


def stream_error_piece(message: str, openai: bool) -> bytes:
    """The last line of a stream the proxy has to end early (contract item 13)."""
    if openai:
        payload = {"error": {"message": message, "type": "api_error", "param": None, "code": None}}
        return b"data: " + orjson.dumps(payload) + b"\n\n"
    return orjson.dumps({"error": message}) + b"\n"


# ---------------------------------------------------------------- proxy-made errors

_OPENAI_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 404: "not_found_error"}


def error_body(status: int, message: str, openai: bool) -> bytes:
    if openai:
        kind = _OPENAI_TYPES.get(status, "api_error")
        return orjson.dumps(
            {"error": {"message": message, "type": kind, "param": None, "code": None}}
        )
    return orjson.dumps({"error": message})


async def send_error(
    send: Send, status: int, message: str, openai: bool = False, extra: Headers = ()
) -> None:
    body = error_body(status, message, openai)
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
