"""Helpers shared by the simulator tests (fixtures live in conftest.py)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any


async def wait_for(predicate: Any, timeout: float = 3.0, interval: float = 0.02) -> Any:
    """Poll an async predicate until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {value!r})")
        await asyncio.sleep(interval)


def ndjson(body: bytes) -> list[dict[str, Any]]:
    """Parse an NDJSON body strictly: every line one JSON object, no blank lines."""
    assert body.endswith(b"\n"), body[-80:]
    lines = body[:-1].split(b"\n")
    out = []
    for line in lines:
        assert line.strip(), f"blank line in {body!r}"
        obj = json.loads(line)
        assert isinstance(obj, dict)
        out.append(obj)
    return out
