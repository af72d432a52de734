"""The dashboard server on WEB_PORT (placeholder until the dashboard issue lands).

It answers a small status page built from the same runtime the API uses, so the port is
never dead; the full dashboard (tabs, charts, config editing) is a separate piece of work.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

from ..api.http import Receive, Scope, Send, send_bytes
from ..runtime import Runtime


def build_web_app(runtime: Runtime) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        rows = "".join(
            f"<tr><td>{html.escape(b.url)}</td><td>{b.state.value}</td>"
            f"<td>{len(b.inventory.models)}</td></tr>"
            for b in runtime.backends.backends
        )
        page = (
            "<!doctype html><meta charset=utf-8><title>IntelliProxy</title>"
            "<h1>IntelliProxy</h1><table><tr><th>backend</th><th>state</th><th>models</th></tr>"
            f"{rows}</table>"
        ).encode()
        await send_bytes(send, 200, page, b"text/html; charset=utf-8")

    return app
