"""The official openai client works against the simulator's /v1 routes."""

from __future__ import annotations

import openai
import pytest

from intelliproxy.simulator.server import ThreadedSimulator


@pytest.fixture
def oa(threaded_sim: ThreadedSimulator) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{threaded_sim.url}/v1", api_key="ollama", max_retries=0)


def test_chat_non_stream_and_stream(oa: openai.OpenAI) -> None:
    reply = oa.chat.completions.create(
        model="qwen2.5:7b", messages=[{"role": "user", "content": "hello"}]
    )
    assert reply.object == "chat.completion" and reply.model == "qwen2.5:7b"
    assert reply.choices[0].message.content.startswith("[qwen2.5:7b]")
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.completion_tokens == 24
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + 24

    chunks = list(
        oa.chat.completions.create(
            model="mistral",
            messages=[{"role": "user", "content": "hello"}],
            stream=True,
            max_tokens=4,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("[mistral:latest]")
    finish = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finish[-1] == "length" and all(f is None for f in finish[:-1])
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 4


def test_chat_tool_calls(oa: openai.OpenAI) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]
    reply = oa.chat.completions.create(
        model="qwen2.5:7b",
        messages=[{"role": "user", "content": "weather in Paris please"}],
        tools=tools,
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]
    assert call.function.name == "get_weather" and call.function.arguments == '{"city":"Paris"}'


def test_completions_models_embeddings(oa: openai.OpenAI) -> None:
    done = oa.completions.create(model="qwen2.5-coder:7b", prompt="def f():", max_tokens=3)
    assert done.object == "text_completion" and done.choices[0].finish_reason == "length"
    assert done.choices[0].text.startswith("[qwen2.5-coder:7b]")
    streamed = list(oa.completions.create(model="mistral", prompt="x", stream=True))
    assert streamed[-1].choices[0].finish_reason == "stop"

    ids = [m.id for m in oa.models.list()]
    assert "nomic-embed-text:latest" in ids and len(ids) == 8
    model = oa.models.retrieve("qwen2.5:7b")
    assert model.id == "qwen2.5:7b" and model.owned_by == "library"
    with pytest.raises(openai.NotFoundError) as err:
        oa.models.retrieve("nope:1b")
    assert err.value.body["message"] == "model 'nope:1b' not found"

    emb = oa.embeddings.create(model="nomic-embed-text", input=["a", "b"])  # base64 by default
    assert len(emb.data) == 2 and len(emb.data[1].embedding) == 768
    floats = oa.embeddings.create(model="nomic-embed-text", input="a", encoding_format="float")
    assert floats.data[0].embedding == pytest.approx(emb.data[0].embedding, abs=1e-6)
    assert emb.usage.prompt_tokens == 2


def test_openai_errors(oa: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError):
        oa.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.BadRequestError) as err:
        oa.chat.completions.create(model="mistral", messages=[])
    assert err.value.body["message"] == "[] is too short - 'messages'"
    assert err.value.body["type"] == "invalid_request_error"
