"""A tiny real HTTP/1.1 server on loopback that records exactly what the proxy sent it.

The simulator behaves like Ollama; this one exists to check the bytes: the request line,
every header and the body as received, and to answer with a scripted response whose chunks
can wait for the test (to prove the proxy flushes each line before the next one exists).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import httptools


@dataclass
class Recorded:
    method: str
    target: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> bytes | None:
        values = [v for k, v in self.headers if k.lower() == name.lower().encode()]
        return values[0] if values else None


@dataclass
class Script:
    """A scripted answer: status line, headers, then chunks (bytes or a threading.Event to wait on)."""

    status: int = 200
    headers: list[tuple[str, str]] = field(
        default_factory=lambda: [("Content-Type", "application/json; charset=utf-8")]
    )
    chunks: list[bytes | threading.Event] = field(default_factory=lambda: [b"{}"])
    chunked: bool = False


TAGS = b'{"models":[{"name":"rec:latest","model":"rec:latest","modified_at":"2026-01-01T00:00:00Z","size":1000,"digest":"aa","details":{"family":"llama","parameter_size":"1B"},"capabilities":["completion"]}]}'


class RecordingUpstream:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.scripts: dict[str, Script] = {}
        self.default: Callable[[Recorded], Script] = self._default
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.port: int = future.result(5)
        self.url = f"http://127.0.0.1:{self.port}"

    @staticmethod
    def _default(request: Recorded) -> Script:
        path = request.target.split(b"?")[0]
        if path == b"/api/tags":
            return Script(chunks=[TAGS])
        if path == b"/api/ps":
            return Script(chunks=[b'{"models":[]}'])
        if path == b"/api/show":
            return Script(chunks=[b'{"model_info":{},"capabilities":["completion"],"details":{}}'])
        return Script(chunks=[b'{"ok":true}'])

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)

    def inference_requests(self) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if not r.target.startswith((b"/api/tags", b"/api/ps", b"/api/show", b"/api/version"))
        ]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    return
                self.requests.append(request)
                path = request.target.split(b"?")[0].decode()
                script = self.scripts.get(path) or self.default(request)
                await self._answer(writer, script, request.method == "HEAD")
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def _read_request(self, reader: asyncio.StreamReader) -> Recorded | None:
        state: dict = {"headers": [], "body": [], "done": False, "url": b""}

        class Handler:
            def on_url(self, url: bytes) -> None:
                state["url"] += url

            def on_header(self, name: bytes, value: bytes) -> None:
                state["headers"].append((name, value))

            def on_body(self, body: bytes) -> None:
                state["body"].append(body)

            def on_message_complete(self) -> None:
                state["done"] = True

        parser = httptools.HttpRequestParser(Handler())
        while not state["done"]:
            data = await reader.read(65536)
            if not data:
                return None
            parser.feed_data(data)
        return Recorded(
            parser.get_method().decode(), state["url"], state["headers"], b"".join(state["body"])
        )

    async def _answer(self, writer: asyncio.StreamWriter, script: Script, head_only: bool) -> None:
        reason = {
            200: "OK",
            201: "Created",
            400: "Bad Request",
            404: "Not Found",
            500: "Internal Server Error",
            503: "Service Unavailable",
        }
        lines = [f"HTTP/1.1 {script.status} {reason.get(script.status, 'Status')}\r\n".encode()]
        for name, value in script.headers:
            lines.append(f"{name}: {value}\r\n".encode())
        pieces = [c for c in script.chunks if isinstance(c, bytes)]
        if script.chunked:
            lines.append(b"Transfer-Encoding: chunked\r\n")
        else:
            lines.append(f"Content-Length: {sum(len(p) for p in pieces)}\r\n".encode())
        lines.append(b"\r\n")
        writer.write(b"".join(lines))
        if head_only:
            await writer.drain()
            return
        for chunk in script.chunks:
            if isinstance(chunk, threading.Event):
                await writer.drain()
                await asyncio.get_running_loop().run_in_executor(None, chunk.wait, 10)
                continue
            writer.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if script.chunked else chunk)
            await writer.drain()
        if script.chunked:
            writer.write(b"0\r\n\r\n")
        await writer.drain()
