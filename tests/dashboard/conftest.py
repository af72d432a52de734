"""Fixtures for the dashboard: its own simulated fleet and proxy, traffic, and a browser.

The dashboard tests inject faults and change configuration, so they never share the
session fleet of the other tests. The browser is Debian's chromium driven by Playwright.
Every page records console errors and uncaught exceptions; a test fails on any that it
did not announce with `console.expect(...)`.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import BACKEND_A, BACKEND_B
from tests.dashboard.dashhelpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TRAFFIC,
    Console,
    Fleet,
    chat,
    new_page,
    start_dashboard_proxy,
)
from tests.processes import Process, start_simulator


@pytest.fixture(scope="session")
def dash_fleet() -> Iterator[Fleet]:
    fleet = Fleet(start_simulator(BACKEND_A), start_simulator(BACKEND_B))
    yield fleet
    fleet.a.stop()
    fleet.b.stop()


@pytest.fixture(scope="session")
def dash_proxy(dash_fleet: Fleet) -> Iterator[Process]:
    """A proxy whose configuration the tests leave alone (the mutating tests start their own)."""
    proxy = start_dashboard_proxy(dash_fleet)
    yield proxy
    proxy.stop()


@pytest.fixture
def fresh_proxy(dash_fleet: Fleet) -> Iterator[Process]:
    """A proxy of its own, with its own DATA_DIR, for tests that change configuration."""
    proxy = start_dashboard_proxy(dash_fleet)
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def traffic(dash_proxy: Process, dash_fleet: Fleet) -> list[httpx.Response]:
    """Routed requests through the session proxy: one failover (an out-of-memory answer
    from the backend that has deepseek-r1) and one error (a model no backend has)."""
    fault = {"kind": "oom", "model": "deepseek-r1:latest", "times": 1}
    httpx.post(dash_fleet.a.url + "/_sim/faults", json=fault, timeout=5).raise_for_status()
    answers = [chat(dash_proxy, prompt) for prompt in TRAFFIC]
    answers.append(chat(dash_proxy, "Hello?", model="no-such-model:1b"))
    return answers


# ---------------------------------------------------------------- browser


# Module scope, not session: Playwright's sync API marks an asyncio loop as running in
# this thread until it is closed, which would break every asyncio test collected after it.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Stop collecting console errors when the test body ends (see `Console.done`)."""
    try:
        return (yield)
    finally:
        console = getattr(item, "funcargs", {}).get("console")
        if isinstance(console, Console):
            console.done = True


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
    page = new_page(browser, console)
    yield page
    page.close()
    assert console.unexpected() == [], "the page logged errors"
