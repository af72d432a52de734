"""Raw-HTTP checks of the proxy obligations in ollama-api.md §15, item by item.

Byte-level checks use `RecordingUpstream` (records exactly what the proxy sent, answers a
scripted response); behaviour checks use the simulator. Every test talks to real servers
on loopback.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time

import httpx
import orjson
import pytest

from tests.conftest import clear_sim, sim_requests, wait_for_inventory
from tests.processes import start_proxy, start_simulator
from tests.recording_upstream import Script

NDJSON = [("Content-Type", "application/x-ndjson")]


def _lines(body: bytes) -> list[dict]:
    assert b"\n\n" not in body and not body.startswith(b"\n"), "blank line injected"
    return [json.loads(line) for line in body.split(b"\n") if line]


# ---------------------------------------------------------------- 1-3: surface, root, version


def test_unknown_path_and_wrong_method_get_ollamas_own_answers(proxy):
    r = httpx.get(proxy.url + "/api/nope")
    assert r.status_code == 404 and r.text == "404 page not found"
    assert r.headers["content-type"].startswith("text/plain")
    r = httpx.get(proxy.url + "/api/generate")
    assert r.status_code == 405 and r.text == "405 method not allowed"


def test_root_get_and_head(proxy):
    r = httpx.get(proxy.url + "/")
    assert (r.status_code, r.text) == (200, "Ollama is running")
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    r = httpx.head(proxy.url + "/")
    assert r.status_code == 200 and r.content == b""


def test_version_is_numeric(proxy):
    version = httpx.get(proxy.url + "/api/version").json()["version"]
    assert [int(part) for part in version.split(".")]


# ---------------------------------------------------------------- 4-7: requests unchanged


def test_path_query_and_colon_preserved(recorded_proxy):
    proxy, upstream = recorded_proxy
    digest = "sha256:" + "ab" * 32
    httpx.head(f"{proxy.url}/api/blobs/{digest}?ts=1700000000")
    httpx.get(proxy.url + "/v1/models/rec:latest")
    targets = [r.target for r in upstream.requests]
    assert f"/api/blobs/{digest}?ts=1700000000".encode() in targets
    assert b"/v1/models/rec:latest" in targets


def test_request_json_and_content_type_untouched_for_named_model(recorded_proxy):
    proxy, upstream = recorded_proxy
    raw = b'{ "stream":false,"model" : "rec:latest", "prompt":"x", "_debug_render_only":true,"options":{"mirostat":1}, "zzz":[1,2.50]}'
    r = httpx.post(
        proxy.url + "/api/generate",
        content=raw,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200
    sent = upstream.inference_requests()[-1]
    assert sent.body == raw  # byte for byte: key order, spacing, unknown fields
    assert sent.header("content-type") == b"application/x-www-form-urlencoded"


def test_virtual_model_only_changes_the_model_value(recorded_proxy):
    proxy, upstream = recorded_proxy
    raw = b'{"model":"IntelliProxyLLM","prompt":"hello","options":{"seed":1.50},"keep_alive":"5m"}'
    httpx.post(proxy.url + "/api/generate", content=raw)
    sent = upstream.inference_requests()[-1]
    assert sent.body == raw.replace(b"IntelliProxyLLM", b"rec:latest")


def test_delete_body_forwarded_and_head_has_no_body(recorded_proxy):
    proxy, upstream = recorded_proxy
    httpx.request("DELETE", proxy.url + "/api/delete", content=b'{"model":"rec:latest"}')
    sent = [r for r in upstream.requests if r.method == "DELETE"][-1]
    assert sent.body == b'{"model":"rec:latest"}'
    httpx.head(proxy.url + "/api/blobs/sha256:" + "cd" * 32)
    head = [r for r in upstream.requests if r.method == "HEAD"][-1]
    assert head.body == b""


def test_thirty_megabyte_body_forwarded_intact(recorded_proxy):
    proxy, upstream = recorded_proxy
    image = "A" * (30 * 1024 * 1024)
    raw = orjson.dumps({"model": "rec:latest", "prompt": "describe", "images": [image]})
    r = httpx.post(proxy.url + "/api/generate", content=raw, timeout=60)
    assert r.status_code == 200
    sent = upstream.inference_requests()[-1]
    assert hashlib.sha256(sent.body).digest() == hashlib.sha256(raw).digest()


def test_blob_upload_is_streamed_through(proxy, fleet):
    data = b"GGUF" + bytes(range(256)) * 4096
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    r = httpx.post(proxy.url + "/api/blobs/" + digest, content=data)
    assert r.status_code == 201
    assert httpx.head(proxy.url + "/api/blobs/" + digest).status_code == 200
    bad = httpx.post(proxy.url + "/api/blobs/sha256:" + "0" * 64, content=data)
    assert bad.status_code == 400 and "digest mismatch" in bad.json()["error"]


# ---------------------------------------------------------------- 8-12: streaming


def test_no_early_commit_and_status_relay(recorded_proxy):
    proxy, upstream = recorded_proxy
    gate = threading.Event()
    upstream.scripts["/api/chat"] = Script(
        status=200, headers=NDJSON, chunks=[gate, b'{"done":true}\n'], chunked=True
    )
    timer = threading.Timer(0.8, gate.set)
    timer.start()
    start = time.monotonic()
    with httpx.stream(
        "POST", proxy.url + "/api/chat", content=b'{"model":"rec:latest","messages":[]}'
    ) as r:
        headers_at = time.monotonic() - start  # status and headers come with the first line
        assert r.status_code == 200
        r.read()
    assert headers_at >= 0.7
    for status, body in (
        (400, b'{"error":"bad"}'),
        (429, b'{"error":"slow down"}'),
        (500, b'{"error":"boom"}'),
    ):
        upstream.scripts["/api/generate"] = Script(status=status, chunks=[body])
        r = httpx.post(proxy.url + "/api/generate", content=b'{"model":"rec:latest","prompt":"x"}')
        assert (r.status_code, r.content) == (status, body)


def test_each_line_reaches_the_client_before_the_next_exists(recorded_proxy):
    proxy, upstream = recorded_proxy
    gate = threading.Event()
    upstream.scripts["/api/generate"] = Script(
        headers=NDJSON,
        chunks=[b'{"response":"a","done":false}\n', gate, b'{"response":"","done":true}\n'],
        chunked=True,
    )
    with httpx.stream(
        "POST",
        proxy.url + "/api/generate",
        content=b'{"model":"rec:latest","prompt":"x"}',
        timeout=5,
    ) as r:
        lines = r.iter_lines()
        assert json.loads(next(lines))["response"] == "a"  # arrives while upstream still waits
        gate.set()
        assert json.loads(next(lines))["done"] is True


def test_stream_bytes_relayed_exactly_with_content_types(recorded_proxy):
    proxy, upstream = recorded_proxy
    lines = [
        b'{"model":"rec:latest","response":"\\u003cb\\u003e","done":false}\n',
        b'{"model":"rec:latest","response":"","done":true,"eval_count":1}\n',
    ]
    upstream.scripts["/api/generate"] = Script(
        headers=NDJSON, chunks=[lines[0][:10], lines[0][10:] + lines[1]], chunked=True
    )
    r = httpx.post(proxy.url + "/api/generate", content=b'{"model":"rec:latest","prompt":"x"}')
    assert r.content == b"".join(lines)
    assert r.headers["content-type"] == "application/x-ndjson"
    assert "content-length" not in r.headers and r.headers.get("transfer-encoding") == "chunked"
    sse = [b'data: {"id":"1","model":"rec:latest"}\n\n', b"data: [DONE]\n\n"]
    upstream.scripts["/v1/chat/completions"] = Script(
        headers=[("Content-Type", "text/event-stream")], chunks=sse, chunked=True
    )
    r = httpx.post(
        proxy.url + "/v1/chat/completions",
        content=b'{"model":"rec:latest","messages":[],"stream":true}',
    )
    assert r.content == b"".join(sse) and r.headers["content-type"] == "text/event-stream"


def test_simulated_streams_keep_terminal_records_and_roles(proxy):
    r = httpx.post(
        proxy.url + "/api/chat",
        json={"model": "qwen2.5:7b", "messages": [{"role": "user", "content": "hi"}]},
    )
    chunks = _lines(r.content)
    assert all(c["message"]["role"] == "assistant" for c in chunks)
    final = chunks[-1]
    assert final["done"] is True and final["done_reason"] == "stop"
    assert isinstance(final["eval_duration"], int) and final["total_duration"] > 0


def test_streaming_mode_never_switched(proxy):
    one = httpx.post(
        proxy.url + "/api/generate", json={"model": "qwen2.5:7b", "prompt": "hi", "stream": False}
    )
    assert one.headers["content-type"].startswith("application/json") and one.json()["done"] is True
    many = httpx.post(proxy.url + "/api/generate", json={"model": "qwen2.5:7b", "prompt": "hi"})
    assert many.headers["content-type"] == "application/x-ndjson" and len(_lines(many.content)) > 2


# ---------------------------------------------------------------- 13-17: errors and echo


@pytest.fixture
def own_sim():
    sim = start_simulator(["qwen2.5:7b", "mistral:latest"])
    proxy = start_proxy([sim.url])
    wait_for_inventory(proxy.url, 2)
    yield sim, proxy
    proxy.stop()
    sim.stop()


def test_upstream_death_mid_stream_ends_with_error_line(own_sim):
    sim, proxy = own_sim
    httpx.post(sim.url + "/_sim/faults", json={"kind": "die_midstream", "after_chunks": 2})
    r = httpx.post(proxy.url + "/api/generate", json={"model": "qwen2.5:7b", "prompt": "hi"})
    chunks = _lines(r.content)
    assert len(chunks) == 3 and "error" in chunks[-1] and chunks[-1]["error"]
    httpx.post(sim.url + "/_sim/faults", json={"kind": "die_midstream", "after_chunks": 2})
    r = httpx.post(
        proxy.url + "/v1/chat/completions",
        json={
            "model": "qwen2.5:7b",
            "messages": [{"role": "user", "content": "hi"}],
            "stream": True,
        },
    )
    events = [e for e in r.content.split(b"\n\n") if e]
    assert json.loads(events[-1].removeprefix(b"data: "))["error"]["type"] == "api_error"


def test_in_band_error_line_passed_through(own_sim):
    sim, proxy = own_sim
    httpx.post(sim.url + "/_sim/faults", json={"kind": "error_midstream", "after_chunks": 1})
    chunks = _lines(
        httpx.post(
            proxy.url + "/api/generate", json={"model": "qwen2.5:7b", "prompt": "hi"}
        ).content
    )
    assert chunks[-1]["error"].startswith("model runner has unexpectedly stopped")


def test_proxy_made_errors_have_client_shapes(proxy):
    r = httpx.post(proxy.url + "/api/chat", content=b"{not json")
    assert r.status_code == 400 and isinstance(r.json()["error"], str) and r.json()["error"]
    assert r.headers["content-type"].startswith("application/json")
    r = httpx.post(proxy.url + "/api/chat", content=b"")
    assert r.status_code == 400 and r.json() == {"error": "missing request body"}
    r = httpx.post(proxy.url + "/v1/chat/completions", content=b"[1,2]")
    error = r.json()["error"]
    assert (
        r.status_code == 400 and error["type"] == "invalid_request_error" and error["param"] is None
    )


def test_unreachable_backend_gives_502_naming_it():
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{port.getsockname()[1]}"
    port.close()
    proxy = start_proxy([dead])
    try:
        r = httpx.post(proxy.url + "/api/generate", json={"model": "qwen2.5:7b", "prompt": "hi"})
        assert r.status_code in (502, 503) and dead.split("//")[1] in r.json()["error"]
        h = httpx.get(proxy.url + "/health")
        assert h.json()["status"] == "unhealthy"
    finally:
        proxy.stop()


def test_status_codes_clients_depend_on(own_sim):
    sim, proxy = own_sim
    r = httpx.post(proxy.url + "/api/chat", json={"model": "ghost:1b", "messages": []})
    assert r.status_code == 404 and r.json()["error"] == "model 'ghost:1b' not found"
    r = httpx.post(proxy.url + "/api/embed", json={"model": "ghost:1b", "input": "x"})
    assert r.status_code == 404 and "try pulling it first" in r.json()["error"]
    # qwen2.5:7b has no fallback and one backend: Ollama's 503 reaches the client as is.
    httpx.post(sim.url + "/_sim/faults", json={"kind": "busy", "model": "qwen2.5:7b", "times": 1})
    r = httpx.post(
        proxy.url + "/api/generate", json={"model": "qwen2.5:7b", "prompt": "x", "stream": False}
    )
    assert r.status_code == 503
    assert r.json()["error"] == "server busy, please try again.  maximum pending requests exceeded"
    # mistral falls back to qwen2.5:7b (the seed's chain) before anything reached the client.
    httpx.post(
        sim.url + "/_sim/faults", json={"kind": "busy", "model": "mistral:latest", "times": 1}
    )
    r = httpx.post(
        proxy.url + "/api/generate",
        json={"model": "mistral:latest", "prompt": "x", "stream": False},
    )
    assert r.status_code == 200 and r.headers["x-intelliproxy-model"] == "qwen2.5:7b"
    assert r.json()["model"] == "mistral:latest"  # echo of what the client asked for
    assert (
        "mistral:latest@" in r.headers["x-intelliproxy-attempts"]
        and ":busy" in r.headers["x-intelliproxy-attempts"]
    )


def test_show_keeps_model_info_and_virtual_echo_in_every_chunk(proxy):
    shown = httpx.post(
        proxy.url + "/api/show", json={"name": "qwen2.5:7b"}
    ).json()  # Continue sends `name`
    assert "model_info" in shown and "capabilities" in shown
    r = httpx.post(
        proxy.url + "/api/chat",
        json={"model": "IntelliProxyLLM", "messages": [{"role": "user", "content": "hi"}]},
    )
    chunks = _lines(r.content)
    assert {c["model"] for c in chunks} == {"IntelliProxyLLM"}
    assert r.headers["x-intelliproxy-model"] and r.headers["x-intelliproxy-backend"]


# ---------------------------------------------------------------- 19-27


def test_slow_first_token_is_waited_for(own_sim):
    sim, proxy = own_sim
    httpx.post(
        sim.url + "/_sim/faults", json={"kind": "slow_first_token", "delay_s": 2.5, "times": 1}
    )
    r = httpx.post(
        proxy.url + "/api/generate", json={"model": "qwen2.5:7b", "prompt": "hi"}, timeout=30
    )
    assert r.status_code == 200 and _lines(r.content)[-1]["done"] is True


def test_client_disconnect_cancels_upstream(own_sim):
    sim, proxy = own_sim
    clear_sim(sim)
    httpx.post(sim.url + "/_sim/faults", json={"kind": "stall_midstream", "after_chunks": 1})
    with socket.create_connection(("127.0.0.1", proxy.port)) as s:
        body = b'{"model":"qwen2.5:7b","prompt":"hi"}'
        s.sendall(
            b"POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%b"
            % (len(body), body)
        )
        assert b'"done":false' in s.recv(65536)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        log = [r for r in sim_requests(sim) if r["route"] == "/api/generate"]
        if log and log[-1]["cancelled"]:
            break
        time.sleep(0.05)
    assert log and log[-1]["cancelled"] is True


def test_upstream_host_header_and_headers_forwarded(recorded_proxy):
    proxy, upstream = recorded_proxy
    httpx.post(
        proxy.url + "/api/generate",
        content=b'{"model":"rec:latest","prompt":"x"}',
        headers={
            "Authorization": "Bearer secret",
            "User-Agent": "ollama-python/0.6.3",
            "X-OpenWebUI-User-Id": "42",
            "Origin": "http://localhost:3000",
            "Keep-Alive": "timeout=5",
            "TE": "trailers",
            "Proxy-Authorization": "Basic xx",
        },
    )
    sent = upstream.inference_requests()[-1]
    assert sent.header("host") == f"127.0.0.1:{upstream.port}".encode()
    assert sent.header("authorization") == b"Bearer secret"
    assert sent.header("user-agent") == b"ollama-python/0.6.3"
    assert sent.header("x-openwebui-user-id") == b"42"
    assert sent.header("origin") == b"http://localhost:3000"
    for hop in ("keep-alive", "te", "proxy-authorization"):
        assert sent.header(hop) is None


def test_cors_preflight_reaches_ollama(recorded_proxy):
    proxy, upstream = recorded_proxy
    upstream.scripts["/api/chat"] = Script(
        status=204, headers=[("Access-Control-Allow-Origin", "http://localhost")], chunks=[]
    )
    r = httpx.options(
        proxy.url + "/api/chat",
        headers={"Origin": "http://localhost", "Access-Control-Request-Method": "POST"},
    )
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == "http://localhost"
    assert upstream.requests[-1].method == "OPTIONS"


def test_tags_and_ps_merged_without_duplicates(proxy, fleet):
    names = [m["model"] for m in httpx.get(proxy.url + "/api/tags").json()["models"]]
    assert (
        names.count("qwen2.5:7b") == 1 and "llava:latest" in names and "qwen2.5-coder:7b" in names
    )
    for sim in fleet:
        httpx.post(sim.url + "/api/generate", json={"model": "qwen2.5:7b", "prompt": ""})
    running = [m["model"] for m in httpx.get(proxy.url + "/api/ps").json()["models"]]
    assert running.count("qwen2.5:7b") == 1


def test_keep_alive_connection_reused(proxy):
    with httpx.Client(base_url=proxy.url) as client:
        for _ in range(5):
            assert client.get("/").status_code == 200
        pool = client._transport._pool
        assert len(pool.connections) == 1


def test_conduit_not_validator(own_sim):
    _, proxy = own_sim
    r = httpx.post(
        proxy.url + "/api/chat",
        json={
            "model": "mistral:latest",
            "messages": [{"role": "user", "content": "hi", "images": ["aGVsbG8="], "custom": 1}],
            "options": {"mirostat": 2, "tfs_z": 1.0},
            "stream": False,
        },
    )
    assert r.status_code == 200 and r.json()["done"] is True


def test_browser_cannot_be_used_to_change_configuration(proxy):
    body = b'{"fallbacks": {"a:1b": "b:1b"}, "timeout": 300}'
    evil = httpx.post(
        proxy.url + "/config/fallbacks",
        content=body,
        headers={"Origin": "http://evil.example", "Content-Type": "text/plain"},
    )
    assert evil.status_code == 403 and "refused" in evil.json()["error"]
    rebound = httpx.post(
        proxy.url + "/config/fallbacks",
        content=body,
        headers={"Host": f"evil.example:{proxy.port}"},
    )
    assert rebound.status_code == 403 and "DNS rebinding" in rebound.json()["error"]
    assert httpx.get(proxy.url + "/config/fallbacks").json()["fallbacks"].get("a:1b") is None
    # Inference is not a configuration change: browsers (Open WebUI) may call it cross-site.
    r = httpx.post(
        proxy.url + "/api/generate",
        json={"model": "qwen2.5:7b", "prompt": "x", "stream": False},
        headers={"Origin": "http://localhost:3000"},
    )
    assert r.status_code == 200
