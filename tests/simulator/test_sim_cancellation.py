"""Client disconnects cancel generation, free the slot, and show up in the request log."""

from __future__ import annotations

import asyncio
import contextlib

import httpx

from intelliproxy.simulator.server import start
from tests.simulator.simhelpers import fast_config, wait_for

CHAT = {"model": "mistral", "messages": [{"role": "user", "content": "hi"}]}


def slow_config(**overrides: object):
    config = fast_config(**overrides)
    for model in config.models:
        model.tokens_per_s = 40  # 24 tokens ~ 0.6 s
    return config


async def finished_entries(client: httpx.AsyncClient) -> list[dict]:
    entries = (await client.get("/_sim/requests")).json()["requests"]
    return [e for e in entries if e["end"] is not None]


async def test_disconnect_midstream_is_recorded_and_frees_the_slot() -> None:
    async with await start(slow_config()) as sim, httpx.AsyncClient(base_url=sim.url) as client:
        async with (
            httpx.AsyncClient(base_url=sim.url) as doomed,
            doomed.stream("POST", "/api/chat", json=CHAT) as r,
        ):
            async for _ in r.aiter_lines():
                break  # one line, then hang up

        entries = await wait_for(lambda: finished_entries(client))
        entry = entries[0]
        assert entry["cancelled"] is True and entry["disconnected"] is True
        assert entry["status"] == 200 and 1 <= entry["chunks"] < 24
        assert entry["done_reason"] is None

        state = (await client.get("/_sim/state")).json()
        assert state["in_flight"] == {} and state["active_requests"] == 0


async def test_disconnect_while_waiting_for_a_slot() -> None:
    config = slow_config(num_parallel=1)
    async with await start(config) as sim, httpx.AsyncClient(base_url=sim.url) as client:
        busy = asyncio.create_task(client.post("/api/chat", json={**CHAT, "stream": False}))
        await asyncio.sleep(0.1)
        async with httpx.AsyncClient(base_url=sim.url) as waiter:
            try:
                await waiter.post("/api/chat", json=CHAT, timeout=0.2)
            except httpx.ReadTimeout:
                pass
            else:
                raise AssertionError("the second request should have waited for the slot")

        async def waiter_done() -> dict | None:
            entries = await finished_entries(client)
            return next((e for e in entries if e["id"] == 2), None)

        entry = await wait_for(waiter_done)
        assert entry["cancelled"] and entry["status"] == 499 and entry["chunks"] == 0
        assert (await busy).status_code == 200
        log = (await client.get("/_sim/requests")).json()["requests"]
        assert log[0]["cancelled"] is False and log[0]["status"] == 200


async def test_disconnect_during_load_cancels_it() -> None:
    config = fast_config()
    for model in config.models:
        model.load_time_s = 1.0
    async with await start(config) as sim, httpx.AsyncClient(base_url=sim.url) as client:
        with contextlib.suppress(httpx.ReadTimeout):
            await client.post(
                "/api/generate", json={"model": "mistral", "prompt": "x"}, timeout=0.2
            )
        entry = (await wait_for(lambda: finished_entries(client)))[0]
        assert entry["cancelled"] and entry["status"] == 499
        assert (await client.get("/api/ps")).json() == {"models": []}
