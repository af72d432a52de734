"""Health, version and inventory routes: /, /api/version, /api/tags, /api/show, /api/ps,
/api/copy, DELETE /api/delete, /api/status."""

from __future__ import annotations

import time

from aiohttp import web

from . import names, parsing, showinfo
from .errors import SimError
from .gotime import rfc3339_local
from .state import get_state
from .wire import empty_response, error_response, json_response, text_response


def _errors(handler):  # type: ignore[no-untyped-def]
    """SimError -> Ollama's JSON error reply (for the non-inference routes)."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except SimError as exc:
            return error_response(exc.status, exc.message)

    wrapped.__name__ = handler.__name__
    return wrapped


async def handle_root(request: web.Request) -> web.Response:
    return text_response("Ollama is running", content_type="text/plain; charset=utf-8")


async def handle_version(request: web.Request) -> web.Response:
    return json_response({"version": get_state(request).config.version})


async def handle_status(request: web.Request) -> web.Response:
    return json_response({"cloud": {"disabled": False, "source": "none"}})


async def handle_tags(request: web.Request) -> web.Response:
    sim = get_state(request)
    # Newest first, like Ollama's ListHandler.
    models = sorted(sim.installed.values(), key=lambda m: -int(m.modified_at))
    return json_response({"models": [showinfo.tag_entry(m) for m in models]})


@_errors
async def handle_show(request: web.Request) -> web.Response:
    sim = get_state(request)
    body = await parsing.read_request(request, "ShowRequest")
    ref = body.get("model") or body.get("name") or ""
    if not ref:
        raise SimError(400, "model is required")
    if not names.is_valid(ref):
        raise SimError(400, "invalid model name")
    model = sim.find(ref)
    if model is None:
        raise SimError(404, f"model '{ref}' not found")
    return json_response(showinfo.show(model, body.get("system")))


async def handle_ps(request: web.Request) -> web.Response:
    sim = get_state(request)
    sim.scheduler.reap()
    now = time.time()
    runners = sorted(sim.scheduler.loaded.values(), key=lambda r: -r.expiry(now))
    models = []
    for runner in runners:
        model = runner.model
        models.append(
            {
                "name": model.name,
                "model": model.name,
                "size": model.size,
                "digest": model.digest,
                "details": showinfo.details(model),
                "expires_at": rfc3339_local(runner.expiry(now)),
                "size_vram": model.size,
                "context_length": runner.num_ctx,
            }
        )
    return json_response({"models": models})


@_errors
async def handle_copy(request: web.Request) -> web.Response:
    sim = get_state(request)
    body = await parsing.read_request(request, "CopyRequest")
    src, dst = body.get("source") or "", body.get("destination") or ""
    if not names.is_valid(src):
        raise SimError(400, f'source "{src}" is invalid')
    if not names.is_valid(dst):
        raise SimError(400, f'destination "{dst}" is invalid')
    model = sim.find(src)
    if model is None:
        raise SimError(404, f'model "{src}" not found')
    # Same manifest under a new name, so the digest is kept (as Ollama does).
    sim.install(model.renamed(dst, digest=model.digest, modified_at=time.time()))
    return empty_response()


@_errors
async def handle_delete(request: web.Request) -> web.Response:
    sim = get_state(request)
    body = await parsing.read_request(request, "DeleteRequest")
    ref = body.get("model") or body.get("name") or ""
    if not names.is_valid(ref):
        raise SimError(400, f'name "{ref}" is invalid')
    if sim.remove(ref) is None:
        raise SimError(404, f"model '{ref}' not found")
    return empty_response()
