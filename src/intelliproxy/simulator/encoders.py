"""Turning engine output into native /api/generate and /api/chat bytes.

An Encoder knows one wire format; `serving.serve` drives it, so fault injection, pacing
and disconnect handling are written once for every inference route.
"""

from __future__ import annotations

from aiohttp import web

from .engine import Done, Piece
from .gojson import dumps
from .gotime import rfc3339_utc
from .wire import JSON_PLAIN, NDJSON, error_response, json_response


class Encoder:
    """One wire format. Subclasses fill in the framing."""

    content_type = NDJSON

    def piece_lines(self, piece: Piece) -> list[bytes]:
        raise NotImplementedError

    def done_lines(self, done: Done) -> list[bytes]:
        raise NotImplementedError

    def aggregate(self, pieces: list[Piece], done: Done) -> web.Response:
        raise NotImplementedError

    def error(self, status: int, message: str, *, in_stream: bool = False) -> web.Response:
        """Error reply before any byte; `in_stream` errors come from inside Ollama's
        streamResponse, which labels them plain `application/json`."""
        if in_stream:
            return error_response(status, message, JSON_PLAIN)
        return error_response(status, message)

    def midstream_error_line(self, message: str) -> bytes:
        return dumps({"error": message}) + b"\n"

    def malformed_line(self) -> bytes:
        return b'{"model":"sim","created_at":<<garbage>>\n'

    def malformed_body(self) -> bytes:
        return b'{"model":"sim","created_at":"'


def _line(obj: dict) -> bytes:
    return dumps(obj) + b"\n"


class GenerateEncoder(Encoder):
    def __init__(self, model_ref: str) -> None:
        self.model = model_ref

    def _head(self) -> dict:
        return {"model": self.model, "created_at": rfc3339_utc()}

    def _piece_obj(self, piece: Piece) -> dict:
        obj = self._head()
        obj["response"] = piece.content
        if piece.thinking:
            obj["thinking"] = piece.thinking
        if piece.tool_calls:
            obj["tool_calls"] = piece.tool_calls
        obj["done"] = False
        return obj

    def _done_obj(self, done: Done, response: str = "", thinking: str = "") -> dict:
        obj = self._head()
        obj["response"] = response
        if thinking:
            obj["thinking"] = thinking
        obj["done"] = True
        obj["done_reason"] = done.reason
        if done.context is not None:
            obj["context"] = done.context
        obj.update(done.metrics())
        return obj

    def piece_lines(self, piece: Piece) -> list[bytes]:
        return [_line(self._piece_obj(piece))]

    def done_lines(self, done: Done) -> list[bytes]:
        return [_line(self._done_obj(done))]

    def aggregate(self, pieces: list[Piece], done: Done) -> web.Response:
        text = "".join(p.content for p in pieces)
        thinking = "".join(p.thinking for p in pieces)
        obj = self._done_obj(done, text, thinking)
        return json_response(obj)


class ChatEncoder(Encoder):
    def __init__(self, model_ref: str, tools_sent: bool) -> None:
        self.model = model_ref
        self.tools_sent = tools_sent

    def _obj(self, message: dict, done: bool) -> dict:
        return {"model": self.model, "created_at": rfc3339_utc(), "message": message, "done": done}

    @staticmethod
    def _message(content: str, thinking: str = "", tool_calls: list | None = None) -> dict:
        msg: dict = {"role": "assistant", "content": content}
        if thinking:
            msg["thinking"] = thinking
        if tool_calls:
            msg["tool_calls"] = tool_calls
        return msg

    def piece_lines(self, piece: Piece) -> list[bytes]:
        msg = self._message(piece.content, piece.thinking, piece.tool_calls)
        return [_line(self._obj(msg, False))]

    def _done_obj(self, done: Done, message: dict) -> dict:
        obj = self._obj(message, True)
        obj["done_reason"] = done.reason
        obj.update(done.metrics())
        return obj

    def done_lines(self, done: Done) -> list[bytes]:
        return [_line(self._done_obj(done, self._message("")))]

    def aggregate(self, pieces: list[Piece], done: Done) -> web.Response:
        calls = [c for p in pieces for c in (p.tool_calls or [])] if self.tools_sent else None
        msg = self._message(
            "".join(p.content for p in pieces), "".join(p.thinking for p in pieces), calls
        )
        return json_response(self._done_obj(done, msg))
