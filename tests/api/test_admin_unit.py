"""Management handlers called directly: shapes, validation, persistence, live updates, auth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from intelliproxy.api import admin
from intelliproxy.api.admin import ADMIN_ROUTES, api_key_ok, authorize, is_loopback, startup_warning
from intelliproxy.api.http import Request
from intelliproxy.runtime import Runtime
from intelliproxy.settings import Settings
from intelliproxy.state import config_store
from intelliproxy.state.config_store import MODELS, ROUTER_CONFIG
from intelliproxy.state.ops import OpsState
from intelliproxy.state.records import RequestRecord

A = "http://127.0.0.1:11434"
B = "http://127.0.0.1:11435"


class Sent:
    """An ASGI `send` that keeps the response."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: dict[bytes, bytes] = {}
        self.body = b""

    async def __call__(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = dict(message["headers"])
        else:
            self.body += message.get("body", b"")

    def json(self) -> Any:
        return orjson.loads(self.body)


def make_request(
    method: str, path: str, body: bytes = b"", client: str = "127.0.0.1", headers: tuple = ()
) -> Request:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": list(headers),
        "client": (client, 50123),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    return Request.from_scope(scope, receive)


async def call(runtime: Runtime, method: str, path: str, body: Any = None, **kw: Any) -> Sent:
    raw = body if isinstance(body, bytes) else (b"" if body is None else orjson.dumps(body))
    sent = Sent()
    await ADMIN_ROUTES[path][method](runtime, make_request(method, path, raw, **kw), sent)
    return sent


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    settings = Settings(data_dir=str(tmp_path), ollama_backends=(A,), ollama_base_url=A)
    ops = OpsState.create(settings)
    rt = Runtime(ops.effective_settings(settings))
    rt.ops = ops  # type: ignore[attr-defined]
    rt.changes = []  # type: ignore[attr-defined]
    rt.on_config_changed = rt.changes.append  # type: ignore[attr-defined]
    return rt


def on_disk(runtime: Runtime, name: str = ROUTER_CONFIG) -> dict:
    return json.loads((Path(runtime.settings.data_dir) / name).read_text())


def record(**changes: Any) -> RequestRecord:
    fields: dict[str, Any] = dict(
        time=1_771_000_020.0, client="10.0.0.5", endpoint="/api/chat", method="POST",
        requested_model="IntelliProxyLLM", model="qwen2.5:7b", backend=A, status=200,
        duration=2.0, category="general", complexity=3, prompt="hello",
    )  # fmt: skip
    fields.update(changes)
    return RequestRecord(**fields)


# ------------------------------------------------------------------ reading


async def test_stats(runtime: Runtime) -> None:
    runtime.ops.record(record())  # type: ignore[attr-defined]
    sent = await call(runtime, "GET", "/stats")
    assert sent.status == 200 and sent.headers[b"content-type"].startswith(b"application/json")
    data = sent.json()
    assert data["total_requests"] == 1
    assert data["models"] == {"qwen2.5:7b": {"count": 1, "total_time": 2.0}}
    assert data["model_avg_times"] == {"qwen2.5:7b": 2.0} and data["categories"] == {"general": 1}


async def test_requests_and_clear(runtime: Runtime) -> None:
    runtime.ops.record(record(prompt="first"))  # type: ignore[attr-defined]
    runtime.ops.record(record(prompt="second"))  # type: ignore[attr-defined]
    data = (await call(runtime, "GET", "/requests")).json()
    assert [r["prompt"] for r in data["requests"]] == ["second", "first"]
    assert data["count"] == 2 and data["size"] == 50
    cleared = await call(runtime, "POST", "/requests/clear")
    assert cleared.status == 200 and cleared.json()["requests"] == []
    assert (await call(runtime, "GET", "/requests")).json()["requests"] == []


async def test_stats_reset(runtime: Runtime) -> None:
    runtime.ops.record(record())  # type: ignore[attr-defined]
    sent = await call(runtime, "POST", "/stats/reset")
    assert sent.status == 200 and sent.json()["total_requests"] == 0
    assert (await call(runtime, "GET", "/stats")).json()["total_requests"] == 0


async def test_metrics(runtime: Runtime) -> None:
    runtime.ops.record(record())  # type: ignore[attr-defined]
    sent = await call(runtime, "GET", "/metrics")
    assert sent.status == 200
    assert sent.headers[b"content-type"] == b"text/plain; version=0.0.4; charset=utf-8"
    names = {f.name for f in text_string_to_metric_families(sent.body.decode())}
    assert {"intelliproxy_requests", "intelliproxy_backend_state"} <= names


async def test_get_airllm_has_the_seed_shape(runtime: Runtime) -> None:
    assert (await call(runtime, "GET", "/config/airllm")).json() == {
        "ollama_host": "127.0.0.1",
        "ollama_port": 11434,
        "airllm_enabled": False,
        "airllm_host": "airllm",
        "airllm_port": 9996,
        "model_airllm_settings": {},
    }


# ------------------------------------------------------------------ changing


async def test_post_ollama_moves_the_primary_backend(runtime: Runtime) -> None:
    sent = await call(runtime, "POST", "/config/ollama", {"host": "127.0.0.1", "port": 11435})
    assert sent.status == 200
    assert sent.json()["ollama_port"] == 11435
    assert on_disk(runtime)["backends"][0]["url"] == B
    assert runtime.settings.ollama_backends == (B,) and runtime.settings.ollama_base_url == B
    assert runtime.changes == ["backends"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"host": "x", "port": 70000}, "port: must be a port number 1-65535"),
        ({"host": "http://x/y", "port": 1}, "host: 'http://x/y' is not a host name"),
        ({"hots": "x"}, "nothing to change: send at least one of host, port"),
    ],
)
async def test_post_ollama_rejects_bad_values(runtime: Runtime, body: dict, message: str) -> None:
    before = on_disk(runtime)
    sent = await call(runtime, "POST", "/config/ollama", body)
    assert sent.status == 400 and message in sent.json()["error"]
    assert on_disk(runtime) == before and runtime.changes == []  # type: ignore[attr-defined]


async def test_post_airllm_service(runtime: Runtime) -> None:
    body = {"enabled": True, "host": "airllm.lan", "port": "9000"}
    sent = await call(runtime, "POST", "/config/airllm/service", body)
    assert sent.status == 200
    assert sent.json()["airllm_enabled"] is True and sent.json()["airllm_port"] == 9000
    assert runtime.settings.airllm_host == "airllm.lan" and runtime.settings.airllm_enabled
    bad = await call(runtime, "POST", "/config/airllm/service", {"enabled": "yes"})
    assert bad.status == 400 and "enabled: must be true or false" in bad.json()["error"]


async def test_post_model_airllm(runtime: Runtime) -> None:
    sent = await call(
        runtime, "POST", "/config/model/airllm", {"model_name": "llama3:70b", "enabled": True}
    )
    assert sent.status == 200 and sent.json()["model_airllm_settings"] == {"llama3:70b": True}
    assert on_disk(runtime)["model_airllm_settings"] == {"llama3:70b": True}
    missing = await call(runtime, "POST", "/config/model/airllm", {"enabled": True})
    assert missing.status == 400 and missing.json()["error"].startswith("model_name: required")


async def test_fallbacks_round_trip(runtime: Runtime) -> None:
    body = {"fallbacks": {"deepseek-r1:latest": "qwen2.5:7b"}, "timeout": 300}
    sent = await call(runtime, "POST", "/config/fallbacks", body)
    assert sent.status == 200 and sent.json() == body
    assert (await call(runtime, "GET", "/config/fallbacks")).json() == body
    assert runtime.fallbacks == body["fallbacks"] and runtime.settings.request_timeout == 300.0
    assert on_disk(runtime)["fallbacks"] == body["fallbacks"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"fallbacks": {"a": "b", "b": "a"}},
            "fallbacks: fallback chain loops: a:latest -> b:latest -> a:latest",
        ),
        ({"fallbacks": ["a"]}, "fallbacks: fallbacks must be an object"),
        ({"timeout": 0}, "timeout: must be a positive number"),
        ({"timeout": "300"}, "timeout: must be a positive number"),
    ],
)
async def test_fallbacks_validation(runtime: Runtime, body: dict, message: str) -> None:
    before = on_disk(runtime)
    sent = await call(runtime, "POST", "/config/fallbacks", body)
    assert sent.status == 400 and message in sent.json()["error"]
    assert on_disk(runtime) == before and runtime.fallbacks == before["fallbacks"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "invalid JSON in request body"),
        (b"", "got an empty body"),
        (b"[1, 2]", "request body must be a JSON object"),
        (b'{"a": "' + b"x" * (admin.MAX_BODY + 1) + b'"}', "request body larger than"),
    ],
)
async def test_malformed_bodies_are_400(runtime: Runtime, raw: bytes, message: str) -> None:
    sent = await call(runtime, "POST", "/config/fallbacks", raw)
    assert sent.status == 400 and message in sent.json()["error"]


async def test_backends_round_trip(runtime: Runtime) -> None:
    backends = [
        {"url": A, "max_concurrent": 2, "weight": 2},
        {"url": "127.0.0.1:11435", "memory_budget": 8 << 30},
    ]
    sent = await call(runtime, "POST", "/config/backends", backends)  # a bare list is accepted
    assert sent.status == 200
    expected = [
        {"url": A, "max_concurrent": 2, "weight": 2, "memory_budget": None},
        {"url": B, "max_concurrent": None, "weight": 1, "memory_budget": 8 << 30},
    ]
    assert sent.json() == {"backends": expected}
    assert (await call(runtime, "GET", "/config/backends")).json() == {"backends": expected}
    assert runtime.settings.ollama_backends == (A, B)
    again = await call(runtime, "POST", "/config/backends", {"backends": [B]})
    assert again.status == 200 and runtime.settings.ollama_backends == (B,)
    assert (await call(runtime, "GET", "/config/airllm")).json()["ollama_port"] == 11435


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            [{"url": A, "max_concurrent": 0}],
            "backends[0].max_concurrent: must be a positive integer",
        ),
        ([{"url": A}, {"url": "ftp://x"}], "backends[1].url"),
        ([A, A], "backends[1].url: http://127.0.0.1:11434 is listed twice"),
        ([], "backends: must be a non-empty list"),
        ({"nope": 1}, "backends: required"),
    ],
)
async def test_backends_validation(runtime: Runtime, body: Any, message: str) -> None:
    sent = await call(runtime, "POST", "/config/backends", body)
    assert sent.status == 400 and message in sent.json()["error"]


async def test_models_round_trip(runtime: Runtime) -> None:
    assert (await call(runtime, "GET", "/config/models")).json()["models"]["qwen2.5:7b"][
        "speed"
    ] == 8
    body = {
        "model_name": "mine:13b",
        "speed": 4,
        "complexity": 9,
        "preferred_for": ["code", "reasoning"],
    }
    sent = await call(runtime, "POST", "/config/models", body)
    assert sent.status == 200
    attributes = {"speed": 4, "complexity": 9, "preferred_for": ["code", "reasoning"]}
    assert (
        sent.json()["attributes"] == attributes and sent.json()["models"]["mine:13b"] == attributes
    )
    assert on_disk(runtime, MODELS)["mine:13b"] == attributes
    assert runtime.changes == ["models"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model_name": "m", "speed": 11}, "speed: must be an integer 1-10"),
        ({"model_name": "m", "complexity": 2.5}, "complexity: must be an integer 1-10"),
        (
            {"model_name": "m", "preferred_for": ["poetry"]},
            "preferred_for: unknown category poetry",
        ),
        ({"model_name": "m", "sped": 3}, "unknown field(s) sped"),
        ({"model_name": "m"}, "nothing to change"),
        ({"speed": 3}, "model_name: required"),
    ],
)
async def test_models_validation(runtime: Runtime, body: dict, message: str) -> None:
    sent = await call(runtime, "POST", "/config/models", body)
    assert sent.status == 400 and message in sent.json()["error"]
    assert "m" not in on_disk(runtime, MODELS)


async def test_a_failed_write_is_500_and_changes_nothing(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(path: Path, data: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(config_store, "write_json_atomic", full_disk)
    sent = await call(runtime, "POST", "/config/fallbacks", {"timeout": 5})
    assert sent.status == 500 and "No space left on device" in sent.json()["error"]
    assert runtime.ops.config.router["timeout"] == 900.0  # type: ignore[attr-defined]
    assert runtime.settings.request_timeout == 900.0


# ------------------------------------------------------------------ auth

MUTATING = [(path, m) for path, methods in ADMIN_ROUTES.items() for m in methods if m == "POST"]
READING = [(path, m) for path, methods in ADMIN_ROUTES.items() for m in methods if m == "GET"]


@pytest.mark.parametrize(("path", "method"), MUTATING)
async def test_without_token_remote_clients_cannot_change_anything(
    runtime: Runtime, path: str, method: str
) -> None:
    before = (on_disk(runtime), on_disk(runtime, MODELS))
    sent = await call(runtime, method, path, {"timeout": 5}, client="192.168.1.50")
    assert sent.status == 403
    assert (
        "ADMIN_TOKEN is not set" in sent.json()["error"] and "192.168.1.50" in sent.json()["error"]
    )
    assert (on_disk(runtime), on_disk(runtime, MODELS)) == before


@pytest.mark.parametrize(("path", "method"), READING)
async def test_reading_needs_no_auth(runtime: Runtime, path: str, method: str) -> None:
    runtime.settings = runtime.settings.with_overrides(admin_token="s3cret")
    assert (await call(runtime, method, path, client="192.168.1.50")).status == 200


@pytest.mark.parametrize(("path", "method"), MUTATING)
async def test_with_token_every_change_needs_it(runtime: Runtime, path: str, method: str) -> None:
    runtime.settings = runtime.settings.with_overrides(admin_token="s3cret")
    sent = await call(runtime, method, path, {"timeout": 5})  # loopback is not enough now
    assert sent.status == 401 and sent.headers[b"www-authenticate"] == b"Bearer"
    wrong = await call(
        runtime, method, path, {"timeout": 5}, headers=((b"authorization", b"Bearer nope"),)
    )
    assert wrong.status == 401


async def test_with_token_a_remote_client_may_change(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.with_overrides(admin_token="s3cret")
    auth = ((b"authorization", b"bearer s3cret"),)
    sent = await call(
        runtime, "POST", "/config/fallbacks", {"timeout": 5}, client="203.0.113.9", headers=auth
    )
    assert sent.status == 200 and sent.json()["timeout"] == 5


def test_authorize_loopback_variants(runtime: Runtime) -> None:
    for client in ("127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"):
        assert authorize(runtime, make_request("POST", "/x", client=client)) is None, client
    for client in ("10.0.0.1", "::ffff:10.0.0.1", "", "fe80::1"):
        refusal = authorize(runtime, make_request("POST", "/x", client=client))
        assert refusal is not None and refusal[0] == 403, client


def test_is_loopback() -> None:
    assert is_loopback("localhost") and is_loopback("127.0.0.1") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("") and not is_loopback("example.com")


def test_startup_warning() -> None:
    assert "ADMIN_TOKEN is not set" in (startup_warning(Settings()) or "")
    assert "0.0.0.0" in (startup_warning(Settings()) or "")
    assert startup_warning(Settings(proxy_host="127.0.0.1", web_host="localhost")) is None
    assert startup_warning(Settings(admin_token="t")) is None
    assert "192.168.1.2" in (
        startup_warning(Settings(proxy_host="127.0.0.1", web_host="192.168.1.2")) or ""
    )


def test_api_key_ok() -> None:
    def req(value: bytes | None) -> Request:
        return make_request(
            "POST", "/api/chat", headers=((b"authorization", value),) if value else ()
        )

    open_proxy = Settings()
    assert api_key_ok(open_proxy, req(None))
    keyed = Settings(api_keys=("k1", "k2"), admin_token="admin")
    assert not api_key_ok(keyed, req(None))
    assert not api_key_ok(keyed, req(b"Bearer k3"))
    assert not api_key_ok(keyed, req(b"Basic k1"))
    assert not api_key_ok(keyed, req(b"Bearer "))
    assert api_key_ok(keyed, req(b"Bearer k2"))
    assert api_key_ok(keyed, req(b"bearer  k1 "))
    assert api_key_ok(keyed, req(b"Bearer admin"))
