"""Model transfer routes: /api/pull, /api/push, /api/create and /api/blobs/:digest.

The three long operations stream `{"status",digest?,total?,completed?}` progress lines;
with `stream:false` only the last object is returned (`waitForStream`, plain
`application/json`). Errors after the first line are an `{"error"}` line (§9).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from typing import Any

from aiohttp import web

from . import names, parsing
from .errors import SimError
from .models import SimModel
from .state import Blob, SimState, get_state
from .wire import JSON_PLAIN, NDJSON, LineStream, empty_response, error_response, json_response

_DIGEST = re.compile(r"^sha256[:-]([0-9a-fA-F]{64})$")
_STEP_S = 0.003  # pause between progress lines: visible as a stream, cheap for tests
NOT_IN_REGISTRY = "pull model manifest: file does not exist"


class Progress:
    """A progress reply: streamed lines, or only the last object when stream:false."""

    def __init__(self, request: web.Request, stream: bool) -> None:
        self.stream = stream
        self.out = LineStream(request, NDJSON)
        self.last: dict[str, Any] = {"status": "success"}

    async def status(self, status: str, **fields: Any) -> None:
        obj = {"status": status, **{k: v for k, v in fields.items() if v}}
        self.last = obj
        if self.stream:
            await self.out.send_json(obj)
            await asyncio.sleep(_STEP_S)

    async def done(self) -> web.StreamResponse:
        await self.status("success")
        if self.stream:
            return await self.out.finish()
        return json_response(self.last, content_type=JSON_PLAIN)

    async def fail(self, message: str, status: int = 500) -> web.StreamResponse:
        if self.stream and self.out.started:
            await self.out.send_json({"error": message})
            return await self.out.finish()
        return error_response(status, message, JSON_PLAIN)


def _layers(model: SimModel) -> list[tuple[str, int]]:
    """(hex digest, size) of the weights, template, params and license layers."""
    extra = [("template", 1_200), ("params", 120), ("license", 11_000)]
    out = [(model.digest, model.size - sum(s for _, s in extra))]
    out += [(hashlib.sha256(f"{model.name}:{k}".encode()).hexdigest(), s) for k, s in extra]
    return out


async def _pull_layers(progress: Progress, model: SimModel) -> None:
    for digest, total in _layers(model):
        label, full = f"pulling {digest[:12]}", f"sha256:{digest}"
        await progress.status(label, digest=full, total=total)
        await progress.status(label, digest=full, total=total, completed=total // 2)
        await progress.status(label, digest=full, total=total, completed=total)
    await progress.status("verifying sha256 digest")
    await progress.status("writing manifest")


def _target_name(body: dict[str, Any]) -> str:
    return body.get("model") or body.get("name") or ""


async def handle_pull(request: web.Request) -> web.StreamResponse:
    sim = get_state(request)
    try:
        body = await parsing.read_request(request, "PullRequest")
    except SimError as exc:
        return error_response(exc.status, exc.message)
    ref = _target_name(body)
    if not names.is_valid(ref):
        return error_response(400, "invalid model name")
    progress = Progress(request, body.get("stream") is not False)
    await progress.status("pulling manifest")
    model = sim.pullable(ref)
    if model is None:
        return await progress.fail(NOT_IN_REGISTRY)
    await _pull_layers(progress, model)
    model.modified_at = time.time()
    sim.install(model)
    return await progress.done()


async def handle_push(request: web.Request) -> web.StreamResponse:
    sim = get_state(request)
    try:
        body = await parsing.read_request(request, "PushRequest")
    except SimError as exc:
        return error_response(exc.status, exc.message)
    ref = _target_name(body)
    if not ref:
        return error_response(400, "model is required")
    progress = Progress(request, body.get("stream") is not False)
    await progress.status("retrieving manifest")
    model = sim.find(ref)
    if model is None:
        return await progress.fail("couldn't retrieve manifest")
    for digest, total in _layers(model):
        label, full = f"pushing {digest[:12]}", f"sha256:{digest}"
        await progress.status(label, digest=full, total=total)
        await progress.status(label, digest=full, total=total, completed=total)
    await progress.status("pushing manifest")
    return await progress.done()


def _check_files(sim: SimState, files: dict[str, Any]) -> int:
    """Validate `files` (name -> digest); returns their total size. SimError(400) else."""
    size = 0
    for path, digest in files.items():
        if path.startswith("/") or ".." in path.split("/"):
            raise SimError(400, "file path must be relative")
        if not isinstance(digest, str) or not _DIGEST.match(digest):
            raise SimError(400, "invalid digest format")
        blob = sim.blobs.get(_normal(digest))
        if blob is None:
            raise SimError(400, f"blob {digest} not found")
        if path.endswith(".gguf") and not blob.head.startswith(b"GGUF"):
            raise SimError(400, "supplied file was not in GGUF format")
        size += blob.size
    return size


async def handle_create(request: web.Request) -> web.StreamResponse:
    sim = get_state(request)
    try:
        body = await parsing.read_request(request, "CreateRequest")
        ref = _target_name(body)
        if not names.is_valid(ref):
            raise SimError(400, "invalid model name")
        base_ref, files = body.get("from") or "", body.get("files") or {}
        if not base_ref and not files:
            raise SimError(400, "neither 'from' or 'files' was specified")
        files_size = _check_files(sim, files) if files else 0
    except SimError as exc:
        return error_response(exc.status, exc.message)
    progress = Progress(request, body.get("stream") is not False)
    quantize = body.get("quantize") or body.get("quantization") or ""
    if base_ref:
        base = sim.find(base_ref)
        if base is None:
            base = sim.pullable(base_ref)
            if base is None:
                await progress.status("pulling manifest")
                return await progress.fail(NOT_IN_REGISTRY)
            await progress.status("pulling manifest")
            await _pull_layers(progress, base)
        for digest, _ in _layers(base)[:2]:
            await progress.status(f"using existing layer sha256:{digest}")
    else:
        await progress.status("parsing GGUF")
        base = SimModel(name=ref, size=files_size or 1, quantization_level="F16")
        for digest in files.values():
            await progress.status(f"using existing layer {_normal(digest)}")
    changes: dict[str, Any] = {"modified_at": time.time()}
    for key in ("system", "license"):
        value = body.get(key)
        if value:
            changes[key] = value if isinstance(value, str) else "\n".join(map(str, value))
            layer = hashlib.sha256(f"{ref}:{key}:{value}".encode()).hexdigest()
            await progress.status(f"creating new layer sha256:{layer}")
    if quantize:
        if base.quantization_level.upper() not in ("F16", "BF16", "F32"):
            return await progress.fail(
                "quantization is only supported for F16, BF16 and F32 models", 400
            )
        target = quantize.upper()
        total = base.size
        label = f"quantizing {base.quantization_level.upper()} model to {target}"
        await progress.status(label, digest="0", total=total, completed=total)
        changes.update(quantization_level=target, size=max(1, base.size * 3 // 10))
    await progress.status("writing manifest")
    sim.install(base.renamed(ref, **changes))
    return await progress.done()


def _normal(digest: str) -> str:
    match = _DIGEST.match(digest)
    return f"sha256:{match.group(1).lower()}" if match else digest


async def handle_blob_head(request: web.Request) -> web.Response:
    digest = request.match_info["digest"]
    if not _DIGEST.match(digest):
        return error_response(400, "invalid digest format")
    if _normal(digest) in get_state(request).blobs:
        return empty_response(200)
    return error_response(404, f'blob "{digest}" not found')


async def handle_blob_post(request: web.Request) -> web.Response:
    sim = get_state(request)
    digest = request.match_info["digest"]
    if not _DIGEST.match(digest):
        return error_response(400, "invalid digest format")
    if _normal(digest) in sim.blobs:
        return empty_response(200)
    hasher, size, head = hashlib.sha256(), 0, b""
    async for chunk in request.content.iter_chunked(1 << 16):  # streamed, never buffered
        hasher.update(chunk)
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        size += len(chunk)
    got = f"sha256:{hasher.hexdigest()}"
    if got != _normal(digest):
        return error_response(400, f'digest mismatch, expected "{digest}", got "{got}"')
    sim.blobs[got] = Blob(size=size, head=head)
    return empty_response(201)
