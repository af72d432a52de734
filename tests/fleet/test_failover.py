"""Failover through real processes: several simulators behind one proxy, faults injected.

Each test starts its own simulators and proxy so injected faults never leak.
"""

from __future__ import annotations

import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import sim_requests, wait_for_inventory
from tests.processes import Process, start_proxy, start_simulator

MODEL = "qwen2.5:7b"


def _fault(sim: Process, **fault) -> None:
    httpx.post(sim.url + "/_sim/faults", json=fault).raise_for_status()


def _lines(body: bytes) -> list[dict]:
    return [json.loads(line) for line in body.split(b"\n") if line]


def _served(sim: Process) -> int:
    return sum(1 for r in sim_requests(sim) if r["status"] == 200)


def _stats(proxy: Process) -> dict:
    return httpx.get(proxy.url + "/stats").json()


def _wait_stats_errors(proxy: Process, kind: str, timeout: float = 5.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = _stats(proxy)["errors"].get(kind, 0)
        if count:
            return count
        time.sleep(0.05)
    return 0


@pytest.fixture
def pair():
    """Two backends with the same model, one proxy in front of both."""
    a, b = start_simulator([MODEL, "mistral:latest"]), start_simulator([MODEL, "mistral:latest"])
    proxy = start_proxy(
        [a.url, b.url],
        env={"BREAKER_COOLDOWN": "1", "FIRST_BYTE_BUDGET": "1", "STREAM_IDLE_TIMEOUT": "1"},
    )
    wait_for_inventory(proxy.url, 2)
    yield a, b, proxy
    for process in (proxy, a, b):
        process.stop()


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_backend_down_at_start():
    sim = start_simulator([MODEL])
    dead = _dead_url()
    proxy = start_proxy([dead, sim.url])
    try:
        wait_for_inventory(proxy.url, 1)
        health = httpx.get(proxy.url + "/health").json()
        assert health["status"] == "degraded"
        states = {b["url"]: b["state"] for b in health["backends"]}
        assert states == {dead: "unreachable", sim.url: "healthy"}
        for _ in range(5):
            r = httpx.post(
                proxy.url + "/api/generate", json={"model": MODEL, "prompt": "hi", "stream": False}
            )
            assert r.status_code == 200 and r.headers["x-intelliproxy-backend"] == sim.url
        r = httpx.post(
            proxy.url + "/api/chat",
            json={"model": "IntelliProxyLLM", "messages": [{"role": "user", "content": "hello"}]},
        )
        assert r.status_code == 200
    finally:
        proxy.stop()
        sim.stop()


def test_backend_killed_during_200_requests_loses_none(pair):
    a, b, proxy = pair

    def one(i: int) -> int:
        if i == 60:
            a.kill()
        r = httpx.post(
            proxy.url + "/api/generate",
            json={"model": MODEL, "prompt": f"n{i}", "stream": False},
            timeout=30,
        )
        return r.status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(one, range(200)))
    assert statuses.count(200) == 200, statuses
    assert _served(b) > 0


def test_busy_backend_is_skipped(pair):
    a, b, proxy = pair
    _fault(a, kind="busy", model=MODEL)
    for _ in range(4):
        r = httpx.post(
            proxy.url + "/api/generate", json={"model": MODEL, "prompt": "x", "stream": False}
        )
        assert r.status_code == 200 and r.headers["x-intelliproxy-backend"] == b.url
    attempts = r.headers["x-intelliproxy-attempts"]
    assert (
        f"@{a.url}:busy" in attempts or a.url not in attempts
    )  # busy is also avoided by the planner


def test_out_of_memory_on_one_backend_is_served_elsewhere(pair):
    a, b, proxy = pair
    _fault(a, kind="oom", model=MODEL)
    _fault(b, kind="oom_legacy", model=MODEL, times=1)
    # Both copies fail (current and legacy OOM strings): a smaller general model serves.
    r = httpx.post(
        proxy.url + "/api/generate", json={"model": MODEL, "prompt": "x", "stream": False}
    )
    attempts = r.headers["x-intelliproxy-attempts"]
    assert r.status_code == 200 and r.headers["x-intelliproxy-model"] == "mistral:latest"
    assert f"{MODEL}@{a.url}:oom" in attempts and f"{MODEL}@{b.url}:oom" in attempts
    # b has room again: the model itself is served there, a keeps failing.
    r = httpx.post(
        proxy.url + "/api/generate", json={"model": MODEL, "prompt": "x", "stream": False}
    )
    assert r.status_code == 200 and r.headers["x-intelliproxy-backend"] == b.url
    assert r.headers["x-intelliproxy-model"] == MODEL


def test_out_of_memory_falls_back_to_a_smaller_model_of_the_category():
    sim = start_simulator(["qwen2.5:7b", "nemotron-3-nano:latest", "qwen2.5-coder:7b"])
    proxy = start_proxy([sim.url], env={"MODEL_FALLBACKS": "{}"})
    try:
        wait_for_inventory(proxy.url, 3)
        _fault(sim, kind="oom", model="qwen2.5:7b")
        r = httpx.post(
            proxy.url + "/api/generate",
            json={"model": "qwen2.5:7b", "prompt": "Hello", "stream": False},
        )
        assert r.status_code == 200
        assert r.headers["x-intelliproxy-model"] == "nemotron-3-nano:latest"
        assert (
            "qwen2.5:7b@" in r.headers["x-intelliproxy-attempts"]
            and ":oom" in r.headers["x-intelliproxy-attempts"]
        )
        assert r.json()["model"] == "qwen2.5:7b"
    finally:
        proxy.stop()
        sim.stop()


def test_silent_warm_model_is_abandoned_for_another_backend(pair):
    a, b, proxy = pair
    for sim in (a, b):  # load the model on both so neither attempt is a cold load
        httpx.post(sim.url + "/api/generate", json={"model": MODEL, "prompt": ""})
    time.sleep(0.7)  # the proxy reads /api/ps every 0.5 s
    _fault(a, kind="slow_first_token", model=MODEL, delay_s=10)
    _fault(b, kind="slow_first_token", model=MODEL, delay_s=10)
    httpx.delete(b.url + "/_sim/faults")
    start = time.monotonic()
    r = httpx.post(
        proxy.url + "/api/generate",
        json={"model": MODEL, "prompt": "x", "stream": False},
        timeout=30,
    )
    took = time.monotonic() - start
    assert r.status_code == 200 and took < 5
    if a.url in r.headers["x-intelliproxy-attempts"].split(",")[0]:
        assert ":timeout" in r.headers["x-intelliproxy-attempts"]
        assert r.headers["x-intelliproxy-backend"] == b.url


def test_cold_model_with_no_alternative_may_take_20s():
    spec = {
        "models": [
            {
                "name": "slowload:70b",
                "family": "llama",
                "parameter_size": "70B",
                "size": 40_000_000_000,
                "capabilities": ["completion"],
                "load_time_s": 20,
                "tokens_per_s": 500,
            }
        ]
    }
    sim = start_simulator(spec=spec)
    proxy = start_proxy([sim.url], env={"FIRST_BYTE_BUDGET": "1", "COLD_LOAD_BUDGET": "3"})
    try:
        wait_for_inventory(proxy.url, 1)
        start = time.monotonic()
        r = httpx.post(
            proxy.url + "/api/generate",
            json={"model": "slowload:70b", "prompt": "hi", "stream": False},
            timeout=60,
        )
        assert r.status_code == 200 and time.monotonic() - start >= 19
        assert r.json()["done"] is True
    finally:
        proxy.stop()
        sim.stop()


def test_stall_mid_stream_ends_with_error_and_counts_as_failure(pair):
    a, b, proxy = pair
    for sim in (a, b):
        _fault(sim, kind="stall_midstream", model=MODEL, after_chunks=2)
    r = httpx.post(proxy.url + "/api/generate", json={"model": MODEL, "prompt": "x"}, timeout=30)
    chunks = _lines(r.content)
    assert len(chunks) == 3 and "stalled" in chunks[-1]["error"]
    assert _wait_stats_errors(proxy, "stall") == 1


def test_cut_mid_stream_is_an_error_line_and_a_failure(pair):
    a, b, proxy = pair
    for sim in (a, b):
        _fault(sim, kind="die_midstream", model=MODEL, after_chunks=3)
    r = httpx.post(
        proxy.url + "/api/chat",
        json={"model": MODEL, "messages": [{"role": "user", "content": "x"}]},
    )
    chunks = _lines(r.content)
    assert "error" in chunks[-1] and not any(c.get("done") for c in chunks)
    assert _wait_stats_errors(proxy, "cut") == 1
    log = httpx.get(proxy.url + "/requests").json()["requests"]
    assert log[0]["error_kind"] == "cut" and log[0]["ok"] is False


def test_in_band_error_and_malformed_line(pair):
    a, b, proxy = pair
    for sim in (a, b):
        _fault(sim, kind="error_midstream", model=MODEL, after_chunks=1, times=1)
    chunks = _lines(
        httpx.post(proxy.url + "/api/generate", json={"model": MODEL, "prompt": "x"}).content
    )
    assert chunks[-1]["error"].startswith("model runner has unexpectedly stopped")
    assert _wait_stats_errors(proxy, "in_band") == 1
    for sim in (a, b):
        _fault(sim, kind="malformed_midstream", model=MODEL, after_chunks=1, times=1)
    body = httpx.post(proxy.url + "/api/generate", json={"model": MODEL, "prompt": "x"}).content
    chunks = _lines(body)  # every line the client gets is JSON, the garbage is not relayed
    assert "not JSON" in chunks[-1]["error"]
    assert _wait_stats_errors(proxy, "malformed") == 1


def test_flapping_backend_breaker_opens_half_opens_and_closes():
    # a holds the model, b its fallback: every request tries a first while a is usable.
    a, b = start_simulator([MODEL]), start_simulator(["mistral:latest"])
    proxy = start_proxy(
        [a.url, b.url],
        env={"BREAKER_COOLDOWN": "1", "MODEL_FALLBACKS": json.dumps({MODEL: "mistral:latest"})},
    )

    def breaker_of(url: str) -> str:
        backends = httpx.get(proxy.url + "/health").json()["backends"]
        return next(x["breaker"] for x in backends if x["url"] == url)

    def ask() -> httpx.Response:
        r = httpx.post(
            proxy.url + "/api/generate", json={"model": MODEL, "prompt": "x", "stream": False}
        )
        assert r.status_code == 200
        return r

    try:
        wait_for_inventory(proxy.url, 2)
        # Three answers cut before any byte: each is served by the fallback on b.
        _fault(a, kind="die_midstream", model=MODEL, after_chunks=0, times=3)
        for _ in range(3):
            assert ask().headers["x-intelliproxy-backend"] == b.url
        assert breaker_of(a.url) == "open"
        served_by_a = _served(a)
        assert ask().headers["x-intelliproxy-backend"] == b.url  # while open, a gets nothing
        assert _served(a) == served_by_a
        time.sleep(1.3)  # BREAKER_COOLDOWN=1
        assert breaker_of(a.url) == "half_open"
        r = ask()  # the probe goes to a, which is healthy again, and closes the breaker
        assert r.headers["x-intelliproxy-backend"] == a.url
        assert breaker_of(a.url) == "closed" and _served(a) == served_by_a + 1
    finally:
        for process in (proxy, a, b):
            process.stop()


def test_non_idempotent_calls_are_never_retried(pair):
    a, b, proxy = pair
    _fault(a, kind="busy", route="/api/pull")
    r = httpx.post(
        proxy.url + "/api/pull",
        json={"model": "sim-x:1b", "stream": False},
        headers={"X-IntelliProxy-Backend": a.url},
    )
    assert r.status_code == 503
    pulls_on_b = [x for x in sim_requests(b) if x["route"] == "/api/pull"]
    assert pulls_on_b == []
