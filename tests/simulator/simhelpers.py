"""Helpers shared by the simulator tests (fixtures live in conftest.py)."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from typing import Any

from intelliproxy.simulator import DEFAULT_FLEET, SimConfig, SimModel

FAST_LOAD_S = 0.01


def fast_fleet(load_time_s: float = FAST_LOAD_S, tokens_per_s: float = 5000) -> list[SimModel]:
    models = copy.deepcopy(DEFAULT_FLEET)
    for model in models:
        model.load_time_s = load_time_s
        model.tokens_per_s = tokens_per_s
    return models


def fast_config(**overrides: Any) -> SimConfig:
    config = SimConfig(models=fast_fleet())
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


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
