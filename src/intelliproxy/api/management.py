"""The seed's own endpoints: health, classification, tasks and the model catalogue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from .. import VIRTUAL_MODEL
from ..routing.catalog import chat_capable
from ..routing.types import CATEGORIES
from ..runtime import Runtime
from ..upstream.backends import BackendState
from ..upstream.forward import Forward, execute
from .http import ClientGone, Request, Send, send_json
from .inference import requested_preference


async def _json_body(request: Request, send: Send) -> dict[str, Any] | None:
    """The request's JSON object, or None after answering 400."""
    try:
        raw = await request.body()
    except ClientGone:
        return None
    try:
        data = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError as exc:
        await send_json(send, 400, {"error": f"invalid JSON in request body: {exc}"})
        return None
    if not isinstance(data, dict):
        await send_json(send, 400, {"error": "request body must be a JSON object"})
        return None
    return data


def internal_generate(
    runtime: Runtime, body: dict[str, Any], *, timeout: float | None = None, failover: bool = True
) -> Forward:
    """A /api/generate the proxy sends on its own behalf (/task, /performance-test)."""
    return Forward(
        method="POST",
        target=b"/api/generate",
        headers=[(b"content-type", b"application/json")],
        body=orjson.dumps(body),
        client_model=body["model"],
        header_timeout=timeout or runtime.settings.request_timeout,
        idle_timeout=runtime.settings.stream_idle_timeout,
        on_failure=runtime.router.after_failure if failover else None,
    )


async def _task_type(body: dict[str, Any], send: Send) -> tuple[bool, str | None]:
    """(valid, task_type); answers 400 itself for an unknown category."""
    task_type = body.get("task_type")
    if task_type is not None and task_type not in CATEGORIES:
        await send_json(send, 400, {"error": f"task_type must be one of {', '.join(CATEGORIES)}"})
        return False, None
    return True, task_type


async def prompt_body(request: Request, send: Send) -> tuple[dict[str, Any], str] | None:
    """The JSON body and its non-empty `prompt`, or None after answering 400."""
    body = await _json_body(request, send)
    if body is None:
        return None
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        await send_json(send, 400, {"error": "prompt is required and must not be empty"})
        return None
    return body, prompt


def _has_prompt(body: dict[str, Any]) -> bool:
    if isinstance(body.get("prompt"), str) and body["prompt"].strip():
        return True
    messages = body.get("messages")
    return isinstance(messages, list) and any(
        isinstance(m, dict) and (m.get("content") or m.get("images")) for m in messages
    )


# ---------------------------------------------------------------- health


def _status(runtime: Runtime) -> str:
    states = [b.state for b in runtime.backends.backends]
    healthy = sum(s is BackendState.HEALTHY for s in states)
    if healthy == len(states):
        return "healthy"
    return "degraded" if healthy else "unhealthy"


def _models_available(runtime: Runtime) -> int:
    return len(runtime.backends.model_names())


async def health(runtime: Runtime, request: Request, send: Send) -> None:
    status = _status(runtime)
    names = runtime.backends.model_names()
    categories = {
        category: len(models)
        for category, models in runtime.catalog.by_category(names).items()
        if models
    }
    body = {
        "status": status,
        "models_available": len(names),
        "categories": categories,
        "ollama_url": runtime.settings.ollama_base_url,
        "classifier_model": runtime.settings.classifier_model,
        "classifier_mode": runtime.settings.classifier_mode,
        "routing_preference": runtime.settings.routing_preference,
        "virtual_model": VIRTUAL_MODEL,
        "backends": [b.describe() for b in runtime.backends.backends],
        "airllm": runtime.airllm.describe(),
    }
    await send_json(send, 200 if status != "unhealthy" else 503, body)


async def api_health(runtime: Runtime, request: Request, send: Send) -> None:
    status = _status(runtime)
    host = (request.header(b"host") or b"localhost").decode("latin-1")
    body = {
        "status": status,
        "models_available": _models_available(runtime),
        "router_url": f"http://{host}",
        "api_status": "running",
        "ollama_url": runtime.settings.ollama_base_url,
    }
    await send_json(send, 200 if status != "unhealthy" else 503, body)


# ---------------------------------------------------------------- classify and task


async def classify(runtime: Runtime, request: Request, send: Send) -> None:
    body = await _json_body(request, send)
    if body is None:
        return
    if not _has_prompt(body):
        await send_json(send, 400, {"error": "prompt is required and must not be empty"})
        return
    valid, task_type = await _task_type(body, send)
    if not valid:
        return
    preference, problem = requested_preference(request)
    if problem:
        await send_json(send, 400, {"error": problem})
        return
    decision = runtime.router.route(
        body, VIRTUAL_MODEL, "chat", category=task_type, preference=preference
    )
    c = decision.classification
    first = decision.targets[0] if decision.targets else None
    await send_json(
        send,
        200,
        {
            "category": c.category if c else None,
            "complexity": c.complexity if c else None,
            "confidence": round(c.confidence, 3) if c else None,
            "reasons": list(c.reasons) if c else [],
            "model": first.model if first else None,
            "backend": first.backend.url if first else None,
            "reason": decision.reason,
            "attempts": [
                {"model": t.model, "backend": t.backend.url, "reason": t.reason}
                for t in decision.targets
            ],
            "error": decision.error,
        },
    )


class _Capture:
    """An ASGI `send` that keeps the response instead of writing it to a socket."""

    def __init__(self) -> None:
        self.status = 0
        self.parts: list[bytes] = []

    async def __call__(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        else:
            self.parts.append(message.get("body", b""))

    def json(self) -> Any:
        try:
            return orjson.loads(b"".join(self.parts))
        except orjson.JSONDecodeError:
            return None


async def task(runtime: Runtime, request: Request, send: Send) -> None:
    found = await prompt_body(request, send)
    if found is None:
        return
    body, prompt = found
    valid, task_type = await _task_type(body, send)
    if not valid:
        return
    generate = {"model": VIRTUAL_MODEL, "prompt": prompt, "stream": False}
    decision = runtime.router.route(generate, VIRTUAL_MODEL, "chat", category=task_type)
    if decision.error_status is not None:
        await send_json(send, decision.error_status, {"error": decision.error})
        return
    capture = _Capture()
    forward = internal_generate(runtime, generate)
    outcome = await execute(capture, forward, decision.targets, [])
    answer = capture.json()
    if not outcome.ok or not isinstance(answer, dict) or "response" not in answer:
        message = (answer or {}).get("error") if isinstance(answer, dict) else None
        await send_json(
            send,
            outcome.status if outcome.status >= 400 else 502,
            {"error": message or outcome.error or "the model did not answer"},
        )
        return
    c = decision.classification
    await send_json(
        send,
        200,
        {
            "result": answer["response"],
            "model_used": outcome.model,
            "task_classification": c.category if c else task_type,
            "complexity": c.complexity if c else None,
            "backend": outcome.backend,
            "timestamp": datetime.now().isoformat(),
        },
    )


# ---------------------------------------------------------------- model catalogue


def _size_text(size: int | None) -> str | None:
    if not size:
        return None
    return f"{size / 1e9:.1f}GB"


def _model_entry(runtime: Runtime, name: str) -> dict[str, Any]:
    profile = runtime.catalog.profile(name)
    holders = runtime.backends.with_model(name)
    return {
        "size": _size_text(profile.size_bytes),
        "speed": profile.speed,
        "complexity": profile.complexity,
        "preferred_for": list(profile.preferred_for),
        "capabilities": sorted(profile.capabilities),
        "parameter_size_b": profile.parameter_size_b,
        "context_length": profile.context_length,
        "family": profile.family,
        "source": profile.source,
        "backends": [b.url for b in holders],
        "loaded": any(b.is_loaded(name) for b in holders),
        "chat": chat_capable(profile),
    }


async def models(runtime: Runtime, request: Request, send: Send) -> None:
    names = runtime.backends.model_names()
    await send_json(
        send,
        200,
        {
            "total": len(names),
            "categories": runtime.catalog.by_category(names),
            "models": {name: _model_entry(runtime, name) for name in names},
        },
    )


async def models_by_category(runtime: Runtime, request: Request, send: Send) -> None:
    category = request.path.rsplit("/", 1)[-1]
    names = runtime.backends.model_names()
    listing = runtime.catalog.by_category(names)
    if category not in CATEGORIES and category not in listing:
        await send_json(
            send,
            404,
            {"error": f"unknown category '{category}'; known: {', '.join(CATEGORIES)}"},
        )
        return
    chosen = listing.get(category, [])
    await send_json(
        send,
        200,
        {
            "category": category,
            "total": len(chosen),
            "models": {name: _model_entry(runtime, name) for name in chosen},
        },
    )


async def refresh_models(runtime: Runtime, request: Request, send: Send) -> None:
    """POST /models/refresh: re-read every backend's inventory and facts now."""
    for backend in runtime.backends.backends:
        backend.forget_facts()
    await runtime.backends.refresh()
    names = runtime.backends.model_names()
    await send_json(
        send,
        200,
        {
            "status": "refreshed",
            "total": len(names),
            "categories": runtime.catalog.by_category(names),
            "backends": {b.url: b.state.value for b in runtime.backends.backends},
        },
    )
