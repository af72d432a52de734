"""HTTP replies framed exactly as Ollama frames them (content types, newlines, flushing)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .gojson import dumps

JSON_UTF8 = "application/json; charset=utf-8"  # gin's c.JSON
JSON_PLAIN = "application/json"  # errors raised inside streamResponse, waitForStream
NDJSON = "application/x-ndjson"
SSE = "text/event-stream"


def json_response(obj: Any, status: int = 200, content_type: str = JSON_UTF8) -> web.Response:
    return web.Response(status=status, body=dumps(obj), headers={"Content-Type": content_type})


def error_response(status: int, message: str, content_type: str = JSON_UTF8) -> web.Response:
    return json_response({"error": message}, status, content_type)


def openai_error(status: int, message: str) -> web.Response:
    """§11.1: the native status, the OpenAI error object."""
    kind = {400: "invalid_request_error", 404: "not_found_error"}.get(status, "api_error")
    body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return json_response(body, status)


def text_response(text: str, status: int = 200, content_type: str = "text/plain") -> web.Response:
    return web.Response(status=status, body=text.encode(), headers={"Content-Type": content_type})


def empty_response(status: int = 200) -> web.Response:
    return web.Response(status=status)


def client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


class LineStream:
    """A streamed reply whose status line and headers go out with the first line (§1.4).

    Each `send` is one complete line (NDJSON object + `\\n`, or one SSE event) in a single
    write, flushed at once — never split across writes, never blank lines.
    """

    def __init__(self, request: web.Request, content_type: str) -> None:
        self.request = request
        self.response = web.StreamResponse(status=200, headers={"Content-Type": content_type})
        self.lines = 0

    @property
    def started(self) -> bool:
        return self.response.prepared

    async def send(self, line: bytes) -> None:
        if client_gone(self.request):
            raise ConnectionResetError("client disconnected")
        if not self.response.prepared:
            await self.response.prepare(self.request)
        await self.response.write(line)
        self.lines += 1

    async def send_json(self, obj: Any) -> None:
        await self.send(dumps(obj) + b"\n")

    async def finish(self) -> web.StreamResponse:
        if not self.response.prepared:
            await self.response.prepare(self.request)
        await self.response.write_eof()
        return self.response

    def abort(self) -> web.StreamResponse:
        """Drop the TCP connection without finishing the chunked body."""
        transport = self.request.transport
        if transport is not None:
            transport.abort()
        return self.response
