"""POST /api/embed and the legacy POST /api/embeddings, plus the shared embedding run."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from . import names, parsing, textgen
from .errors import SimError
from .faults import Fault
from .models import SimModel
from .reqlog import LogEntry
from .serving import buffered_fault, logged, prestream_fault
from .state import SimState, get_state
from .wire import error_response, json_response

_BROKEN = b'{"model":"sim","embeddings":[[0.1,'


@dataclass
class EmbedResult:
    vectors: list[list[float]]
    tokens: int
    total_ns: int
    load_ns: int


def embed_inputs(value: Any) -> list[str]:
    """`input` as a list; 400 `invalid input type` for anything but str / list of str."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise SimError(400, "invalid input type")


async def run_embedding(
    request: web.Request,
    sim: SimState,
    model: SimModel,
    texts: list[str],
    *,
    keep_alive: float | None,
    fault: Fault | None,
    route: str,
    model_ref: str,
    normalize: bool = True,
    dimensions: int | None = None,
    truncate: bool = True,
) -> EmbedResult:
    t0 = time.monotonic_ns()
    await prestream_fault(request, fault, route, model_ref)
    tokens = [textgen.count_tokens(t) for t in texts]
    if not truncate and any(n > model.context_length for n in tokens):
        raise SimError(400, "the input length exceeds the context length")
    lease = await sim.scheduler.acquire(model, keep_alive, None)
    try:
        seconds = sum(tokens) / (model.tokens_per_s * 10)
        if seconds > 0.004:
            await asyncio.sleep(seconds)
    finally:
        lease.release()
    dims = model.embedding_length
    vectors = [textgen.embedding(model.name, t, dims, normalize=normalize) for t in texts]
    if dimensions and 0 < dimensions < dims:
        vectors = [textgen.renormalize(v[:dimensions]) for v in vectors]
    return EmbedResult(vectors, sum(tokens), time.monotonic_ns() - t0, lease.load_ns)


async def handle_embed(request: web.Request) -> web.StreamResponse:
    return await logged(request, "/api/embed", lambda e: _embed(request, e), error_response)


async def _embed(request: web.Request, entry: LogEntry) -> web.StreamResponse:
    sim = get_state(request)
    body = await parsing.read_request(request, "EmbedRequest")
    keep_alive = parsing.keep_alive(body)
    ref = body.get("model") or ""
    entry.model = ref
    if not names.is_valid(ref):
        raise SimError(404, f"model '{ref}' not found")
    texts = embed_inputs(body.get("input"))
    model = sim.find(ref)
    if model is None:
        raise SimError(404, f'model "{ref}" not found, try pulling it first')
    parsing.options(body)
    fault = sim.faults.take("/api/embed", ref)
    if fault is not None:
        entry.fault = fault.kind
    if not texts:
        await prestream_fault(request, fault, "/api/embed", ref)
        (await sim.scheduler.acquire(model, keep_alive, None)).release()
        return json_response({"model": ref, "embeddings": []})
    dimensions = body.get("dimensions")
    result = await run_embedding(
        request, sim, model, texts, keep_alive=keep_alive, fault=fault, route="/api/embed",
        model_ref=ref, dimensions=dimensions if isinstance(dimensions, int) else None,
        truncate=body.get("truncate") is not False,
    )  # fmt: skip
    faulted = await buffered_fault(request, fault, entry, error_response, _BROKEN)
    if faulted is not None:
        return faulted
    out: dict[str, Any] = {"model": ref, "embeddings": result.vectors}
    out["total_duration"] = result.total_ns
    if result.load_ns:
        out["load_duration"] = result.load_ns
    out["prompt_eval_count"] = result.tokens
    return json_response(out)


async def handle_embeddings(request: web.Request) -> web.StreamResponse:
    return await logged(
        request, "/api/embeddings", lambda e: _embeddings(request, e), error_response
    )


async def _embeddings(request: web.Request, entry: LogEntry) -> web.StreamResponse:
    sim = get_state(request)
    body = await parsing.read_request(request, "EmbeddingRequest")
    keep_alive = parsing.keep_alive(body)
    ref = body.get("model") or ""
    entry.model = ref
    if not ref:
        raise SimError(400, "model is required")
    model = sim.find(ref)
    if model is None:
        raise SimError(404, f'model "{ref}" not found, try pulling it first')
    parsing.options(body)
    fault = sim.faults.take("/api/embeddings", ref)
    if fault is not None:
        entry.fault = fault.kind
    prompt = body.get("prompt") or ""
    if not prompt:
        await prestream_fault(request, fault, "/api/embeddings", ref)
        (await sim.scheduler.acquire(model, keep_alive, None)).release()
        return json_response({"embedding": []})
    result = await run_embedding(
        request, sim, model, [prompt], keep_alive=keep_alive, fault=fault,
        route="/api/embeddings", model_ref=ref, normalize=False,
    )  # fmt: skip
    faulted = await buffered_fault(request, fault, entry, error_response, b'{"embedding":[0.1,')
    if faulted is not None:
        return faulted
    return json_response({"embedding": result.vectors[0]})
