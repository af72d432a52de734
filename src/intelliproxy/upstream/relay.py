"""Relay one committed upstream answer to the client, and the proxy's own error replies.

Streams go line by line (NDJSON) or event by event (SSE), one write each, as they arrive,
nothing injected (contract items 10-12). Once bytes reached the client, a backend that
breaks, stalls or writes garbage ends the stream with an error line — never a silent
truncation (item 13) — and the outcome is recorded as a failure.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import orjson

from .errors import Failure, error_message
from .exchange import HOP_BY_HOP, Forward, Headers, ModelEcho, Outcome, Send, Target
from .http1 import Response, UpstreamError, UpstreamStall


def response_headers(
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


async def send_buffered(
    send: Send,
    response: Response,
    body: bytes,
    extra: Headers,
    outcome: Outcome,
    target: Target | None,
    request: Forward,
) -> None:
    """An answer already read in full (an error we could not fail over from)."""
    outcome.status = response.status
    if target is not None:
        outcome.model, outcome.backend = target.model, target.backend.url
    if response.status >= 400:
        outcome.error = error_message(body)
    headers = response_headers(response, extra, outcome, target)
    if request.method != "HEAD":
        headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": body if request.method != "HEAD" else b""})
    outcome.duration = time.perf_counter() - outcome.started


async def relay(
    send: Send,
    response: Response,
    extra: Headers,
    outcome: Outcome,
    target: Target,
    request: Forward,
) -> None:
    outcome.status = response.status
    outcome.model, outcome.backend, outcome.target = target.model, target.backend.url, target
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
        await _relay_whole(send, response, extra, outcome, target, request, echo)
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
            "headers": response_headers(response, extra, outcome, target),
        }
    )
    relay_piece = _piece_sender(send, outcome, echo, separator)
    pending = b""
    try:
        async for chunk in response.iter_chunks(request.idle_timeout):
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
        if pending:  # a last line without its newline: relay what the backend sent
            await relay_piece(pending)
    except _Malformed as exc:
        await _end_broken(send, outcome, request, Failure.MALFORMED, str(exc), separator)
    except UpstreamStall as exc:
        message = f"backend {target.backend.url} stalled mid-stream: {exc}"
        await _end_broken(send, outcome, request, Failure.STALL, message, separator)
    except UpstreamError as exc:
        message = f"backend {target.backend.url} broke the stream: {exc}"
        await _end_broken(send, outcome, request, Failure.CUT, message, separator)
    await send({"type": "http.response.body", "body": b""})
    outcome.duration = time.perf_counter() - outcome.started


async def _relay_whole(
    send: Send,
    response: Response,
    extra: Headers,
    outcome: Outcome,
    target: Target,
    request: Forward,
    echo: ModelEcho | None,
) -> None:
    """A single object (or an empty body): read it, fix the model echo, send it whole."""
    try:
        body = b"" if request.method == "HEAD" else await response.read()
    except UpstreamError as exc:  # cut before we sent anything: still a clean error reply
        outcome.failure = Failure.CUT
        outcome.stream_error = f"backend {target.backend.url} broke the answer: {exc}"
        outcome.status = 502
        await send_error(send, 502, outcome.stream_error, request.openai, extra)
        return
    if echo is not None:
        body = echo(body)
    outcome.ttfb = time.perf_counter() - outcome.started
    if response.status == 200 and len(body) < 1 << 16 and b'"done":true' in body:
        outcome.final_chunk = body  # a non-streamed answer carries the final metrics
    if response.status >= 400:
        outcome.error = error_message(body)
    headers = response_headers(response, extra, outcome, target)
    if request.method != "HEAD":
        headers.append((b"content-length", str(len(body)).encode()))
    else:
        length = response.header(b"content-length")
        if length is not None:
            headers.append((b"content-length", length))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    outcome.duration = time.perf_counter() - outcome.started


class _Malformed(Exception):
    """A backend line that is not a JSON object: the stream cannot be trusted further."""


def _piece_sender(
    send: Send, outcome: Outcome, echo: ModelEcho | None, separator: bytes
) -> Callable[[bytes], Awaitable[None]]:
    first = True
    ndjson = separator == b"\n"

    async def relay_piece(piece: bytes) -> None:
        nonlocal first
        if ndjson:
            # Cheap shape check: every Ollama line is one JSON object.
            if not (piece[:1] == b"{" and piece.endswith((b"}\n", b"}", b"}\r\n"))):
                raise _Malformed(f"backend sent a line that is not JSON: {piece[:80]!r}")
            if piece.startswith(b'{"error"'):
                outcome.stream_error = error_message(piece)
                outcome.failure = Failure.IN_BAND
            elif b'"done":true' in piece:
                outcome.final_chunk = piece
        if first:
            outcome.ttfb = time.perf_counter() - outcome.started
            first = False
        if echo is not None:
            piece = echo(piece)
        await send({"type": "http.response.body", "body": piece, "more_body": True})

    return relay_piece


async def _end_broken(
    send: Send, outcome: Outcome, request: Forward, failure: Failure, message: str, sep: bytes
) -> None:
    outcome.stream_error = message
    outcome.failure = failure
    if sep:  # NDJSON or SSE: the client can be told in band
        piece = stream_error_piece(message, request.openai)
        await send({"type": "http.response.body", "body": piece, "more_body": True})


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
