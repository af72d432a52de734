"""A backend's `memory_budget` (router_config.json) steers cold loads, through real processes.

Two simulators hold the same models. On one, whose budget is set, a model is already
resident; a request for another cold model must go to the backend where it loads without
evicting. The budgeted backend is the one the planner's name tie-break would pick otherwise,
so the test fails if the budget is ignored.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import httpx

from tests.processes import start_proxy, start_simulator

RESIDENT, WANTED = "qwen2.5:7b", "mistral:latest"  # 4.68 GB and 4.37 GB in the simulator


def _wait_loaded(proxy_url: str, backend: str, model: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        httpx.post(proxy_url + "/models/refresh", timeout=5)
        for entry in httpx.get(proxy_url + "/health", timeout=5).json()["backends"]:
            if entry["url"] == backend and model in entry.get("loaded", []):
                return
        time.sleep(0.1)
    raise AssertionError(f"the proxy never saw {model} loaded on {backend}")


def _wait_both_inventoried(proxy_url: str, timeout: float = 15.0) -> None:
    # Both simulators list the same two models: /health's model count cannot tell.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        backends = httpx.get(proxy_url + "/health", timeout=5).json()["backends"]
        if all(b["state"] == "healthy" and b["models"] == 2 for b in backends):
            return
        time.sleep(0.1)
    raise AssertionError("the proxy never inventoried both backends")


def test_cold_model_goes_where_it_fits_the_memory_budget_without_eviction() -> None:
    sims = [start_simulator([RESIDENT, WANTED]) for _ in range(2)]
    tight, roomy = sorted(sims, key=lambda s: s.url)  # `tight` wins ties by name
    data_dir = tempfile.mkdtemp(prefix="intelliproxy-budget-")
    config = {
        "backends": [
            {"url": tight.url, "max_concurrent": None, "weight": 1, "memory_budget": 6_000_000_000},
            {"url": roomy.url, "max_concurrent": None, "weight": 1, "memory_budget": None},
        ]
    }
    Path(data_dir, "router_config.json").write_text(json.dumps(config))
    proxy = start_proxy([tight.url, roomy.url], data_dir=data_dir)
    try:
        _wait_both_inventoried(proxy.url)
        # Make RESIDENT resident on the tight backend only (directly, not through the proxy).
        httpx.post(tight.url + "/api/generate", json={"model": RESIDENT}, timeout=30)
        _wait_loaded(proxy.url, tight.url, RESIDENT)

        reply = httpx.post(
            proxy.url + "/api/generate",
            json={"model": WANTED, "prompt": "hi", "stream": False},
            timeout=30,
        )
        assert reply.status_code == 200, reply.text
        assert reply.headers["X-IntelliProxy-Backend"] == roomy.url
    finally:
        for process in (proxy, *sims):
            process.stop()
