"""A small keep-alive HTTP/1.1 client for talking to Ollama backends.

Why not aiohttp or httpx: measured in `benchmarks/stack_compare.py`, a general-purpose
client costs 0.2-1.0 ms of CPU per proxied request on this class of machine, several times
the proxy's whole budget. Ollama backends speak plain HTTP/1.1 on a handful of known
addresses, so a pooled connection, one `write` for the request head and httptools (the C
parser uvicorn uses) for the response is all we need. Streaming bodies are handed out
chunk by chunk as they arrive, with back-pressure, and closing a response early closes its
socket: that is how a client disconnect reaches Ollama and cancels generation.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Iterable

import httptools

Headers = list[tuple[bytes, bytes]]

# Pause reading from the backend when this much body is waiting for a slow client.
_HIGH_WATER = 1 << 20


class UpstreamError(Exception):
    """The backend could not be reached or broke the HTTP exchange."""


class UpstreamStall(UpstreamError):
    """A started response went silent for longer than allowed."""


def _expire(waiter: asyncio.Future[None], seconds: float) -> None:
    if not waiter.done():
        waiter.set_exception(UpstreamStall(f"no data for {seconds:g}s"))


class UpstreamConnectError(UpstreamError):
    """Nothing was sent: the backend refused or did not accept the connection."""


class _Connection(asyncio.Protocol):
    """One TCP connection; carries one exchange at a time."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self._response: Response | None = None
        self._write_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:  # pragma: no cover - backends never upgrade
            self._fail(UpstreamError("unexpected protocol upgrade"))
        except httptools.HttpParserError as exc:
            self._fail(UpstreamError(f"malformed HTTP response from backend: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)
        response = self._response
        if response is not None and not response.complete:
            if response.until_eof and response.status:
                response._finish()  # a body without length or chunking ends with the socket
            else:
                self._fail(UpstreamError("backend closed the connection mid-response"))
        self.pool.discard(self)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- httptools callbacks
    def on_message_begin(self) -> None:
        pass

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._response is not None:
            self._response.headers.append((name, value))

    def on_headers_complete(self) -> None:
        response = self._response
        if response is None:
            return
        response.status = self.parser.get_status_code()
        response.keep_alive = self.parser.should_keep_alive()
        response.until_eof = not response.keep_alive and not any(
            k.lower() in (b"content-length", b"transfer-encoding") for k, _ in response.headers
        )
        if not response.headers_ready.done():
            response.headers_ready.set_result(None)

    def on_body(self, body: bytes) -> None:
        response = self._response
        if response is not None:
            response._feed(body)

    def on_message_complete(self) -> None:
        response = self._response
        if response is not None:
            response._finish()

    # -- exchange
    def start(self, response: Response, head: bytes, body: bytes | None) -> None:
        # One parser per connection: llhttp resets itself between keep-alive messages.
        self._response = response
        assert self.transport is not None
        # One write for small requests; big bodies go out without an extra copy.
        if body and len(body) < 65536:
            self.transport.write(head + body)
        else:
            self.transport.write(head)
            if body:
                self.transport.write(body)

    async def stream_body(self, chunks: AsyncIterator[bytes], chunked: bool) -> None:
        """Send a request body as it arrives from the client, honouring back-pressure."""
        assert self.transport is not None
        async for chunk in chunks:
            if self.closed:
                raise UpstreamError("backend closed the connection during the upload")
            if not chunk:
                continue
            if chunked:
                self.transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
            else:
                self.transport.write(chunk)
            await self._drain()
        if chunked:
            self.transport.write(b"0\r\n\r\n")

    async def _drain(self) -> None:
        while self._write_paused and not self.closed:
            self._drain_waiter = asyncio.get_running_loop().create_future()
            await self._drain_waiter

    def finished(self, reusable: bool) -> None:
        self._response = None
        if reusable and not self.closed:
            self.pool.release(self)
        else:
            self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.transport is not None:
                self.transport.close()
        self.pool.discard(self)

    def _fail(self, exc: Exception) -> None:
        response = self._response
        if response is not None:
            response._fail(exc)
        self.close()


class Response:
    """A backend response whose body is read as it arrives."""

    def __init__(self, conn: _Connection) -> None:
        self._conn = conn
        loop = asyncio.get_running_loop()
        self.headers_ready: asyncio.Future[None] = loop.create_future()
        self.status = 0
        self.headers: Headers = []
        self.keep_alive = False
        self.until_eof = False
        self.complete = False
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._waiter: asyncio.Future[None] | None = None
        self._error: Exception | None = None
        self._released = False
        self._paused = False

    def header(self, name: bytes) -> bytes | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    # -- fed by the connection
    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _feed(self, data: bytes) -> None:
        self._chunks.append(data)
        self._buffered += len(data)
        if self._buffered > _HIGH_WATER and not self._paused and self._conn.transport:
            self._paused = True
            self._conn.transport.pause_reading()
        self._wake()

    def _finish(self) -> None:
        self.complete = True
        self._wake()

    def _fail(self, exc: Exception) -> None:
        self._error = exc
        if not self.headers_ready.done():
            self.headers_ready.set_exception(exc)
        self._wake()

    # -- read by the proxy
    async def iter_chunks(self, idle_timeout: float | None = None) -> AsyncIterator[bytes]:
        """Yield body bytes as they arrive; raise UpstreamError if the body is cut and
        UpstreamStall if nothing arrives for `idle_timeout` seconds."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                while self._chunks:
                    chunk = self._chunks.popleft()
                    self._buffered -= len(chunk)
                    if self._paused and self._buffered < _HIGH_WATER // 2:
                        self._paused = False
                        if self._conn.transport:
                            self._conn.transport.resume_reading()
                    yield chunk
                if self.complete:
                    return
                if self._error is not None:
                    raise self._error
                waiter = self._waiter = loop.create_future()
                timer = (
                    loop.call_later(idle_timeout, _expire, waiter, idle_timeout)
                    if idle_timeout
                    else None
                )
                try:
                    await waiter
                finally:
                    self._waiter = None
                    if timer is not None:
                        timer.cancel()
        finally:
            self.release()

    async def read(self) -> bytes:
        parts = [chunk async for chunk in self.iter_chunks()]
        return b"".join(parts)

    def release(self) -> None:
        """Hand the connection back (if fully read) or close it (if abandoned)."""
        if self._released:
            return
        self._released = True
        self._conn.finished(self.complete and self.keep_alive and self._error is None)


class ConnectionPool:
    """Keep-alive connections to one backend (host, port)."""

    def __init__(self, host: str, port: int, *, max_idle: int = 64) -> None:
        self.host = host
        self.port = port
        self.max_idle = max_idle
        self._idle: deque[_Connection] = deque()
        self._host_header = f"{host}:{port}".encode()

    async def _connect(self, timeout: float | None) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, conn = await asyncio.wait_for(
                loop.create_connection(lambda: _Connection(self), self.host, self.port),
                timeout,
            )
        except (TimeoutError, OSError) as exc:
            reason = "timed out" if isinstance(exc, asyncio.TimeoutError) else str(exc)
            raise UpstreamConnectError(
                f"cannot connect to backend {self.host}:{self.port}: {reason}"
            ) from exc
        return conn

    def release(self, conn: _Connection) -> None:
        if len(self._idle) < self.max_idle:
            self._idle.append(conn)
        else:
            conn.close()

    def discard(self, conn: _Connection) -> None:
        with contextlib.suppress(ValueError):
            self._idle.remove(conn)

    async def request(
        self,
        method: str,
        target: str | bytes,
        headers: Iterable[tuple[bytes, bytes]] = (),
        body: bytes | None = None,
        *,
        body_stream: AsyncIterator[bytes] | None = None,
        content_length: int | None = None,
        connect_timeout: float | None = 10.0,
    ) -> Response:
        """Send a request and wait for the response head (status and headers).

        A pooled connection may have been closed by the backend while idle; a request that
        fails on one before any response byte arrived is retried once on a fresh connection.
        With `body_stream` the body is sent as it is produced (Content-Length when known,
        else chunked) on a fresh connection, since it cannot be replayed.
        """
        method_b = method.encode()
        target_b = target if isinstance(target, bytes) else target.encode()
        if body_stream is not None:
            return await self._streamed_request(
                method_b, target_b, headers, body_stream, content_length, connect_timeout
            )
        head = _render_head(method_b, target_b, self._host_header, headers, body)
        # Only reads are re-sent on a fresh connection when a pooled one dies unanswered:
        # the backend may have acted on a POST before dying (a pull, a generation), and
        # whether to try again is the caller's decision, not the transport's.
        replayable = method_b in (b"GET", b"HEAD")
        while True:
            while self._idle and self._idle[-1].closed:
                self._idle.pop()  # closed by the backend while idle
            reused = bool(self._idle)
            conn = self._idle.pop() if reused else await self._connect(connect_timeout)
            response = Response(conn)
            conn.start(response, head, body)
            try:
                await response.headers_ready
            except UpstreamError:
                if reused and replayable and not response.headers:
                    continue  # stale keep-alive connection: try again
                raise
            except BaseException:
                conn.close()
                raise
            if method_b == b"HEAD":
                # No body follows a HEAD answer; the parser cannot know that, so the
                # connection is not reused.
                response.complete = True
                response.keep_alive = False
            return response

    async def _streamed_request(
        self,
        method: bytes,
        target: bytes,
        headers: Iterable[tuple[bytes, bytes]],
        body_stream: AsyncIterator[bytes],
        content_length: int | None,
        timeout: float | None,
    ) -> Response:
        extra = (
            [(b"Content-Length", str(content_length).encode())]
            if content_length is not None
            else [(b"Transfer-Encoding", b"chunked")]
        )
        head = _render_head(method, target, self._host_header, [*headers, *extra], None, False)
        conn = await self._connect(timeout)
        response = Response(conn)
        conn.start(response, head, None)
        upload = asyncio.ensure_future(conn.stream_body(body_stream, content_length is None))
        try:
            # The backend may answer (e.g. 400 digest mismatch) before the upload ends.
            await asyncio.wait(
                {upload, response.headers_ready}, return_when=asyncio.FIRST_COMPLETED
            )
            if upload.done() and upload.exception() is not None:
                raise upload.exception()  # type: ignore[misc]
            await response.headers_ready
            if not upload.done():
                await upload
        except BaseException:
            upload.cancel()
            conn.close()
            raise
        return response

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


def _render_head(
    method: bytes,
    target: bytes,
    host: bytes,
    headers: Iterable[tuple[bytes, bytes]],
    body: bytes | None,
    add_length: bool = True,
) -> bytes:
    lines = [method + b" " + target + b" HTTP/1.1\r\nHost: " + host + b"\r\n"]
    for name, value in headers:
        lines.append(name + b": " + value + b"\r\n")
    if add_length and (body is not None or method in (b"POST", b"PUT", b"PATCH", b"DELETE")):
        lines.append(b"Content-Length: " + str(len(body or b"")).encode() + b"\r\n")
    lines.append(b"\r\n")
    return b"".join(lines)
