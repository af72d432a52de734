"""Usage statistics: the seed's /stats counters plus latency percentiles and a timeline.

Memory is bounded however long the proxy runs:

* latency and TTFT percentiles come from ring buffers of the last `ring_size` successful
  requests per model and per backend (recent behaviour is what an operator acts on);
* at most `max_keys` models / backends / categories / statuses are tracked each, further
  names are counted under `"(other)"` (a client can send any model name);
* requests per minute cover the last 60 minutes in a fixed 60-slot array.

Counters and the timeline (not the rings) survive restarts: `start()` runs a background
task that writes `stats.json` atomically in DATA_DIR whenever something changed, `stop()`
writes a last time. The request path only touches memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .jsonfiles import ConfigError, move_aside, read_json, write_json_atomic
from .records import ERROR_KINDS, RequestRecord

log = logging.getLogger("intelliproxy.stats")

STATS_FILE = "stats.json"
OTHER = "(other)"
FORMAT_VERSION = 1
_MINUTES = 60


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def percentile(values: Iterable[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def bounded_key(table: dict[str, Any], name: str, limit: int) -> str:
    """`name`, or OTHER once `table` already tracks `limit` names (so memory stays bounded)."""
    return name if name in table or len(table) < limit else OTHER


class _Lane:
    """Counters and recent samples for one model or one backend."""

    __slots__ = ("count", "total_time", "errors", "tps_sum", "tps_n", "durations", "ttfts")

    def __init__(self, ring_size: int) -> None:
        self.count = 0
        self.total_time = 0.0
        self.errors = 0
        self.tps_sum = 0.0
        self.tps_n = 0
        self.durations: deque[float] = deque(maxlen=ring_size)
        self.ttfts: deque[float] = deque(maxlen=ring_size)

    def add(self, rec: RequestRecord) -> None:
        self.count += 1
        self.total_time += rec.duration
        if not rec.ok:
            self.errors += 1
            return  # a timeout's duration says nothing about the model's latency
        self.durations.append(rec.duration)
        if rec.ttft is not None:
            self.ttfts.append(rec.ttft)
        tps = rec.tokens_per_s
        if tps is not None:
            self.tps_sum += tps
            self.tps_n += 1

    def latency(self) -> dict[str, Any]:
        return {
            "p50": _round(percentile(self.durations, 50)),
            "p95": _round(percentile(self.durations, 95)),
            "ttft_p50": _round(percentile(self.ttfts, 50)),
            "tokens_per_s": _round(self.tps_sum / self.tps_n if self.tps_n else None, 2),
            "samples": len(self.durations),
        }

    def counters(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "total_time": round(self.total_time, 3),
            "errors": self.errors,
            "tps_sum": self.tps_sum,
            "tps_n": self.tps_n,
        }

    def restore(self, data: dict[str, Any]) -> None:
        self.count = int(data.get("count", 0))
        self.total_time = float(data.get("total_time", 0.0))
        self.errors = int(data.get("errors", 0))
        self.tps_sum = float(data.get("tps_sum", 0.0))
        self.tps_n = int(data.get("tps_n", 0))


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


class Stats:
    def __init__(
        self,
        data_dir: str | Path | None = None,
        *,
        ring_size: int = 1000,
        max_keys: int = 200,
        flush_interval: float = 15.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(data_dir) / STATS_FILE if data_dir is not None else None
        self.ring_size = ring_size
        self.max_keys = max_keys
        self.flush_interval = flush_interval
        self.clock = clock
        self._task: asyncio.Task[None] | None = None
        self._dirty = False
        self.reset(mark_dirty=False)
        if self.path is not None:
            self.load()

    def reset(self, mark_dirty: bool = True) -> None:
        self.total = 0
        self.models: dict[str, _Lane] = {}
        self.backends: dict[str, _Lane] = {}
        self.categories: dict[str, int] = {}
        self.complexity_sum: dict[str, int] = {}
        self.errors: dict[str, int] = dict.fromkeys(ERROR_KINDS, 0)
        self.statuses: dict[str, int] = {}
        self.fallbacks = 0
        # slot i holds minute m with m % 60 == i: [minute, requests, errors]
        self.minutes: list[list[int]] = [[-1, 0, 0] for _ in range(_MINUTES)]
        self.started_at = self.clock()
        self.last_update: float | None = None
        self._dirty = mark_dirty

    # -------------------------------------------------------------- recording

    def record(self, rec: RequestRecord) -> None:
        """Count one finished request (memory only; called on the request path)."""
        self.total += 1
        self.last_update = self.clock()
        self._dirty = True
        if rec.model:
            self._lane(self.models, rec.model).add(rec)
        if rec.backend:
            self._lane(self.backends, rec.backend).add(rec)
        if rec.category:
            key = bounded_key(self.categories, rec.category, self.max_keys)
            self.categories[key] = self.categories.get(key, 0) + 1
            self.complexity_sum[key] = self.complexity_sum.get(key, 0) + (rec.complexity or 0)
        status = bounded_key(self.statuses, str(rec.status), self.max_keys)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        failed = not rec.ok
        if rec.error_kind is not None:
            kind = bounded_key(self.errors, rec.error_kind, len(ERROR_KINDS) + self.max_keys)
            self.errors[kind] = self.errors.get(kind, 0) + 1
        if rec.fallback:
            self.fallbacks += 1
        minute = int(rec.time // 60)
        slot = self.minutes[minute % _MINUTES]
        if slot[0] < minute:
            slot[:] = [minute, 0, 0]
        if slot[0] == minute:  # else older than the window: not charted
            slot[1] += 1
            slot[2] += failed

    def _lane(self, table: dict[str, _Lane], name: str) -> _Lane:
        lane = table.get(name)
        if lane is None:
            name = bounded_key(table, name, self.max_keys)
            lane = table.get(name)
            if lane is None:
                lane = table[name] = _Lane(self.ring_size)
        return lane

    # -------------------------------------------------------------- reading

    def snapshot(self) -> dict[str, Any]:
        """GET /stats: the seed's keys first, then the additions."""
        models = {
            n: {"count": lane.count, "total_time": round(lane.total_time, 3)}
            for n, lane in self.models.items()
        }
        return {
            "total_requests": self.total,
            "models": models,
            "model_avg_times": {
                n: round(m["total_time"] / m["count"], 3) for n, m in models.items() if m["count"]
            },
            "categories": dict(self.categories),
            "last_update": iso(self.last_update) if self.last_update else None,
            "since": iso(self.started_at),
            "latency": {
                "models": {n: lane.latency() for n, lane in self.models.items()},
                "backends": {n: lane.latency() for n, lane in self.backends.items()},
            },
            "backends": {
                n: {
                    "count": lane.count,
                    "total_time": round(lane.total_time, 3),
                    "errors": lane.errors,
                }
                for n, lane in self.backends.items()
            },
            "errors": dict(self.errors),
            "error_total": sum(self.errors.values()),
            "fallbacks": self.fallbacks,
            "classifier": {
                c: {"count": n, "avg_complexity": round(self.complexity_sum.get(c, 0) / n, 2)}
                for c, n in self.categories.items()
            },
            "statuses": dict(self.statuses),
            "requests_per_minute": self.timeline(),
        }

    def timeline(self) -> list[dict[str, Any]]:
        """The last 60 minutes, oldest first, including minutes without requests."""
        now = int(self.clock() // 60)
        out = []
        for minute in range(now - _MINUTES + 1, now + 1):
            slot = self.minutes[minute % _MINUTES]
            hit = slot[0] == minute
            out.append(
                {
                    "minute": iso(minute * 60),
                    "requests": slot[1] if hit else 0,
                    "errors": slot[2] if hit else 0,
                }
            )
        return out

    # -------------------------------------------------------------- persistence

    def to_json(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "total_requests": self.total,
            "models": {n: lane.counters() for n, lane in self.models.items()},
            "backends": {n: lane.counters() for n, lane in self.backends.items()},
            "categories": self.categories,
            "complexity_sum": self.complexity_sum,
            "errors": self.errors,
            "statuses": self.statuses,
            "fallbacks": self.fallbacks,
            "minutes": [list(s) for s in self.minutes if s[0] >= 0],
            "since": self.started_at,
            "last_update": self.last_update,
        }

    def restore(self, data: dict[str, Any]) -> None:
        """Counters from `to_json()` output (raises on wrong shapes; see `load`)."""
        self.reset(mark_dirty=False)
        self.total = int(data["total_requests"])
        for table, key in ((self.models, "models"), (self.backends, "backends")):
            for name, counters in list(data.get(key, {}).items())[: self.max_keys]:
                lane = table[name] = _Lane(self.ring_size)
                lane.restore(counters)
        limit = self.max_keys
        self.categories = {k: int(v) for k, v in list(data.get("categories", {}).items())[:limit]}
        self.complexity_sum = {
            k: int(v) for k, v in data.get("complexity_sum", {}).items() if k in self.categories
        }
        self.errors.update({k: int(v) for k, v in list(data.get("errors", {}).items())[:limit]})
        self.statuses = {k: int(v) for k, v in list(data.get("statuses", {}).items())[:limit]}
        self.fallbacks = int(data.get("fallbacks", 0))
        for minute, requests, errors in data.get("minutes", []):
            self.minutes[int(minute) % _MINUTES] = [int(minute), int(requests), int(errors)]
        self.started_at = float(data.get("since") or self.started_at)
        last = data.get("last_update")
        self.last_update = float(last) if last is not None else None

    def load(self) -> None:
        """Read stats.json if present; a broken file is moved aside, never fatal."""
        if self.path is None or not self.path.exists():
            return
        try:
            data = read_json(self.path)
            if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
                raise ValueError("not a stats snapshot of this version")
            self.restore(data)
        except (ConfigError, ValueError, TypeError, KeyError, AttributeError) as exc:
            self.reset(mark_dirty=False)
            with contextlib.suppress(OSError):
                moved = move_aside(self.path)
                log.warning(
                    "statistics in %s unusable (%s); kept as %s, starting at zero",
                    self.path,
                    exc,
                    moved,
                )

    def save(self) -> None:
        """Write stats.json now (blocking; use `flush()` from the event loop)."""
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_json_atomic(self.path, self.to_json())

    async def flush(self) -> None:
        if self.path is None or not self._dirty:
            return
        self._dirty = False
        data = self.to_json()  # copied on the loop, so the worker thread sees a stable dict
        data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
        try:
            await asyncio.to_thread(write_json_atomic, self.path, data)
        except OSError as exc:
            self._dirty = True
            log.warning("could not write %s: %s", self.path, exc)

    async def start(self) -> None:
        if self.path is not None and self._task is None:
            self._task = asyncio.create_task(self._flush_loop(), name="stats-flush")

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            await self.flush()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()
