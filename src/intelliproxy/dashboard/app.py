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

import contextlib
import ipaddress
import logging
import re
from collections.abc import Awaitable, Callable

from .. import VIRTUAL_MODEL
from ..api import admin, ollama
from ..api.http import Receive, Request, Scope, Send, send_json
from ..routing.types import CATEGORIES
from ..runtime import Runtime
from .assets import COMMON_HEADERS, Assets, send_asset

log = logging.getLogger("intelliproxy.dashboard")

Handler = Callable[[Runtime, Request, Send], Awaitable[object]]
POLL_INTERVAL_MS = 2000
SAFE_METHODS = ("GET", "HEAD")
_HOST_RE = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")


def host_name(request: Request) -> str | None:
    """The host part of the Host header ("[::1]" keeps its brackets), None if unusable."""
    raw = (request.header(b"host") or b"").decode("latin-1").strip()
    match = _HOST_RE.match(raw)
    return match.group(1) if match else None


def _is_ip_or_localhost(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def cross_site_refusal(runtime: Runtime, request: Request) -> str | None:
    """Why a mutating request must not reach the handlers, or None when it may."""
    site = request.header(b"sec-fetch-site")
    if site is not None and site not in (b"same-origin", b"none"):
        return "cross-site request refused: use the dashboard page or curl"
    origin = request.header(b"origin")
    if origin is not None and origin != b"http://" + (request.header(b"host") or b"").strip():
        return "cross-origin request refused: Origin does not match this dashboard"
    host = host_name(request)
    # Without a token, loopback clients may change things: a page on a DNS-rebound name
    # (evil.example -> 127.0.0.1) would be such a client, so insist on an address here.
    guarded = not runtime.settings.admin_token and admin.is_loopback(request.client_host)
    if guarded and (host is None or not _is_ip_or_localhost(host)):
        return (
            "without ADMIN_TOKEN the dashboard only accepts changes when opened by IP address "
            "or as localhost (protection against DNS rebinding)"
        )
    return None


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
        if request.method not in SAFE_METHODS:
            refusal = cross_site_refusal(runtime, request)
            if refusal is not None:
                await send_json(send, 403, {"error": refusal})
                return
        try:
            await handler(runtime, request, send)
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.path)
            with contextlib.suppress(Exception):
                await send_json(send, 500, {"error": "internal proxy error, see the proxy log"})

    return app
