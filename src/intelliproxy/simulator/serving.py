"""Serving one inference request: faults, scheduling, streaming or buffering, logging.

Written once for every inference route; the route supplies a Plan (what to generate) and
an Encoder (how it looks on the wire). A client disconnect at any point — waiting in the
queue, loading, hanging, mid-stream — ends the work and marks the log entry `cancelled`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from . import engine
from .encoders import Encoder
from .engine import Done, Piece, Plan
from .errors import SimError
from .faults import MIDSTREAM_ERROR, PRESTREAM, Fault, not_found_message
from .reqlog import LogEntry
from .scheduler import Scheduler
from .state import get_state
from .wire import LineStream, client_gone

_POLL_S = 0.05


async def nap(request: web.Request, seconds: float | None) -> None:
    """Sleep (forever when None), raising ConnectionResetError once the client is gone."""
    loop = asyncio.get_running_loop()
    deadline = None if seconds is None else loop.time() + seconds
    while True:
        if client_gone(request):
            raise ConnectionResetError("client disconnected")
        left = _POLL_S if deadline is None else min(_POLL_S, deadline - loop.time())
        if left <= 0:
            return
        await asyncio.sleep(left)


async def serve(
    request: web.Request,
    scheduler: Scheduler,
    fault: Fault | None,
    plan: Plan,
    encoder: Encoder,
    *,
    stream: bool,
    entry: LogEntry,
) -> web.StreamResponse:
    out = LineStream(request, encoder.content_type)
    gen: AsyncIterator[Piece | Done] | None = None
    if fault is not None:
        entry.fault = fault.kind
    try:
        try:
            await prestream_fault(request, fault, plan.route, plan.model_ref, slow=False)
        except SimError as exc:
            entry.finish(exc.status, error=exc.message)
            return encoder.error(exc.status, exc.message)
        gen = engine.run(scheduler, plan)
        try:
            first = await anext(gen)
        except SimError as exc:
            entry.finish(exc.status, error=exc.message)
            return encoder.error(exc.status, exc.message)
        if fault is not None and fault.kind == "slow_first_token":
            await nap(request, fault.delay_s or 0)
        if stream:
            return await _streamed(request, out, gen, first, encoder, fault, entry)
        return await _buffered(request, out, gen, first, encoder, fault, entry)
    except (asyncio.CancelledError, ConnectionResetError) as exc:
        entry.finish(200 if out.started else 499, cancelled=True)
        if isinstance(exc, asyncio.CancelledError):
            raise
        return out.response
    finally:
        if gen is not None:
            await gen.aclose()  # releases the runner slot


async def _strike(
    request: web.Request, out: LineStream, encoder: Encoder, fault: Fault, entry: LogEntry
) -> web.StreamResponse | None:
    """Apply a midstream fault now; a returned response ends the stream."""
    kind = fault.kind
    if kind == "stall_midstream":
        await nap(request, fault.delay_s)
        return None
    if kind == "die_midstream":
        entry.finish(200 if out.started else 0, error="connection aborted (fault)")
        return out.abort()
    if kind == "error_midstream":
        message = fault.message or MIDSTREAM_ERROR
        if not out.started:  # error before the first line: a plain error reply
            entry.finish(500, error=message)
            return encoder.error(500, message, in_stream=True)
        await out.send(encoder.midstream_error_line(message))
        entry.finish(200, error=message)
        return await out.finish()
    # malformed_midstream
    await out.send(encoder.malformed_line())
    entry.finish(200, error="malformed line (fault)")
    return await out.finish()


async def _streamed(
    request: web.Request,
    out: LineStream,
    gen: AsyncIterator[Piece | Done],
    first: Piece | Done,
    encoder: Encoder,
    fault: Fault | None,
    entry: LogEntry,
) -> web.StreamResponse:
    armed = fault if fault is not None and fault.kind.endswith("_midstream") else None
    item: Piece | Done | None = first
    while item is not None:
        lines = encoder.done_lines(item) if isinstance(item, Done) else encoder.piece_lines(item)
        for line in lines:
            # Strike after N lines, or before the final line at the latest.
            if armed is not None and (out.lines >= armed.after_chunks or isinstance(item, Done)):
                fault_at, armed = armed, None
                ended = await _strike(request, out, encoder, fault_at, entry)
                if ended is not None:
                    entry.chunks = out.lines
                    return ended
            await out.send(line)
            entry.chunks = out.lines
        if isinstance(item, Done):
            entry.done_reason = item.reason
            break
        item = await anext(gen, None)
    entry.finish(200)
    return await out.finish()


async def _buffered(
    request: web.Request,
    out: LineStream,
    gen: AsyncIterator[Piece | Done],
    first: Piece | Done,
    encoder: Encoder,
    fault: Fault | None,
    entry: LogEntry,
) -> web.StreamResponse:
    pieces: list[Piece] = []
    item: Piece | Done | None = first
    while isinstance(item, Piece):
        pieces.append(item)
        if client_gone(request):
            raise ConnectionResetError("client disconnected")
        item = await anext(gen, None)
    if not isinstance(item, Done):
        raise SimError(500, "generation ended without a final chunk")
    entry.done_reason = item.reason
    faulted = await buffered_fault(request, fault, entry, encoder.error, encoder.malformed_body())
    if faulted is not None:
        return faulted
    entry.finish(200)
    return encoder.aggregate(pieces, item)


async def prestream_fault(
    request: web.Request, fault: Fault | None, route: str, model_ref: str, *, slow: bool = True
) -> None:
    """Pre-stream kinds raise their SimError, `hang` waits for the client to leave,
    `slow_first_token` sleeps (when `slow`); other kinds are left to the reply writer."""
    if fault is None:
        return
    if fault.kind == "hang":
        await nap(request, None)
    elif fault.kind == "slow_first_token" and slow:
        await nap(request, fault.delay_s or 0)
    elif fault.kind in PRESTREAM:
        await nap(request, fault.delay_s or 0)
        status, message = fault.error()
        if fault.kind == "not_found" and not fault.message:
            message = not_found_message(route, model_ref)
        raise SimError(status, message)


async def buffered_fault(
    request: web.Request,
    fault: Fault | None,
    entry: LogEntry,
    on_error: Callable[[int, str], web.StreamResponse],
    malformed: bytes,
) -> web.StreamResponse | None:
    """Midstream kinds on a one-object reply: abort, error, stall, or a broken body."""
    if fault is None or not fault.kind.endswith("_midstream"):
        return None
    if fault.kind == "stall_midstream":
        await nap(request, fault.delay_s)
        return None
    if fault.kind == "die_midstream":
        entry.finish(0, error="connection aborted (fault)")
        transport = request.transport
        if transport is not None:
            transport.abort()
        return web.Response(status=200)
    if fault.kind == "error_midstream":
        message = fault.message or MIDSTREAM_ERROR
        entry.finish(500, error=message)
        return on_error(500, message)
    entry.finish(200, error="malformed body (fault)")
    return web.Response(body=malformed, headers={"Content-Type": "application/json"})


async def logged(
    request: web.Request,
    route: str,
    handler: Callable[[LogEntry], Awaitable[web.StreamResponse]],
    on_error: Callable[[int, str], web.StreamResponse],
) -> web.StreamResponse:
    """Run an inference handler with a request-log entry; SimError becomes `on_error`."""
    entry = get_state(request).log.start(route, None, False)
    try:
        response = await handler(entry)
    except SimError as exc:
        entry.finish(exc.status, error=exc.message)
        return on_error(exc.status, exc.message)
    except (asyncio.CancelledError, ConnectionResetError):
        entry.finish(499, cancelled=True)
        raise
    except Exception as exc:
        entry.finish(500, error=repr(exc))
        raise
    entry.finish(response.status)  # no-op when the handler already finished it
    return response
