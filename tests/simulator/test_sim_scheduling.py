"""Load/unload bookkeeping: keep_alive, /api/ps, memory-budget eviction, slots, the queue."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx

from intelliproxy.simulator import SimConfig, SimModel
from intelliproxy.simulator.server import start
from tests.simulator.simhelpers import fast_config

GiB = 1 << 30


def small_fleet(load_time_s: float = 0.01, tokens_per_s: float = 5000) -> list[SimModel]:
    return [
        SimModel(name=f"m{i}:1b", size=size, load_time_s=load_time_s, tokens_per_s=tokens_per_s)
        for i, size in enumerate([4 * GiB, 4 * GiB, 3 * GiB, 20 * GiB])
    ]


async def gen(client: httpx.AsyncClient, model: str, **extra: object) -> dict:
    body = {"model": model, "prompt": "hi", "stream": False, **extra}
    r = await client.post("/api/generate", json=body)
    assert r.status_code == 200, r.text
    return r.json()


async def ps(client: httpx.AsyncClient) -> list[dict]:
    return (await client.get("/api/ps")).json()["models"]


async def test_keep_alive_drives_ps(client: httpx.AsyncClient) -> None:
    first = await gen(client, "mistral", keep_alive="10m")
    assert first["load_duration"] > 0
    second = await gen(client, "mistral")
    assert second["load_duration"] < first["load_duration"]  # no load when resident
    await gen(client, "qwen2.5:7b", keep_alive=30)
    await gen(client, "llava", keep_alive=-1)
    models = await ps(client)
    assert [m["name"] for m in models] == ["llava:latest", "mistral:latest", "qwen2.5:7b"]
    now = datetime.now().astimezone()
    expiry = {m["name"]: datetime.fromisoformat(m["expires_at"]) for m in models}
    assert expiry["llava:latest"] - now > timedelta(days=365 * 200)  # "forever"
    # Omitted keep_alive on reuse left the 10m from the first request in place.
    assert timedelta(minutes=9) < expiry["mistral:latest"] - now <= timedelta(minutes=10)
    assert timedelta(seconds=25) < expiry["qwen2.5:7b"] - now <= timedelta(seconds=30)
    assert models[0]["size_vram"] == models[0]["size"] and models[0]["context_length"] == 4096

    await gen(client, "qwen2.5:7b", keep_alive=0)  # unloaded when the request ends
    assert "qwen2.5:7b" not in [m["name"] for m in await ps(client)]
    await gen(client, "mistral", keep_alive="100ms")
    await asyncio.sleep(0.15)
    assert [m["name"] for m in await ps(client)] == ["llava:latest"]


async def test_num_ctx_change_reloads(client: httpx.AsyncClient) -> None:
    await gen(client, "mistral")
    again = await gen(client, "mistral", options={"num_ctx": 8192})
    assert again["load_duration"] >= 10_000_000  # reloaded (load_time 0.01s)
    assert (await ps(client))[0]["context_length"] == 8192


async def test_memory_budget_evicts_lru_and_ooms() -> None:
    config = SimConfig(models=small_fleet(), memory_bytes=10 * GiB)
    async with await start(config) as sim, httpx.AsyncClient(base_url=sim.url) as client:
        await gen(client, "m0:1b")
        await gen(client, "m1:1b")
        await gen(client, "m0:1b")  # m1 is now least recently used
        await gen(client, "m2:1b")  # 4+4+3 > 10: evicts m1
        assert sorted(m["name"] for m in await ps(client)) == ["m0:1b", "m2:1b"]
        state = (await client.get("/_sim/state")).json()
        assert state["counters"]["evictions"] == 1 and state["memory_used"] == 7 * GiB
        r = await client.post("/api/generate", json={"model": "m3:1b", "prompt": "x"})
        assert r.status_code == 500
        assert r.json()["error"].startswith("llama-server reported out-of-memory during startup")
        assert "m3:1b" not in [m["name"] for m in await ps(client)]


async def test_legacy_version_uses_legacy_oom_string() -> None:
    config = SimConfig(models=small_fleet(), memory_bytes=8 * GiB, version="0.12.6")
    async with await start(config) as sim, httpx.AsyncClient(base_url=sim.url) as client:
        r = await client.post("/api/chat", json={"model": "m3:1b", "messages": [
            {"role": "user", "content": "x"}]})  # fmt: skip
        assert r.json() == {
            "error": "model requires more system memory (20.0 GiB) than is available (8.0 GiB)"
        }


async def test_busy_models_are_not_evicted_load_waits() -> None:
    fleet = small_fleet(tokens_per_s=100)  # 24 tokens take ~0.24 s
    config = SimConfig(models=fleet, memory_bytes=8 * GiB)
    async with await start(config) as sim, httpx.AsyncClient(base_url=sim.url) as client:
        slow = asyncio.create_task(gen(client, "m0:1b"))
        await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await gen(client, "m2:1b")  # needs m0's memory; waits until m0 is idle
        assert slow.done() and loop.time() - t0 > 0.1
        assert (await slow)["done"]


async def test_num_parallel_slots_queue_silently() -> None:
    config = fast_config(num_parallel=2)
    for model in config.models:
        model.tokens_per_s = 120  # ~0.2 s per answer
    async with await start(config) as sim, httpx.AsyncClient(base_url=sim.url) as client:
        await gen(client, "mistral", options={"num_predict": 1})  # warm
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        results = await asyncio.gather(*(gen(client, "mistral") for _ in range(3)))
        elapsed = loop.time() - t0
        assert all(r["done"] for r in results)
        assert 0.35 < elapsed < 1.5  # two ran together, the third waited for a slot


async def test_max_queue_full_gives_503() -> None:
    config = fast_config(max_queue=1)
    for model in config.models:
        model.load_time_s = 0.3
    async with await start(config) as sim, httpx.AsyncClient(base_url=sim.url) as client:
        loading = asyncio.create_task(gen(client, "mistral"))  # holds the loader
        await asyncio.sleep(0.05)
        queued = asyncio.create_task(gen(client, "qwen2.5:7b"))  # fills the queue
        await asyncio.sleep(0.05)
        r = await client.post("/api/generate", json={"model": "llava", "prompt": "x"})
        assert r.status_code == 503
        assert r.json() == {
            "error": "server busy, please try again.  maximum pending requests exceeded"
        }
        assert (await loading)["done"] and (await queued)["done"]
