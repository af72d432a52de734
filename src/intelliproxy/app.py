"""The two ASGI apps (API on PROXY_PORT, dashboard on WEB_PORT) and the process that runs them."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

from .api import admin, inference, management, ollama, openai, openapi, performance
from .api.dispatch import Handler, run_handler
from .api.http import Receive, Request, Scope, Send, send_json
from .runtime import Runtime
from .server import Server
from .settings import Settings
from .state.ops import OpsState
from .upstream.forward import send_error

log = logging.getLogger("intelliproxy")


def _inference(kind: str, openai_shape: bool) -> Handler:
    async def handler(runtime: Runtime, request: Request, send: Send) -> None:
        if not admin.api_key_ok(runtime.settings, request):
            message = "unauthorized: a valid API key is required (Authorization: Bearer <key>)"
            await send_error(send, 401, message, openai_shape)
            return
        await inference.handle(runtime, request, send, kind=kind, openai=openai_shape)

    return handler


# path -> {method: handler}. Ollama paths with an unexpected method fall through to a
# backend so the client sees Ollama's own 405; our own paths answer 405 themselves.
OLLAMA_ROUTES: dict[str, dict[str, Handler]] = {
    "/": {"GET": ollama.root, "HEAD": ollama.root},
    "/api/tags": {"GET": ollama.tags, "HEAD": ollama.tags},
    "/api/ps": {"GET": ollama.ps},
    "/api/show": {"POST": ollama.show},
    "/api/generate": {"POST": _inference("chat", False)},
    "/api/chat": {"POST": _inference("chat", False)},
    "/api/embed": {"POST": _inference("embed", False)},
    "/api/embeddings": {"POST": _inference("embed", False)},
    "/api/pull": {"POST": ollama.change_model},
    "/api/push": {"POST": ollama.change_model},
    "/api/create": {"POST": ollama.change_model},
    "/api/copy": {"POST": ollama.change_model},
    "/api/delete": {"DELETE": ollama.change_model},
    "/v1/chat/completions": {"POST": _inference("chat", True)},
    "/v1/completions": {"POST": _inference("chat", True)},
    "/v1/embeddings": {"POST": _inference("embed", True)},
    "/v1/models": {"GET": openai.list_models},
}
OLLAMA_PREFIXES: tuple[tuple[str, dict[str, Handler]], ...] = (
    ("/api/blobs/", {"HEAD": ollama.blobs, "POST": ollama.blobs}),
    ("/v1/models/", {"GET": openai.retrieve_model}),
)
OWN_ROUTES: dict[str, dict[str, Handler]] = {
    "/health": {"GET": management.health},
    "/api/health": {"GET": management.api_health},
    "/classify": {"POST": management.classify},
    "/task": {"POST": management.task},
    "/models": {"GET": management.models},
    "/models/refresh": {"POST": admin.protected(management.refresh_models)},
    "/performance-test": {"POST": performance.performance_test},
    **admin.ADMIN_ROUTES,
    **openapi.OPENAPI_ROUTES,
}
OWN_PREFIXES: tuple[tuple[str, dict[str, Handler]], ...] = (
    ("/models/", {"GET": management.models_by_category}),
)


def _lookup(path: str) -> tuple[dict[str, Handler] | None, bool]:
    """The handlers for a path and whether the path is one of ours (not Ollama's)."""
    methods = OLLAMA_ROUTES.get(path)
    if methods is not None:
        return methods, False
    methods = OWN_ROUTES.get(path)
    if methods is not None:
        return methods, True
    for prefix, methods in OLLAMA_PREFIXES:
        if path.startswith(prefix):
            return methods, False
    for prefix, methods in OWN_PREFIXES:
        if path.startswith(prefix):
            return methods, True
    return None, False


def build_api_app(runtime: Runtime) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # lifespan is handled by `serve`, websockets are not part of the API
        request = Request.from_scope(scope, receive)
        methods, own = _lookup(request.path)
        handler = methods.get(request.method) if methods else None
        if handler is None:
            if own:
                await send_json(send, 405, {"error": "405 method not allowed"})
                return
            handler = ollama.passthrough
        await run_handler(runtime, request, send, handler, guarded=own)

    return app


async def serve(
    settings: Settings, on_ready: Callable[[], None] | None = None, *, reset_config: bool = False
) -> None:
    """Run the API and dashboard servers until SIGINT or SIGTERM.

    The configuration files in DATA_DIR are read first: a broken file raises ConfigError
    (the CLI prints it and exits) unless `reset_config` moves it aside."""
    from .dashboard.app import build_web_app

    ops = OpsState.create(settings, reset_config=reset_config)
    settings = ops.effective_settings(settings)
    warning = admin.startup_warning(settings)
    if warning:
        log.warning(warning)
    runtime = Runtime(settings, ops)
    await ops.start()
    await runtime.start()
    servers = [
        Server(build_api_app(runtime), settings.proxy_host, settings.proxy_port),
        Server(build_web_app(runtime), settings.web_host, settings.web_port),
    ]
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    try:
        for server in servers:
            await server.start()
        if on_ready is not None:
            on_ready()
        await stopped.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await asyncio.gather(*(server.stop() for server in servers))
        await runtime.stop()
        await ops.stop()
