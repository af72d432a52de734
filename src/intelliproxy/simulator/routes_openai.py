"""/v1 routes: chat/completions, completions, models, embeddings (§11).

Like Ollama's middleware these translate to the native request, run the same checks, and
answer errors in the OpenAI shape with the native status.
"""

from __future__ import annotations

import base64
import re
import struct
from typing import Any

from aiohttp import web

from . import names, parsing, textgen
from .engine import Plan
from .errors import SimError
from .gojson import DecodeError, decode_request
from .openai_wire import ChatCompletionEncoder, CompletionEncoder
from .reqlog import LogEntry
from .routes_embed import run_embedding
from .routes_infer import TEMPLATE_OVERHEAD_TOKENS, check_chat
from .serving import buffered_fault, logged, serve
from .state import get_state
from .wire import json_response, openai_error

_DATA_URL = re.compile(r"^data:(?:image/(?:jpeg|jpg|png|webp))?;base64,(.*)$", re.S)
_EFFORT = {"none": False, "minimal": "low", "low": "low", "medium": "medium", "high": "high",
           "max": "max", "xhigh": "max", "ultra": "max"}  # fmt: skip


async def _read(request: web.Request) -> dict[str, Any]:
    try:
        return decode_request(await request.read(), "OpenAIRequest")
    except DecodeError as exc:
        # The middleware's own bind reports a bare EOF for an empty body.
        message = "EOF" if str(exc) == "missing request body" else str(exc)
        raise SimError(400, message) from None


def _content(msg: dict[str, Any]) -> tuple[str, int]:
    """(text, image count) of an OpenAI message's content."""
    content = msg.get("content")
    if content is None or isinstance(content, str):
        return content or "", 0
    if not isinstance(content, list):
        raise SimError(400, "invalid message content type")
    texts, images = [], 0
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            texts.append(str(part.get("text", "")))
        elif kind == "image_url":
            url = part.get("image_url")
            url = url.get("url", "") if isinstance(url, dict) else url or ""
            if url.startswith(("http://", "https://")):
                raise SimError(
                    400,
                    "image URLs are not currently supported, please use base64 encoded data "
                    "instead",
                )
            match = _DATA_URL.match(url)
            if not match:
                raise SimError(400, "invalid image input")
            parsing.images([match.group(1)])
            images += 1
    return "\n".join(texts), images


def _think(body: dict[str, Any]) -> bool | str | None:
    effort = body.get("reasoning_effort")
    if effort is None and isinstance(body.get("reasoning"), dict):
        effort = body["reasoning"].get("effort")
    if effort is None:
        return None
    if effort not in _EFFORT:
        raise SimError(400, f"invalid reasoning value: '{effort}'")
    return _EFFORT[effort]


def _options(body: dict[str, Any]) -> int | None:
    max_tokens = body.get("max_tokens")
    return int(max_tokens) if isinstance(max_tokens, (int, float)) else None


def _stop(body: dict[str, Any]) -> None:
    stop = body.get("stop")
    if isinstance(stop, list):
        for item in stop:
            if not isinstance(item, str):
                raise SimError(400, f"invalid type for 'stop' field: {type(item).__name__}")


async def handle_chat_completions(request: web.Request) -> web.StreamResponse:
    return await logged(request, "/v1/chat/completions", lambda e: _chat(request, e), openai_error)


async def _chat(request: web.Request, entry: LogEntry) -> web.StreamResponse:
    sim = get_state(request)
    body = await _read(request)
    ref = body.get("model") or ""
    stream = body.get("stream") is True
    entry.model, entry.stream = ref, stream
    messages = body.get("messages") or []
    if not isinstance(messages, list) or not messages:
        raise SimError(400, "[] is too short - 'messages'")
    think = _think(body)
    prompt, tokens, images = "", 0, 0
    for msg in messages:
        if not isinstance(msg, dict):
            raise SimError(400, "invalid message format")
        text, count = _content(msg)
        tokens += textgen.count_tokens(text) + 4
        if msg.get("role") == "user":
            prompt, images = text, count
    if not ref:
        raise SimError(400, "model is required")
    model = sim.find(ref)
    if model is None:
        raise SimError(404, f"model '{ref}' not found")
    tools = body.get("tools") or None
    emit_thinking = check_chat(model, ref, tools, think)
    last_is_tool = messages[-1].get("role") == "tool"
    plan = Plan(
        route="/v1/chat/completions",
        model_ref=ref,
        model=model,
        prompt=prompt,
        prompt_tokens=tokens + TEMPLATE_OVERHEAD_TOKENS,
        images=images if model.has("vision") else 0,
        tools=None if last_is_tool else tools,
        think=emit_thinking,
        num_predict=_options(body),
        default_tokens=sim.config.response_tokens,
        tag=sim.config.name,
    )
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    encoder = ChatCompletionEncoder(ref, include_usage)
    fault = sim.faults.take("/v1/chat/completions", ref)
    return await serve(request, sim.scheduler, fault, plan, encoder, stream=stream, entry=entry)


async def handle_completions(request: web.Request) -> web.StreamResponse:
    return await logged(request, "/v1/completions", lambda e: _complete(request, e), openai_error)


async def _complete(request: web.Request, entry: LogEntry) -> web.StreamResponse:
    sim = get_state(request)
    body = await _read(request)
    ref = body.get("model") or ""
    stream = body.get("stream") is True
    entry.model, entry.stream = ref, stream
    prompt = body.get("prompt")
    if prompt is not None and not isinstance(prompt, str):
        raise SimError(400, "invalid prompt: must be a string")
    _stop(body)
    model = sim.find(ref) if ref else None
    if model is None:
        raise SimError(404, f"model '{ref}' not found")
    if not model.has("completion"):
        raise SimError(400, f'"{ref}" does not support generate')
    if body.get("suffix") and not model.has("insert"):
        raise SimError(400, f"{names.full_name(model.name)} does not support insert")
    plan = Plan(
        route="/v1/completions",
        model_ref=ref,
        model=model,
        prompt=prompt or "",
        prompt_tokens=textgen.count_tokens(prompt or "") + TEMPLATE_OVERHEAD_TOKENS,
        think=model.has("thinking"),
        num_predict=_options(body),
        default_tokens=sim.config.response_tokens,
        tag=sim.config.name,
    )
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    encoder = CompletionEncoder(ref, include_usage)
    fault = sim.faults.take("/v1/completions", ref)
    return await serve(request, sim.scheduler, fault, plan, encoder, stream=stream, entry=entry)


def _model_object(model_id: str, created: float) -> dict[str, Any]:
    return {
        "id": model_id,
        "object": "model",
        "created": int(created),
        "owned_by": names.namespace(model_id),
    }


async def handle_models(request: web.Request) -> web.Response:
    sim = get_state(request)
    models = sorted(sim.installed.values(), key=lambda m: -int(m.modified_at))
    data = [_model_object(m.name, m.modified_at) for m in models] or None
    return json_response({"object": "list", "data": data})


async def handle_model(request: web.Request) -> web.Response:
    sim = get_state(request)
    model_id = request.match_info["model"]
    model = sim.find(model_id)
    if model is None:
        return openai_error(404, f"model '{model_id}' not found")
    return json_response(_model_object(model_id, model.modified_at))


async def handle_embeddings(request: web.Request) -> web.StreamResponse:
    return await logged(request, "/v1/embeddings", lambda e: _embeddings(request, e), openai_error)


async def _embeddings(request: web.Request, entry: LogEntry) -> web.StreamResponse:
    sim = get_state(request)
    body = await _read(request)
    ref = body.get("model") or ""
    entry.model = ref
    raw = body.get("input")
    if raw == "":
        raw = [""]
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw or not all(isinstance(v, str) for v in raw):
        raise SimError(400, "invalid input")
    fmt = body.get("encoding_format") or "float"
    if fmt not in ("float", "base64"):
        raise SimError(
            400,
            f"Invalid value for 'encoding_format' = {fmt}. Supported values: ['float', 'base64'].",
        )
    model = sim.find(ref) if ref else None
    if model is None:
        raise SimError(404, f'model "{ref}" not found, try pulling it first')
    fault = sim.faults.take("/v1/embeddings", ref)
    if fault is not None:
        entry.fault = fault.kind
    dims = body.get("dimensions")
    result = await run_embedding(
        request, sim, model, raw, keep_alive=None, fault=fault, route="/v1/embeddings",
        model_ref=ref, dimensions=dims if isinstance(dims, int) else None,
    )  # fmt: skip
    faulted = await buffered_fault(
        request, fault, entry, openai_error, b'{"object":"list","data":['
    )
    if faulted is not None:
        return faulted
    data = []
    for i, vec in enumerate(result.vectors):
        value: Any = vec
        if fmt == "base64":
            value = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()
        data.append({"object": "embedding", "embedding": value, "index": i})
    tokens = result.tokens
    return json_response(
        {
            "object": "list",
            "data": data,
            "model": ref,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )
