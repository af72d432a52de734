"""A lean HTTP/1.1 server for ASGI apps, built for a proxy's hot path.

Why not uvicorn: measured with `benchmarks/overhead.py`, uvicorn spends two socket writes
per buffered response (head, then body), runs every header through two regular
expressions and gives the app no way to learn of a disconnect except by parking a task on
`receive()`. Here the head is coalesced with the first body chunk, streamed chunks are
written one per `send`, and a client that goes away cancels the app's task directly, which
closes the upstream socket and so cancels the generation in Ollama.

Scope: what Ollama clients use — HTTP/1.1 keep-alive, Content-Length and chunked request
bodies, `Expect: 100-continue`, HEAD, streaming responses with back-pressure. No
WebSockets, no HTTP/2, no TLS (put a TLS terminator in front, as for Ollama itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import httptools

log = logging.getLogger("intelliproxy.server")

App = Callable[
    [dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]
]

# ASGI extension telling apps that a disconnect cancels their task (no watcher needed).
CANCELS_ON_DISCONNECT = "intelliproxy.cancels_on_disconnect"

_STATUS_LINES = {
    status.value: b"HTTP/1.1 %d %s\r\n" % (status.value, status.phrase.encode())
    for status in HTTPStatus
}
_HIGH_WATER = 1 << 20  # pause reading a request body past this much buffered


def _status_line(status: int) -> bytes:
    return _STATUS_LINES.get(status) or b"HTTP/1.1 %d Status\r\n" % status


class _Cycle:
    """One request/response exchange on a connection."""

    __slots__ = (
        "conn",
        "scope",
        "body",
        "buffered",
        "more_body",
        "body_done",
        "waiter",
        "expect_continue",
        "started",
        "complete",
        "head",
        "chunked",
        "keep_alive",
        "head_only",
        "task",
    )

    def __init__(self, conn: HttpProtocol, scope: dict, keep_alive: bool, expect: bool) -> None:
        self.conn = conn
        self.scope = scope
        self.body: deque[bytes] = deque()
        self.buffered = 0
        self.more_body = True
        self.body_done = False  # the app has been given the end of the body
        self.waiter: asyncio.Future[None] | None = None
        self.expect_continue = expect
        self.started = False
        self.complete = False
        self.head: bytes | None = None  # status line + headers, written with the first body bytes
        self.chunked = False
        self.keep_alive = keep_alive
        self.head_only = scope["method"] == "HEAD"
        self.task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def receive(self) -> dict:
        conn = self.conn
        if self.expect_continue and not conn.closed:
            conn.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.expect_continue = False
        while not self.body and self.more_body and not conn.closed:
            conn.resume_reading()
            self.waiter = conn.loop.create_future()
            await self.waiter
        if self.body:
            chunk = self.body.popleft()
            self.buffered -= len(chunk)
            if self.buffered < _HIGH_WATER:
                conn.resume_reading()
            more = bool(self.body) or self.more_body
            self.body_done = not more
            return {"type": "http.request", "body": chunk, "more_body": more}
        if self.more_body:  # connection closed mid-body
            return {"type": "http.disconnect"}
        if not self.body_done:  # an empty body still gets its one http.request message
            self.body_done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        if not self.complete and not conn.closed:
            # Body read; park until the connection drops or the response completes.
            self.waiter = conn.loop.create_future()
            await self.waiter
        return {"type": "http.disconnect"}

    async def send(self, message: dict) -> None:
        conn = self.conn
        if conn.closed:
            return
        if conn.write_paused:
            await conn.drain()
        if not self.started:
            self.started = True
            status = message["status"]
            parts = [_status_line(status)]
            has_length = False
            for name, value in message.get("headers", ()):
                if name.lower() == b"content-length":
                    has_length = True
                parts.append(name + b": " + value + b"\r\n")
            no_body = self.head_only or status in (204, 304) or 100 <= status < 200
            if not has_length and not no_body:
                self.chunked = True
                parts.append(b"transfer-encoding: chunked\r\n")
            if not self.keep_alive:
                parts.append(b"connection: close\r\n")
            parts.append(b"\r\n")
            self.head = b"".join(parts)
            return
        body = message.get("body", b"")
        more = message.get("more_body", False)
        if self.head_only:
            body = b""
        if self.chunked and body:
            body = b"%x\r\n%b\r\n" % (len(body), body)
        if self.chunked and not more:
            body += b"0\r\n\r\n"
        if self.head is not None:
            body = self.head + body
            self.head = None
        if body:
            conn.transport.write(body)
        if not more:
            self.complete = True
            self.wake()
            conn.cycle_done(self)


class HttpProtocol(asyncio.Protocol):
    def __init__(self, app: App, server: Server) -> None:
        self.app = app
        self.server = server
        self.loop = asyncio.get_event_loop()
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.parser = httptools.HttpRequestParser(self)
        self.closed = False
        self.write_paused = False
        self.reading_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self.cycle: _Cycle | None = None  # the exchange receiving its body now
        self.active: _Cycle | None = None  # the exchange whose response is being written
        self._queue: deque[_Cycle] = deque()  # pipelined requests waiting their turn
        self.idle_since: float | None = None  # monotonic time the connection went idle
        self.client: tuple[str, int] | None = None
        self.local: tuple[str, int] | None = None

    # -- connection events
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        sock = transport.get_extra_info("sockname")
        self.client = (peer[0], peer[1]) if isinstance(peer, tuple) else None
        self.local = (sock[0], sock[1]) if isinstance(sock, tuple) else None
        self.server.connections.add(self)
        self.idle_since = self.loop.time()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.server.connections.discard(self)
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)
        for cycle in (self.active, self.cycle, *self._queue):
            if cycle is None:
                continue
            cycle.wake()
            if cycle.task is not None and not cycle.complete and not cycle.task.done():
                cycle.task.cancel()  # the client left: stop the work it asked for

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._reject(400, b"upgrades are not supported")
        except httptools.HttpParserError as exc:
            self._reject(400, b"malformed HTTP request: " + str(exc).encode())

    def _reject(self, status: int, message: bytes) -> None:
        if self.active is None or not self.active.started:
            body = b'{"error":"' + message.replace(b'"', b"'") + b'"}'
            self.transport.write(
                _status_line(status)
                + b"content-type: application/json\r\nconnection: close\r\ncontent-length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
        self.transport.close()

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)

    async def drain(self) -> None:
        while self.write_paused and not self.closed:
            self._drain_waiter = self.loop.create_future()
            await self._drain_waiter

    def resume_reading(self) -> None:
        if self.reading_paused and not self.closed:
            self.reading_paused = False
            self.transport.resume_reading()

    # -- parser callbacks
    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []
        self.idle_since = None

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        parsed = httptools.parse_url(self._url)
        raw_path = parsed.path
        path = raw_path.decode("latin-1")
        if b"%" in raw_path:
            from urllib.parse import unquote

            path = unquote(path)
        parser = self.parser
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": parser.get_http_version(),
            "method": parser.get_method().decode("ascii"),
            "scheme": "http",
            "path": path,
            "raw_path": raw_path,
            "query_string": parsed.query or b"",
            "root_path": "",
            "headers": self._headers,
            "client": self.client,
            "server": self.local,
            "extensions": {CANCELS_ON_DISCONNECT: {}},
        }
        expect = any(k == b"expect" and v.lower() == b"100-continue" for k, v in self._headers)
        cycle = _Cycle(self, scope, parser.should_keep_alive(), expect)
        self.cycle = cycle
        if self.active is None:
            self._run(cycle)
        else:
            self._queue.append(cycle)  # pipelined: answer in order

    def on_body(self, body: bytes) -> None:
        cycle = self.cycle
        if cycle is None:
            return
        cycle.body.append(body)
        cycle.buffered += len(body)
        if cycle.buffered > _HIGH_WATER and not self.reading_paused:
            self.reading_paused = True
            self.transport.pause_reading()
        cycle.wake()

    def on_message_complete(self) -> None:
        cycle = self.cycle
        if cycle is not None:
            cycle.more_body = False
            cycle.wake()
            self.cycle = None

    # -- running the app
    def _run(self, cycle: _Cycle) -> None:
        self.active = cycle
        cycle.task = self.loop.create_task(self._call_app(cycle))

    async def _call_app(self, cycle: _Cycle) -> None:
        try:
            await self.app(cycle.scope, cycle.receive, cycle.send)
        except asyncio.CancelledError:
            if not self.closed:
                raise
        except Exception:
            log.exception("unhandled error in the app for %s", cycle.scope.get("path"))
            if not cycle.started and not self.closed:
                body = b'{"error":"internal proxy error, see the proxy log"}'
                await cycle.send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await cycle.send({"type": "http.response.body", "body": body})
        if not cycle.complete and not self.closed:
            self.transport.close()  # the app ended without finishing its response

    def cycle_done(self, cycle: _Cycle) -> None:
        if self.active is cycle:
            self.active = None
        if not cycle.keep_alive or self.server.stopping:
            self.transport.close()
            return
        if cycle.more_body:
            # The app answered without reading the whole body: the connection cannot be reused.
            self.transport.close()
            return
        if self._queue:
            self._run(self._queue.popleft())
        else:
            self.idle_since = self.loop.time()  # the server's sweeper closes it eventually

    def close_if_idle(self, now: float, timeout: float) -> None:
        idle = self.idle_since
        if idle is not None and now - idle > timeout and self.active is None and not self.closed:
            self.transport.close()


class Server:
    """One listening socket serving one ASGI app."""

    def __init__(self, app: App, host: str, port: int, *, keep_alive_timeout: float = 75.0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.keep_alive_timeout = keep_alive_timeout
        self.connections: set[HttpProtocol] = set()
        self.stopping = False
        self._server: asyncio.AbstractServer | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: HttpProtocol(self.app, self),
            self.host,
            self.port,
            reuse_address=True,
            backlog=2048,
        )
        sockets = self._server.sockets
        if sockets:
            self.port = sockets[0].getsockname()[1]
        # One sweep for all connections instead of a timer re-armed on every request.
        self._sweeper = asyncio.create_task(self._sweep_idle())

    async def _sweep_idle(self) -> None:
        loop = asyncio.get_running_loop()
        interval = min(5.0, self.keep_alive_timeout / 2)
        while True:
            await asyncio.sleep(interval)
            now = loop.time()
            for conn in list(self.connections):
                conn.close_if_idle(now, self.keep_alive_timeout)

    async def stop(self, grace: float = 5.0) -> None:
        """Stop accepting, let running exchanges finish for `grace` seconds, then close."""
        self.stopping = True
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            if conn.active is None and conn.cycle is None:
                conn.transport.close()
        deadline = asyncio.get_running_loop().time() + grace
        while self.connections and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        for conn in list(self.connections):
            conn.transport.close()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
