"""Requirements read from Ollama and OpenAI request bodies."""

from __future__ import annotations

import pytest

from intelliproxy.routing.requirements import MAX_COUNTED_CHARS, requirements_from_body
from intelliproxy.routing.types import Requirements

IMAGE = "iVBORw0KGgoAAAANSUhEUgAA" * 1000  # base64 must not count as prompt text


# --- vision -----------------------------------------------------------------------------------
def test_generate_images_need_vision() -> None:
    req = requirements_from_body({"model": "m", "prompt": "what is this", "images": [IMAGE]})
    assert req.vision
    assert req.prompt_tokens == 3  # 12 chars / 4; the image is not text


def test_chat_message_images_need_vision() -> None:
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "user", "content": "Describe this.", "images": [IMAGE]},
        ],
    }
    assert requirements_from_body(body).vision


@pytest.mark.parametrize(
    "part",
    [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + IMAGE}},
        {"type": "image_url", "image_url": "data:image/png;base64," + IMAGE},
        {"image_url": {"url": "data:;base64,AAAA"}},
    ],
)
def test_openai_image_parts_need_vision(part: dict) -> None:
    body = {"messages": [{"role": "user", "content": [{"type": "text", "text": "what?"}, part]}]}
    req = requirements_from_body(body)
    assert req.vision
    assert req.prompt_tokens == 2  # "what?"


@pytest.mark.parametrize(
    "body",
    [
        {"prompt": "hi", "images": []},
        {"prompt": "hi", "images": None},
        {"messages": [{"role": "user", "content": "hi", "images": []}]},
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]},
    ],
)
def test_no_images_no_vision(body: dict) -> None:
    assert not requirements_from_body(body).vision


# --- tools and thinking -----------------------------------------------------------------------
TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
}


@pytest.mark.parametrize(("tools", "expected"), [([TOOL], True), ([], False), (None, False)])
def test_tools(tools: object, expected: bool) -> None:
    body = {"messages": [{"role": "user", "content": "weather?"}], "tools": tools}
    assert requirements_from_body(body).tools is expected


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"think": True}, True),
        ({"think": "high"}, True),
        ({"think": "low"}, True),
        ({"think": "max"}, True),
        ({"think": False}, False),
        ({"think": "bogus"}, False),
        ({"think": 1}, False),
        ({}, False),
        ({"reasoning_effort": "medium"}, True),
        ({"reasoning_effort": "none"}, False),
        ({"reasoning": {"effort": "high"}}, True),
        ({"reasoning": {"effort": "none"}}, False),
    ],
)
def test_thinking(extra: dict, expected: bool) -> None:
    assert requirements_from_body({"prompt": "x", **extra}).thinking is expected


# --- size -------------------------------------------------------------------------------------
def test_prompt_tokens_count_system_history_and_suffix() -> None:
    body = {
        "model": "m",
        "system": "s" * 40,
        "messages": [
            {"role": "system", "content": "a" * 40},
            {"role": "user", "content": "b" * 40},
            {"role": "assistant", "content": "c" * 40, "thinking": "d" * 40},
        ],
    }
    assert requirements_from_body(body).prompt_tokens == 50
    generate = {"prompt": "p" * 10, "suffix": "q" * 10, "system": "r" * 20}
    assert requirements_from_body(generate).prompt_tokens == 10


def test_prompt_tokens_count_tool_specs_and_legacy_context() -> None:
    body = {"prompt": "", "context": list(range(1000)), "tools": [TOOL]}
    assert requirements_from_body(body).prompt_tokens == 1000 + 3  # "get_weather" -> 3


def test_prompt_token_estimate_is_capped() -> None:
    huge = "x" * (MAX_COUNTED_CHARS * 2)
    req = requirements_from_body({"messages": [{"role": "user", "content": huge}] * 3})
    assert req.prompt_tokens == MAX_COUNTED_CHARS // 4


def test_openai_completions_prompt() -> None:
    req = requirements_from_body({"model": "m", "prompt": "y" * 400, "max_tokens": 5})
    assert req == Requirements(prompt_tokens=100)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"num_ctx": 8192}, 8192),
        ({"num_ctx": 0}, None),
        ({"num_ctx": -1}, None),
        ({"num_ctx": "8192"}, None),
        ({"num_ctx": True}, None),
        ({"temperature": 0.2}, None),
        ("nonsense", None),
    ],
)
def test_num_ctx(options: object, expected: int | None) -> None:
    assert requirements_from_body({"prompt": "x", "options": options}).num_ctx == expected


# --- odd shapes -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        None,
        "string",
        [1, 2],
        {},
        {"messages": "not a list"},
        {"messages": [None, 3, "x", {"content": None}, {"content": [None, 5]}]},
        {"images": "abc", "tools": {"a": 1}, "think": None, "options": None, "context": "x"},
        {"reasoning": "high", "prompt": 42},
    ],
)
def test_odd_shapes_never_raise(body: object) -> None:
    req = requirements_from_body(body)
    assert isinstance(req, Requirements)
    assert not req.vision and not req.tools


def test_deep_nesting_is_bounded() -> None:
    body: dict = {"prompt": "abcd"}
    node = body
    for _ in range(1000):
        node["x"] = {}
        node = node["x"]
    node["text"] = "z" * 400
    assert requirements_from_body(body).prompt_tokens == 1  # the deep text is not reached
