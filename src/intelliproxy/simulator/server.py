"""Building and running the simulated Ollama server.

    app = create_app(SimConfig())                      # an aiohttp Application
    sim = await start(SimConfig(), port=0)             # in the current event loop
    sim.url, sim.port; await sim.stop()
    sim = run_in_thread(SimConfig())                   # own loop in a daemon thread
    sim.url; sim.stop()
    run("127.0.0.1", 11434, "spec.json")               # blocking, for the CLI

Servers started here cancel a request's handler as soon as its client disconnects
(aiohttp's `handler_cancellation`), which is how Ollama behaves and what the request log's
`cancelled` flag relies on. An app hosted elsewhere still notices disconnects, just at the
next write or poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from pathlib import Path

from aiohttp import web

from . import routes_control, routes_embed, routes_infer, routes_models, routes_openai
from . import routes_transfer as transfer
from .config import SimConfig, load_config
from .middleware import go_http_errors, route_faults
from .state import STATE_KEY, SimState

__all__ = ["SimConfig", "create_app", "start", "run_in_thread", "run", "RunningSimulator",
           "ThreadedSimulator"]  # fmt: skip


def _add_routes(app: web.Application) -> None:
    r = app.router
    r.add_route("GET", "/", routes_models.handle_root)
    r.add_route("HEAD", "/", routes_models.handle_root)
    r.add_route("GET", "/api/version", routes_models.handle_version)
    r.add_route("HEAD", "/api/version", routes_models.handle_version)
    r.add_route("GET", "/api/status", routes_models.handle_status)
    r.add_route("GET", "/api/tags", routes_models.handle_tags)
    r.add_route("HEAD", "/api/tags", routes_models.handle_tags)
    r.add_post("/api/show", routes_models.handle_show)
    r.add_route("GET", "/api/ps", routes_models.handle_ps)
    r.add_post("/api/copy", routes_models.handle_copy)
    r.add_delete("/api/delete", routes_models.handle_delete)
    r.add_post("/api/generate", routes_infer.handle_generate)
    r.add_post("/api/chat", routes_infer.handle_chat)
    r.add_post("/api/embed", routes_embed.handle_embed)
    r.add_post("/api/embeddings", routes_embed.handle_embeddings)
    r.add_post("/api/pull", transfer.handle_pull)
    r.add_post("/api/push", transfer.handle_push)
    r.add_post("/api/create", transfer.handle_create)
    r.add_route("HEAD", "/api/blobs/{digest}", transfer.handle_blob_head)
    r.add_post("/api/blobs/{digest}", transfer.handle_blob_post)
    r.add_post("/v1/chat/completions", routes_openai.handle_chat_completions)
    r.add_post("/v1/completions", routes_openai.handle_completions)
    r.add_post("/v1/embeddings", routes_openai.handle_embeddings)
    r.add_route("GET", "/v1/models", routes_openai.handle_models)
    r.add_route("GET", "/v1/models/{model}", routes_openai.handle_model)
    routes_control.add_routes(app)


def create_app(config: SimConfig | None = None) -> web.Application:
    """The simulator as an aiohttp Application (no sockets opened)."""
    app = web.Application(middlewares=[go_http_errors, route_faults], client_max_size=0)
    app[STATE_KEY] = SimState(config or SimConfig())
    _add_routes(app)
    return app


class RunningSimulator:
    """A simulator serving in the current event loop."""

    def __init__(self, runner: web.AppRunner, host: str, port: int) -> None:
        self.runner = runner
        self.host = host
        self.port = port
        self.url = f"http://{host}:{port}"

    @property
    def app(self) -> web.Application:
        return self.runner.app

    @property
    def state(self) -> SimState:
        return self.runner.app[STATE_KEY]

    async def stop(self) -> None:
        await self.runner.cleanup()

    async def __aenter__(self) -> RunningSimulator:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def start(
    config: SimConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> RunningSimulator:
    """Serve on host:port (0 = any free port) in the running loop."""
    runner = web.AppRunner(
        create_app(config), handler_cancellation=True, access_log=None, shutdown_timeout=0.5
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    return RunningSimulator(runner, host, bound)


class ThreadedSimulator:
    """A simulator with its own event loop in a daemon thread (for sync tests, the CLI)."""

    def __init__(self, config: SimConfig | None, host: str, port: int) -> None:
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        box: dict[str, object] = {}

        def main() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                box["sim"] = self._loop.run_until_complete(start(config, host, port))
            except BaseException as exc:  # reported to the caller below
                box["error"] = exc
                started.set()
                return
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=main, name="intelliproxy-sim", daemon=True)
        self._thread.start()
        started.wait()
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        self._sim: RunningSimulator = box["sim"]  # type: ignore[assignment]
        self.host, self.port, self.url = self._sim.host, self._sim.port, self._sim.url

    @property
    def state(self) -> SimState:
        """The live state (owned by the simulator's thread; read it, don't mutate it)."""
        return self._sim.state

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        fut = asyncio.run_coroutine_threadsafe(self._sim.stop(), self._loop)
        with contextlib.suppress(Exception):
            fut.result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> ThreadedSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_in_thread(
    config: SimConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> ThreadedSimulator:
    return ThreadedSimulator(config, host, port)


def run(host: str = "127.0.0.1", port: int = 11434, spec_path: str | Path | None = None) -> None:
    """Serve until SIGINT/SIGTERM (the `intelliproxy simulate` command)."""
    config = load_config(spec_path)

    async def main() -> None:
        sim = await start(config, host, port)
        names = ", ".join(m.name for m in config.models)
        print(f"simulated Ollama '{config.name}' at {sim.url} with: {names}", file=sys.stderr)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            await sim.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
