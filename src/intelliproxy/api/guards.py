"""Guards for the management routes against a browser being used as a weapon.

A browser sends `Origin`/`Sec-Fetch-Site` on cross-site requests, so a hostile page cannot
drive the configuration routes through an operator's browser. Without ADMIN_TOKEN those
routes trust loopback clients, which a page on a DNS-rebound name (evil.example ->
127.0.0.1) would be, so the Host must then be an IP address or `localhost` — the same
reasoning as Ollama's own allowed-hosts check. curl and scripts send none of these
headers and are unaffected.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

from . import admin
from .http import Request

if TYPE_CHECKING:
    from ..runtime import Runtime

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
        return "cross-origin request refused: Origin does not match this server"
    host = host_name(request)
    # Without a token, loopback clients may change things: a page on a DNS-rebound name
    # (evil.example -> 127.0.0.1) would be such a client, so insist on an address here.
    guarded = not runtime.settings.admin_token and admin.is_loopback(request.client_host)
    if guarded and (host is None or not _is_ip_or_localhost(host)):
        return (
            "without ADMIN_TOKEN, changes are accepted only when the proxy is addressed by IP "
            "address or as localhost (protection against DNS rebinding)"
        )
    return None
