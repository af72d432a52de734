"""Shared fixtures: real simulator and proxy processes on loopback.

The session fleet is two simulated backends (a model on both, the rest split), and one proxy
in front of them. Tests that inject faults or need special inventories start their own
processes, so a fault never leaks into another test.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.processes import Process, start_proxy, start_simulator
from tests.recording_upstream import RecordingUpstream

BACKEND_A = ("qwen2.5:7b", "qwen2.5-coder:7b", "deepseek-r1:latest", "nomic-embed-text:latest")
BACKEND_B = (
    "qwen2.5:7b",
    "llava:latest",
    "nemotron-3-nano:latest",
    "mistral:latest",
    "llama2-uncensored:latest",
)


@pytest.fixture(scope="session")
def fleet() -> Iterator[tuple[Process, Process]]:
    a, b = start_simulator(BACKEND_A), start_simulator(BACKEND_B)
    yield a, b
    a.stop()
    b.stop()


@pytest.fixture(scope="session")
def proxy(fleet: tuple[Process, Process]) -> Iterator[Process]:
    process = start_proxy([s.url for s in fleet])
    wait_for_inventory(process.url, len(BACKEND_A) + len(BACKEND_B) - 1)
    yield process
    process.stop()


@pytest.fixture
def recorder() -> Iterator[RecordingUpstream]:
    upstream = RecordingUpstream()
    yield upstream
    upstream.stop()


@pytest.fixture
def recorded_proxy(recorder: RecordingUpstream) -> Iterator[tuple[Process, RecordingUpstream]]:
    process = start_proxy([recorder.url])
    wait_for_inventory(process.url, 1)
    yield process, recorder
    process.stop()


def wait_for_inventory(url: str, models: int, timeout: float = 15.0) -> None:
    """Wait until the proxy's /health counts `models` real models."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=2).json().get("models_available", 0) >= models:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"proxy at {url} never saw {models} models")


def sim_requests(sim: Process) -> list[dict]:
    return httpx.get(sim.url + "/_sim/requests", timeout=5).json()["requests"]


def clear_sim(sim: Process) -> None:
    httpx.delete(sim.url + "/_sim/requests", timeout=5)
    httpx.delete(sim.url + "/_sim/faults", timeout=5)
