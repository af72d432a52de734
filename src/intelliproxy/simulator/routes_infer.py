"""POST /api/generate and POST /api/chat: validation in Ollama's order, then `serve`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import names, parsing, textgen
from .encoders import ChatEncoder, GenerateEncoder
from .engine import Plan
from .errors import SimError
from .faults import Fault
from .gotime import rfc3339_utc
from .models import SimModel
from .reqlog import LogEntry
from .serving import logged, prestream_fault, serve
from .state import SimState, get_state
from .wire import error_response, json_response

TEMPLATE_OVERHEAD_TOKENS = 10


def check_thinking(model: SimModel, model_ref: str, think: bool | str | None) -> bool:
    """Whether to emit thinking; 400 when asked of a model that cannot think."""
    if think is not None and think is not False and not model.has("thinking"):
        raise SimError(400, f'"{model_ref}" does not support thinking')
    return model.has("thinking") and think is not False


def check_chat(model: SimModel, model_ref: str, tools: object, think: bool | str | None) -> bool:
    """Ollama's 400s for a chat this model cannot do; returns whether to emit thinking."""
    if not model.has("completion"):
        raise SimError(400, f'"{model_ref}" does not support chat')
    if tools and not model.has("tools"):
        raise SimError(400, f"{names.full_name(model.name)} does not support tools")
    return check_thinking(model, model_ref, think)


async def load_or_unload(
    request: web.Request,
    sim: SimState,
    model: SimModel,
    keep_alive: float | None,
    num_ctx: int | None,
    head: dict[str, Any],
    entry: LogEntry,
    fault: Fault | None,
) -> web.Response:
    """Empty prompt/messages: load (done_reason load) or, with keep_alive 0, unload."""
    if keep_alive == 0:
        sim.scheduler.unload(model)
        entry.done_reason = "unload"
        return json_response({**head, "done": True, "done_reason": "unload"})
    if fault is not None:
        entry.fault = fault.kind
        await prestream_fault(request, fault, entry.route, head["model"], slow=False)
    lease = await sim.scheduler.acquire(model, keep_alive, num_ctx)
    lease.release()
    entry.done_reason = "load"
    return json_response({**head, "done": True, "done_reason": "load"})


async def handle_generate(request: web.Request) -> web.StreamResponse:
    return await logged(request, "/api/generate", lambda e: _generate(request, e), error_response)


async def _generate(request: web.Request, entry: LogEntry) -> web.StreamResponse:
    sim = get_state(request)
    body = await parsing.read_request(request, "GenerateRequest")
    keep_alive = parsing.keep_alive(body)
    think = parsing.think(body)
    ref = body.get("model") or ""
    stream = body.get("stream") is not False
    entry.model, entry.stream = ref, stream
    if not names.is_valid(ref):
        raise SimError(404, f"model '{ref}' not found")
    raw = bool(body.get("raw"))
    if raw and (body.get("template") or body.get("system") or body.get("context")):
        raise SimError(400, "raw mode does not support template, system, or context")
    top = body.get("top_logprobs")
    if isinstance(top, int) and not 0 <= top <= 20:
        raise SimError(400, "top_logprobs must be between 0 and 20")
    image_count = parsing.images(body.get("images"))
    model = sim.find(ref)
    if model is None:
        raise SimError(404, f"model '{ref}' not found")
    if not model.has("completion"):
        raise SimError(400, f'"{ref}" does not support generate')
    if body.get("suffix") and not model.has("insert"):
        raise SimError(400, f"{names.full_name(model.name)} does not support insert")
    emit_thinking = check_thinking(model, ref, think)
    opts = parsing.options(body)
    num_ctx = parsing.int_option(opts, "num_ctx")
    prompt = body.get("prompt") or ""
    fault = sim.faults.take("/api/generate", ref)
    if not prompt:
        head = {"model": ref, "created_at": rfc3339_utc(), "response": ""}
        return await load_or_unload(request, sim, model, keep_alive, num_ctx, head, entry, fault)
    parsing.check_format(body)
    text = " ".join(filter(None, [body.get("system"), prompt, body.get("suffix")]))
    plan = Plan(
        route="/api/generate",
        model_ref=ref,
        model=model,
        prompt=prompt,
        prompt_tokens=textgen.count_tokens(text) + (0 if raw else TEMPLATE_OVERHEAD_TOKENS),
        images=image_count if model.has("vision") else 0,
        think=emit_thinking,
        num_predict=parsing.int_option(opts, "num_predict"),
        default_tokens=sim.config.response_tokens,
        keep_alive=keep_alive,
        num_ctx=num_ctx,
        want_context=not raw,
        tag=sim.config.name,
    )
    encoder = GenerateEncoder(ref)
    return await serve(request, sim.scheduler, fault, plan, encoder, stream=stream, entry=entry)


def _chat_prompt(messages: list[Any]) -> tuple[str, int, int, bool]:
    """(text seeding the answer, prompt tokens, images in the last user turn, tool turn?)."""
    prompt, tokens, image_count = "", 0, 0
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise SimError(
                400, "json: cannot unmarshal value into Go struct field ChatRequest.messages"
            )
        content = msg.get("content") or ""
        if not isinstance(content, str):
            raise SimError(
                400,
                "json: cannot unmarshal "
                f"{'array' if isinstance(content, list) else 'value'} into Go struct field "
                "ChatRequest.messages.content of type string",
            )
        count = parsing.images(msg.get("images"))
        tokens += textgen.count_tokens(content) + 4
        if str(msg.get("role", "")).lower() == "user":
            prompt = content
            image_count = count if i == len(messages) - 1 else 0
    last_is_tool = bool(messages) and str(messages[-1].get("role", "")).lower() == "tool"
    return prompt, tokens, image_count, last_is_tool


async def handle_chat(request: web.Request) -> web.StreamResponse:
    return await logged(request, "/api/chat", lambda e: _chat(request, e), error_response)


async def _chat(request: web.Request, entry: LogEntry) -> web.StreamResponse:
    sim = get_state(request)
    body = await parsing.read_request(request, "ChatRequest")
    keep_alive = parsing.keep_alive(body)
    think = parsing.think(body)
    ref = body.get("model") or ""
    stream = body.get("stream") is not False
    entry.model, entry.stream = ref, stream
    if not ref:
        raise SimError(400, "model is required")
    top = body.get("top_logprobs")
    if isinstance(top, int) and not 0 <= top <= 20:
        raise SimError(400, "top_logprobs must be between 0 and 20")
    messages = body.get("messages") or []
    prompt, prompt_tokens, image_count, last_is_tool = _chat_prompt(messages)
    model = sim.find(ref)
    if model is None:
        raise SimError(404, f"model '{ref}' not found")
    opts = parsing.options(body)
    num_ctx = parsing.int_option(opts, "num_ctx")
    head = {
        "model": ref,
        "created_at": rfc3339_utc(),
        "message": {"role": "assistant", "content": ""},
    }
    if not messages and keep_alive == 0:
        return await load_or_unload(request, sim, model, keep_alive, num_ctx, head, entry, None)
    tools = body.get("tools") or None
    emit_thinking = check_chat(model, ref, tools, think)
    fault = sim.faults.take("/api/chat", ref)
    if not messages:
        return await load_or_unload(request, sim, model, keep_alive, num_ctx, head, entry, fault)
    parsing.check_format(body)
    plan = Plan(
        route="/api/chat",
        model_ref=ref,
        model=model,
        prompt=prompt,
        prompt_tokens=prompt_tokens + TEMPLATE_OVERHEAD_TOKENS,
        images=image_count if model.has("vision") else 0,
        tools=None if last_is_tool else tools,
        think=emit_thinking,
        num_predict=parsing.int_option(opts, "num_predict"),
        default_tokens=sim.config.response_tokens,
        keep_alive=keep_alive,
        num_ctx=num_ctx,
        tag=sim.config.name,
    )
    encoder = ChatEncoder(ref, tools_sent=bool(tools))
    return await serve(request, sim.scheduler, fault, plan, encoder, stream=stream, entry=entry)
