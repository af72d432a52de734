"""Fixtures: simulators on loopback port 0, tuned to load fast so the suite stays quick."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from intelliproxy.simulator.server import RunningSimulator, ThreadedSimulator, run_in_thread, start
from tests.simulator.simhelpers import fast_config


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
