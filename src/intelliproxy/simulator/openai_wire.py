"""OpenAI-compatible framing (§11.2, §11.3): chat.completion(.chunk) and text_completion,
SSE events `data: <json>\\n\\n`, ending with `data: [DONE]\\n\\n`."""

from __future__ import annotations

import random
import time
from typing import Any

from aiohttp import web

from .encoders import Encoder
from .engine import Done, Piece
from .gojson import dumps
from .wire import SSE, json_response, openai_error

DONE_EVENT = b"data: [DONE]\n\n"


def event(obj: Any) -> bytes:
    return b"data: " + dumps(obj) + b"\n\n"


def usage(done: Done) -> dict[str, int]:
    return {
        "prompt_tokens": done.prompt_eval_count,
        "completion_tokens": done.eval_count,
        "total_tokens": done.prompt_eval_count + done.eval_count,
    }


def openai_tool_calls(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Native calls (arguments as an object) -> OpenAI calls (arguments as a JSON string)."""
    return [
        {
            "id": call["id"],
            "index": call["function"].get("index", 0),
            "type": "function",
            "function": {
                "name": call["function"]["name"],
                "arguments": dumps(call["function"]["arguments"]).decode(),
            },
        }
        for call in calls
    ]


class _OpenAIEncoder(Encoder):
    content_type = SSE
    prefix = "chatcmpl"

    def __init__(self, model_ref: str, include_usage: bool) -> None:
        self.model = model_ref
        self.include_usage = include_usage
        self.id = f"{self.prefix}-{random.randrange(999)}"
        self.created = int(time.time())

    def error(self, status: int, message: str, *, in_stream: bool = False) -> web.Response:
        return openai_error(status, message)

    def malformed_line(self) -> bytes:
        return b'data: {"id":"' + self.id.encode() + b'","object":<<garbage>>\n\n'

    def malformed_body(self) -> bytes:
        return b'{"id":"' + self.id.encode() + b'","object":'


class ChatCompletionEncoder(_OpenAIEncoder):
    def __init__(self, model_ref: str, include_usage: bool) -> None:
        super().__init__(model_ref, include_usage)
        self.first = True
        self.called_tools = False

    def _chunk(self, choices: list[Any], model: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model if model is None else model,
            "system_fingerprint": "fp_ollama",
            "choices": choices,
        }

    def _delta_event(self, delta: dict[str, Any]) -> bytes:
        if self.first:
            delta = {"role": "assistant", **delta}
            self.first = False
        return event(self._chunk([{"index": 0, "delta": delta, "finish_reason": None}]))

    def piece_lines(self, piece: Piece) -> list[bytes]:
        lines = []
        if piece.thinking:
            lines.append(self._delta_event({"content": "", "reasoning": piece.thinking}))
        if piece.tool_calls:
            self.called_tools = True
            calls = openai_tool_calls(piece.tool_calls)
            lines.append(self._delta_event({"content": "", "tool_calls": calls}))
        if piece.content or not lines:
            lines.append(self._delta_event({"content": piece.content}))
        return lines

    def _finish_reason(self, done: Done) -> str:
        if done.reason == "stop" and self.called_tools:
            return "tool_calls"
        return done.reason

    def done_lines(self, done: Done) -> list[bytes]:
        finish = {"index": 0, "delta": {}, "finish_reason": self._finish_reason(done)}
        lines = [event(self._chunk([finish]))]
        if self.include_usage:
            lines.append(event({**self._chunk([]), "usage": usage(done)}))
        return lines + [DONE_EVENT]

    def midstream_error_line(self, message: str) -> bytes:
        # Ollama feeds the native {"error"} object to its SSE writer as if it were a chunk.
        choice = {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
        return event(self._chunk([choice], model=""))

    def aggregate(self, pieces: list[Piece], done: Done) -> web.Response:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(p.content for p in pieces),
        }
        thinking = "".join(p.thinking for p in pieces)
        if thinking:
            message["reasoning"] = thinking
        calls = [c for p in pieces for c in (p.tool_calls or [])]
        if calls:
            self.called_tools = True
            message["tool_calls"] = openai_tool_calls(calls)
        body = {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": "fp_ollama",
            "choices": [
                {"index": 0, "message": message, "finish_reason": self._finish_reason(done)}
            ],
            "usage": usage(done),
        }
        return json_response(body)


class CompletionEncoder(_OpenAIEncoder):
    prefix = "cmpl"

    def _chunk(self, choices: list[Any]) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "id": self.id,
            "object": "text_completion",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": "fp_ollama",
            "choices": choices,
        }
        if self.include_usage:
            obj["usage"] = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        return obj

    def piece_lines(self, piece: Piece) -> list[bytes]:
        return [event(self._chunk([{"text": piece.content, "index": 0, "finish_reason": None}]))]

    def done_lines(self, done: Done) -> list[bytes]:
        lines = [event(self._chunk([{"text": "", "index": 0, "finish_reason": done.reason}]))]
        if self.include_usage:
            lines.append(event({**self._chunk([]), "usage": usage(done)}))
        return lines + [DONE_EVENT]

    def midstream_error_line(self, message: str) -> bytes:
        return event(
            {**self._chunk([{"text": "", "index": 0, "finish_reason": None}]), "model": ""}
        )

    def aggregate(self, pieces: list[Piece], done: Done) -> web.Response:
        text = "".join(p.content for p in pieces)
        body = {
            "id": self.id,
            "object": "text_completion",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": "fp_ollama",
            "choices": [{"text": text, "index": 0, "finish_reason": done.reason}],
            "usage": usage(done),
        }
        return json_response(body)
