"""Management endpoints: statistics, request log, metrics and the operator's configuration.

Shapes follow the seed (`/stats`, `/requests`, `/config/*`). Every change is validated
here, persisted by `ConfigStore`, then applied to the live runtime by `OpsState.apply_to`.
Handlers expect `runtime.ops` to be the server's `OpsState`.

Admin auth: every mutating endpoint goes through `authorize`. With `ADMIN_TOKEN` set it
needs `Authorization: Bearer <token>`; without it, only loopback clients may change
anything (a proxy bound to 0.0.0.0 must not take config changes from the network).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson

from ..routing.planner import PREFERENCES
from ..settings import Settings
from ..state.config_checks import (
    check_backends,
    check_bool,
    check_fallbacks,
    check_host,
    check_model_attributes,
    check_port,
    check_preference,
    check_timeout,
)
from ..state.jsonfiles import ConfigError
from ..state.metrics import CONTENT_TYPE
from ..state.ops import OpsState
from .http import ClientGone, Request, Send, send_bytes, send_json

Handler = Callable[[Any, Request, Send], Awaitable[object]]

MAX_BODY = 1 << 20  # configuration bodies are small; refuse to buffer more than 1 MiB
MODEL_FIELDS = ("model_name", "speed", "complexity", "preferred_for")


class BadRequest(ValueError):
    """Answered as 400 with the message."""


# ------------------------------------------------------------------ auth


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def _bearer(request: Request) -> str | None:
    raw = request.header(b"authorization")
    if raw is None:
        return None
    scheme, _, token = raw.decode("latin-1").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _token_matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def authorize(runtime: Any, request: Request) -> tuple[int, str] | None:
    """None when `request` may change the configuration, else (status, message)."""
    token = runtime.settings.admin_token
    if token:
        given = _bearer(request)
        if given is None or not _token_matches(given, token):
            return 401, "this endpoint needs the header Authorization: Bearer <ADMIN_TOKEN>"
        return None
    # Without a token only this machine may change things. A proxy bound to loopback only
    # ever sees loopback clients, so this is the literal rule for a 0.0.0.0 bind, and it
    # also covers the same handlers mounted on the dashboard's port.
    if not is_loopback(request.client_host):
        return 403, (
            f"configuration changes are only accepted from this machine: ADMIN_TOKEN is not "
            f"set and the client {request.client_host or '(unknown)'} is not a loopback "
            "address. Set ADMIN_TOKEN and send it as a Bearer token to manage remotely."
        )
    return None


def startup_warning(settings: Settings) -> str | None:
    """The log line to print at start-up when the management API is exposed without a token."""
    if settings.admin_token:
        return None
    exposed = [h for h in (settings.proxy_host, settings.web_host) if not is_loopback(h)]
    if not exposed:
        return None
    return (
        f"ADMIN_TOKEN is not set and the proxy listens on {', '.join(dict.fromkeys(exposed))}: "
        "configuration changes (POST /config/*, /models/refresh, /requests/clear) are accepted "
        "from loopback clients only. Note that a reverse proxy on this host counts as loopback. "
        "Set ADMIN_TOKEN to manage the proxy from other machines."
    )


def api_key_ok(settings: Settings, request: Request) -> bool:
    """True when API_KEYS is unset, or the request carries one of them (or the admin token)
    as a Bearer token. Every key is compared, so timing does not reveal which one matched."""
    if not settings.api_keys:
        return True
    given = _bearer(request)
    if given is None:
        return False
    keys = (*settings.api_keys, *((settings.admin_token,) if settings.admin_token else ()))
    matched = False
    for key in keys:
        matched |= _token_matches(given, key)
    return matched


def protected(handler: Handler) -> Handler:
    """`handler`, answering 401/403 first when `authorize` refuses the request."""

    async def guarded(runtime: Any, request: Request, send: Send) -> object:
        refusal = authorize(runtime, request)
        if refusal is not None:
            status, message = refusal
            headers = [(b"www-authenticate", b"Bearer")] if status == 401 else []
            await send_json(send, status, {"error": message}, headers)
            return None
        return await handler(runtime, request, send)

    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded


# ------------------------------------------------------------------ plumbing


def _ops(runtime: Any) -> OpsState:
    return runtime.ops


async def _read_json(request: Request) -> Any:
    size = 0
    chunks = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise BadRequest(f"request body larger than {MAX_BODY} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise BadRequest("request body must be a JSON object, got an empty body")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"invalid JSON in request body: {exc}") from None


async def _read_object(request: Request) -> dict[str, Any]:
    data = await _read_json(request)
    if not isinstance(data, dict):
        raise BadRequest("request body must be a JSON object")
    return data


def _changing(handler: Callable[[Any, Request], Awaitable[Any]]) -> Handler:
    """A protected handler that answers 200 with what `handler` returns, 400 for bad input,
    500 when the change could not be saved (nothing applied then)."""

    async def run(runtime: Any, request: Request, send: Send) -> None:
        try:
            result = await handler(runtime, request)
        except ClientGone:
            return
        except ValueError as exc:  # BadRequest and the store's field checks
            await send_json(send, 400, {"error": str(exc)})
            return
        except ConfigError as exc:
            await send_json(send, 500, {"error": str(exc)})
            return
        await send_json(send, 200, result)

    run.__name__ = handler.__name__
    return protected(run)


def _pick(body: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """Request field -> store key for the fields present; 400 when none is."""
    changes = {key: body[field] for field, key in names.items() if field in body}
    if not changes:
        raise BadRequest(f"nothing to change: send at least one of {', '.join(names)}")
    return changes


# ------------------------------------------------------------------ reading


async def get_stats(runtime: Any, request: Request, send: Send) -> None:
    await send_json(send, 200, _ops(runtime).stats.snapshot())


async def get_requests(runtime: Any, request: Request, send: Send) -> None:
    log = _ops(runtime).requests
    entries = log.entries()
    await send_json(send, 200, {"requests": entries, "count": len(entries), "size": log.size})


async def get_metrics(runtime: Any, request: Request, send: Send) -> None:
    body = _ops(runtime).metrics.render(runtime)
    await send_bytes(send, 200, body, CONTENT_TYPE.encode())


async def get_airllm(runtime: Any, request: Request, send: Send) -> None:
    await send_json(send, 200, _ops(runtime).config.airllm_view())


async def get_fallbacks(runtime: Any, request: Request, send: Send) -> None:
    await send_json(send, 200, _ops(runtime).config.fallbacks_view())


async def get_backends(runtime: Any, request: Request, send: Send) -> None:
    await send_json(send, 200, _ops(runtime).config.backends_view())


async def get_routing(runtime: Any, request: Request, send: Send) -> None:
    await send_json(send, 200, _ops(runtime).config.routing_view())


async def get_models(runtime: Any, request: Request, send: Send) -> None:
    await send_json(send, 200, _ops(runtime).config.models_view())


# ------------------------------------------------------------------ changing


async def _clear_requests(runtime: Any, request: Request) -> dict[str, Any]:
    _ops(runtime).requests.clear()
    return {"status": "cleared", "requests": []}


async def _reset_stats(runtime: Any, request: Request) -> dict[str, Any]:
    stats = _ops(runtime).stats
    stats.reset()
    await stats.flush()
    return stats.snapshot()


async def _set_ollama(runtime: Any, request: Request) -> dict[str, Any]:
    body = await _read_object(request)
    changes = _pick(body, {"host": "ollama_host", "port": "ollama_port"})
    if "ollama_host" in changes:
        changes["ollama_host"] = check_host("host", changes["ollama_host"])
    if "ollama_port" in changes:
        changes["ollama_port"] = check_port("port", changes["ollama_port"])
    return await _apply(runtime, "backends", changes)


async def _set_airllm_service(runtime: Any, request: Request) -> dict[str, Any]:
    body = await _read_object(request)
    names = {"enabled": "airllm_enabled", "host": "airllm_host", "port": "airllm_port"}
    changes = _pick(body, names)
    checks = {"enabled": check_bool, "host": check_host, "port": check_port}
    for field, key in names.items():
        if key in changes:
            changes[key] = checks[field](field, changes[key])
    return await _apply(runtime, "airllm", changes)


async def _set_model_airllm(runtime: Any, request: Request) -> dict[str, Any]:
    body = await _read_object(request)
    name = _model_name(body)
    enabled = check_bool("enabled", body.get("enabled"))
    ops = _ops(runtime)
    await ops.config.set_model_airllm(name, enabled)
    await ops.apply_to(runtime, "airllm")
    return ops.config.airllm_view()


async def _set_fallbacks(runtime: Any, request: Request) -> dict[str, Any]:
    body = await _read_object(request)
    changes = _pick(body, {"fallbacks": "fallbacks", "timeout": "timeout"})
    if "fallbacks" in changes:
        changes["fallbacks"] = check_fallbacks("fallbacks", changes["fallbacks"])
    if "timeout" in changes:
        changes["timeout"] = check_timeout("timeout", changes["timeout"])
    await _apply(runtime, "fallbacks", changes)
    return _ops(runtime).config.fallbacks_view()


async def _set_routing(runtime: Any, request: Request) -> dict[str, Any]:
    body = await _read_object(request)
    if "preference" not in body:
        raise BadRequest(f"preference: required, one of {', '.join(PREFERENCES)}")
    changes = {"routing_preference": check_preference("preference", body["preference"])}
    await _apply(runtime, "routing", changes)
    return _ops(runtime).config.routing_view()


async def _set_backends(runtime: Any, request: Request) -> dict[str, Any]:
    body = await _read_json(request)
    if isinstance(body, dict):
        if "backends" not in body:
            raise BadRequest('backends: required (a list, or {"backends": [...]})')
        body = body["backends"]
    changes = {"backends": check_backends("backends", body)}
    await _apply(runtime, "backends", changes)
    return _ops(runtime).config.backends_view()


async def _set_model(runtime: Any, request: Request) -> dict[str, Any]:
    body = await _read_object(request)
    unknown = sorted(set(body) - set(MODEL_FIELDS))
    if unknown:
        raise BadRequest(
            f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(MODEL_FIELDS)}"
        )
    name = _model_name(body)
    changes = {k: body[k] for k in MODEL_FIELDS[1:] if k in body}
    if not changes:
        raise BadRequest("nothing to change: send at least one of speed, complexity, preferred_for")
    check_model_attributes(name, changes, strict=True)
    ops = _ops(runtime)
    await ops.config.update_model(name, changes)
    await ops.apply_to(runtime, "models")
    return {"model_name": name, "attributes": ops.config.models[name], **ops.config.models_view()}


def _model_name(body: Mapping[str, Any]) -> str:
    name = body.get("model_name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("model_name: required, a model name such as qwen2.5:7b")
    return name.strip()


async def _apply(runtime: Any, kind: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    ops = _ops(runtime)
    await ops.config.update_router(changes)
    await ops.apply_to(runtime, kind)
    return ops.config.airllm_view()


clear_requests = _changing(_clear_requests)
reset_stats = _changing(_reset_stats)
set_ollama = _changing(_set_ollama)
set_airllm_service = _changing(_set_airllm_service)
set_model_airllm = _changing(_set_model_airllm)
set_fallbacks = _changing(_set_fallbacks)
set_backends = _changing(_set_backends)
set_routing = _changing(_set_routing)
set_model = _changing(_set_model)

# path -> {method: handler}, merged into app.py's OWN_ROUTES.
ADMIN_ROUTES: dict[str, dict[str, Handler]] = {
    "/stats": {"GET": get_stats},
    "/stats/reset": {"POST": reset_stats},
    "/requests": {"GET": get_requests},
    "/requests/clear": {"POST": clear_requests},
    "/metrics": {"GET": get_metrics},
    "/config/airllm": {"GET": get_airllm},
    "/config/ollama": {"POST": set_ollama},
    "/config/airllm/service": {"POST": set_airllm_service},
    "/config/model/airllm": {"POST": set_model_airllm},
    "/config/fallbacks": {"GET": get_fallbacks, "POST": set_fallbacks},
    "/config/backends": {"GET": get_backends, "POST": set_backends},
    "/config/routing": {"GET": get_routing, "POST": set_routing},
    "/config/models": {"GET": get_models, "POST": set_model},
}
