"""The official ollama Python client (sync and async) works against the simulator."""

from __future__ import annotations

import hashlib

import httpx
import ollama
import pytest

from intelliproxy.simulator.server import RunningSimulator, ThreadedSimulator

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


def test_sync_chat_and_generate(threaded_sim: ThreadedSimulator) -> None:
    client = ollama.Client(host=threaded_sim.url)
    reply = client.chat(model="qwen2.5:7b", messages=[{"role": "user", "content": "hello"}])
    assert reply.message.role == "assistant"
    assert reply.message.content.startswith("[qwen2.5:7b]")
    assert reply.done and reply.done_reason == "stop"
    assert reply.eval_count == 24 and reply.prompt_eval_count > 0

    parts = list(client.generate(model="mistral", prompt="hi", stream=True))
    assert parts[-1].done and parts[-1].context
    assert all(not p.done for p in parts[:-1])
    assert "".join(p.response for p in parts).startswith("[mistral:latest]")
    assert all(p.model == "mistral" for p in parts)  # the request's string is echoed

    one = client.generate(model="qwen2.5-coder:7b", prompt="x", options={"num_predict": 5})
    assert one.done_reason == "length" and one.eval_count == 5


def test_sync_chat_stream_thinking_and_tools(threaded_sim: ThreadedSimulator) -> None:
    client = ollama.Client(host=threaded_sim.url)
    chunks = list(
        client.chat(
            model="deepseek-r1:latest",
            messages=[{"role": "user", "content": "why?"}],
            stream=True,
        )
    )
    thinking = "".join(c.message.thinking or "" for c in chunks)
    content = "".join(c.message.content for c in chunks)
    assert thinking and content.startswith("[deepseek-r1:latest]")
    first_content = next(i for i, c in enumerate(chunks) if c.message.content)
    assert all(not c.message.content for c in chunks[:first_content])  # thinking first

    no_think = client.chat(
        model="deepseek-r1:latest", messages=[{"role": "user", "content": "q"}], think=False
    )
    assert not no_think.message.thinking

    reply = client.chat(
        model="qwen2.5:7b",
        messages=[{"role": "user", "content": "What is the weather in Oslo?"}],
        tools=TOOLS,
    )
    calls = reply.message.tool_calls
    assert calls and calls[0].function.name == "get_weather"
    assert calls[0].function.arguments == {"city": "Oslo"}


def test_sync_inventory_and_management(threaded_sim: ThreadedSimulator) -> None:
    client = ollama.Client(host=threaded_sim.url)
    # The Python client has no version(); it is a plain GET like Open WebUI's probe.
    assert httpx.get(f"{threaded_sim.url}/api/version").json() == {"version": "0.32.15"}
    names = {m.model for m in client.list().models}
    assert "qwen2.5-coder:7b" in names and len(names) == 8

    shown = client.show("qwen2.5-coder:7b")
    assert shown.modelinfo is not None and shown.modelinfo["general.architecture"] == "qwen2"
    assert ".Suffix" in (shown.template or "")
    assert "insert" in (shown.capabilities or [])
    assert "num_ctx" in (shown.parameters or "")

    client.generate(model="llava", prompt="")  # load only
    running = client.ps().models
    assert [m.model for m in running] == ["llava:latest"]
    assert running[0].expires_at is not None and running[0].size_vram

    assert client.copy("mistral", "my-mistral").status == "success"
    assert client.delete("my-mistral").status == "success"
    with pytest.raises(ollama.ResponseError) as err:
        client.delete("my-mistral")
    assert err.value.status_code == 404

    progress = list(client.pull("sim-tiny:1b", stream=True))
    statuses = [p.status for p in progress]
    assert statuses[0] == "pulling manifest" and statuses[-1] == "success"
    assert any(p.completed and p.total for p in progress)
    assert "sim-tiny:1b" in {m.model for m in client.list().models}
    with pytest.raises(ollama.ResponseError, match="file does not exist"):
        list(client.pull("no-such-model", stream=True))

    created = client.create(model="terse", from_="qwen2.5:7b", system="Be terse.")
    assert created.status == "success"
    assert "Be terse." in (client.show("terse").modelfile or "")


def test_sync_embeddings_and_blobs(threaded_sim: ThreadedSimulator, tmp_path) -> None:
    client = ollama.Client(host=threaded_sim.url)
    out = client.embed(model="nomic-embed-text", input=["alpha", "beta"])
    assert len(out.embeddings) == 2 and len(out.embeddings[0]) == 768
    assert abs(sum(v * v for v in out.embeddings[0]) - 1.0) < 1e-9
    again = client.embed(model="nomic-embed-text", input="alpha")
    assert again.embeddings[0] == out.embeddings[0]  # deterministic
    legacy = client.embeddings(model="nomic-embed-text", prompt="alpha")
    assert len(legacy.embedding) == 768

    blob = tmp_path / "m.gguf"
    blob.write_bytes(b"GGUF" + bytes(100))
    digest = client.create_blob(blob)
    assert digest == "sha256:" + hashlib.sha256(blob.read_bytes()).hexdigest()
    made = client.create(model="from-files", files={"m.gguf": digest})
    assert made.status == "success"


async def test_async_client(sim: RunningSimulator) -> None:
    client = ollama.AsyncClient(host=sim.url)
    reply = await client.chat(model="mistral", messages=[{"role": "user", "content": "hi"}])
    assert reply.message.content.startswith("[mistral:latest]")
    stream = await client.chat(
        model="nemotron-3-nano:latest", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    chunks = [c async for c in stream]
    assert chunks[-1].done and chunks[-1].eval_count == 24
    gen = await client.generate(model="llama2-uncensored", prompt="hi")
    assert gen.response.startswith("[llama2-uncensored:latest]")
    gens = [c async for c in await client.generate(model="qwen2.5:7b", prompt="a", stream=True)]
    assert gens[-1].done_reason == "stop"
    assert len((await client.list()).models) == 8
    assert (await client.show("mistral")).details.family == "llama"
    assert len((await client.ps()).models) >= 1
    assert len((await client.embed(model="nomic-embed-text", input="x")).embeddings) == 1
    assert (await client.embeddings(model="nomic-embed-text", prompt="x")).embedding
    pulls = [p async for p in await client.pull("sim-a:1b", stream=True)]
    assert pulls[-1].status == "success"
    assert (await client.copy("sim-a:1b", "sim-b:1b")).status == "success"
    assert (await client.delete("sim-b:1b")).status == "success"
    assert (await client.create(model="c2", from_="mistral")).status == "success"
    with pytest.raises(ollama.ResponseError) as err:
        await client.chat(model="nope", messages=[{"role": "user", "content": "x"}])
    assert err.value.status_code == 404 and err.value.error == "model 'nope' not found"
