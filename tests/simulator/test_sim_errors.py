"""Ollama's exact error strings and statuses, native and /v1."""

from __future__ import annotations

import httpx
import pytest

CHAT_MSG = [{"role": "user", "content": "hi"}]
WEATHER_TOOL = [{"type": "function", "function": {"name": "w", "parameters": {}}}]


@pytest.mark.parametrize(
    ("path", "body", "status", "error"),
    [
        ("/api/generate", {"model": "", "prompt": "x"}, 404, "model '' not found"),
        ("/api/generate", {"model": "nope", "prompt": "x"}, 404, "model 'nope' not found"),
        ("/api/chat", {"model": "", "messages": CHAT_MSG}, 400, "model is required"),
        ("/api/chat", {"model": "Nope:1B", "messages": CHAT_MSG}, 404, "model 'Nope:1B' not found"),
        ("/api/show", {}, 400, "model is required"),
        ("/api/show", {"name": "zz"}, 404, "model 'zz' not found"),
        ("/api/embed", {"model": "zz", "input": "a"}, 404,
         'model "zz" not found, try pulling it first'),
        ("/api/embed", {"model": "nomic-embed-text", "input": 3}, 400, "invalid input type"),
        ("/api/embeddings", {"model": ""}, 400, "model is required"),
        ("/api/copy", {"source": "zz", "destination": "b"}, 404, 'model "zz" not found'),
        ("/api/chat", {"model": "nomic-embed-text", "messages": CHAT_MSG}, 400,
         '"nomic-embed-text" does not support chat'),
        ("/api/generate", {"model": "nomic-embed-text", "prompt": "x"}, 400,
         '"nomic-embed-text" does not support generate'),
        ("/api/chat", {"model": "llava", "messages": CHAT_MSG, "tools": WEATHER_TOOL}, 400,
         "registry.ollama.ai/library/llava:latest does not support tools"),
        ("/api/chat", {"model": "mistral", "messages": CHAT_MSG, "think": True}, 400,
         '"mistral" does not support thinking'),
        ("/api/chat", {"model": "mistral", "messages": CHAT_MSG, "think": "huge"}, 400,
         'invalid think value: "huge" (must be "high", "medium", "low", "max", true, or false)'),
        ("/api/generate", {"model": "mistral", "prompt": "x", "suffix": "y"}, 400,
         "registry.ollama.ai/library/mistral:latest does not support insert"),
        ("/api/generate", {"model": "mistral", "prompt": "x", "raw": True, "system": "s"}, 400,
         "raw mode does not support template, system, or context"),
        ("/api/generate", {"model": "mistral", "prompt": "x", "keep_alive": "-1"}, 400,
         'time: missing unit in duration "-1"'),
        ("/api/generate", {"model": "mistral", "prompt": "x", "keep_alive": "abc"}, 400,
         'time: invalid duration "abc"'),
        ("/api/generate", {"model": "mistral", "prompt": "x", "images": ["ab!d"]}, 400,
         "illegal base64 data at input byte 2"),
        ("/api/generate", {"model": "mistral", "prompt": "x", "options": {"num_ctx": "big"}},
         500, 'option "num_ctx" must be of type integer'),
        ("/api/generate", {"model": "mistral", "prompt": 5}, 400,
         "json: cannot unmarshal number into Go struct field GenerateRequest.prompt"
         " of type string"),
        ("/api/create", {"model": "x"}, 400, "neither 'from' or 'files' was specified"),
        ("/api/pull", {"model": ""}, 400, "invalid model name"),
    ],
)  # fmt: skip
async def test_native_errors(
    client: httpx.AsyncClient, path: str, body: dict, status: int, error: str
) -> None:
    r = await client.post(path, json=body)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {"error": error}


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"", "missing request body"),
        (b"  \n", "missing request body"),
        (b"{", "unexpected EOF"),
        (b'{"model": x}', "invalid character 'x' looking for beginning of value"),
        (b'{"model" "x"}', "invalid character '\"' after object key"),
        (b'{"model":"x",}', "invalid character '}' looking for beginning of object key string"),
        (b"[1]", "json: cannot unmarshal array into Go value of type api.ChatRequest"),
    ],
)
async def test_malformed_json(client: httpx.AsyncClient, raw: bytes, error: str) -> None:
    r = await client.post("/api/chat", content=raw)
    assert (r.status_code, r.json()) == (400, {"error": error})


async def test_trailing_bytes_after_json_are_ignored(client: httpx.AsyncClient) -> None:
    raw = b'{"model":"mistral","messages":[],"stream":false} trailing'
    r = await client.post("/api/chat", content=raw, headers={"content-type": "text/plain"})
    assert r.status_code == 200 and r.json()["done_reason"] == "load"


async def test_images_on_non_vision_model_are_accepted(client: httpx.AsyncClient) -> None:
    body = {"model": "mistral", "prompt": "x", "images": ["aGVsbG8="], "stream": False}
    r = await client.post("/api/generate", json=body)
    assert r.status_code == 200
    body["model"] = "llava"
    assert "(saw 1 image)" in (await client.post("/api/generate", json=body)).json()["response"]


async def test_blob_routes(client: httpx.AsyncClient) -> None:
    import hashlib

    data = b"GGUF-blob-bytes"
    good = "sha256:" + hashlib.sha256(data).hexdigest()
    assert (await client.head(f"/api/blobs/{good}")).status_code == 404
    bad = "sha256:" + "0" * 64
    r = await client.post(f"/api/blobs/{bad}", content=data)
    assert r.status_code == 400
    assert r.json() == {"error": f'digest mismatch, expected "{bad}", got "{good}"'}
    assert (await client.post(f"/api/blobs/{good}", content=data)).status_code == 201
    assert (await client.post(f"/api/blobs/{good}", content=data)).status_code == 200
    assert (await client.head(f"/api/blobs/{good}")).status_code == 200
    r = await client.post("/api/blobs/sha256:zz", content=data)
    assert (r.status_code, r.json()) == (400, {"error": "invalid digest format"})


async def test_v1_error_shape(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/chat/completions", json={"model": "zz", "messages": CHAT_MSG})
    assert r.status_code == 404
    assert r.json() == {"error": {"message": "model 'zz' not found", "type": "not_found_error",
                                  "param": None, "code": None}}  # fmt: skip
    r = await client.post("/v1/chat/completions", content=b"")
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"
    r = await client.post(
        "/v1/embeddings", json={"model": "nomic-embed-text", "input": "a", "encoding_format": "x"}
    )
    assert r.json()["error"]["message"] == (
        "Invalid value for 'encoding_format' = x. Supported values: ['float', 'base64']."
    )
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    r = await client.post(
        "/v1/chat/completions",
        json={"model": "llava", "messages": [{"role": "user", "content": [image]}]},
    )
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("image URLs are not")
    assert (await client.get("/v1/models/library/x")).text == "404 page not found"
