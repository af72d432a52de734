"""Running one route handler: the cross-site guard first, never a traceback after."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from .guards import cross_site_refusal
from .http import Request, Send, send_json

if TYPE_CHECKING:
    from ..runtime import Runtime

log = logging.getLogger("intelliproxy")

Handler = Callable[["Runtime", Request, Send], Awaitable[object]]
SAFE_METHODS = ("GET", "HEAD")


async def run_handler(
    runtime: Runtime, request: Request, send: Send, handler: Handler, *, guarded: bool
) -> None:
    """Call `handler`; a `guarded` (management) route refuses cross-site changes first."""
    if guarded and request.method not in SAFE_METHODS:
        refusal = cross_site_refusal(runtime, request)
        if refusal is not None:
            await send_json(send, 403, {"error": refusal})
            return
    try:
        await handler(runtime, request, send)
    except Exception:
        # Never a traceback for the client; the log keeps it for the operator.
        log.exception("unhandled error on %s %s", request.method, request.path)
        with contextlib.suppress(Exception):
            await send_json(send, 500, {"error": "internal proxy error, see the proxy log"})
