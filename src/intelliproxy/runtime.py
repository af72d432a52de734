"""The proxy's live state.

`Runtime` owns the backend pool, the AirLLM lane, the model catalogue (rebuilt after
inventory refreshes, never per request) and the operator state; `runtime.router` (decide.py)
makes the per-request decision from them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from .decide import Router
from .name_advisor import NameAdvisor
from .routing.catalog import SEED_MODEL_ATTRIBUTES, Catalog
from .settings import Settings
from .state.ops import OpsState
from .state.records import RequestRecord
from .upstream.airllm import AirLLMLane
from .upstream.backends import BackendPool, BackendSettings
from .upstream.breaker import CircuitBreaker

log = logging.getLogger("intelliproxy")


class Runtime:
    """Long-lived state: settings, backends, the AirLLM lane, the catalogue, the operator
    state. `self.router` makes the per-request decision from it (decide.py)."""

    def __init__(self, settings: Settings, ops: OpsState | None = None) -> None:
        self.settings = settings
        self.ops = ops  # statistics, request log, metrics, config files (None in the CLI)
        self.backends = self._pool()
        self.airllm = self._lane()
        self._lane_task: asyncio.Task[None] | None = None
        self.router = Router(self)
        self.fallbacks: dict[str, str] = dict(settings.model_fallbacks)
        self.default_model = settings.default_model
        self.catalog = Catalog()
        self.name_advisor = NameAdvisor(settings, self.rebuild_catalog)
        self._default_missing = False

    def _pool(self) -> BackendPool:
        per_backend: dict[str, BackendSettings] = {}
        if self.ops is not None:
            for entry in self.ops.config.router.get("backends", []):
                if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                    per_backend[entry["url"]] = BackendSettings.from_mapping(entry)
        threshold, cooldown = self.settings.breaker_threshold, self.settings.breaker_cooldown
        pool = BackendPool(
            self.settings.ollama_backends,
            self.settings.inventory_interval,
            per_backend,
            breaker=lambda: CircuitBreaker(threshold=threshold, cooldown=cooldown),
        )
        pool.on_refresh = self.rebuild_catalog
        return pool

    def _lane(self) -> AirLLMLane:
        s = self.settings
        return AirLLMLane(
            s.airllm_host,
            s.airllm_port,
            enabled=s.airllm_enabled,
            concurrency=s.airllm_concurrency,
            timeout=s.airllm_timeout,
        )

    async def start(self) -> None:
        await self.backends.start()
        self._lane_task = asyncio.create_task(self._watch_lane(), name="airllm health")

    async def _watch_lane(self) -> None:
        while True:
            try:
                await self.airllm.check()
            except Exception:  # keep watching whatever one check did
                log.exception("AirLLM health check failed")
            await asyncio.sleep(self.settings.inventory_interval)

    async def stop(self) -> None:
        if self._lane_task is not None:
            self._lane_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._lane_task
        await self.name_advisor.stop()
        self.airllm.close()
        await self.backends.stop()

    def rebuild_catalog(self) -> None:
        tags: list[dict] = []
        shows: dict[str, dict] = {}
        for backend in self.backends.backends:
            tags.extend(backend.inventory.tags)
            if self.settings.enable_auto_discovery:  # /api/show facts for unknown models
                shows.update(backend.inventory.shows)
        operator = self.ops.config.models if self.ops is not None else SEED_MODEL_ATTRIBUTES
        self.catalog = Catalog(
            operator=operator,
            tags=tags,
            shows=shows,
            measured=self._measured_speeds(),
            advice=self.name_advisor.advice,
        )
        self.name_advisor.consider(self.catalog, operator, self.backends)
        missing = bool(tags) and self.catalog.get(self.default_model) is None
        if missing and not self._default_missing:
            log.warning(
                "DEFAULT_MODEL %s is on no backend; the virtual model uses the best available",
                self.default_model,
            )
        self._default_missing = missing

    def _measured_speeds(self) -> dict[str, float]:
        """Tokens/s per model, averaged over the backends that measured it."""
        seen: dict[str, list[float]] = {}
        for backend in self.backends.backends:
            for model, speed in backend.tokens_per_s.items():
                seen.setdefault(model, []).append(speed)
        return {model: sum(v) / len(v) for model, v in seen.items()}

    async def on_config_changed(self, kind: str) -> None:
        """Called after the operator changed configuration at run time."""
        if kind == "backends":
            fresh = self._pool()
            if [b.url for b in fresh.backends] == [b.url for b in self.backends.backends]:
                for backend, new in zip(self.backends.backends, fresh.backends, strict=True):
                    backend.settings = new.settings  # same machines, new limits
                return
            try:
                await fresh.start()
            except Exception:
                await fresh.stop()  # keep serving from the backends we had
                raise
            old, self.backends = self.backends, fresh
            await old.stop()
        elif kind == "models":
            self.rebuild_catalog()
        elif kind == "airllm":
            old, self.airllm = self.airllm, self._lane()
            old.close()
            await self.airllm.check()

    def record(self, record: RequestRecord) -> None:
        if self.ops is not None:
            self.ops.record(record)

    # ------------------------------------------------------------------ the decision
