"""Byte-level framing: content types, newlines, Go JSON, final chunks, SSE events."""

from __future__ import annotations

import json

import httpx

from tests.simulator.simhelpers import ndjson

METRICS = ("total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration",
           "eval_count", "eval_duration")  # fmt: skip


async def test_root_version_and_text_replies(client: httpx.AsyncClient) -> None:
    r = await client.get("/")
    assert (r.status_code, r.headers["content-type"], r.content) == (
        200, "text/plain; charset=utf-8", b"Ollama is running"
    )  # fmt: skip
    assert (await client.head("/")).status_code == 200
    r = await client.get("/api/version")
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert r.content == b'{"version":"0.32.15"}'
    r = await client.get("/api/nope")
    assert (r.status_code, r.headers["content-type"], r.text) == (
        404, "text/plain", "404 page not found"
    )  # fmt: skip
    r = await client.get("/api/chat")
    assert (r.status_code, r.text) == (405, "405 method not allowed")
    assert (await client.head("/api/ps")).status_code == 405
    r = await client.get("/api/tags/")
    assert r.status_code == 301 and r.headers["location"] == "/api/tags"


async def test_generate_stream_lines(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/generate", json={"model": "qwen2.5:7b", "prompt": "hi"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-ndjson"
    assert "content-length" not in r.headers
    lines = ndjson(r.content)
    assert len(lines) == 25  # 24 tokens + final
    assert all(line["model"] == "qwen2.5:7b" and not line["done"] for line in lines[:-1])
    assert all(line["created_at"].endswith("Z") for line in lines)
    final = lines[-1]
    assert final["done"] is True and final["done_reason"] == "stop" and final["response"] == ""
    assert all(isinstance(final[k], int) and final[k] > 0 for k in METRICS)
    assert len(final["context"]) == final["prompt_eval_count"] + final["eval_count"]
    assert list(final)[:5] == ["model", "created_at", "response", "done", "done_reason"]


async def test_chat_stream_lines_have_role(client: httpx.AsyncClient) -> None:
    body = {"model": "deepseek-r1", "messages": [{"role": "user", "content": "x"}]}
    lines = ndjson((await client.post("/api/chat", json=body)).content)
    assert all(line["message"]["role"] == "assistant" for line in lines)
    assert "thinking" in lines[0]["message"] and lines[0]["message"]["content"] == ""
    assert lines[-1]["message"] == {"role": "assistant", "content": ""}
    assert "context" not in lines[-1] and lines[-1]["model"] == "deepseek-r1"


async def test_non_stream_object_has_no_trailing_newline(client: httpx.AsyncClient) -> None:
    body = {"model": "mistral", "prompt": "hi", "stream": False}
    r = await client.post("/api/generate", json=body)
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert not r.content.endswith(b"\n") and b" " not in r.content.split(b'"response"')[0]
    obj = r.json()
    assert obj["done"] and obj["response"].startswith("[mistral:latest]")


async def test_go_escaping(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/show", json={"model": "qwen2.5:7b"})
    assert b"\\u003c|im_start|\\u003e" in r.content and b"<|im_start|>" not in r.content
    show = r.json()
    assert show["model_info"]["qwen2.context_length"] == 32768
    assert show["model_info"]["general.parameter_count"] == 7_600_000_000
    stop_line = next(line for line in show["parameters"].splitlines() if line.startswith("stop"))
    assert stop_line == "stop" + " " * 27 + '"<|im_start|>"'
    assert show["modified_at"].startswith("2026-01-15T")


async def test_load_and_unload_replies(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/generate", json={"model": "mistral"})
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    obj = r.json()
    assert (obj["done"], obj["done_reason"], obj["response"]) == (True, "load", "")
    r = await client.post("/api/chat", json={"model": "mistral", "messages": [], "keep_alive": 0})
    assert r.json()["done_reason"] == "unload" and r.json()["message"]["role"] == "assistant"
    assert (await client.get("/api/ps")).json() == {"models": []}


async def test_sse_framing_exact(client: httpx.AsyncClient) -> None:
    body = {
        "model": "mistral",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
        "max_tokens": 2,
        "stream_options": {"include_usage": True},
    }
    r = await client.post("/v1/chat/completions", json=body)
    assert r.headers["content-type"] == "text/event-stream"
    events = r.content.split(b"\n\n")
    assert events[-1] == b"" and events[-2] == b"data: [DONE]"
    payloads = [json.loads(e[len(b"data: ") :]) for e in events[:-2]]
    assert all(e.startswith(b"data: {") for e in events[:-2])
    assert [p["choices"][0]["delta"] for p in payloads[:3]] == [
        {"role": "assistant", "content": payloads[0]["choices"][0]["delta"]["content"]},
        {"content": payloads[1]["choices"][0]["delta"]["content"]},
        {},
    ]
    assert payloads[2]["choices"][0]["finish_reason"] == "length"
    assert payloads[3]["choices"] == [] and payloads[3]["usage"]["completion_tokens"] == 2
    assert len({p["created"] for p in payloads}) == 1 and len({p["id"] for p in payloads}) == 1


async def test_v1_models_empty_is_null(client: httpx.AsyncClient) -> None:
    for name in [m["name"] for m in (await client.get("/api/tags")).json()["models"]]:
        r = await client.request("DELETE", "/api/delete", json={"model": name})
        assert r.status_code == 200 and r.content == b""
    assert (await client.get("/v1/models")).json() == {"object": "list", "data": None}
    assert (await client.get("/api/tags")).json() == {"models": []}


async def test_pull_stream_and_non_stream(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/pull", json={"model": "sim-x:1b"})
    lines = ndjson(r.content)
    assert lines[0] == {"status": "pulling manifest"}
    assert "completed" not in lines[1] and lines[1]["status"].startswith("pulling ")
    assert lines[1]["digest"].startswith("sha256:") and len(lines[1]["status"]) == 8 + 12
    assert [x["status"] for x in lines[-3:]] == ["verifying sha256 digest", "writing manifest",
                                                 "success"]  # fmt: skip
    r = await client.post("/api/pull", json={"name": "sim-y:1b", "stream": False})
    assert r.headers["content-type"] == "application/json" and r.json() == {"status": "success"}
    r = await client.post("/api/pull", json={"model": "unknown-thing"})
    assert r.status_code == 200
    assert ndjson(r.content)[-1] == {"error": "pull model manifest: file does not exist"}
