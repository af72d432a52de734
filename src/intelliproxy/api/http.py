"""Small ASGI helpers: read a request, answer JSON or text.

A client that leaves needs no watching here: `server.py` cancels the request's task, which
closes the upstream socket and so cancels the work in Ollama (contract item 20).

The API server is a plain ASGI callable rather than a framework app because the hot path
(one proxied request) has a CPU budget of a fraction of a millisecond; these helpers are all
the framework it needs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]

JSON_TYPE = b"application/json; charset=utf-8"


class ClientGone(Exception):
    """The client disconnected before its request body was complete."""


@dataclass(slots=True)
class Request:
    scope: Scope
    receive: Receive
    method: str
    path: str
    raw_target: bytes  # path and query as they arrived, never re-encoded

    @classmethod
    def from_scope(cls, scope: Scope, receive: Receive) -> Request:
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string") or b""
        target = raw_path + b"?" + query if query else raw_path
        return cls(scope, receive, scope["method"], scope["path"], target)

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        return self.scope["headers"]

    def header(self, name: bytes) -> bytes | None:
        for key, value in self.scope["headers"]:
            if key == name:  # ASGI servers lower-case header names
                return value
        return None

    @property
    def client_host(self) -> str:
        client = self.scope.get("client")
        return client[0] if client else ""

    async def body(self) -> bytes:
        chunks = []
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def stream(self) -> AsyncIterator[bytes]:
        """The body as it arrives, for uploads too large to hold in memory."""
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk = message.get("body", b"")
            if chunk:
                yield chunk
            if not message.get("more_body"):
                return


async def send_bytes(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    headers: list[tuple[bytes, bytes]] | tuple = (),
    head_only: bool = False,
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if head_only else body})


async def send_json(
    send: Send, status: int, data: Any, headers: list[tuple[bytes, bytes]] | tuple = ()
) -> None:
    await send_bytes(send, status, orjson.dumps(data), JSON_TYPE, headers)
