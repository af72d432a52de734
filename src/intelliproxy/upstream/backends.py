"""The Ollama backends the proxy talks to: state, breakers, load, and what each has.

Each `Backend` owns a connection pool, an inventory refreshed in the background (so routing
reads memory, never the network), a circuit breaker for itself and one per model, in-flight
counters, and what it measured (cold-load seconds and tokens/s per model).

A backend's state is a name, derived from those facts:

| state         | when                                                        | planner  |
|---------------|-------------------------------------------------------------|----------|
| unknown       | not probed yet                                              | skipped  |
| unreachable   | the last health check failed                                | skipped  |
| cooling_down  | its breaker is open after repeated failures                 | skipped  |
| degraded      | its breaker is half-open: one probe request may go          | last     |
| busy          | it answered 503 in the last seconds, or is at max_concurrent | penalised |
| healthy       | otherwise                                                   | normal   |
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import orjson

from ..routing.types import BackendView, FleetSnapshot
from .breaker import BreakerState, CircuitBreaker
from .http1 import ConnectionPool, UpstreamError
from .inventory import Inventory, InventoryReader, canonical_model

log = logging.getLogger("intelliproxy.backends")

__all__ = ["Backend", "BackendPool", "BackendSettings", "BackendState", "canonical_model"]

BUSY_SECONDS = 5.0  # a 503 marks the backend busy for this long
_EWMA = 0.3  # weight of a new measurement


class BackendState(StrEnum):
    UNKNOWN = "unknown"
    HEALTHY = "healthy"
    BUSY = "busy"
    DEGRADED = "degraded"
    COOLING_DOWN = "cooling_down"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True, slots=True)
class BackendSettings:
    """Per-backend operator settings (router_config.json `backends`)."""

    max_concurrent: int | None = None  # match the backend's OLLAMA_NUM_PARALLEL x models
    weight: float = 1.0
    memory_budget: int | None = None  # bytes

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> BackendSettings:
        return cls(
            max_concurrent=data.get("max_concurrent"),
            weight=float(data.get("weight") or 1.0),
            memory_budget=data.get("memory_budget"),
        )


def _ewma(old: float | None, new: float) -> float:
    return new if old is None else old + _EWMA * (new - old)


class Backend:
    def __init__(
        self,
        url: str,
        settings: BackendSettings | None = None,
        breaker: Callable[[], CircuitBreaker] = CircuitBreaker,
    ) -> None:
        parts = urlsplit(url)
        self.url = url
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 11434
        # A base path (Ollama behind a reverse proxy at /ollama) is kept in every request.
        self.base_path = parts.path.rstrip("/").encode()
        self.pool = ConnectionPool(self.host, self.port)
        self.reader = InventoryReader(self.pool, self.base_path, url)
        self.settings = settings or BackendSettings()
        self.inventory = Inventory()
        self.reachable: bool | None = None  # None until the first health check
        self.new_breaker = breaker
        self.breaker = breaker()
        self.model_breakers: dict[str, CircuitBreaker] = {}
        self.in_flight = 0
        self.model_in_flight: dict[str, int] = {}
        self.busy_until = 0.0
        self.load_seconds: dict[str, float] = {}  # canonical model -> measured cold load
        self.tokens_per_s: dict[str, float] = {}  # canonical model -> measured speed
        self.last_error: str | None = None
        self.checks_failed = 0
        self.limiter: asyncio.Semaphore | None = None  # set for lanes with a concurrency cap
        self.lane = "ollama"

    def __repr__(self) -> str:
        return f"Backend({self.url!r}, {self.state.value})"

    # ---------------------------------------------------------------- state

    @property
    def state(self) -> BackendState:
        if self.reachable is None:
            return BackendState.UNKNOWN
        if not self.reachable:
            return BackendState.UNREACHABLE
        breaker = self.breaker.state
        if breaker is BreakerState.OPEN:
            return BackendState.COOLING_DOWN
        if breaker is BreakerState.HALF_OPEN:
            return BackendState.DEGRADED
        limit = self.settings.max_concurrent
        if time.monotonic() < self.busy_until or (limit and self.in_flight >= limit):
            return BackendState.BUSY
        return BackendState.HEALTHY

    @property
    def breaker_state(self) -> str:
        return self.breaker.state.value

    @property
    def available(self) -> bool:
        return self.state not in (BackendState.UNREACHABLE, BackendState.COOLING_DOWN)

    def model_breaker(self, model: str) -> CircuitBreaker:
        key = canonical_model(model)
        breaker = self.model_breakers.get(key)
        if breaker is None:
            breaker = self.model_breakers[key] = self.new_breaker()
        return breaker

    def model_usable(self, model: str) -> bool:
        breaker = self.model_breakers.get(canonical_model(model))
        return breaker is None or breaker.allows()

    # ---------------------------------------------------------------- inventory

    def target(self, path_and_query: bytes) -> bytes:
        return self.base_path + path_and_query

    def has_model(self, name: str) -> bool:
        return canonical_model(name) in self.inventory.models

    def is_loaded(self, name: str) -> bool:
        return canonical_model(name) in self.inventory.loaded

    async def get_json(self, path: str, timeout: float = 5.0) -> dict:
        return await self.reader.get_json(path, timeout)

    async def post_json(self, path: str, payload: dict, timeout: float = 5.0) -> dict:
        return await self.reader.post_json(path, payload, timeout)

    async def refresh(self, timeout: float = 5.0) -> bool:
        """Health check and inventory in one: re-read /api/tags and /api/ps.

        Returns True when the installed models changed (the catalogue needs a rebuild)."""
        try:
            inventory = await self.reader.read(self.inventory, timeout)
        except (UpstreamError, OSError, TimeoutError, orjson.JSONDecodeError) as exc:
            self.checks_failed += 1
            if self.reachable is not False:
                log.warning("backend %s unreachable: %s", self.url, exc or type(exc).__name__)
            self.reachable = False
            self.last_error = str(exc) or type(exc).__name__
            self.breaker.trip(self.last_error)
            return False
        changed = [m.get("digest") for m in inventory.tags] != [
            m.get("digest") for m in self.inventory.tags
        ] or set(inventory.shows) != set(self.inventory.shows)
        if self.reachable is not True:
            log.info("backend %s healthy with %d models", self.url, len(inventory.models))
            if self.breaker.state is not BreakerState.CLOSED and self.checks_failed:
                self.breaker.success()  # it was the health check that opened it
        self.inventory = inventory
        self.reachable = True
        self.checks_failed = 0
        self.last_error = None
        return changed

    def forget_facts(self) -> None:
        """Drop cached /api/show answers so the next refresh asks again."""
        self.inventory.shows = {}

    # ---------------------------------------------------------------- outcomes

    def started(self, model: str | None) -> None:
        self.in_flight += 1
        if model:
            key = canonical_model(model)
            self.model_in_flight[key] = self.model_in_flight.get(key, 0) + 1

    def finished(self, model: str | None) -> None:
        self.in_flight -= 1
        if model:
            key = canonical_model(model)
            left = self.model_in_flight.get(key, 1) - 1
            if left > 0:
                self.model_in_flight[key] = left
            else:
                self.model_in_flight.pop(key, None)

    def succeeded(self, model: str | None, metrics: Mapping[str, int] | None, cold: bool) -> None:
        self.breaker.success()
        if not model:
            return
        key = canonical_model(model)
        if key in self.model_breakers:
            self.model_breakers[key].success()
        # It answered, so it is resident now: the planner need not wait for /api/ps.
        if key not in self.inventory.loaded and key in self.inventory.models:
            self.inventory.loaded = self.inventory.loaded | {key}
        if metrics:
            load = metrics.get("load_duration")
            if cold and load:
                self.load_seconds[key] = _ewma(self.load_seconds.get(key), load / 1e9)
            count, duration = metrics.get("eval_count"), metrics.get("eval_duration")
            if count and duration and count >= 4:
                self.tokens_per_s[key] = _ewma(self.tokens_per_s.get(key), count / duration * 1e9)

    def failed(self, model: str | None, kind: str, error: str | None) -> None:
        """Count a failure against the backend, or only against this model on it."""
        if kind == "busy":
            self.busy_until = time.monotonic() + BUSY_SECONDS
            return  # busy is load, not breakage
        if kind == "not_found" and model:
            key = canonical_model(model)
            self.inventory.models = {k: v for k, v in self.inventory.models.items() if k != key}
            return
        if model and kind in ("oom", "load"):
            self.model_breaker(model).failure(error)  # the machine is fine, this model is not
            return
        self.breaker.failure(error)
        self.last_error = error

    # ---------------------------------------------------------------- planner view

    def view(self) -> BackendView:
        models = self.inventory.models
        if self.model_breakers:
            usable = frozenset(k for k in models if self.model_usable(k))
        else:
            usable = frozenset(models)
        return BackendView(
            name=self.url,
            state=self.state.value,
            models=usable,
            loaded=self.inventory.loaded,
            in_flight=self.in_flight,
            max_concurrent=self.settings.max_concurrent,
            model_in_flight=self.model_in_flight,  # read during one synchronous plan() call
            memory_budget=self.settings.memory_budget,
            resident_bytes=self.inventory.resident_bytes,
            weight=self.settings.weight,
            load_seconds=self.load_seconds,
            tokens_per_s=self.tokens_per_s,
        )

    def describe(self) -> dict[str, Any]:
        """For /health and the dashboard."""
        return {
            "url": self.url,
            "state": self.state.value,
            "breaker": self.breaker_state,
            "breaker_retry_in": round(self.breaker.remaining(), 1),
            "models": len(self.inventory.models),
            "loaded": sorted(str(m.get("name", "")) for m in self.inventory.ps),
            "in_flight": self.in_flight,
            "max_concurrent": self.settings.max_concurrent,
            "memory_budget": self.settings.memory_budget,
            "resident_bytes": sum(self.inventory.resident_bytes.values()),
            "model_breakers": {
                k: b.state.value
                for k, b in self.model_breakers.items()
                if b.state.value != "closed"
            },
            "version": self.inventory.version,
            "error": self.last_error,
        }


class BackendPool:
    """All configured backends, primary first, each health-checked on its own schedule."""

    def __init__(
        self,
        urls: Iterable[str],
        interval: float = 10.0,
        settings: Mapping[str, BackendSettings] | None = None,
        breaker: Callable[[], CircuitBreaker] = CircuitBreaker,
    ) -> None:
        settings = settings or {}
        self.backends = [Backend(url, settings.get(url), breaker) for url in dict.fromkeys(urls)]
        self.interval = interval
        self.on_refresh: Callable[[], None] | None = None  # e.g. rebuild the catalogue
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def primary(self) -> Backend:
        return self.backends[0]

    def get(self, url: str) -> Backend | None:
        url = url.rstrip("/")
        return next((b for b in self.backends if b.url == url), None)

    async def refresh(self) -> None:
        changed = await asyncio.gather(*(b.refresh() for b in self.backends))
        if any(changed) and self.on_refresh is not None:
            self.on_refresh()

    async def start(self) -> None:
        await asyncio.gather(*(b.refresh() for b in self.backends))
        if self.on_refresh is not None:
            self.on_refresh()  # once, whatever the first checks found
        self._tasks = [
            asyncio.create_task(self._watch(b), name=f"health {b.url}") for b in self.backends
        ]

    def _delay(self, backend: Backend) -> float:
        """Healthy: every interval. Failing: back off 1, 2, 4 ... s, up to 30 s, so a dead
        machine is not hammered yet a restarted one is noticed quickly."""
        if backend.reachable:
            return self.interval
        return min(2.0 ** max(backend.checks_failed - 1, 0), 30.0)

    async def _watch(self, backend: Backend) -> None:
        while True:
            await asyncio.sleep(self._delay(backend))
            try:
                await backend.refresh()
                if backend.reachable and self.on_refresh is not None:
                    self.on_refresh()  # new models, and measured speeds, reach the catalogue
            except Exception:  # keep checking whatever one round did
                log.exception("health check of %s failed", backend.url)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for backend in self.backends:
            backend.pool.close()

    def with_model(self, name: str) -> list[Backend]:
        return [b for b in self.backends if b.available and b.has_model(name)]

    async def ask(self, model: str, payload: dict, timeout: float, purpose: str) -> dict | None:
        """POST /api/generate to the first available backend with `model`; None when there is
        none or it fails in any way (timeout, refused, bad JSON): callers have a fallback."""
        holders = self.with_model(model)
        if not holders:
            return None
        try:
            return await holders[0].post_json("/api/generate", payload, timeout=timeout)
        except Exception as exc:
            log.info("%s: %s gave no answer: %s", purpose, model, exc or type(exc).__name__)
            return None

    def first_available(self) -> Backend:
        return next((b for b in self.backends if b.available), self.primary)

    def snapshot(self) -> FleetSnapshot:
        return FleetSnapshot(backends=tuple(b.view() for b in self.backends))

    def model_names(self) -> list[str]:
        """Every installed model across the fleet, as installed, without duplicates."""
        seen: dict[str, str] = {}
        for backend in self.backends:
            for key, name in backend.inventory.models.items():
                seen.setdefault(key, name)
        return sorted(seen.values())
