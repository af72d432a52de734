"""The AirLLM lane (Path B) with two simulator processes: one plays the AirLLM service."""

from __future__ import annotations

import threading

import httpx

from tests.conftest import sim_requests, wait_for_inventory
from tests.processes import start_proxy, start_simulator

BIG = "qwen2.5:7b"  # stands in for a 70B model the operator sends through AirLLM


def _served(sim) -> list[str]:
    return [r["model"] for r in sim_requests(sim) if r["route"] in ("/api/generate", "/api/chat")]


def test_toggled_model_goes_through_airllm_others_stay_direct():
    ollama = start_simulator([BIG, "mistral:latest"])
    airllm = start_simulator([BIG])
    host, port = airllm.url.removeprefix("http://").split(":")
    proxy = start_proxy(
        [ollama.url], env={"AIRLLM_ENABLED": "true", "AIRLLM_HOST": host, "AIRLLM_PORT": port}
    )
    try:
        wait_for_inventory(proxy.url, 2)
        r = httpx.post(
            proxy.url + "/api/generate", json={"model": BIG, "prompt": "x", "stream": False}
        )
        assert r.headers["x-intelliproxy-backend"] == ollama.url  # toggle off: Path A
        toggle = httpx.post(
            proxy.url + "/config/model/airllm", json={"model_name": BIG, "enabled": True}
        )
        assert toggle.status_code == 200
        r = httpx.post(
            proxy.url + "/api/generate", json={"model": BIG, "prompt": "x", "stream": False}
        )
        assert r.status_code == 200 and r.headers["x-intelliproxy-backend"] == airllm.url
        assert _served(airllm) == [BIG]
        r = httpx.post(
            proxy.url + "/api/generate",
            json={"model": "mistral:latest", "prompt": "x", "stream": False},
        )
        assert r.headers["x-intelliproxy-backend"] == ollama.url  # other models: Path A
        health = httpx.get(proxy.url + "/health").json()
        assert health["airllm"]["url"] == airllm.url and health["airllm"]["enabled"] is True
        assert health["airllm"]["state"] == "healthy"
        stats = httpx.get(proxy.url + "/stats").json()
        assert airllm.url in stats["backends"]  # the lane is its own backend in statistics
        log = httpx.get(proxy.url + "/requests").json()["requests"]
        assert any(e["backend"] == airllm.url for e in log)
        # Service switched off: back to Path A.
        off = httpx.post(
            proxy.url + "/config/airllm/service",
            json={"enabled": False, "host": host, "port": int(port)},
        )
        assert off.status_code == 200
        r = httpx.post(
            proxy.url + "/api/generate", json={"model": BIG, "prompt": "x", "stream": False}
        )
        assert r.headers["x-intelliproxy-backend"] == ollama.url
    finally:
        for process in (proxy, airllm, ollama):
            process.stop()


def test_lane_runs_one_at_a_time_and_is_not_a_fallback():
    ollama = start_simulator(["mistral:latest", BIG])
    airllm = start_simulator(
        spec={"models": [{"name": BIG, "tokens_per_s": 40}], "num_parallel": 4}
    )
    host, port = airllm.url.removeprefix("http://").split(":")
    proxy = start_proxy(
        [ollama.url], env={"AIRLLM_ENABLED": "true", "AIRLLM_HOST": host, "AIRLLM_PORT": port}
    )
    try:
        wait_for_inventory(proxy.url, 2)
        httpx.post(proxy.url + "/config/model/airllm", json={"model_name": BIG, "enabled": True})
        results: list[int] = []

        def ask() -> None:
            r = httpx.post(
                proxy.url + "/api/generate",
                json={"model": BIG, "prompt": "x", "stream": False},
                timeout=60,
            )
            results.append(r.status_code)

        threads = [threading.Thread(target=ask) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [200, 200, 200]
        log = [r for r in sim_requests(airllm) if r["route"] == "/api/generate"]
        spans = sorted((r["start"], r["end"]) for r in log)
        assert all(
            prev_end <= start + 0.01
            for (_, prev_end), (start, _) in zip(spans, spans[1:], strict=False)
        )
        # mistral's fallback is qwen2.5:7b (the seed's chain), which is on the lane: when
        # mistral fails, the lane is not used as its fallback.
        httpx.post(ollama.url + "/_sim/faults", json={"kind": "oom", "model": "mistral:latest"})
        r = httpx.post(
            proxy.url + "/api/generate",
            json={"model": "mistral:latest", "prompt": "x", "stream": False},
        )
        assert airllm.url not in r.headers["x-intelliproxy-attempts"]
    finally:
        for process in (proxy, airllm, ollama):
            process.stop()


def test_performance_test_reports_every_mode():
    ollama = start_simulator(["qwen2.5:7b", "nemotron-3-nano:latest"])
    airllm = start_simulator(["qwen2.5:7b"])
    host, port = airllm.url.removeprefix("http://").split(":")
    proxy = start_proxy(
        [ollama.url], env={"AIRLLM_ENABLED": "true", "AIRLLM_HOST": host, "AIRLLM_PORT": port}
    )
    try:
        wait_for_inventory(proxy.url, 2)
        r = httpx.post(
            proxy.url + "/performance-test",
            json={"prompt": "What is a transparent proxy?"},
            timeout=60,
        )
        assert r.status_code == 200
        results = {x["mode"]: x for x in r.json()["results"]}
        assert set(results) == {"direct", "direct_airllm", "llm", "llm_airllm"}
        for mode, x in results.items():
            assert "error" not in x, x
            assert x["ttft_ms"] > 0 and x["total_ms"] >= x["ttft_ms"] and x["tokens_per_s"] > 0
            assert x["path"] == ("airllm" if mode.endswith("airllm") else "direct")
        assert (
            results["direct"]["model"] == "qwen2.5:7b"
            and results["direct"]["backend"] == ollama.url
        )
        assert results["direct_airllm"]["backend"] == airllm.url
        one = httpx.post(
            proxy.url + "/performance-test", json={"prompt": "hi", "mode": "direct"}
        ).json()
        assert [x["mode"] for x in one["results"]] == ["direct"]
        bad = httpx.post(proxy.url + "/performance-test", json={"prompt": "hi", "mode": "warp"})
        assert bad.status_code == 400
    finally:
        for process in (proxy, airllm, ollama):
            process.stop()


def test_auto_discovery_of_an_unknown_model_from_show_facts():
    spec = {
        "models": [
            "qwen2.5:7b",
            {
                "name": "zeta:latest",
                "family": "gemma3",
                "parameter_size": "27.4B",
                "size": 17_000_000_000,
                "capabilities": ["completion", "vision"],
                "context_length": 131072,
            },
            {
                "name": "tiny-helper:latest",
                "family": "llama",
                "parameter_size": "1.2B",
                "size": 800_000_000,
                "capabilities": ["completion", "tools"],
                "context_length": 8192,
            },
        ]
    }
    sim = start_simulator(spec=spec)
    proxy = start_proxy([sim.url])
    try:
        wait_for_inventory(proxy.url, 3)
        models = httpx.get(proxy.url + "/models").json()["models"]
        zeta, tiny = models["zeta:latest"], models["tiny-helper:latest"]
        assert zeta["source"] == "ollama" and "vision" in zeta["capabilities"]
        assert "vision" in zeta["preferred_for"] and zeta["context_length"] == 131072
        assert zeta["complexity"] >= 7 and zeta["speed"] <= 5  # a 27B model: capable, slow
        assert tiny["complexity"] <= 4 and tiny["speed"] >= 9 and "tools" in tiny["capabilities"]
        # An operator edit wins over the facts and survives a refresh.
        httpx.post(proxy.url + "/config/models", json={"model_name": "zeta:latest", "speed": 9})
        httpx.post(proxy.url + "/models/refresh")
        assert httpx.get(proxy.url + "/models").json()["models"]["zeta:latest"]["speed"] == 9
    finally:
        proxy.stop()
        sim.stop()


def _discovered(proxy_url: str, name: str, timeout: float = 10.0) -> dict:
    import time

    deadline = time.monotonic() + timeout
    entry: dict = {}
    while time.monotonic() < deadline:
        entry = httpx.get(proxy_url + "/models").json()["models"].get(name, {})
        if entry.get("source") == "llm":
            return entry
        time.sleep(0.1)
    return entry


def test_llm_is_asked_about_an_unknown_name_once_when_enabled():
    import json

    from tests.recording_upstream import RecordingUpstream, Script

    upstream = RecordingUpstream()  # lists one model, rec:latest, whose name no rule knows
    said = {"category": "uncensored", "complexity": 3, "speed": 9}
    upstream.scripts["/api/generate"] = Script(
        chunks=[json.dumps({"model": "rec:latest", "response": json.dumps(said), "done": True})
                .encode()]
    )  # fmt: skip
    env = {"CLASSIFIER_MODEL": "rec:latest", "INVENTORY_INTERVAL": "0.2"}
    plain = start_proxy([upstream.url], env=env)
    try:
        wait_for_inventory(plain.url, 1)
        entry = httpx.get(plain.url + "/models").json()["models"]["rec:latest"]
        assert entry["preferred_for"] == ["general"]  # off by default: nobody is asked
        assert not [q for q in upstream.inference_requests() if b'"format"' in q.body]
    finally:
        plain.stop()

    proxy = start_proxy([upstream.url], env={**env, "DISCOVERY_ASK_LLM": "true"})
    try:
        wait_for_inventory(proxy.url, 1)
        entry = _discovered(proxy.url, "rec:latest")
        assert entry["source"] == "llm" and entry["preferred_for"] == ["uncensored"]
        assert (entry["complexity"], entry["speed"]) == (3, 10)  # 1B is a fact: size rule
        for _ in range(3):  # more refreshes ask nothing more
            httpx.post(proxy.url + "/models/refresh")
        asked = [q for q in upstream.inference_requests() if b'"format"' in q.body]
        assert len(asked) == 1
        question = json.loads(asked[0].body)
        assert question["model"] == "rec:latest" and "rec:latest" in question["prompt"]
        assert set(question["format"]["required"]) == {"category", "complexity", "speed"}
    finally:
        proxy.stop()
        upstream.stop()
