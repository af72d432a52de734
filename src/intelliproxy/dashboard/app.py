"""The dashboard server on WEB_PORT: the static page plus same-origin data routes.

The page (static/, plain ES modules, no build step) reads everything from this port:

* the management routes of the API port — the very handlers of `app.OWN_ROUTES` and
  `app.OWN_PREFIXES` (/health, /models, /stats, /requests, /classify, /config/*, …);
* three read-only Ollama routes it shows: /api/tags, /api/ps, /api/version;
* `/dashboard/config.json`: the API base URL for the curl examples, the auth mode, the
  category names and the poll interval.

Live updates are short polling (every 2 s, only for the visible tab): no stream stays open,
so `Server.stop()` never waits on the dashboard.

Mutating requests get a same-origin check before the handlers' own admin auth: a browser
sends `Origin`/`Sec-Fetch-Site` on a cross-site POST, and without ADMIN_TOKEN the Host must
be an IP address or `localhost`, so neither a hostile page nor a DNS-rebound name can drive
the loopback-only configuration routes through the operator's browser.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from .. import VIRTUAL_MODEL
from ..api import ollama
from ..api.dispatch import SAFE_METHODS, Handler, run_handler
from ..api.guards import host_name
from ..api.http import Receive, Request, Scope, Send, send_json
from ..routing.types import CATEGORIES
from ..runtime import Runtime
from .assets import COMMON_HEADERS, Assets, send_asset

log = logging.getLogger("intelliproxy.dashboard")

POLL_INTERVAL_MS = 2000


def _routes() -> tuple[dict[str, dict[str, Handler]], tuple[tuple[str, dict[str, Handler]], ...]]:
    from ..app import OLLAMA_ROUTES, OWN_PREFIXES, OWN_ROUTES  # app.py imports us lazily

    routes: dict[str, dict[str, Handler]] = {
        **OWN_ROUTES,
        "/api/tags": OLLAMA_ROUTES["/api/tags"],
        "/api/ps": OLLAMA_ROUTES["/api/ps"],
        "/api/version": {"GET": ollama.passthrough},
    }
    return routes, OWN_PREFIXES


def build_web_app(
    runtime: Runtime, assets: Assets | None = None
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    assets = assets or Assets.from_package()
    routes, prefixes = _routes()

    def lookup(path: str) -> dict[str, Handler] | None:
        methods = routes.get(path)
        if methods is not None:
            return methods
        for prefix, prefixed in prefixes:
            if path.startswith(prefix):
                return prefixed
        return None

    async def page_config(runtime: Runtime, request: Request, send: Send) -> None:
        host = host_name(request) or "localhost"
        ops = runtime.ops
        body = {
            "api_base": f"http://{host}:{runtime.settings.proxy_port}",
            "version": assets.version,
            "auth": "token" if runtime.settings.admin_token else "loopback",
            "categories": list(CATEGORIES),
            "virtual_model": VIRTUAL_MODEL,
            "request_log_size": ops.requests.size if ops is not None else 50,
            "poll_interval_ms": POLL_INTERVAL_MS,
        }
        await send_json(send, 200, body, [(b"cache-control", b"no-store"), *COMMON_HEADERS])

    routes["/dashboard/config.json"] = {"GET": page_config}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request.from_scope(scope, receive)
        found = assets.lookup(request.path) if request.method in SAFE_METHODS else None
        if found is not None:
            await send_asset(request, send, *found)
            return
        methods = lookup(request.path)
        if methods is None:
            await send_json(send, 404, {"error": f"not found: {request.path}"})
            return
        handler = methods.get(request.method)
        if handler is None:
            await send_json(send, 405, {"error": "405 method not allowed"})
            return
        await run_handler(runtime, request, send, handler, guarded=True)

    return app
