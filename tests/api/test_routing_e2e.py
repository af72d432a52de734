"""IntelliProxyLLM through the real server: the simulator says which model served.

The session fleet has the seed's models on two backends (tests/conftest.py).
"""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.conftest import sim_requests
from tests.processes import start_proxy, start_simulator
from tests.recording_upstream import RecordingUpstream, Script

PIXEL = base64.b64encode(
    bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
).decode()


def _chat(proxy, content: str, **extra) -> httpx.Response:
    body = {
        "model": "IntelliProxyLLM",
        "stream": False,
        "messages": [{"role": "user", "content": content, **extra.pop("message", {})}],
        **extra,
    }
    return httpx.post(proxy.url + "/api/chat", json=body, timeout=30)


def _served_by(fleet, response: httpx.Response) -> str:
    """The model the simulator itself reports for this answer (its text names it)."""
    text = response.json()["message"]["content"]
    return text[1 : text.index("]")]


@pytest.mark.parametrize(
    ("prompt", "model", "category"),
    [
        (
            "Write a Python function that returns the n-th Fibonacci number, with tests.",
            "qwen2.5-coder:7b",
            "code",
        ),
        (
            # Olympiad-level (complexity 9): worth a cold load of the reasoning model even when
            # a general 7B model is warm (a complexity-7 proof may rightly go to the warm one).
            r"Let $f:\mathbb{R}\to\mathbb{R}$ satisfy $f(x+f(y)) = f(x) + y$ for all real $x,y$. "
            r"Determine all such functions and prove that your list is complete. Then show that "
            r"$\sum_{k=1}^{n} \frac{1}{k^2} < \frac{7}{4}$ for every positive integer $n$, step by step.",
            "deepseek-r1:latest",
            "reasoning",
        ),
        (
            "Write a short story about a lighthouse keeper who befriends a storm.",
            "llama2-uncensored:latest",
            "uncensored",
        ),
    ],
)
def test_prompt_reaches_the_right_model(proxy, fleet, prompt, model, category):
    r = _chat(proxy, prompt)
    assert r.status_code == 200
    assert r.headers["x-intelliproxy-category"] == category
    assert r.headers["x-intelliproxy-model"] == model
    assert _served_by(fleet, r) == model  # the simulator's own word
    assert r.json()["model"] == "IntelliProxyLLM"
    assert int(r.headers["x-intelliproxy-complexity"]) in range(1, 11)
    assert r.headers["x-intelliproxy-reason"].isascii()


def test_greeting_goes_to_the_small_fast_model_when_nothing_is_loaded():
    # On a fresh fleet (nothing loaded) the tiny model wins; once a general 7B model is
    # warm, answering from it beats loading the tiny one (docs/routing.md, worked example).
    sim = start_simulator(
        ["qwen2.5:7b", "nemotron-3-nano:latest", "deepseek-r1:latest", "qwen2.5-coder:7b"]
    )
    proxy = start_proxy([sim.url])
    try:
        from tests.conftest import wait_for_inventory

        wait_for_inventory(proxy.url, 4)
        r = _chat(proxy, "hi there!")
        assert r.headers["x-intelliproxy-category"] == "general"
        assert _served_by(None, r) == "nemotron-3-nano:latest"
    finally:
        proxy.stop()
        sim.stop()


def test_image_attached_goes_to_the_vision_model(proxy, fleet):
    r = _chat(proxy, "What is in this picture?", message={"images": [PIXEL]})
    assert r.status_code == 200 and r.headers["x-intelliproxy-category"] == "vision"
    assert _served_by(fleet, r) == "llava:latest"
    served = [x["model"] for x in sim_requests(fleet[1]) if x["route"] == "/api/chat"]
    assert "llava:latest" in served


def test_openai_image_part_goes_to_the_vision_model(proxy):
    body = {
        "model": "IntelliProxyLLM",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Describe it"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64," + PIXEL}},
                ],
            }
        ],
    }
    r = httpx.post(proxy.url + "/v1/chat/completions", json=body, timeout=30)
    assert r.status_code == 200 and r.headers["x-intelliproxy-model"] == "llava:latest"
    assert r.json()["model"] == "IntelliProxyLLM"


def test_tools_go_to_a_tools_capable_model(proxy):
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]
    r = _chat(proxy, "What is the weather in Oslo?", tools=tools)
    assert r.status_code == 200
    shown = httpx.post(
        proxy.url + "/api/show", json={"model": r.headers["x-intelliproxy-model"]}
    ).json()
    assert "tools" in shown["capabilities"]


def test_no_vision_model_is_a_clear_400():
    sim = start_simulator(["qwen2.5:7b"])
    proxy = start_proxy([sim.url])
    try:
        from tests.conftest import wait_for_inventory

        wait_for_inventory(proxy.url, 1)
        r = _chat(proxy, "What is this?", message={"images": [PIXEL]})
        assert r.status_code == 400
        assert r.json() == {"error": "no model with vision capability is available"}
        r = httpx.post(
            proxy.url + "/v1/chat/completions",
            json={
                "model": "IntelliProxyLLM",
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {
                                "type": "image_url",
                                "image_url": {"url": "data:image/png;base64," + PIXEL},
                            }
                        ],
                    }
                ],
            },
        )
        assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"
    finally:
        proxy.stop()
        sim.stop()


def test_follow_up_keeps_the_conversation_topic(proxy, fleet):
    messages = [
        {"role": "user", "content": "Write a Rust function that parses a CSV line into fields."},
        {
            "role": "assistant",
            "content": "fn parse(line: &str) -> Vec<String> { line.split(',').map(String::from).collect() }",
        },
        {"role": "user", "content": "now make it faster"},
    ]
    r = httpx.post(
        proxy.url + "/api/chat",
        json={"model": "IntelliProxyLLM", "messages": messages, "stream": False},
    )
    assert r.headers["x-intelliproxy-category"] == "code"
    assert _served_by(fleet, r) == "qwen2.5-coder:7b"


def test_think_is_dropped_for_a_model_without_thinking(proxy):
    # A greeting goes to a small model without the thinking capability; Ollama would answer
    # 400 "does not support thinking" if the proxy forwarded `think` to it.
    r = _chat(proxy, "hi there!", think=True)
    assert r.status_code == 200
    shown = httpx.post(
        proxy.url + "/api/show", json={"model": r.headers["x-intelliproxy-model"]}
    ).json()
    assert "thinking" not in shown["capabilities"]


def test_classify_task_and_models_endpoints(proxy):
    c = httpx.post(proxy.url + "/classify", json={"prompt": "Write a function"}).json()
    assert c["category"] == "code" and c["model"] and c["reason"] and 0 <= c["confidence"] <= 1
    c = httpx.post(
        proxy.url + "/classify",
        json={
            "model": "x",
            "messages": [{"role": "user", "content": "what is this", "images": [PIXEL]}],
        },
    ).json()
    assert c["category"] == "vision" and c["model"] == "llava:latest"
    assert httpx.post(proxy.url + "/classify", json={"prompt": "  "}).status_code == 400

    t = httpx.post(
        proxy.url + "/task", json={"prompt": "Explain quantum computing", "task_type": "reasoning"}
    ).json()
    assert set(t) >= {"result", "model_used", "task_classification", "timestamp"}
    assert t["task_classification"] == "reasoning" and t["result"].startswith(
        f"[{t['model_used']}]"
    )
    hard = "Prove that there are infinitely many primes of the form 4k+3, then find all integer solutions of x^2 - 2y^2 = 1 with 0 < x < 100, step by step."
    t = httpx.post(proxy.url + "/task", json={"prompt": hard, "task_type": "reasoning"}).json()
    assert t["model_used"] == "deepseek-r1:latest" and t["result"].startswith(
        "[deepseek-r1:latest]"
    )
    assert httpx.post(proxy.url + "/task", json={"prompt": ""}).status_code == 400
    assert (
        httpx.post(proxy.url + "/task", json={"prompt": "x", "task_type": "poetry"}).status_code
        == 400
    )

    models = httpx.get(proxy.url + "/models").json()
    assert models["total"] == 8
    assert models["categories"]["code"] == ["qwen2.5-coder:7b"]
    entry = models["models"]["qwen2.5-coder:7b"]
    assert {"speed", "complexity", "preferred_for", "size"} <= set(entry) and entry[
        "preferred_for"
    ][0] == "code"
    vision = httpx.get(proxy.url + "/models/vision").json()
    assert list(vision["models"]) == ["llava:latest"]
    missing = httpx.get(proxy.url + "/models/poetry")
    assert missing.status_code == 404 and "poetry" in missing.json()["error"]


def test_llm_classifier_mode_asks_the_model_once_per_prompt():
    upstream = RecordingUpstream()
    answer = json.dumps(
        {
            "model": "rec:latest",
            "response": json.dumps({"category": "reasoning", "complexity": 9, "confidence": 0.9}),
            "done": True,
        }
    ).encode()
    upstream.scripts["/api/generate"] = Script(chunks=[answer])
    proxy = start_proxy(
        [upstream.url], env={"CLASSIFIER_MODE": "llm", "CLASSIFIER_MODEL": "rec:latest"}
    )
    try:
        from tests.conftest import wait_for_inventory

        wait_for_inventory(proxy.url, 1)
        for _ in range(2):
            r = httpx.post(
                proxy.url + "/api/generate",
                json={"model": "IntelliProxyLLM", "prompt": "hello", "stream": False},
            )
            assert (
                r.headers["x-intelliproxy-category"] == "reasoning"
            )  # the LLM's verdict, not the fast one
            assert r.headers["x-intelliproxy-complexity"] == "9"
        asked = [q for q in upstream.inference_requests() if b'"format"' in q.body]
        assert len(asked) == 1  # cached by prompt hash
        assert json.loads(asked[0].body)["format"]["properties"]["category"]["enum"][0] == "code"
    finally:
        proxy.stop()
        upstream.stop()


def test_llm_classifier_timeout_falls_back_to_the_fast_one():
    sim = start_simulator(["qwen2.5:7b", "qwen2.5-coder:7b"])
    proxy = start_proxy([sim.url], env={"CLASSIFIER_MODE": "llm", "CLASSIFIER_TIMEOUT": "0.5"})
    try:
        from tests.conftest import wait_for_inventory

        wait_for_inventory(proxy.url, 2)
        httpx.post(
            sim.url + "/_sim/faults",
            json={"kind": "hang", "route": "/api/generate", "model": "qwen2.5:7b"},
        )
        r = httpx.post(
            proxy.url + "/api/chat",
            json={
                "model": "IntelliProxyLLM",
                "stream": False,
                "messages": [
                    {"role": "user", "content": "Write a Python function that adds two numbers"}
                ],
            },
            timeout=30,
        )
        assert r.status_code == 200 and r.headers["x-intelliproxy-category"] == "code"
    finally:
        proxy.stop()
        sim.stop()


def test_routing_preference_from_env_and_per_request_header():
    import time

    sim = start_simulator(["qwen2.5:7b", "nemotron-3-nano:latest"])
    proxy = start_proxy([sim.url], env={"ROUTING_PREFERENCE": "speed", "INVENTORY_INTERVAL": "0.2"})
    try:
        from tests.conftest import wait_for_inventory

        wait_for_inventory(proxy.url, 2)
        assert httpx.get(proxy.url + "/health").json()["routing_preference"] == "speed"
        # qwen2.5:7b warm, nemotron cold: a greeting is where the preferences part ways.
        httpx.post(sim.url + "/api/generate", json={"model": "qwen2.5:7b"}, timeout=30)
        deadline = time.monotonic() + 10
        while "qwen2.5:7b" not in httpx.get(proxy.url + "/health").json()["backends"][0]["loaded"]:
            assert time.monotonic() < deadline, "the proxy never saw qwen2.5:7b loaded"
            time.sleep(0.1)

        body = {"model": "IntelliProxyLLM", "stream": False,
                "messages": [{"role": "user", "content": "hello there"}]}  # fmt: skip
        balanced = httpx.post(
            proxy.url + "/api/chat",
            json=body,
            headers={"X-IntelliProxy-Preference": "Balanced"},
            timeout=30,
        )
        assert balanced.headers["x-intelliproxy-model"] == "qwen2.5:7b"
        asked = httpx.post(
            proxy.url + "/classify", json={"prompt": "hello there"},
            headers={"X-IntelliProxy-Preference": "balanced"},
        )  # fmt: skip
        assert asked.json()["model"] == "qwen2.5:7b"

        # Without the header, the proxy's own preference (speed): the cold, faster model.
        speedy = _chat(proxy, "hello there")
        assert speedy.status_code == 200
        assert speedy.headers["x-intelliproxy-model"] == "nemotron-3-nano:latest"
        assert _served_by(None, speedy) == "nemotron-3-nano:latest"
        wrong = {"X-IntelliProxy-Preference": "fastest"}
        native = httpx.post(proxy.url + "/api/chat", json=body, headers=wrong)
        assert native.status_code == 400
        assert native.json() == {
            "error": "X-IntelliProxy-Preference must be one of quality, balanced, speed, "
            "not 'fastest'"
        }
        v1 = httpx.post(
            proxy.url + "/v1/chat/completions",
            json={"model": "IntelliProxyLLM", "messages": body["messages"]},
            headers=wrong,
        )
        assert v1.status_code == 400 and "fastest" in v1.json()["error"]["message"]
    finally:
        proxy.stop()
        sim.stop()
