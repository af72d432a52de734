"""The operator's state in one bundle: statistics, request log, metrics and configuration.

The server creates one `OpsState` at start-up (a broken config file stops the start there,
with a `ConfigError` the CLI prints), builds its `Runtime` from `effective_settings()`, and
hands every finished request to `record()`. Configuration changes made through the API go
through `ConfigStore` and then `apply_to(runtime, kind)`.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from typing import Any

from ..settings import Settings
from .config_store import ConfigStore
from .metrics import Metrics
from .records import RequestRecord
from .request_log import DEFAULT_SIZE, RequestLog
from .stats import Stats

log = logging.getLogger("intelliproxy.ops")

# What `apply_to` may report to `runtime.on_config_changed(kind)`.


@dataclass
class OpsState:
    stats: Stats
    requests: RequestLog
    metrics: Metrics
    config: ConfigStore

    @classmethod
    def create(
        cls, settings: Settings, *, reset_config: bool = False, stats_flush_interval: float = 15.0
    ) -> OpsState:
        """Load the config files (ConfigError if broken, unless `reset_config`) and stats."""
        config = ConfigStore.load(settings.data_dir, settings, reset=reset_config)
        size = getattr(settings, "request_log_size", DEFAULT_SIZE)  # REQUEST_LOG_SIZE
        return cls(
            stats=Stats(settings.data_dir, flush_interval=stats_flush_interval),
            requests=RequestLog(size),
            metrics=Metrics(),
            config=config,
        )

    def effective_settings(self, settings: Settings) -> Settings:
        """The settings the Runtime should be built from: env/defaults overlaid by the files."""
        return self.config.effective_settings(settings)

    def record(self, rec: RequestRecord) -> None:
        """One finished request into stats, log and metrics; never raises into the caller."""
        for sink in (self.stats, self.requests, self.metrics):
            try:
                sink.record(rec)
            except Exception:  # bookkeeping must never fail a request that was answered
                log.exception("recording a request in %s failed", type(sink).__name__)

    async def start(self) -> None:
        await self.stats.start()

    async def stop(self) -> None:
        await self.stats.stop()

    async def apply_to(self, runtime: Any, kind: str) -> None:
        """Make the live runtime follow the stored config after a change of `kind`.

        Plain values (timeout, fallbacks, AirLLM host/port, backend URLs) are swapped into
        `runtime.settings` / `runtime.fallbacks` here; structural changes (rebuilding the
        backend pool or the catalogue) are the runtime's job, via its optional hook
        `on_config_changed(kind)` (sync or async).
        """
        runtime.settings = self.config.effective_settings(runtime.settings)
        runtime.fallbacks = dict(self.config.router["fallbacks"])
        hook = getattr(runtime, "on_config_changed", None)
        if hook is None:
            if kind in ("backends", "models"):
                log.warning("config change %r is stored; it takes effect after a restart", kind)
            return
        result = hook(kind)
        if inspect.isawaitable(result):
            await result
