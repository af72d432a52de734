"""Pure parts: Go JSON, Go durations, names, spec files, deterministic output, CLI entry."""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import time

import httpx
import pytest

from intelliproxy.simulator import DEFAULT_FLEET, SimConfig, load_spec, names, textgen
from intelliproxy.simulator.gojson import DecodeError, decode_request, dumps
from intelliproxy.simulator.gotime import parse_go_duration, parse_keep_alive, rfc3339_utc


def test_dumps_matches_go() -> None:
    obj = {"a": "<b> & \u2028\u2029", "n": [1, 2.5], "u": "é"}
    assert dumps(obj) == (
        b'{"a":"\\u003cb\\u003e \\u0026 \\u2028\\u2029","n":[1,2.5],"u":"\xc3\xa9"}'
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"a":tru}', "invalid character '}' in literal true (expecting 'e')"),
        (b'{"a":1.}', "invalid character '}' after decimal point in numeric literal"),
        (b'{"a":[1 2]}', "invalid character '2' after array element"),
        (b'{"a":"\\q"}', "invalid character 'q' in string escape code"),
        (b'{"a":1 "b"}', "invalid character '\"' after object key:value pair"),
        (b'{"a":"x', "unexpected EOF"),
        (b'"str"', "json: cannot unmarshal string into Go value of type api.ChatRequest"),
    ],
)
def test_decode_errors_are_gos(raw: bytes, message: str) -> None:
    with pytest.raises(DecodeError) as err:
        decode_request(raw, "ChatRequest")
    assert str(err.value) == message


def test_decode_accepts_null_and_trailing_values() -> None:
    assert decode_request(b"null", "ChatRequest") == {}
    assert decode_request(b'{"model":"m"}{"x":1}', "ChatRequest") == {"model": "m"}
    with pytest.raises(DecodeError, match="ChatRequest.stream of type bool"):
        decode_request(b'{"stream":"yes"}', "ChatRequest")


def test_go_durations_and_keep_alive() -> None:
    assert parse_go_duration("1h30m") == 5400
    assert parse_go_duration("300ms") == pytest.approx(0.3)
    assert parse_go_duration("-1m") == -60
    assert parse_go_duration("0") == 0
    assert parse_keep_alive(None) is None
    assert parse_keep_alive(1800) == 1800
    assert parse_keep_alive("5m") == 300
    assert parse_keep_alive(-1) == math.inf and parse_keep_alive("-1m") == math.inf
    with pytest.raises(ValueError, match="Unsupported type: 'bool'"):
        parse_keep_alive(True)


def test_created_at_format() -> None:
    assert rfc3339_utc(1_767_351_600_101_000_000) == "2026-01-02T11:00:00.101Z"
    assert rfc3339_utc(1_767_351_600_000_000_000) == "2026-01-02T11:00:00Z"


def test_names() -> None:
    assert names.canonical("Llama3.2") == "llama3.2:latest"
    assert names.canonical("registry.ollama.ai/library/mistral") == "mistral:latest"
    assert names.full_name("qwen2.5:7b") == "registry.ollama.ai/library/qwen2.5:7b"
    assert names.full_name("me/model") == "registry.ollama.ai/me/model:latest"
    assert names.namespace("me/model:1b") == "me" and names.namespace("x") == "library"
    assert not names.is_valid("") and not names.is_valid("a b") and names.is_valid("a/b:c")


def test_default_fleet_matches_the_product_seed() -> None:
    by_name = {m.name: m for m in DEFAULT_FLEET}
    assert set(by_name) == {
        "qwen2.5:7b", "qwen2.5-coder:7b", "deepseek-r1:latest", "llava:latest",
        "nemotron-3-nano:latest", "mistral:latest", "llama2-uncensored:latest",
        "nomic-embed-text:latest",
    }  # fmt: skip
    assert by_name["qwen2.5-coder:7b"].capabilities == ["completion", "tools", "insert"]
    assert "thinking" in by_name["deepseek-r1:latest"].capabilities
    assert "vision" in by_name["llava:latest"].capabilities
    assert by_name["nomic-embed-text:latest"].capabilities == ["embedding"]
    fastest = max(DEFAULT_FLEET, key=lambda m: m.tokens_per_s / m.size)
    assert fastest.name in ("nemotron-3-nano:latest", "nomic-embed-text:latest")
    assert all(0.05 <= m.load_time_s <= 0.3 and m.tokens_per_s >= 100 for m in DEFAULT_FLEET)


def test_spec_file(tmp_path) -> None:
    spec = {
        "name": "box-a",
        "memory_bytes": 9_000_000_000,
        "num_parallel": 2,
        "max_queue": 4,
        "keep_alive": "1m",
        "models": [
            "qwen2.5:7b",
            {"name": "mistral:latest", "tokens_per_s": 20},
            {"name": "tiny:1b", "size": 1000, "capabilities": ["completion"]},
        ],
        "registry": [{"name": "extra:2b"}],
        "faults": {"kind": "busy"},
    }
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    models = load_spec(path)
    assert [m.name for m in models] == ["qwen2.5:7b", "mistral:latest", "tiny:1b"]
    assert models[1].tokens_per_s == 20 and models[1].family == "llama"  # inherited
    config = SimConfig.from_spec(path)
    assert (config.name, config.num_parallel, config.max_queue, config.keep_alive_s) == (
        "box-a", 2, 4, 60.0
    )  # fmt: skip
    assert config.registry[0].name == "extra:2b" and config.faults == [{"kind": "busy"}]
    path.write_text(json.dumps({"models": [{"name": "x", "colour": "red"}]}))
    with pytest.raises(ValueError, match="colour"):
        load_spec(path)


def test_output_is_deterministic_and_names_the_model() -> None:
    a = textgen.answer_tokens("m:1b", "prompt", 5)
    assert a == textgen.answer_tokens("m:1b", "prompt", 5) and a[0] == "[m:1b]"
    assert a != textgen.answer_tokens("m:1b", "other prompt", 5)
    v = textgen.embedding("m", "text", 16)
    assert v == textgen.embedding("m", "text", 16)
    assert math.isclose(sum(x * x for x in v), 1.0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_python_dash_m_runs_a_server(tmp_path) -> None:
    port = _free_port()
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"models": ["mistral:latest"], "version": "0.31.0"}))
    cmd = [
        sys.executable,
        "-m",
        "intelliproxy.simulator",
        "--port",
        str(port),
        "--models",
        str(spec),
    ]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/version", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
        assert r.json() == {"version": "0.31.0"}
        tags = httpx.get(f"http://127.0.0.1:{port}/api/tags").json()["models"]
        assert [t["name"] for t in tags] == ["mistral:latest"]
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0
