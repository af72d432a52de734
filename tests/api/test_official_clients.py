"""The official `ollama` and `openai` clients work through the proxy exactly as directly.

Each test runs the same call against a simulator and against the proxy in front of it and
compares what the client library returns (timestamps and durations aside).
"""

from __future__ import annotations

import ollama
import openai
import pytest

from tests.conftest import sim_requests

MODEL = "qwen2.5:7b"  # on both backends
CODER = "qwen2.5-coder:7b"  # on backend A only
MESSAGES = [{"role": "user", "content": "Say hello in three words"}]


def _comparable(data: dict) -> dict:
    volatile = {
        "created_at",
        "total_duration",
        "load_duration",
        "prompt_eval_duration",
        "eval_duration",
        "context",
    }
    return {k: v for k, v in data.items() if k not in volatile}


@pytest.fixture
def clients(proxy, fleet):
    direct = ollama.Client(host=fleet[0].url)
    proxied = ollama.Client(host=proxy.url)
    return direct, proxied


def test_chat_not_streamed_matches_direct(clients):
    direct, proxied = clients
    a = direct.chat(model=MODEL, messages=MESSAGES, stream=False)
    b = proxied.chat(model=MODEL, messages=MESSAGES, stream=False)
    assert b.message.role == "assistant"
    assert b.message.content == a.message.content
    assert b.model == MODEL
    assert b.done and b.eval_count == a.eval_count


def test_chat_streamed_matches_direct(clients):
    direct, proxied = clients
    a = [c.message.content for c in direct.chat(model=MODEL, messages=MESSAGES, stream=True)]
    b_chunks = list(proxied.chat(model=MODEL, messages=MESSAGES, stream=True))
    assert [c.message.content for c in b_chunks] == a
    assert b_chunks[-1].done and b_chunks[-1].done_reason == "stop"
    assert b_chunks[-1].eval_count and b_chunks[-1].eval_duration


def test_generate_both_modes(clients):
    direct, proxied = clients
    a = direct.generate(model=MODEL, prompt="Why is the sky blue?")
    b = proxied.generate(model=MODEL, prompt="Why is the sky blue?")
    assert _comparable(b.model_dump()) == _comparable(a.model_dump())
    streamed = list(proxied.generate(model=MODEL, prompt="Why is the sky blue?", stream=True))
    assert "".join(c.response for c in streamed) == a.response
    assert streamed[-1].done


def test_model_only_on_second_backend_is_served(proxy, fleet):
    client = ollama.Client(host=proxy.url)
    reply = client.chat(model="llava:latest", messages=MESSAGES)
    assert "llava:latest" in reply.message.content
    reply = client.chat(model=CODER, messages=MESSAGES)
    assert CODER in reply.message.content


def test_list_show_ps_version(clients, fleet):
    direct, proxied = clients
    names = {m.model for m in proxied.list().models}
    direct_b = ollama.Client(host=fleet[1].url)
    expected = {m.model for m in direct.list().models} | {m.model for m in direct_b.list().models}
    assert names == expected | {"IntelliProxyLLM"}
    assert sorted(m.model for m in proxied.list().models).count(MODEL) == 1  # merged, no duplicates

    shown = proxied.show(MODEL)
    assert shown.modelinfo == direct.show(MODEL).modelinfo
    assert "completion" in shown.capabilities
    virtual = proxied.show("IntelliProxyLLM")
    assert virtual.modelinfo is not None and "completion" in virtual.capabilities
    assert "vision" in virtual.capabilities  # llava is in the fleet

    proxied.generate(model=MODEL, prompt="load me")
    assert MODEL in {m.model for m in proxied.ps().models}
    assert proxied.ps().models[0].expires_at is not None
    version = proxied._client.get("/api/version").json()["version"]
    assert all(part.isdigit() for part in version.split("."))


def test_embed_and_embeddings(clients):
    direct, proxied = clients
    a = direct.embed(model="nomic-embed-text:latest", input=["alpha", "beta"])
    b = proxied.embed(model="nomic-embed-text:latest", input=["alpha", "beta"])
    assert b.embeddings == a.embeddings and len(b.embeddings) == 2
    legacy = proxied.embeddings(model="nomic-embed-text:latest", prompt="alpha")
    assert (
        legacy.embedding
        == direct.embeddings(model="nomic-embed-text:latest", prompt="alpha").embedding
    )


def test_pull_with_progress_then_delete(proxy, fleet):
    client = ollama.Client(host=proxy.url)
    statuses = [p.status for p in client.pull("sim-pulled:1b", stream=True)]
    assert statuses[0] == "pulling manifest" and statuses[-1] == "success"
    assert any(s.startswith("pulling ") and s != "pulling manifest" for s in statuses)
    assert "sim-pulled:1b" in {m.model for m in ollama.Client(host=fleet[0].url).list().models}
    assert client.delete("sim-pulled:1b").status == "success"
    with pytest.raises(ollama.ResponseError) as err:
        client.delete("sim-pulled:1b")
    assert err.value.status_code == 404


def test_unknown_model_is_ollamas_404(proxy):
    client = ollama.Client(host=proxy.url)
    with pytest.raises(ollama.ResponseError) as err:
        client.chat(model="no-such-model:1b", messages=MESSAGES)
    assert err.value.status_code == 404
    assert err.value.error == "model 'no-such-model:1b' not found"


def test_virtual_model_with_the_python_client(proxy, fleet):
    client = ollama.Client(host=proxy.url)
    chunks = list(client.chat(model="IntelliProxyLLM", messages=MESSAGES, stream=True))
    assert all(c.model == "IntelliProxyLLM" for c in chunks)  # echo of the client's string
    assert chunks[-1].done
    reply = client.generate(
        model="intelliproxyllm:latest", prompt="Write a Python function that sorts a list"
    )
    assert reply.model == "intelliproxyllm:latest"
    assert reply.response


async def test_async_client(proxy, fleet):
    client = ollama.AsyncClient(host=proxy.url)
    reply = await client.chat(model=MODEL, messages=MESSAGES)
    assert MODEL in reply.message.content
    parts = [c async for c in await client.generate(model=MODEL, prompt="hi", stream=True)]
    assert parts[-1].done
    listed = await client.list()
    assert "IntelliProxyLLM" in {m.model for m in listed.models}
    embedded = await client.embed(model="nomic-embed-text:latest", input="x")
    assert len(embedded.embeddings) == 1


# ---------------------------------------------------------------- openai


@pytest.fixture
def oai(proxy, fleet):
    direct = openai.OpenAI(base_url=fleet[0].url + "/v1", api_key="ollama")
    proxied = openai.OpenAI(base_url=proxy.url + "/v1", api_key="ollama")
    return direct, proxied


def test_openai_chat(oai):
    direct, proxied = oai
    a = direct.chat.completions.create(model=MODEL, messages=MESSAGES)
    b = proxied.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert b.choices[0].message.content == a.choices[0].message.content
    assert b.usage.completion_tokens == a.usage.completion_tokens
    stream = proxied.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text == a.choices[0].message.content


def test_openai_virtual_model_stream_echoes_name(oai):
    _, proxied = oai
    stream = proxied.chat.completions.create(
        model="IntelliProxyLLM", messages=[{"role": "user", "content": "hello!"}], stream=True
    )
    chunks = list(stream)
    assert chunks and all(c.model == "IntelliProxyLLM" for c in chunks)


def test_openai_models_and_embeddings(oai):
    direct, proxied = oai
    ids = {m.id for m in proxied.models.list()}
    assert MODEL in ids and "IntelliProxyLLM" in ids and "llava:latest" in ids
    assert proxied.models.retrieve(MODEL).id == MODEL
    assert proxied.models.retrieve("IntelliProxyLLM").owned_by == "intelliproxy"
    with pytest.raises(openai.NotFoundError):
        proxied.models.retrieve("missing:1b")
    a = direct.embeddings.create(model="nomic-embed-text:latest", input=["one", "two"])
    b = proxied.embeddings.create(model="nomic-embed-text:latest", input=["one", "two"])
    assert [d.embedding for d in b.data] == [d.embedding for d in a.data]


def test_openai_errors_keep_openai_shape(oai):
    _, proxied = oai
    with pytest.raises(openai.NotFoundError) as err:
        proxied.chat.completions.create(model="missing:1b", messages=MESSAGES)
    assert err.value.status_code == 404
    error = err.value.response.json()["error"]
    assert error["type"] == "not_found_error" and "missing:1b" in error["message"]


def test_served_model_is_visible_to_the_simulator(proxy, fleet):
    client = ollama.Client(host=proxy.url)
    client.chat(model="mistral:latest", messages=MESSAGES)
    served = [r["model"] for r in sim_requests(fleet[1]) if r.get("route") == "/api/chat"]
    assert "mistral:latest" in served
