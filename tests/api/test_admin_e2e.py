"""The operator endpoints end to end: real simulator and proxy processes on loopback.

Shapes are checked against the seed README's examples; persistence is checked across a
real restart (SIGTERM, new process, same DATA_DIR); a broken config file must stop the
start-up with one clear message; and `kill -9` during concurrent config writes over HTTP
must never leave a file that does not parse.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import wait_for_inventory
from tests.processes import Process, free_port, start_proxy, start_simulator, wait_http

TOKEN = "e2e-admin-token"
KEY = "e2e-client-key"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
CLIENT = {"Authorization": f"Bearer {KEY}"}
MODELS = ("qwen2.5:7b", "qwen2.5-coder:7b", "deepseek-r1:latest", "nomic-embed-text:latest")
CODE_PROMPT = "Write a Python function that reverses a linked list"


@pytest.fixture(scope="module")
def sim() -> Iterator[Process]:
    process = start_simulator(MODELS)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def proxy(sim: Process, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    """One proxy with ADMIN_TOKEN and API_KEYS set, shared by the shape tests."""
    data_dir = tmp_path_factory.mktemp("admin-e2e")
    env = {"ADMIN_TOKEN": TOKEN, "API_KEYS": f"other-key,{KEY}"}
    process = start_proxy([sim.url], env=env, data_dir=str(data_dir))
    wait_for_inventory(process.url, len(MODELS))
    yield process
    process.stop()


def chat(url: str, model: str, prompt: str, stream: bool = False, headers: dict = CLIENT) -> None:
    body = {"model": model, "stream": stream, "messages": [{"role": "user", "content": prompt}]}
    with httpx.stream("POST", url + "/api/chat", json=body, headers=headers, timeout=10) as r:
        r.read()
        assert r.status_code == 200, r.text


def generate(url: str, model: str, prompt: str, headers: dict = CLIENT) -> None:
    body = {"model": model, "prompt": prompt, "stream": False}
    r = httpx.post(url + "/api/generate", json=body, headers=headers, timeout=10)
    assert r.status_code == 200, r.text


def get(url: str, path: str) -> dict:
    r = httpx.get(url + path, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


def post(url: str, path: str, body: object = None, status: int = 200) -> dict:
    r = httpx.post(url + path, json=body, headers=ADMIN, timeout=10)
    assert r.status_code == status, r.text
    return r.json()


def fresh(url: str) -> None:
    post(url, "/stats/reset")
    post(url, "/requests/clear")


# ------------------------------------------------------------------ statistics and request log


def test_stats_count_routed_requests_in_the_seed_shape(proxy: Process) -> None:
    fresh(proxy.url)
    chat(proxy.url, "IntelliProxyLLM", CODE_PROMPT)
    chat(proxy.url, "IntelliProxyLLM", CODE_PROMPT, stream=True)
    generate(proxy.url, "qwen2.5:7b", "Hello!")

    stats = get(proxy.url, "/stats")
    seed_keys = ["total_requests", "models", "model_avg_times", "categories", "last_update"]
    assert list(stats)[:5] == seed_keys
    assert stats["total_requests"] == 3
    assert stats["models"]["qwen2.5-coder:7b"]["count"] == 2
    assert stats["models"]["qwen2.5:7b"]["count"] == 1
    for name, counters in stats["models"].items():
        assert set(counters) == {"count", "total_time"}
        assert counters["total_time"] > 0
        average = counters["total_time"] / counters["count"]
        assert stats["model_avg_times"][name] == pytest.approx(average, abs=1e-3)
    assert stats["categories"] == {"code": 2}  # a named model is not classified
    assert stats["last_update"].startswith(time.strftime("%Y-", time.gmtime()))
    assert stats["statuses"] == {"200": 3}
    assert stats["error_total"] == 0


def test_request_log_entries_then_clear(proxy: Process) -> None:
    fresh(proxy.url)
    chat(proxy.url, "IntelliProxyLLM", CODE_PROMPT)
    generate(proxy.url, "qwen2.5:7b", "Hello!")

    log = get(proxy.url, "/requests")
    assert log["count"] == 2 and log["size"] == 50
    named, routed = log["requests"]  # newest first
    assert routed["endpoint"] == "/api/chat" and named["endpoint"] == "/api/generate"
    assert routed["requested_model"] == "IntelliProxyLLM"
    assert routed["category"] == "code"
    assert isinstance(routed["complexity"], int) and 1 <= routed["complexity"] <= 10
    assert routed["model"] == "qwen2.5-coder:7b"
    assert routed["prompt"] == CODE_PROMPT
    assert named["category"] is None and named["model"] == "qwen2.5:7b"
    for entry in (routed, named):
        assert entry["backend"].startswith("http://127.0.0.1:")
        assert entry["attempts"] == [f"{entry['model']}@{entry['backend']}:200"]
        assert entry["status"] == 200 and entry["ok"] is True
        assert entry["duration"] > 0 and entry["tokens"] > 0

    assert post(proxy.url, "/requests/clear") == {"status": "cleared", "requests": []}
    assert get(proxy.url, "/requests")["requests"] == []


def test_metrics_parse_and_the_request_counter_moves(proxy: Process) -> None:
    def requests_total() -> float:
        r = httpx.get(proxy.url + "/metrics", timeout=10)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/plain")
        families = {f.name: f for f in text_string_to_metric_families(r.text)}
        assert "intelliproxy_request_duration_seconds" in families
        counter = families["intelliproxy_requests"]
        assert counter.type == "counter"
        return sum(s.value for s in counter.samples if s.name == "intelliproxy_requests_total")

    before = requests_total()
    chat(proxy.url, "IntelliProxyLLM", CODE_PROMPT)
    assert requests_total() == before + 1


# ------------------------------------------------------------------ configuration


def test_config_airllm_has_the_seed_shape(proxy: Process, sim: Process) -> None:
    config = get(proxy.url, "/config/airllm")
    assert set(config) == {
        "ollama_host",
        "ollama_port",
        "airllm_enabled",
        "airllm_host",
        "airllm_port",
        "model_airllm_settings",
    }
    assert config["ollama_host"] == "127.0.0.1" and config["ollama_port"] == sim.port
    assert config["airllm_enabled"] is False
    assert (config["airllm_host"], config["airllm_port"]) == ("airllm", 9996)
    assert isinstance(config["model_airllm_settings"], dict)


def test_fallbacks_get_post_and_a_loop_is_refused_by_name(proxy: Process, sim: Process) -> None:
    current = get(proxy.url, "/config/fallbacks")
    assert set(current) == {"fallbacks", "timeout"}
    assert current["fallbacks"]["deepseek-r1:latest"] == "qwen2.5:7b"  # the seed's chain

    loop = {"fallbacks": {"deepseek-r1:latest": "qwen2.5:7b", "qwen2.5:7b": "deepseek-r1"}}
    error = post(proxy.url, "/config/fallbacks", loop, status=400)["error"]
    assert "loop" in error and "deepseek-r1" in error and "qwen2.5:7b" in error
    assert get(proxy.url, "/config/fallbacks") == current  # nothing applied

    change = {"fallbacks": {"deepseek-r1:latest": "qwen2.5-coder:7b"}, "timeout": 300}
    assert post(proxy.url, "/config/fallbacks", change) == change
    assert get(proxy.url, "/config/fallbacks") == change
    # The live router follows: deepseek-r1 failing over goes to the coder model now.
    fault = {"kind": "not_found", "model": "deepseek-r1:latest", "times": 1}
    httpx.post(sim.url + "/_sim/faults", json=fault, timeout=5).raise_for_status()
    body = {"model": "deepseek-r1:latest", "prompt": "hi", "stream": False}
    r = httpx.post(proxy.url + "/api/generate", json=body, headers=CLIENT, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["x-intelliproxy-model"] == "qwen2.5-coder:7b"
    assert r.json()["model"] == "deepseek-r1:latest"  # the name the client asked for
    post(proxy.url, "/config/fallbacks", current)


def test_ollama_target_airllm_service_and_model_toggle(proxy: Process, sim: Process) -> None:
    view = post(proxy.url, "/config/ollama", {"host": "localhost", "port": sim.port})
    assert (view["ollama_host"], view["ollama_port"]) == ("localhost", sim.port)
    backends = get(proxy.url, "/config/backends")["backends"]
    assert backends[0]["url"] == f"http://localhost:{sim.port}"
    assert post(proxy.url, "/config/ollama", {"port": 0}, status=400)["error"].startswith("port")
    post(proxy.url, "/config/ollama", {"host": "127.0.0.1", "port": sim.port})

    view = post(proxy.url, "/config/airllm/service", {"enabled": True, "host": "air", "port": 9})
    assert (view["airllm_enabled"], view["airllm_host"], view["airllm_port"]) == (True, "air", 9)
    view = post(proxy.url, "/config/airllm/service", {"enabled": False})
    assert (view["airllm_enabled"], view["airllm_host"]) == (False, "air")

    view = post(
        proxy.url, "/config/model/airllm", {"model_name": "deepseek-r1:latest", "enabled": True}
    )
    assert view["model_airllm_settings"] == {"deepseek-r1:latest": True}
    assert get(proxy.url, "/config/airllm") == view
    error = post(proxy.url, "/config/model/airllm", {"model_name": "x", "enabled": "yes"}, 400)
    assert error["error"].startswith("enabled")


def test_models_refresh_rereads_every_backend(proxy: Process, sim: Process) -> None:
    refreshed = post(proxy.url, "/models/refresh")
    assert refreshed["status"] == "refreshed"
    assert refreshed["total"] == len(MODELS)
    assert refreshed["backends"] == {
        b["url"]: "healthy" for b in get(proxy.url, "/config/backends")["backends"]
    }
    assert refreshed["categories"]["code"] == ["qwen2.5-coder:7b"]


# ------------------------------------------------------------------ auth


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/config/fallbacks", {"timeout": 100}),
        ("/config/ollama", {"host": "127.0.0.1"}),
        ("/config/models", {"model_name": "qwen2.5:7b", "speed": 1}),
        ("/config/routing", {"preference": "balanced"}),
        ("/requests/clear", None),
        ("/stats/reset", None),
        ("/models/refresh", None),
    ],
)
def test_admin_token_is_enforced(proxy: Process, path: str, body: object) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, CLIENT):
        r = httpx.post(proxy.url + path, json=body, headers=headers, timeout=10)
        assert r.status_code == 401, (headers, r.text)
        assert r.headers["www-authenticate"] == "Bearer"
        assert set(r.json()) == {"error"} and "ADMIN_TOKEN" in r.json()["error"]
    if path == "/config/models":
        body = {"model_name": "qwen2.5:7b", "speed": 8}  # leave it as it was
    r = httpx.post(proxy.url + path, json=body, headers=ADMIN, timeout=10)
    assert r.status_code == 200, r.text


def test_api_keys_are_enforced_on_inference(proxy: Process) -> None:
    body = {"model": "qwen2.5:7b", "stream": False, "messages": [{"role": "user", "content": "hi"}]}
    for headers in ({}, {"Authorization": "Bearer nope"}):
        r = httpx.post(proxy.url + "/api/chat", json=body, headers=headers, timeout=10)
        assert r.status_code == 401 and "error" in r.json()
        r = httpx.post(proxy.url + "/v1/chat/completions", json=body, headers=headers, timeout=10)
        assert r.status_code == 401 and "message" in r.json()["error"]  # OpenAI's shape
    for key in (KEY, "other-key", TOKEN):  # every key works, and so does the admin token
        r = httpx.post(
            proxy.url + "/api/chat", json=body, headers={"Authorization": f"Bearer {key}"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["message"]["content"]
    # Reading the router's state needs no key.
    assert httpx.get(proxy.url + "/health", timeout=10).status_code == 200


# ------------------------------------------------------------------ persistence


def test_changes_and_stats_survive_a_restart(sim: Process, tmp_path: Path) -> None:
    env = {"ADMIN_TOKEN": TOKEN}
    first = start_proxy([sim.url], env=env, data_dir=str(tmp_path))
    try:
        wait_for_inventory(first.url, len(MODELS))
        fallbacks = {"fallbacks": {"qwen2.5-coder:7b": "deepseek-r1:latest"}, "timeout": 42}
        post(first.url, "/config/fallbacks", fallbacks)
        post(first.url, "/config/model/airllm", {"model_name": "qwen2.5:7b", "enabled": True})
        assert post(first.url, "/config/routing", {"preference": "Speed"}) == {
            "preference": "speed",
            "choices": ["quality", "balanced", "speed"],
        }
        assert get(first.url, "/health")["routing_preference"] == "speed"  # live at once
        refused = httpx.post(
            first.url + "/config/routing", json={"preference": "fastest"}, headers=ADMIN
        )
        assert refused.status_code == 400 and refused.json()["error"].startswith("preference:")
        edited = post(
            first.url,
            "/config/models",
            {"model_name": "qwen2.5-coder:7b", "speed": 2, "preferred_for": ["code", "reasoning"]},
        )["attributes"]
        for _ in range(3):
            chat(first.url, "IntelliProxyLLM", CODE_PROMPT, headers={})
        before = get(first.url, "/stats")
        assert before["total_requests"] == 3
    finally:
        assert first.stop() == 0  # SIGTERM: a clean stop that flushes stats.json
    assert json.loads((tmp_path / "stats.json").read_text())["total_requests"] == 3

    second = start_proxy([sim.url], env=env, data_dir=str(tmp_path))
    try:
        assert get(second.url, "/config/fallbacks") == fallbacks
        assert get(second.url, "/config/routing")["preference"] == "speed"
        assert get(second.url, "/health")["routing_preference"] == "speed"
        assert get(second.url, "/config/airllm")["model_airllm_settings"] == {"qwen2.5:7b": True}
        assert get(second.url, "/config/models")["models"]["qwen2.5-coder:7b"] == edited
        after = get(second.url, "/stats")
        assert after["total_requests"] == 3
        assert after["models"] == before["models"]
        assert after["categories"] == before["categories"] == {"code": 3}
    finally:
        second.stop()


def serve(data_dir: Path, backend: str, *args: str) -> tuple[subprocess.Popen, str]:
    """`intelliproxy serve *args` with its own pipes, and the URL of its API port."""
    port = free_port()
    env = {
        **os.environ,
        "OLLAMA_BACKENDS": backend,
        "PROXY_HOST": "127.0.0.1",
        "PROXY_PORT": str(port),
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(free_port()),
        "DATA_DIR": str(data_dir),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "intelliproxy.cli", "serve", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("name", ["router_config.json", "models.json"])
def test_a_corrupt_config_file_stops_start_up_unless_reset(
    sim: Process, tmp_path: Path, name: str
) -> None:
    broken = '{"fallbacks": {"a": "b",'
    (tmp_path / name).write_text(broken)
    proc, _ = serve(tmp_path, sim.url)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode not in (0, None)
    assert str(tmp_path / name) in err, err
    assert "--reset-config" in err
    assert "Traceback" not in err + out
    assert (tmp_path / name).read_text() == broken  # kept for the operator to fix

    proc, url = serve(tmp_path, sim.url, "--reset-config")
    try:
        wait_http(url + "/health", proc=proc)
        assert httpx.get(url + "/config/fallbacks", timeout=5).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
    assert proc.returncode == 0
    json.loads((tmp_path / name).read_text())  # defaults written in its place
    moved = list(tmp_path.glob(f"{name}.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_text() == broken


# ------------------------------------------------------------------ kill -9 during writes


def _hammer(url: str, worker: int, round_no: int, stop: threading.Event, ok: list[int]) -> None:
    """POST /config/fallbacks in a loop (growing tables) until the proxy dies or `stop`."""
    n = 0
    with httpx.Client(base_url=url, headers=ADMIN, timeout=5) as client:
        while not stop.is_set():
            n += 1
            chain = {f"model-{worker}-{i}:7b": "qwen2.5:7b" for i in range(n % 50)}
            body = {"fallbacks": chain, "timeout": round_no * 1000 + n}
            try:
                if client.post("/config/fallbacks", json=body).status_code == 200:
                    ok[0] += 1
            except httpx.HTTPError:
                return  # the proxy is gone


def test_sigkill_during_concurrent_config_writes_never_breaks_a_file(
    sim: Process, tmp_path: Path
) -> None:
    rng = random.Random(5)
    rounds, writers = 5, 6
    accepted_total = 0
    for round_no in range(rounds):
        proxy = start_proxy([sim.url], env={"ADMIN_TOKEN": TOKEN}, data_dir=str(tmp_path))
        accepted = [0]
        stop = threading.Event()
        threads = [
            threading.Thread(target=_hammer, args=(proxy.url, w, round_no, stop, accepted))
            for w in range(writers)
        ]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.3, 0.8))
        proxy.kill()  # SIGKILL mid-write
        stop.set()
        for t in threads:
            t.join(10)
        assert accepted[0] > 0, "no write went through before the kill"
        accepted_total += accepted[0]
        router = json.loads((tmp_path / "router_config.json").read_text())
        assert isinstance(router["fallbacks"], dict) and router["timeout"] > 0
        json.loads((tmp_path / "models.json").read_text())
    # The last start must succeed on whatever the kills left behind.
    final = start_proxy([sim.url], data_dir=str(tmp_path))
    try:
        assert get(final.url, "/config/fallbacks")["timeout"] >= (rounds - 1) * 1000
    finally:
        final.stop()
    assert accepted_total >= rounds


def test_bad_backend_hosts_are_refused_before_anything_is_saved(tmp_path):
    sim = start_simulator(["qwen2.5:7b"])
    proxy = start_proxy([sim.url], data_dir=str(tmp_path))
    try:
        wait_for_inventory(proxy.url, 1)
        before = (tmp_path / "router_config.json").read_text()
        spaced = httpx.post(proxy.url + "/config/backends", json=["http://a b:11434"])
        assert spaced.status_code == 400
        long = httpx.post(proxy.url + "/config/ollama", json={"host": "a" * 300, "port": 11434})
        assert long.status_code == 400 and "host" in long.json()["error"]
        assert (tmp_path / "router_config.json").read_text() == before
        ok = httpx.post(proxy.url + "/config/fallbacks", json={"fallbacks": {}, "timeout": 300})
        assert ok.status_code == 200  # nothing stuck behind a bad value
        assert httpx.get(proxy.url + "/health").json()["backends"][0]["state"] == "healthy"
    finally:
        proxy.stop()
        sim.stop()
