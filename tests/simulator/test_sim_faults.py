"""Every fault kind, fault targeting, and the request log that records them."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from intelliproxy.simulator.server import start
from tests.simulator.simhelpers import fast_config, ndjson

CHAT = {"model": "mistral", "messages": [{"role": "user", "content": "hi"}]}
RUNNER_STOPPED = (
    "model runner has unexpectedly stopped, this may be due to resource limitations or an "
    "internal error, check ollama server logs for details"
)


async def add_fault(client: httpx.AsyncClient, **fault: object) -> None:
    r = await client.post("/_sim/faults", json=fault)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("kind", "status", "prefix"),
    [
        ("oom_legacy", 500, "model requires more system memory (12.4 GiB) than is available"),
        ("oom", 500, "llama-server reported out-of-memory during startup: "),
        ("not_found", 404, "model 'mistral' not found"),
        ("busy", 503, "server busy, please try again.  maximum pending requests exceeded"),
        ("load_failure", 500, "llama-server process has terminated: exit status 2: "),
    ],
)
async def test_prestream_faults(
    client: httpx.AsyncClient, kind: str, status: int, prefix: str
) -> None:
    await add_fault(client, kind=kind, model="mistral", times=1)
    r = await client.post("/api/chat", json=CHAT)
    assert r.status_code == status and r.json()["error"].startswith(prefix)
    assert r.headers["content-type"].startswith("application/json")
    assert (await client.post("/api/chat", json=CHAT)).status_code == 200  # times=1 used up
    log = (await client.get("/_sim/requests")).json()["requests"]
    assert [(e["status"], e["fault"]) for e in log] == [(status, kind), (200, None)]


async def test_fault_targets_model_and_route(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="busy", model="qwen2.5:7b")
    assert (await client.post("/api/chat", json=CHAT)).status_code == 200
    other = {**CHAT, "model": "qwen2.5:7b"}
    assert (await client.post("/api/chat", json=other)).status_code == 503
    assert (await client.post("/api/chat", json=other)).status_code == 503  # unlimited
    await client.delete("/_sim/faults")
    assert (await client.post("/api/chat", json=other)).status_code == 200

    await add_fault(client, kind="busy", route="/v1/chat/completions")
    assert (await client.post("/api/chat", json=CHAT)).status_code == 200
    r = await client.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 503 and r.json()["error"]["type"] == "api_error"
    await client.delete("/_sim/faults")
    await add_fault(client, kind="error_midstream", route="/api/tags")
    assert (await client.get("/api/tags")).status_code == 500
    assert (await client.get("/api/ps")).status_code == 200


async def test_die_midstream(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="die_midstream", after_chunks=3)
    lines: list[bytes] = []
    with pytest.raises(httpx.RemoteProtocolError):
        async with client.stream("POST", "/api/chat", json=CHAT) as r:
            assert r.status_code == 200
            async for line in r.aiter_lines():
                lines.append(line)
    assert len(lines) == 3 and all(not json.loads(x)["done"] for x in lines)
    await add_fault(client, kind="die_midstream")
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/api/chat", json={**CHAT, "stream": False})


async def test_error_midstream(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="error_midstream", after_chunks=2, times=1)
    lines = ndjson((await client.post("/api/chat", json=CHAT)).content)
    assert len(lines) == 3 and lines[-1] == {"error": RUNNER_STOPPED}
    await add_fault(client, kind="error_midstream", after_chunks=0, times=1)
    r = await client.post("/api/generate", json={"model": "mistral", "prompt": "x"})
    assert (r.status_code, r.headers["content-type"]) == (500, "application/json")
    await add_fault(client, kind="error_midstream", times=1)
    r = await client.post("/api/chat", json={**CHAT, "stream": False})
    assert r.status_code == 500 and r.json() == {"error": RUNNER_STOPPED}
    log = (await client.get("/_sim/requests")).json()["requests"]
    assert log[0]["error"] == RUNNER_STOPPED and log[0]["chunks"] == 3


async def test_error_midstream_on_v1_stream_has_no_done(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="error_midstream", after_chunks=2)
    r = await client.post("/v1/chat/completions", json={**CHAT, "stream": True})
    events = r.content.split(b"\n\n")
    assert b"data: [DONE]" not in events and len(events) == 4
    assert json.loads(events[2][6:])["model"] == ""


async def test_malformed_midstream(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="malformed_midstream", after_chunks=1)
    r = await client.post("/api/chat", json=CHAT)
    first, bad = r.content.rstrip(b"\n").split(b"\n")
    assert json.loads(first)["message"]["role"] == "assistant"
    with pytest.raises(json.JSONDecodeError):
        json.loads(bad)


async def test_stall_and_slow_first_token(client: httpx.AsyncClient) -> None:
    loop = asyncio.get_running_loop()
    await client.post("/api/chat", json={**CHAT, "messages": []})  # load first
    await add_fault(client, kind="slow_first_token", delay_s=0.3, times=1)
    t0 = loop.time()
    async with client.stream("POST", "/api/chat", json=CHAT) as r:
        async for _ in r.aiter_lines():
            break
        assert loop.time() - t0 >= 0.3
    await add_fault(client, kind="stall_midstream", after_chunks=2, delay_s=0.3, times=1)
    stamps = []
    async with client.stream("POST", "/api/chat", json=CHAT) as r:
        async for _ in r.aiter_lines():
            stamps.append(loop.time())
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert len(stamps) == 25 and gaps[1] >= 0.28 and max(gaps[2:]) < 0.2


async def test_hang_until_client_leaves(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="hang", model="mistral")
    with pytest.raises(httpx.ReadTimeout):
        await client.post("/api/chat", json=CHAT, timeout=0.3)

    async def logged() -> dict | None:
        entries = (await client.get("/_sim/requests")).json()["requests"]
        return entries[0] if entries and entries[0]["end"] else None

    from tests.simulator.simhelpers import wait_for

    entry = await wait_for(logged)
    assert entry["cancelled"] and entry["fault"] == "hang" and entry["status"] == 499


async def test_faults_from_spec_and_bad_fault(tmp_path) -> None:
    config = fast_config(faults=[{"kind": "busy", "model": "mistral", "times": 1}])
    async with await start(config) as sim, httpx.AsyncClient(base_url=sim.url) as client:
        assert (await client.post("/api/chat", json=CHAT)).status_code == 503
        assert (await client.post("/api/chat", json=CHAT)).status_code == 200
        r = await client.post("/_sim/faults", json={"kind": "explode"})
        assert r.status_code == 400 and "unknown fault kind" in r.json()["error"]
        r = await client.post("/_sim/faults", json=[{"kind": "busy"}, {"kind": "oom"}])
        assert [f["kind"] for f in r.json()["faults"]] == ["busy", "oom"]


async def test_load_request_hit_by_load_failure(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="load_failure", model="llava", times=1)
    r = await client.post("/api/generate", json={"model": "llava"})
    assert r.status_code == 500 and r.json()["error"].startswith("llama-server process has")
    assert (await client.get("/api/ps")).json() == {"models": []}
    r = await client.post("/api/generate", json={"model": "llava"})
    assert r.json()["done_reason"] == "load"


async def test_state_shows_in_flight_and_reset_clears(client: httpx.AsyncClient) -> None:
    await add_fault(client, kind="stall_midstream", after_chunks=1, delay_s=5)
    async with client.stream("POST", "/api/chat", json=CHAT) as r:
        async for _ in r.aiter_lines():
            break
        state = (await client.get("/_sim/state")).json()
        assert state["in_flight"] == {"mistral:latest": 1} and state["active_requests"] == 1
        assert state["faults"][0]["kind"] == "stall_midstream"
    r = await client.post("/_sim/reset")
    assert r.status_code == 200
    state = (await client.get("/_sim/state")).json()
    assert state["faults"] == [] and state["loaded"] == []
    assert (await client.get("/_sim/requests")).json() == {"requests": []}
