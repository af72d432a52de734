"""OpsState: one bundle created from Settings, fed by records, applying config to a runtime."""

from __future__ import annotations

import json
import types
from pathlib import Path
from types import SimpleNamespace

import pytest

from intelliproxy.runtime import Runtime
from intelliproxy.settings import Settings
from intelliproxy.state.config_store import ROUTER_CONFIG, ConfigError
from intelliproxy.state.ops import OpsState
from intelliproxy.state.stats import STATS_FILE
from tests.state.statehelpers import rec


def make(tmp_path: Path, **overrides: object) -> tuple[OpsState, Settings]:
    settings = Settings(data_dir=str(tmp_path), **overrides)  # type: ignore[arg-type]
    return OpsState.create(settings), settings


def test_create_loads_config_and_sizes_the_request_log(tmp_path: Path) -> None:
    ops, _ = make(tmp_path)
    assert (tmp_path / ROUTER_CONFIG).exists()
    assert ops.requests.size == 50
    # Once Settings has REQUEST_LOG_SIZE, it is picked up without touching ops.py.
    custom = SimpleNamespace(**{f: getattr(Settings(), f) for f in Settings.__slots__})
    custom.data_dir, custom.request_log_size = str(tmp_path), 7
    assert OpsState.create(custom).requests.size == 7  # type: ignore[arg-type]


def test_create_refuses_a_broken_config_unless_reset(tmp_path: Path) -> None:
    (tmp_path / ROUTER_CONFIG).write_text("{oops")
    with pytest.raises(ConfigError, match="router_config.json: invalid JSON at line 1 column 2"):
        make(tmp_path)
    ops = OpsState.create(Settings(data_dir=str(tmp_path)), reset_config=True)
    assert ops.config.router["timeout"] == 900.0


def test_record_feeds_stats_log_and_metrics(tmp_path: Path) -> None:
    ops, _ = make(tmp_path)
    ops.record(rec(category="code"))
    assert ops.stats.snapshot()["total_requests"] == 1
    assert len(ops.requests.entries()) == 1
    assert b'intelliproxy_requests_total{backend="http://127.0.0.1:11434"' in ops.metrics.render(
        None
    )


def test_record_never_raises(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ops, _ = make(tmp_path)

    class Broken:
        def record(self, rec: object) -> None:
            raise RuntimeError("boom")

    ops.stats = Broken()  # type: ignore[assignment]
    ops.record(rec())
    assert len(ops.requests.entries()) == 1  # the other sinks still got it
    assert "recording a request in Broken failed" in caplog.text


async def test_start_and_stop_persist_stats(tmp_path: Path) -> None:
    ops, _ = make(tmp_path)
    await ops.start()
    ops.record(rec())
    await ops.stop()
    assert json.loads((tmp_path / STATS_FILE).read_text())["total_requests"] == 1


async def test_apply_to_swaps_values_and_calls_the_runtime_hook(tmp_path: Path) -> None:
    ops, settings = make(tmp_path, ollama_backends=("http://127.0.0.1:1",))
    runtime = Runtime(ops.effective_settings(settings))
    await ops.config.update_router({"timeout": 12, "fallbacks": {"a:1b": "b:1b"}})
    calls: list[str] = []

    async def on_config_changed(kind: str) -> None:
        calls.append(kind)

    runtime.on_config_changed = on_config_changed  # type: ignore[attr-defined]
    await ops.apply_to(runtime, "fallbacks")
    assert runtime.settings.request_timeout == 12.0
    assert runtime.fallbacks == {"a:1b": "b:1b"}
    assert calls == ["fallbacks"]

    runtime.on_config_changed = calls.append  # type: ignore[attr-defined]  # a sync hook
    await ops.config.update_router({"backends": ["http://127.0.0.1:2"]})
    await ops.apply_to(runtime, "backends")
    assert runtime.settings.ollama_backends == ("http://127.0.0.1:2",)
    assert calls == ["fallbacks", "backends"]


async def test_apply_to_without_hook_warns_for_structural_changes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ops, settings = make(tmp_path)
    # A runtime without the on_config_changed hook (the real Runtime has one).
    runtime = types.SimpleNamespace(settings=ops.effective_settings(settings), fallbacks={})
    await ops.apply_to(runtime, "models")
    assert "takes effect after a restart" in caplog.text
