"""Settings validation, the CLI commands and the packaging files."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from intelliproxy.settings import SEED_FALLBACKS, SettingsError, load_settings
from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_match_the_seed():
    s = load_settings({})
    assert (s.proxy_host, s.proxy_port, s.web_host, s.web_port) == (
        "0.0.0.0",
        9998,
        "0.0.0.0",
        9999,
    )
    assert s.ollama_base_url == "http://ollama:11434" and s.ollama_backends == (
        "http://ollama:11434",
    )
    assert (s.airllm_enabled, s.airllm_host, s.airllm_port) == (False, "airllm", 9996)
    assert s.classifier_model == s.default_model == "qwen2.5:7b"
    assert s.request_timeout == 900 and s.enable_auto_discovery is True
    assert s.data_dir == "/app/data" and dict(s.model_fallbacks) == SEED_FALLBACKS


def test_backends_and_target_host():
    s = load_settings({"OLLAMA_BACKENDS": "http://a:1, b:2 ,http://c"})
    assert s.ollama_backends == ("http://a:1", "http://b:2", "http://c:11434")
    assert s.ollama_base_url == "http://a:1"
    s = load_settings({"OLLAMA_TARGET_HOST": "10.0.0.5", "OLLAMA_TARGET_PORT": "11500"})
    assert s.ollama_backends == ("http://10.0.0.5:11500",)


def test_routing_preference_defaults_to_balanced_and_is_read():
    assert load_settings({}).routing_preference == "balanced"
    assert load_settings({"ROUTING_PREFERENCE": " Speed "}).routing_preference == "speed"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PROXY_PORT": "abc"}, "PROXY_PORT"),
        ({"WEB_PORT": "70000"}, "WEB_PORT"),
        ({"MODEL_FALLBACKS": "{oops"}, "MODEL_FALLBACKS"),
        ({"MODEL_FALLBACKS": '{"a": 1}'}, "MODEL_FALLBACKS"),
        ({"MODEL_FALLBACKS": '{"a": "b", "b": "a"}'}, "MODEL_FALLBACKS"),
        ({"AIRLLM_ENABLED": "maybe"}, "AIRLLM_ENABLED"),
        ({"REQUEST_TIMEOUT": "-1"}, "REQUEST_TIMEOUT"),
        ({"OLLAMA_BASE_URL": "ftp://x"}, "OLLAMA_BASE_URL"),
        ({"ROUTING_PREFERENCE": "fastest"}, "ROUTING_PREFERENCE"),
        ({"DISCOVERY_ASK_LLM": "sometimes"}, "DISCOVERY_ASK_LLM"),
    ],
)
def test_bad_values_name_the_variable(env, named):
    with pytest.raises(SettingsError, match=named):
        load_settings(env)


def test_bad_value_stops_start_up_with_one_line():
    env = {**os.environ, "PROXY_PORT": "abc"}
    result = subprocess.run(
        [sys.executable, "-m", "intelliproxy.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "PROXY_PORT" in lines[0] and "Traceback" not in result.stderr


def test_fallback_loop_rejected_at_start():
    env = {**os.environ, "MODEL_FALLBACKS": '{"a:1b": "b:1b", "b:1b": "a:1b"}'}
    result = subprocess.run(
        [sys.executable, "-m", "intelliproxy.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (
        result.returncode == 2
        and "loop" in result.stderr
        and "a:1b -> b:1b -> a:1b" in result.stderr
    )


def test_demo_starts_serves_and_stops_cleanly(tmp_path):
    port, web = free_port(), free_port()
    env = {**os.environ, "PROXY_PORT": str(port), "WEB_PORT": str(web), "DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "intelliproxy.cli", "demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = ""
        deadline = time.monotonic() + 30
        while "Press Ctrl-C" not in banner and time.monotonic() < deadline:
            banner += proc.stdout.readline()
        assert f"http://localhost:{port}" in banner and f"http://localhost:{web}" in banner
        backends = re.search(r"Backends\s*:\s*(.+)", banner).group(1).split(", ")
        assert len(backends) >= 2
        time.sleep(0.5)
        tags = httpx.get(f"http://127.0.0.1:{port}/api/tags").json()["models"]
        assert {"IntelliProxyLLM", "qwen2.5-coder:7b", "llava:latest"} <= {m["model"] for m in tags}
        r = httpx.post(
            f"http://127.0.0.1:{port}/api/chat",
            json={
                "model": "IntelliProxyLLM",
                "stream": False,
                "messages": [
                    {"role": "user", "content": "Write a Python function that reverses a string"}
                ],
            },
        )
        assert r.status_code == 200 and r.headers["x-intelliproxy-category"] == "code"
        assert httpx.get(f"http://127.0.0.1:{web}/").status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert "demo stopped" in out and "Traceback" not in out


def test_classify_command_prints_the_decision():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "intelliproxy.cli",
            "classify",
            "Prove that the square root of 2 is irrational",
        ],
        env={**os.environ, "OLLAMA_BASE_URL": "http://127.0.0.1:9"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0
    assert re.search(r"category\s*: reasoning", result.stdout)
    assert re.search(r"complexity\s*: \d+", result.stdout)


def test_compose_file_matches_the_seed():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    router = compose["services"]["router"]
    assert set(router["ports"]) == {"9998:9998", "9999:9999"}
    assert "router-data:/app/data" in router["volumes"] and "router-data" in compose["volumes"]
    assert router["command"] == ["intelliproxy", "serve"]
    assert (
        "ollama" in compose["services"]
        and router["environment"]["OLLAMA_BASE_URL"] == "http://ollama:11434"
    )
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "EXPOSE 9998 9999" in dockerfile and 'CMD ["intelliproxy", "serve"]' in dockerfile
