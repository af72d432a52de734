"""Send one client request through a list of attempts: failover before the first byte.

Nothing reaches the client until an upstream answered well (contract item 8), so every
failure before that — refused connection, a first byte later than the attempt's budget,
503 busy, out of memory, model missing, runner crash — moves on to the next attempt. A
4xx caused by the request itself is returned as is and never retried. Each attempt's result
is reported to its backend (breakers, busy marks, measured load times and speed).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import orjson

from .errors import RETRYABLE, Failure, classify_failure, error_message
from .exchange import (
    HOP_BY_HOP,
    Forward,
    Headers,
    Outcome,
    Send,
    Target,
    drop_fields,
    request_headers,
    swap_model,
)
from .http1 import Response, UpstreamConnectError, UpstreamError
from .inventory import canonical_model
from .relay import relay, send_buffered, send_error

__all__ = [
    "HOP_BY_HOP",
    "Forward",
    "Outcome",
    "Target",
    "execute",
    "request_headers",
    "send_error",
]

_METRIC_KEYS = ("load_duration", "eval_count", "eval_duration", "prompt_eval_count")


def _final_metrics(final: bytes | None) -> dict[str, int] | None:
    if not final:
        return None
    try:
        data = orjson.loads(final)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    return {k: data[k] for k in _METRIC_KEYS if isinstance(data.get(k), int)}


def _body_for(request: Forward, target: Target) -> bytes | None:
    body = request.body
    if body and target.drop_fields:
        body = drop_fields(body, target.drop_fields)
    if body and target.rewrite and target.model:
        body = swap_model(body, target.model)
    return body


async def execute(
    send: Send,
    request: Forward,
    targets: Sequence[Target],
    extra_headers: Headers,
    outcome: Outcome | None = None,
) -> Outcome:
    """Try each target until one answers, then relay that answer to the client.

    `outcome` is filled in place, so a caller whose task is cancelled (client gone) still
    sees which attempts were made."""
    exchange = _Exchange(send, request, extra_headers, outcome or Outcome(), list(targets))
    while exchange.remaining:
        target = exchange.remaining.pop(0)
        limiter = target.backend.limiter  # the AirLLM lane serves a few at a time, in order
        if limiter is not None:
            await limiter.acquire()
        try:
            if await exchange.attempt(target):
                return exchange.outcome
        finally:
            if limiter is not None:
                limiter.release()
    await exchange.give_up()
    return exchange.outcome


class _Exchange:
    """The state of one request's attempts."""

    def __init__(
        self, send: Send, request: Forward, extra: Headers, outcome: Outcome, targets: list[Target]
    ) -> None:
        self.send = send
        self.request = request
        self.extra = extra
        self.outcome = outcome
        self.remaining = targets
        self.last_error: tuple[Response, bytes, Target] | None = None
        self.down: set[str] = set()  # backends that failed at the transport level just now

    def _failed(self, target: Target, label: str, failure: Failure, message: str) -> None:
        target.backend.failed(target.model, failure.value, message)
        self.outcome.attempts.append(f"{label}:{failure.value}")
        self.outcome.failure, self.outcome.error = failure, message
        if self.request.on_failure is not None:
            self.remaining = self.request.on_failure(target, failure, self.remaining)

    async def attempt(self, target: Target) -> bool:
        """One try; True when the client has its answer (good or final)."""
        request, outcome, backend = self.request, self.outcome, target.backend
        label = f"{target.model or request.client_model or '-'}@{backend.url}"
        if backend.url in self.down:
            return False  # refused or silent a moment ago in this very request: not again
        if not _breakers_allow(target):
            outcome.attempts.append(f"{label}:{Failure.BREAKER.value}")
            outcome.failure, outcome.error = Failure.BREAKER, f"{backend.url} is cooling down"
            return False
        is_last = not self.remaining
        budget = target.first_byte_budget
        if is_last or budget is None:
            budget = max(request.header_timeout or 0, budget or 0) or None
        backend.started(target.model)
        try:
            # asyncio.timeout, not wait_for: no extra task on the hot path.
            async with asyncio.timeout(budget):
                response = await backend.pool.request(
                    request.method,
                    backend.target(request.target),
                    request.headers,
                    _body_for(request, target),
                )
        except (UpstreamError, OSError, TimeoutError) as exc:
            backend.finished(target.model)
            failure = Failure.TIMEOUT if isinstance(exc, TimeoutError) else Failure.CONNECT
            if failure is Failure.CONNECT:
                self.down.add(backend.url)
            self._failed(
                target, label, failure, _transport_message(backend.url, failure, budget, exc)
            )
            return False
        except BaseException:
            backend.finished(target.model)
            raise

        if response.status >= 400 and (not is_last or request.on_failure is not None):
            try:
                error_body = await response.read()
            except UpstreamError:
                error_body = b""
            finally:
                backend.finished(target.model)
            message = error_message(error_body)
            failure = classify_failure(response.status, message)
            if failure in RETRYABLE:
                assert failure is not None
                self.last_error = (response, error_body, target)
                self._failed(target, label, failure, message)
                return False  # with no attempt left, give_up relays this answer
            # The request itself is wrong: the backend is fine, the client gets the answer.
            outcome.attempts.append(f"{label}:{response.status}")
            backend.succeeded(None, None, False)
            await send_buffered(
                self.send, response, error_body, self.extra, outcome, target, request
            )
            return True

        outcome.attempts.append(f"{label}:{response.status}")
        outcome.failure = outcome.error = None  # earlier attempts stay in `attempts`
        try:
            await relay(self.send, response, self.extra, outcome, target, request)
        finally:
            backend.finished(target.model)
            response.release()
        _report(target, response.status, outcome)
        return True

    async def give_up(self) -> None:
        """Every attempt failed before anything reached the client."""
        outcome = self.outcome
        if self.last_error is not None:
            response, error_body, target = self.last_error
            await send_buffered(
                self.send, response, error_body, self.extra, outcome, target, self.request
            )
        else:
            status = 504 if outcome.failure is Failure.TIMEOUT else 502
            if outcome.failure is Failure.BREAKER:
                status = 503
            outcome.status = status
            message = outcome.error or "no backend is available"
            await send_error(self.send, status, message, self.request.openai, self.extra)
        outcome.duration = time.perf_counter() - outcome.started


def _breakers_allow(target: Target) -> bool:
    """Reserve a probe when a breaker is half-open; False when one refuses."""
    backend = target.backend
    model = backend.model_breakers.get(canonical_model(target.model)) if target.model else None
    if model is not None and not model.allows():
        return False
    if not backend.breaker.acquire():
        return False
    return model is None or model.acquire()


def _transport_message(url: str, failure: Failure, budget: float | None, exc: Exception) -> str:
    if failure is Failure.TIMEOUT:
        return f"backend {url} sent no first byte within {budget:g}s"
    if isinstance(exc, UpstreamConnectError):
        return str(exc)
    return f"backend {url} failed: {exc}"


def _report(target: Target, status: int, outcome: Outcome) -> None:
    backend = target.backend
    if outcome.failure in (Failure.CUT, Failure.STALL, Failure.MALFORMED):
        backend.failed(target.model, outcome.failure.value, outcome.stream_error)
    elif outcome.failure is Failure.IN_BAND:
        # Ollama's runner died mid-answer: count it against the model on this backend.
        backend.failed(target.model, Failure.LOAD.value, outcome.stream_error)
    elif status < 500:
        outcome.final_metrics = _final_metrics(outcome.final_chunk)
        backend.succeeded(target.model, outcome.final_metrics, target.cold)
