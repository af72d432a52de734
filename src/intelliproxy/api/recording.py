"""Turn what happened to one request into the RequestRecord the statistics consume."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ..decide import Decision
from ..state.records import RequestRecord
from ..upstream.errors import Failure
from ..upstream.forward import Outcome
from .http import Request

PROMPT_CHARS = 500


def prompt_excerpt(body: Mapping[str, Any]) -> str:
    """The user's words (latest turn), truncated: enough to recognise a request in the log."""
    prompt = body.get("prompt")
    if isinstance(prompt, str) and prompt:
        return prompt[:PROMPT_CHARS]
    messages = body.get("messages")
    if isinstance(messages, list):
        for message in reversed(messages):
            if isinstance(message, dict) and message.get("role", "user") == "user":
                content = message.get("content")
                if isinstance(content, list):  # OpenAI content parts
                    content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
                if isinstance(content, str):
                    return content[:PROMPT_CHARS]
    text = body.get("input")
    if isinstance(text, str):
        return text[:PROMPT_CHARS]
    return ""


def error_kind(outcome: Outcome, cancelled: bool) -> str | None:
    if cancelled:
        return "cancelled"
    if outcome.stream_error is not None:
        if outcome.failure is Failure.CONNECT:
            return "cut"
        return outcome.failure.value if outcome.failure else "in_band"
    if outcome.status >= 400:
        if outcome.failure is not None:
            return outcome.failure.value
        return "request" if outcome.status < 500 else "server"
    return None


def build_record(
    request: Request,
    started: float,
    body: Mapping[str, Any],
    model: str | None,
    decision: Decision,
    outcome: Outcome | None,
    *,
    cancelled: bool = False,
    status: int | None = None,
    error: str | None = None,
) -> RequestRecord:
    classification = decision.classification
    numbers = (outcome.final_metrics if outcome else None) or {}
    planned = decision.targets[0].model if decision.targets else None
    served = outcome.model if outcome else None
    kind = error_kind(outcome, cancelled) if outcome else ("cancelled" if cancelled else "routing")
    return RequestRecord(
        time=time.time() - (time.perf_counter() - started),
        client=request.client_host,
        endpoint=request.path,
        method=request.method,
        requested_model=model,
        model=served,
        backend=outcome.backend if outcome else None,
        status=status if status is not None else (outcome.status if outcome else 499),
        duration=time.perf_counter() - started,
        ttft=outcome.ttfb if outcome else None,
        category=classification.category if classification else None,
        complexity=classification.complexity if classification else None,
        reason=decision.reason,
        attempts=tuple(outcome.attempts) if outcome else (),
        error_kind=kind,
        error=(outcome.stream_error or outcome.error) if outcome and kind else error,
        prompt=prompt_excerpt(body),
        # /v1 streams only when asked; Ollama's own routes stream unless told not to.
        streamed=body.get("stream") is True
        if request.path.startswith("/v1/")
        else body.get("stream") is not False,
        prompt_eval_count=numbers.get("prompt_eval_count"),
        eval_count=numbers.get("eval_count"),
        eval_duration_ns=numbers.get("eval_duration"),
        load_duration_ns=numbers.get("load_duration"),
        fallback=bool(served and planned and served != planned),
        airllm=bool(outcome and outcome.target and outcome.target.backend.lane == "airllm"),
    )
