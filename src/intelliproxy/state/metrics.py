"""Prometheus metrics at GET /metrics, from the same `RequestRecord`s as stats and the log.

Each `Metrics` owns its own `CollectorRegistry`, so tests and several runtimes in one
process never collide on the global registry. Label values that clients control (model
names) are capped at `max_series` distinct values per label, the rest reported as
`"(other)"`, so a client cannot blow up the scrape. Backend gauges (in flight, state,
breaker) are read from the backend pool at scrape time, not kept up to date per request.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from .records import RequestRecord
from .stats import OTHER

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BREAKER_STATES = ("closed", "open", "half_open")
# Seconds; spans a cached small-model answer up to the 15-minute request timeout.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)
TTFT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
_REQUEST_LABELS = ("model", "backend", "category", "status")


class _Capped:
    """Remembers up to `limit` distinct values of one label."""

    __slots__ = ("limit", "seen")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen: set[str] = set()

    def __call__(self, value: str | None) -> str:
        value = value or ""
        if value in self.seen:
            return value
        if len(self.seen) >= self.limit:
            return OTHER
        self.seen.add(value)
        return value


class Metrics:
    def __init__(self, max_series: int = 200) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._model = _Capped(max_series)
        self._backend = _Capped(max_series)
        self._label = _Capped(max_series)  # categories, statuses, error kinds
        # labels() validates its arguments on every call; cached children cost a dict lookup.
        self._children: dict[tuple[object, ...], Any] = {}

        self.requests = Counter(
            "intelliproxy_requests", "Requests answered.", _REQUEST_LABELS, registry=r
        )
        self.duration = Histogram(
            "intelliproxy_request_duration_seconds",
            "Arrival to last byte.",
            _REQUEST_LABELS,
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.ttft = Histogram(
            "intelliproxy_time_to_first_byte_seconds",
            "Arrival to the first byte relayed to the client.",
            ("model", "backend"),
            buckets=TTFT_BUCKETS,
            registry=r,
        )
        self.tokens = Counter(
            "intelliproxy_generated_tokens",
            "Tokens generated (eval_count).",
            ("model",),
            registry=r,
        )
        self.fallbacks = Counter(
            "intelliproxy_fallbacks",
            "Requests served by a model other than the first planned one.",
            ("model",),
            registry=r,
        )
        self.decisions = Counter(
            "intelliproxy_classifier_decisions",
            "Virtual-model requests by the category the classifier chose.",
            ("category",),
            registry=r,
        )
        self.errors = Counter(
            "intelliproxy_errors", "Failed requests by error kind.", ("kind",), registry=r
        )
        self.in_flight = Gauge(
            "intelliproxy_backend_in_flight", "Requests in flight.", ("backend",), registry=r
        )
        self.backend_state = Gauge(
            "intelliproxy_backend_state",
            "1 for the backend's current state, 0 for the others.",
            ("backend", "state"),
            registry=r,
        )
        self.breaker_state = Gauge(
            "intelliproxy_backend_breaker_state",
            "1 for the backend's current circuit-breaker state, 0 for the others.",
            ("backend", "state"),
            registry=r,
        )

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (metric, *labels)
        child = self._children.get(key)
        if child is None:  # bounded: every label value is capped
            child = self._children[key] = metric.labels(*labels)
        return child

    def record(self, rec: RequestRecord) -> None:
        model = self._model(rec.model)
        backend = self._backend(rec.backend)
        category = self._label(rec.category)
        status = self._label(str(rec.status))
        self._child(self.requests, model, backend, category, status).inc()
        self._child(self.duration, model, backend, category, status).observe(rec.duration)
        if rec.ttft is not None:
            self._child(self.ttft, model, backend).observe(rec.ttft)
        if rec.eval_count:
            self._child(self.tokens, model).inc(rec.eval_count)
        if rec.fallback:
            self._child(self.fallbacks, model).inc()
        if rec.category:
            self._child(self.decisions, category).inc()
        if rec.error_kind:
            self._child(self.errors, self._label(rec.error_kind)).inc()

    def render(self, runtime: Any) -> bytes:
        """The text exposition, with backend gauges read from `runtime.backends` now."""
        self._fill_backends(getattr(getattr(runtime, "backends", None), "backends", ()))
        return generate_latest(self.registry)

    def _fill_backends(self, backends: Any) -> None:
        # Cleared first so a backend removed from the config stops being reported.
        for gauge in (self.in_flight, self.backend_state, self.breaker_state):
            gauge.clear()
        for backend in backends:
            url = backend.url
            self.in_flight.labels(url).set(backend.in_flight)
            _one_hot(self.backend_state, url, backend.state, _states_of(backend.state))
            breaker = getattr(backend, "breaker_state", "closed")
            _one_hot(self.breaker_state, url, breaker, _states_of(breaker, BREAKER_STATES))


def _value(state: object) -> str:
    return str(state.value) if isinstance(state, Enum) else str(state)


def _states_of(state: object, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Every state the current one could have been (all members of its enum)."""
    names = [_value(m) for m in type(state)] if isinstance(state, Enum) else list(default)
    current = _value(state)
    return tuple(names) if current in names else (*names, current)


def _one_hot(gauge: Gauge, backend: str, state: object, states: tuple[str, ...]) -> None:
    current = _value(state)
    for name in states:
        gauge.labels(backend, name).set(1 if name == current else 0)
