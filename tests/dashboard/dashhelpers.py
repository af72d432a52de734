"""Helpers of the dashboard tests: the fleet, traffic, pages and layout checks."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page

from tests.conftest import BACKEND_A, BACKEND_B, wait_for_inventory
from tests.processes import Process, start_proxy

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
MODELS = len(set(BACKEND_A) | set(BACKEND_B))
TABS = ("status", "models", "statistics", "config", "api", "debug", "airllm")
# Prompts that give every chart something to show: several categories and complexities.
TRAFFIC = (
    "Write a Python function that reverses a string",
    "Fix this bug: TypeError: 'NoneType' object is not subscriptable in my parser",
    "Prove that the square root of 2 is irrational, step by step",
    "Compare the trade-offs of optimistic and pessimistic locking in databases",
    "What is the capital of France?",
    "Write a short poem about autumn leaves",
    "hi",
    "Summarise the plot of Hamlet in three sentences",
    "Refactor this JavaScript class to use async/await instead of callbacks",
    "Explain why the sky is blue",
)


@dataclass
class Fleet:
    a: Process
    b: Process

    @property
    def urls(self) -> list[str]:
        return [self.a.url, self.b.url]


def start_dashboard_proxy(fleet: Fleet, **kwargs) -> Process:
    proxy = start_proxy(fleet.urls, **kwargs)
    wait_for_inventory(proxy.url, MODELS)
    return proxy


def chat(proxy: Process, prompt: str, model: str = "IntelliProxyLLM") -> httpx.Response:
    body = {"model": model, "stream": False, "messages": [{"role": "user", "content": prompt}]}
    return httpx.post(proxy.url + "/api/chat", json=body, timeout=30)


@dataclass
class Console:
    """Console errors and page exceptions seen by one page."""

    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)
    done: bool = False  # set when the test body ends: fixtures' teardown may stop the proxy
    # under a page that is still polling, and that is not the page's fault

    def record(self, text: str) -> None:
        if not self.done:
            self.errors.append(text)

    def expect(self, pattern: str) -> None:
        """Announce an error the test provokes on purpose (e.g. Chrome logging a 400)."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


def new_page(browser: Browser, console: Console, width: int = 1280, height: int = 800) -> Page:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(10_000)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console.record(f"console: {message.text} @ {message.location.get('url')}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console.record(f"pageerror: {error}"))
    return page


def open_dashboard(page: Page, proxy: Process, tab: str = "status") -> Page:
    page.goto(f"{proxy.extra['web_url']}/#{tab}")
    page.wait_for_selector("body[data-ready=true]")
    return page


def show_tab(page: Page, tab: str) -> None:
    page.click(f"#tab-{tab}")
    page.wait_for_selector(f"#panel-{tab}:not([hidden])")
    assert page.get_attribute(f"#tab-{tab}", "aria-selected") == "true"


def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """INTELLIPROXY_SCREENSHOTS=docs/screenshots refreshes the committed pictures."""
    wanted = os.environ.get("INTELLIPROXY_SCREENSHOTS")
    path = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def no_horizontal_overflow(page: Page) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner + 1, f"the page is {width}px wide in a {inner}px window"
