"""Statistics: the seed's /stats shape, percentiles, bounded memory, persistence."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from intelliproxy.state.records import ERROR_KINDS
from intelliproxy.state.stats import OTHER, STATS_FILE, Stats, percentile
from tests.state.statehelpers import T0, A, B, rec


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_percentile_nearest_rank() -> None:
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 100) == 100
    assert percentile([3.0], 95) == 3.0
    assert percentile([], 50) is None
    assert percentile([5, 1, 3], 50) == 3  # order of arrival does not matter


def test_snapshot_has_the_seed_shape_and_values() -> None:
    stats = Stats(clock=Clock())
    for _ in range(5):
        stats.record(rec(model="qwen2.5:7b", duration=15.1, category="general"))
    for _ in range(5):
        stats.record(rec(model="deepseek-r1:latest", duration=240.0, category="reasoning"))
    snap = stats.snapshot()

    # The seed README's example, key for key.
    seed_keys = ["total_requests", "models", "model_avg_times", "categories", "last_update"]
    assert list(snap)[:5] == seed_keys
    assert snap["total_requests"] == 10
    assert snap["models"] == {
        "qwen2.5:7b": {"count": 5, "total_time": 75.5},
        "deepseek-r1:latest": {"count": 5, "total_time": 1200.0},
    }
    assert snap["model_avg_times"] == {"qwen2.5:7b": 15.1, "deepseek-r1:latest": 240.0}
    assert snap["categories"] == {"general": 5, "reasoning": 5}
    assert snap["last_update"].startswith("2026-02-13T")
    json.dumps(snap)  # plain JSON values only


def test_latency_percentiles_ttft_and_tokens_per_second_per_model_and_backend() -> None:
    stats = Stats(clock=Clock())
    for i in range(1, 101):
        backend = A if i % 2 else B
        stats.record(
            rec(
                duration=float(i),
                ttft=i / 100,
                eval_count=100,
                eval_duration_ns=int(1e9 * (1 + i % 2)),
                backend=backend,
            )
        )
    latency = stats.snapshot()["latency"]
    model = latency["models"]["qwen2.5:7b"]
    assert (model["p50"], model["p95"], model["ttft_p50"], model["samples"]) == (
        50.0,
        95.0,
        0.5,
        100,
    )
    assert model["tokens_per_s"] == 75.0  # half at 100 tok/s, half at 50 tok/s
    odd, even = latency["backends"][A], latency["backends"][B]
    assert odd["tokens_per_s"] == 50.0 and even["tokens_per_s"] == 100.0
    assert odd["p50"] == 49.0 and even["p95"] == 96.0


def test_failures_count_but_do_not_skew_latency() -> None:
    stats = Stats(clock=Clock())
    stats.record(rec(duration=1.0))
    stats.record(rec(duration=900.0, status=502, error_kind="timeout", error="no first byte"))
    stats.record(rec(model=None, backend=None, status=503, error_kind="busy", duration=0.01))
    snap = stats.snapshot()
    assert snap["total_requests"] == 3
    assert snap["latency"]["models"]["qwen2.5:7b"]["p95"] == 1.0
    assert snap["models"]["qwen2.5:7b"] == {"count": 2, "total_time": 901.0}
    assert snap["backends"][A]["errors"] == 1
    assert snap["errors"]["timeout"] == 1 and snap["errors"]["busy"] == 1
    assert set(ERROR_KINDS) <= set(snap["errors"])
    assert snap["error_total"] == 2
    assert snap["statuses"] == {"200": 1, "502": 1, "503": 1}


def test_fallbacks_and_classifier_decisions() -> None:
    stats = Stats(clock=Clock())
    stats.record(rec(category="code", complexity=4, fallback=True))
    stats.record(rec(category="code", complexity=8))
    stats.record(rec(category=None, requested_model="qwen2.5:7b"))  # named model: no decision
    snap = stats.snapshot()
    assert snap["fallbacks"] == 1
    assert snap["classifier"] == {"code": {"count": 2, "avg_complexity": 6.0}}
    assert snap["categories"] == {"code": 2}


def test_requests_per_minute_covers_the_last_hour() -> None:
    clock = Clock(T0 + 30)
    stats = Stats(clock=clock)
    stats.record(rec(time=T0 - 3600))  # older than the window
    stats.record(rec(time=T0 - 120))
    stats.record(rec(time=T0 + 5))
    stats.record(rec(time=T0 + 6, status=500, error_kind="server"))
    timeline = stats.snapshot()["requests_per_minute"]
    assert len(timeline) == 60
    assert timeline[-1]["requests"] == 2 and timeline[-1]["errors"] == 1
    assert timeline[-3]["requests"] == 1
    assert sum(m["requests"] for m in timeline) == 3
    assert timeline[0]["minute"] < timeline[-1]["minute"]
    clock.now += 3600  # an hour later everything has scrolled out
    assert sum(m["requests"] for m in stats.snapshot()["requests_per_minute"]) == 0


def test_memory_stays_bounded_over_100k_requests() -> None:
    stats = Stats(clock=Clock(), ring_size=100, max_keys=20)
    for i in range(100_000):
        # Every request names a new model and backend (a client can send any name).
        stats.record(
            rec(
                time=T0 + i,
                model=f"m{i}",
                backend=f"http://b{i}",
                category=f"c{i % 50}",
                status=200 + i % 300,
                error_kind=None if i % 3 else f"kind{i}",
                ttft=0.1,
            )
        )
    assert len(stats.models) <= 21 and len(stats.backends) <= 21
    assert OTHER in stats.models
    assert all(
        len(lane.durations) <= 100 and len(lane.ttfts) <= 100 for lane in stats.models.values()
    )
    assert len(stats.categories) <= 21 and len(stats.statuses) <= 21
    assert len(stats.errors) <= len(ERROR_KINDS) + 21
    assert len(stats.minutes) == 60
    assert stats.total == 100_000
    assert sum(lane.count for lane in stats.models.values()) == 100_000


def test_counters_survive_a_restart(tmp_path: Path) -> None:
    first = Stats(tmp_path, clock=Clock())
    first.record(rec(category="general", complexity=3, eval_count=10, eval_duration_ns=10**9))
    first.record(rec(status=502, error_kind="oom", fallback=True, backend=B))
    first.save()
    before = first.snapshot()

    second = Stats(tmp_path, clock=Clock())
    after = second.snapshot()
    for key in (
        "total_requests",
        "models",
        "model_avg_times",
        "categories",
        "last_update",
        "backends",
        "errors",
        "fallbacks",
        "classifier",
        "statuses",
        "requests_per_minute",
        "since",
    ):
        assert after[key] == before[key], key
    # The rings are not persisted, but the tokens/s mean is a counter.
    assert after["latency"]["models"]["qwen2.5:7b"]["samples"] == 0
    assert after["latency"]["models"]["qwen2.5:7b"]["tokens_per_s"] == 10.0
    second.record(rec())
    assert second.snapshot()["total_requests"] == 3


def test_reset_clears_everything(tmp_path: Path) -> None:
    stats = Stats(tmp_path, clock=Clock())
    stats.record(rec(category="code", error_kind="cut", status=200))
    stats.reset()
    snap = stats.snapshot()
    assert snap["total_requests"] == 0 and snap["models"] == {} and snap["categories"] == {}
    assert snap["error_total"] == 0 and snap["last_update"] is None
    stats.save()
    assert Stats(tmp_path).snapshot()["total_requests"] == 0


def test_a_corrupt_stats_file_is_moved_aside_not_fatal(tmp_path: Path) -> None:
    (tmp_path / STATS_FILE).write_text('{"version": 1, "total_requests": ')
    stats = Stats(tmp_path)
    assert stats.snapshot()["total_requests"] == 0
    assert not (tmp_path / STATS_FILE).exists()
    assert len(list(tmp_path.glob(STATS_FILE + ".corrupt-*"))) == 1


@pytest.mark.parametrize(
    "content", ['{"version": 1, "total_requests": "x"}', "[1, 2]", '{"version": 99}']
)
def test_a_wrongly_shaped_stats_file_is_moved_aside(tmp_path: Path, content: str) -> None:
    (tmp_path / STATS_FILE).write_text(content)
    assert Stats(tmp_path).snapshot()["total_requests"] == 0
    assert len(list(tmp_path.glob(STATS_FILE + ".corrupt-*"))) == 1


async def test_periodic_flush_writes_in_the_background(tmp_path: Path) -> None:
    stats = Stats(tmp_path, flush_interval=0.05)
    await stats.start()
    stats.record(rec())
    path = tmp_path / STATS_FILE
    for _ in range(100):
        if path.exists():
            break
        await asyncio.sleep(0.01)
    assert json.loads(path.read_text())["total_requests"] == 1
    await stats.stop()


async def test_stop_writes_a_last_time(tmp_path: Path) -> None:
    stats = Stats(tmp_path, flush_interval=3600)  # only stop() can write
    await stats.start()
    stats.record(rec())
    stats.record(rec())
    await stats.stop()
    assert json.loads((tmp_path / STATS_FILE).read_text())["total_requests"] == 2
    assert stats._task is None


async def test_flush_writes_nothing_when_nothing_changed(tmp_path: Path) -> None:
    stats = Stats(tmp_path)
    await stats.flush()
    assert not (tmp_path / STATS_FILE).exists()
    stats.record(rec())
    await stats.flush()
    mtime = (tmp_path / STATS_FILE).stat().st_mtime_ns
    (tmp_path / STATS_FILE).write_text("untouched")
    await stats.flush()
    assert (tmp_path / STATS_FILE).read_text() == "untouched"
    assert mtime > 0
