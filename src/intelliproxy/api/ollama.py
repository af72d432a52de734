"""The native Ollama routes that are not routed inference: inventory, models, blobs.

Inventory (`/api/tags`, `/api/ps`) is merged over every backend and gains the virtual model;
everything that changes a backend (pull, push, create, copy, delete, blobs) goes to exactly
one backend and is never retried, because doing it twice is not harmless.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from ..decide import is_virtual
from ..runtime import Runtime
from ..upstream.backends import Backend
from ..upstream.forward import HOP_BY_HOP, Forward, Target, execute, request_headers, send_error
from ..upstream.http1 import UpstreamError
from . import virtual_model
from .http import ClientGone, Request, Send, send_bytes, send_json

ROOT_TEXT = b"Ollama is running"


async def root(runtime: Runtime, request: Request, send: Send) -> None:
    # Answered here so liveness probes see the proxy even while a backend restarts.
    await send_bytes(
        send, 200, ROOT_TEXT, b"text/plain; charset=utf-8", head_only=request.method == "HEAD"
    )


async def _gather_json(runtime: Runtime, path: str) -> list[tuple[Backend, dict]]:
    async def one(backend: Backend) -> tuple[Backend, dict] | None:
        try:
            return backend, await backend.get_json(path)
        except (UpstreamError, OSError, TimeoutError, orjson.JSONDecodeError):
            return None

    found = await asyncio.gather(*(one(b) for b in runtime.backends.backends if b.available))
    return [item for item in found if item is not None]


async def merged_tags(runtime: Runtime) -> list[dict[str, Any]]:
    """Every installed model once (first backend wins), with the seed's routing attributes."""
    models: dict[str, dict] = {}
    for _, data in await _gather_json(runtime, "/api/tags"):
        for entry in data.get("models") or []:
            if isinstance(entry, dict):
                key = str(entry.get("model") or entry.get("name") or "").lower()
                if key and key not in models:
                    models[key] = entry
    merged = []
    for entry in models.values():
        profile = runtime.catalog.get(str(entry.get("model") or entry.get("name")))
        if profile is not None:
            entry = {
                **entry,
                "speed": profile.speed,
                "complexity": profile.complexity,
                "preferred_for": list(profile.preferred_for),
            }
        merged.append(entry)
    return merged


async def tags(runtime: Runtime, request: Request, send: Send) -> None:
    models = await merged_tags(runtime)
    models.append(virtual_model.tag_entry(runtime))
    body = orjson.dumps({"models": models})
    await send_bytes(
        send, 200, body, b"application/json; charset=utf-8", head_only=request.method == "HEAD"
    )


async def ps(runtime: Runtime, request: Request, send: Send) -> None:
    running: dict[str, dict] = {}
    for _, data in await _gather_json(runtime, "/api/ps"):
        for entry in data.get("models") or []:
            if not isinstance(entry, dict):
                continue
            key = str(entry.get("model") or entry.get("name") or "").lower()
            # The same model loaded on two backends is listed once, with the later expiry.
            if key not in running or str(entry.get("expires_at", "")) > str(
                running[key].get("expires_at", "")
            ):
                running[key] = entry
    ordered = sorted(running.values(), key=lambda e: str(e.get("expires_at", "")), reverse=True)
    await send_json(send, 200, {"models": ordered})


async def show(runtime: Runtime, request: Request, send: Send) -> None:
    try:
        raw = await request.body()
    except ClientGone:
        return
    name = _model_field(raw)
    if is_virtual(name):
        await send_json(send, 200, virtual_model.show(runtime))
        return
    await _forward_one(runtime, request, send, raw, _owner(runtime, request, name))


# ---------------------------------------------------------------- one-backend operations


def _model_field(raw: bytes, *keys: str) -> str | None:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    for key in (*keys, "model", "name"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _chosen_backend(runtime: Runtime, request: Request) -> Backend | None:
    """The backend a caller named with the X-IntelliProxy-Backend header (URL or index)."""
    wanted = request.header(b"x-intelliproxy-backend")
    if not wanted:
        return None
    text = wanted.decode("latin-1").strip()
    if text.isdigit() and int(text) < len(runtime.backends.backends):
        return runtime.backends.backends[int(text)]
    return runtime.backends.get(text)


def _owner(runtime: Runtime, request: Request, model: str | None) -> Backend:
    chosen = _chosen_backend(runtime, request)
    if chosen is not None:
        return chosen
    if model:
        holders = runtime.backends.with_model(model)
        if holders:
            return holders[0]
    return runtime.backends.first_available()


async def _forward_one(
    runtime: Runtime, request: Request, send: Send, raw: bytes | None, backend: Backend
) -> None:
    forward = Forward(
        method=request.method,
        target=request.raw_target,
        headers=request_headers(request.headers),
        body=raw,
        header_timeout=runtime.settings.request_timeout,
    )
    await execute(send, forward, [Target(backend, None)], [])


async def change_model(runtime: Runtime, request: Request, send: Send) -> None:
    """pull / push / create / copy / delete: one backend, no retry, then re-read inventory."""
    try:
        raw = await request.body()
    except ClientGone:
        return
    source_key = (
        "source" if request.path == "/api/copy" else "from" if request.path == "/api/create" else ""
    )
    model = _model_field(raw, source_key) if source_key else _model_field(raw)
    if request.path in ("/api/pull", "/api/create") and source_key != "from":
        model = None  # a pulled model exists nowhere yet: the primary (or chosen) backend
    backend = _owner(runtime, request, model)
    try:
        await _forward_one(runtime, request, send, raw, backend)
    finally:
        task = asyncio.ensure_future(backend.refresh())
        task.add_done_callback(lambda _: runtime.rebuild_catalog())


async def blobs(runtime: Runtime, request: Request, send: Send) -> None:
    """HEAD/POST /api/blobs/sha256:…: streamed through, never held in memory."""
    backend = _chosen_backend(runtime, request) or runtime.backends.first_available()
    if request.method == "HEAD":
        await _forward_one(runtime, request, send, None, backend)
        return
    length_header = request.header(b"content-length")
    length = int(length_header) if length_header and length_header.isdigit() else None
    headers = request_headers(request.headers)
    try:
        response = await backend.pool.request(
            request.method,
            backend.target(request.raw_target),
            headers,
            body_stream=request.stream(),
            content_length=length,
        )
    except ClientGone:
        return
    except (UpstreamError, OSError) as exc:
        await send_error(send, 502, f"backend {backend.url} failed during the upload: {exc}")
        return
    body = await response.read()
    out_headers = [(k, v) for k, v in response.headers if k.lower() not in HOP_BY_HOP]
    out_headers.append((b"content-length", str(len(body)).encode()))
    out_headers.append((b"x-intelliproxy-backend", backend.url.encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": out_headers})
    await send({"type": "http.response.body", "body": body})


async def passthrough(runtime: Runtime, request: Request, send: Send) -> None:
    """Anything we do not know: Ollama's own answer (404/405 bodies, CORS, new routes)."""
    try:
        raw = await request.body()
    except ClientGone:
        return
    body = raw if raw or request.method not in ("GET", "HEAD", "OPTIONS") else None
    await _forward_one(runtime, request, send, body, runtime.backends.first_available())
