"""Cross-cutting HTTP behaviour: gin's 404/405 bodies and trailing-slash redirects, and
faults aimed at non-inference routes (inference handlers apply their own)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from .errors import SimError
from .faults import INFERENCE_ROUTES, MIDSTREAM_ERROR, PRESTREAM
from .serving import nap
from .state import get_state
from .wire import error_response, openai_error, text_response

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def go_http_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPNotFound:
        redirect = await _trailing_slash_redirect(request)
        if redirect is not None:
            return redirect
        return text_response("404 page not found", 404)
    except web.HTTPMethodNotAllowed:
        return text_response("405 method not allowed", 405)


async def _trailing_slash_redirect(request: web.Request) -> web.StreamResponse | None:
    """gin's RedirectTrailingSlash: `/api/tags/` -> 301 (GET) or 307 to `/api/tags`."""
    path = request.path
    if path == "/" or not path.endswith("/"):
        return None
    target = path.rstrip("/") or "/"
    match = await request.app.router.resolve(request.clone(rel_url=target))
    if match.http_exception is not None:
        return None
    location = target + (f"?{request.query_string}" if request.query_string else "")
    status = 301 if request.method == "GET" else 307
    return web.Response(status=status, headers={"Location": location})


@web.middleware
async def route_faults(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if path in INFERENCE_ROUTES or path.startswith("/_sim/"):
        return await handler(request)
    fault = get_state(request).faults.take(path, None)
    if fault is None:
        return await handler(request)
    on_error = openai_error if path.startswith("/v1/") else error_response
    kind = fault.kind
    try:
        if kind == "hang":
            await nap(request, None)
        if kind in ("slow_first_token", "stall_midstream"):
            await nap(request, fault.delay_s)
            return await handler(request)
        if kind in PRESTREAM:
            await nap(request, fault.delay_s or 0)
            status, message = fault.error()
            return on_error(status, message or "not found")
        if kind == "die_midstream":
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=200)
        if kind == "error_midstream":
            return on_error(500, fault.message or MIDSTREAM_ERROR)
        return web.Response(body=b'{"models":[', headers={"Content-Type": "application/json"})
    except SimError as exc:
        return on_error(exc.status, exc.message)
