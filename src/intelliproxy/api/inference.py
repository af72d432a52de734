"""Generate, chat and embeddings, on the native and the /v1 routes: the routed requests.

One handler serves all of them; the route only decides the error shape (Ollama or OpenAI)
and whether the virtual model means "a chat model" or "an embedding model".
"""

from __future__ import annotations

import asyncio
import time

import orjson

from ..decide import Decision, is_virtual
from ..routing.planner import PREFERENCES
from ..runtime import Runtime
from ..upstream.forward import Forward, Outcome, execute, request_headers, send_error
from .http import ClientGone, Request, Send
from .recording import build_record
from .unload import is_unload, unload_elsewhere


def _routing_headers(decision: Decision) -> list[tuple[bytes, bytes]]:
    headers = []
    if decision.classification is not None:
        c = decision.classification
        headers.append((b"x-intelliproxy-category", c.category.encode()))
        headers.append((b"x-intelliproxy-complexity", str(c.complexity).encode()))
    if decision.reason:
        headers.append((b"x-intelliproxy-reason", decision.reason.encode("ascii", "replace")))
    return headers


def requested_preference(request: Request) -> tuple[str | None, str | None]:
    """(preference, error): one request's own trade between latency and fit, if it asks."""
    asked = request.header(b"x-intelliproxy-preference")
    if asked is None:
        return None, None
    preference = asked.decode("latin-1").strip().lower()
    if preference not in PREFERENCES:
        choices = ", ".join(PREFERENCES)
        return None, f"X-IntelliProxy-Preference must be one of {choices}, not {preference!r}"
    return preference, None


async def handle(
    runtime: Runtime, request: Request, send: Send, *, kind: str, openai: bool
) -> Outcome | None:
    started = time.perf_counter()
    try:
        raw = await request.body()
    except ClientGone:
        return None
    if not raw:
        await send_error(send, 400, "missing request body", openai)
        return None
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        await send_error(send, 400, f"invalid JSON in request body: {exc}", openai)
        return None
    if not isinstance(body, dict):
        await send_error(send, 400, "request body must be a JSON object", openai)
        return None

    preference, problem = requested_preference(request)
    if problem:
        await send_error(send, 400, problem, openai)
        return None

    model = body.get("model")
    if not isinstance(model, str) or not model:
        # Empty or odd `model`: Ollama's own answer differs by route, so ask a backend.
        decision = Decision(targets=runtime.router.route_passthrough())
    else:
        classification = None
        if kind == "chat" and runtime.router.uses_llm_classifier and is_virtual(model):
            classification = await runtime.router.classify_with_llm(body)
        decision = runtime.router.route(
            body, model, kind, classification=classification, preference=preference
        )
    extra = _routing_headers(decision)
    name = model if isinstance(model, str) else None
    if decision.error_status is not None:
        message = decision.error or "no model available"
        await send_error(send, decision.error_status, message, openai, extra)
        runtime.record(
            build_record(
                request,
                started,
                body,
                name,
                decision,
                None,
                status=decision.error_status,
                error=message,
            )
        )
        return None

    forward = Forward(
        method=request.method,
        target=request.raw_target,
        headers=request_headers(request.headers),
        body=raw,
        client_model=name,
        openai=openai,
        header_timeout=runtime.settings.request_timeout,
        idle_timeout=runtime.settings.stream_idle_timeout,
        on_failure=runtime.router.after_failure,
    )
    elsewhere = None
    if name and not openai and not is_virtual(name) and is_unload(body, request.path):
        routed_to = decision.targets[0].backend if decision.targets else None
        elsewhere = asyncio.create_task(
            unload_elsewhere(runtime.backends, name, body, request.path, routed_to)
        )
    outcome = Outcome()
    try:
        outcome = await execute(send, forward, decision.targets, extra, outcome)
    except asyncio.CancelledError:
        runtime.record(
            build_record(request, started, body, name, decision, outcome, cancelled=True)
        )
        raise
    finally:
        if elsewhere is not None:
            await elsewhere  # never raises: failures are logged
    runtime.record(build_record(request, started, body, name, decision, outcome))
    return outcome
