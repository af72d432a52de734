"""`ollama stop` through the proxy unloads the model on every backend (real processes)."""

from __future__ import annotations

import httpx

from tests.conftest import sim_requests
from tests.processes import start_proxy, start_simulator

MODEL = "qwen2.5:7b"


def _loaded(sim) -> list[str]:
    return [m["name"] for m in httpx.get(sim.url + "/api/ps", timeout=5).json()["models"]]


def _wait_both_inventoried(proxy_url: str) -> None:
    import time

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        backends = httpx.get(proxy_url + "/health", timeout=5).json()["backends"]
        if all(b["state"] == "healthy" and b["models"] >= 1 for b in backends):
            return
        time.sleep(0.1)
    raise AssertionError("the proxy never inventoried both backends")


def test_unload_reaches_every_backend_and_a_prompt_with_keep_alive_0_does_not():
    sims = [start_simulator([MODEL, "mistral:latest"]) for _ in range(2)]
    proxy = start_proxy([s.url for s in sims])
    try:
        _wait_both_inventoried(proxy.url)
        for path, body in (
            ("/api/generate", {"model": MODEL, "keep_alive": 0}),  # what `ollama stop` sends
            ("/api/chat", {"model": MODEL, "messages": [], "keep_alive": "0s"}),
        ):
            for sim in sims:  # resident on both machines
                httpx.post(sim.url + "/api/generate", json={"model": MODEL}, timeout=30)
                assert _loaded(sim) == [MODEL]
            reply = httpx.post(proxy.url + path, json=body, timeout=30)
            assert reply.status_code == 200, reply.text
            assert reply.json()["done_reason"] == "unload"
            assert [_loaded(sim) for sim in sims] == [[], []], path

        # keep_alive 0 with a prompt is an ordinary request: one backend, no fan-out.
        for sim in sims:
            httpx.delete(sim.url + "/_sim/requests", timeout=5)
        body = {"model": MODEL, "prompt": "hi", "keep_alive": 0, "stream": False}
        assert httpx.post(proxy.url + "/api/generate", json=body, timeout=30).status_code == 200
        assert sorted(len(sim_requests(sim)) for sim in sims) == [0, 1]
    finally:
        for process in (proxy, *sims):
            process.stop()
