"""The request log: a ring, newest first, truncated user data, JSON only."""

from __future__ import annotations

import orjson
import pytest

from intelliproxy.state.request_log import PROMPT_LIMIT, RequestLog
from tests.state.statehelpers import T0, A, rec


def test_entries_are_newest_first_and_the_ring_keeps_the_last_n() -> None:
    log = RequestLog(size=3)
    for i in range(5):
        log.record(rec(time=T0 + i, prompt=f"p{i}"))
    assert len(log) == 3
    assert [e["prompt"] for e in log.entries()] == ["p4", "p3", "p2"]


def test_default_size_is_the_seeds_fifty() -> None:
    log = RequestLog()
    for i in range(60):
        log.record(rec(prompt=str(i)))
    assert len(log.entries()) == 50
    assert log.entries()[-1]["prompt"] == "10"


def test_entry_fields() -> None:
    log = RequestLog()
    log.record(
        rec(
            category="code",
            complexity=6,
            reason="qwen2.5-coder:7b: code, warm on A",
            attempts=("qwen2.5-coder:7b@A:oom", "qwen2.5:7b@A:ok"),
            model="qwen2.5:7b",
            fallback=True,
            ttft=0.25,
            duration=2.0004,
            eval_count=200,
            eval_duration_ns=4 * 10**9,
            streamed=True,
            prompt="Write a function",
        )
    )
    (entry,) = log.entries()
    assert entry == {
        "time": "2026-02-13T16:27:00+00:00",
        "client": "127.0.0.1",
        "method": "POST",
        "endpoint": "/api/chat",
        "requested_model": "IntelliProxyLLM",
        "model": "qwen2.5:7b",
        "backend": A,
        "category": "code",
        "complexity": 6,
        "reason": "qwen2.5-coder:7b: code, warm on A",
        "attempts": ["qwen2.5-coder:7b@A:oom", "qwen2.5:7b@A:ok"],
        "status": 200,
        "ok": True,
        "duration": 2.0,
        "ttft": 0.25,
        "tokens": 200,
        "tokens_per_s": 50.0,
        "streamed": True,
        "fallback": True,
        "error_kind": None,
        "error": None,
        "prompt": "Write a function",
    }


def test_failed_request_entry() -> None:
    log = RequestLog()
    log.record(rec(model=None, backend=None, status=503, error_kind="busy", error="server busy"))
    entry = log.entries()[0]
    assert (entry["ok"], entry["error_kind"], entry["error"], entry["tokens_per_s"]) == (
        False,
        "busy",
        "server busy",
        None,
    )


def test_prompt_and_error_are_truncated_on_the_way_in() -> None:
    log = RequestLog()
    log.record(rec(prompt="x" * 100_000, error="e" * 10_000))
    stored = log._ring[0]
    assert len(stored.prompt) == PROMPT_LIMIT and stored.prompt.endswith("…")
    assert len(stored.error) == 500
    assert log.entries()[0]["prompt"] == stored.prompt


def test_prompt_stays_raw_text_in_json() -> None:
    log = RequestLog()
    log.record(rec(prompt='<script>alert("x")</script>\ud800'))  # markup and a lone surrogate
    body = orjson.dumps(log.entries())
    prompt = orjson.loads(body)[0]["prompt"]
    assert prompt.startswith('<script>alert("x")</script>')  # text, not escaped into HTML


def test_clear() -> None:
    log = RequestLog(size=5)
    log.record(rec())
    log.clear()
    assert log.entries() == [] and len(log) == 0
    log.record(rec())
    assert len(log) == 1


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RequestLog(size=0)
