"""Building RequestRecords for the state tests."""

from __future__ import annotations

from typing import Any

from intelliproxy.state.records import RequestRecord

T0 = 1_771_000_020.0  # a fixed arrival time (2026-02-13), on a minute boundary
A = "http://127.0.0.1:11434"
B = "http://127.0.0.1:11435"


def rec(**changes: Any) -> RequestRecord:
    fields: dict[str, Any] = {
        "time": T0,
        "client": "127.0.0.1",
        "endpoint": "/api/chat",
        "method": "POST",
        "requested_model": "IntelliProxyLLM",
        "model": "qwen2.5:7b",
        "backend": A,
        "status": 200,
        "duration": 1.0,
    }
    fields.update(changes)
    return RequestRecord(**fields)
