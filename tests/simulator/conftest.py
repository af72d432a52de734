"""Fixtures: simulators on loopback port 0, tuned to load fast so the suite stays quick."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from intelliproxy.simulator import DEFAULT_FLEET, SimConfig, SimModel
from intelliproxy.simulator.server import RunningSimulator, ThreadedSimulator, run_in_thread, start

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


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    server = await start(fast_config())
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def client(sim: RunningSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sim.url, timeout=10) as http:
        yield http


@pytest.fixture
def threaded_sim() -> Iterator[ThreadedSimulator]:
    server = run_in_thread(fast_config())
    try:
        yield server
    finally:
        server.stop()
