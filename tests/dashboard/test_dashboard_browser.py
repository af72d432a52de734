"""The dashboard in a real browser (Debian's chromium, headless) in front of a proxy and a
simulated fleet: every tab with live data, live updates, persistence across a restart,
hostile prompts, admin token, and the layout at 1280 and 390 px.

Waits are for elements and text, never for time. Set INTELLIPROXY_SCREENSHOTS=docs/screenshots
to refresh the committed screenshots.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.dashboard.dashhelpers import (
    TABS,
    TRAFFIC,
    Console,
    Fleet,
    chat,
    new_page,
    no_horizontal_overflow,
    open_dashboard,
    screenshot_dir,
    show_tab,
    start_dashboard_proxy,
)
from tests.processes import Process

HOSTILE = '<img src=x onerror="window.__pwned=1"> and <script>window.__pwned=2</script> tell me'


def stat_total(page: Page) -> int:
    return int(page.inner_text("#stat-total .value").replace(",", ""))


def test_every_tab_renders_live_data(
    page: Page, dash_proxy: Process, dash_fleet: Fleet, traffic, tmp_path_factory
):
    shots = screenshot_dir(tmp_path_factory)
    stats = httpx.get(dash_proxy.url + "/stats", timeout=5).json()
    served = traffic[0].headers["x-intelliproxy-model"]
    open_dashboard(page, dash_proxy)
    expect(page.locator("#router-status")).to_have_text("healthy")

    checks = {
        "status": lambda: (
            [
                expect(page.locator(f'#backends tr[data-backend="{url}"]')).to_contain_text(
                    "healthy"
                )
                for url in dash_fleet.urls
            ]
            + [expect(page.locator("#loaded tr[data-model]").first).to_be_visible()]
        ),
        "models": lambda: [
            expect(page.locator('#panel-models tr[data-model="qwen2.5-coder:7b"]')).to_contain_text(
                "code"
            ),
            expect(page.locator('#panel-models tr[data-model="qwen2.5-coder:7b"]')).to_contain_text(
                "operator"
            ),
            expect(
                page.locator('#panel-models tr[data-model="nomic-embed-text:latest"]')
            ).to_contain_text("embedding"),
        ],
        "statistics": lambda: [
            expect(page.locator("#stat-total .value")).to_have_text(str(stats["total_requests"])),
            expect(page.locator("#stat-fallbacks .value")).to_have_text(str(stats["fallbacks"])),
            expect(page.locator("#chart-timeline svg circle").first).to_be_attached(),
            expect(page.locator("#chart-categories")).to_contain_text("code"),
            expect(page.locator("#chart-tps")).to_contain_text(served),
            expect(page.locator("#chart-latency")).to_contain_text(served),
        ],
        "config": lambda: [
            expect(page.locator('#chains input[name="model"]').first).to_have_value(
                re.compile(r"\S")
            ),
            expect(page.locator('#backends-config input[name="url"]').first).to_have_value(
                dash_fleet.a.url
            ),
            expect(page.locator("#timeout-form input")).to_have_value(re.compile(r"^\d")),
        ],
        "api": lambda: [
            expect(page.locator("#api-base")).to_have_text(f"http://127.0.0.1:{dash_proxy.port}")
        ],
        "debug": lambda: [
            expect(page.locator("#request-log")).to_contain_text(TRAFFIC[0]),
            expect(page.locator("#request-log")).to_contain_text("fallback"),
            expect(page.locator("#request-log")).to_contain_text("no-such-model:1b"),
        ],
        "airllm": lambda: [
            expect(page.locator('#airllm-models tr[data-model="qwen2.5:7b"]')).to_be_visible(),
            expect(page.locator('#airllm-service input[name="host"]')).to_have_value("airllm"),
        ],
    }
    for tab in TABS:
        show_tab(page, tab)
        checks[tab]()
        no_horizontal_overflow(page)
        page.screenshot(path=str(shots / f"{tab}.png"))
    # The page never reloaded: the polling updated it in place.
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_api_examples_use_the_api_port_and_run_read_only_ones(page: Page, dash_proxy: Process):
    open_dashboard(page, dash_proxy, "api")
    web_port = dash_proxy.extra["web_url"].rsplit(":", 1)[1]
    health = page.locator('[data-endpoint="GET /health"]')
    expect(health.locator("pre.curl")).to_have_text(
        f"curl -s http://127.0.0.1:{dash_proxy.port}/health"
    )
    curls = page.locator("pre.curl").all_inner_texts()
    assert len(curls) > 20 and all(f":{dash_proxy.port}/" in c for c in curls)
    assert not any(f":{web_port}" in c for c in curls)
    health.get_by_role("button", name="Run").click()
    expect(health.locator("pre.output")).to_contain_text("HTTP 200")
    expect(health.locator("pre.output")).to_contain_text('"status": "healthy"')
    classify = page.locator('[data-endpoint="POST /classify"]')
    classify.get_by_role("button", name="Run").click()
    expect(classify.locator("pre.output")).to_contain_text('"category": "code"')
    # Copy puts the exact command on the clipboard.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    health.get_by_role("button", name="Copy").click()
    expect(health.get_by_role("button", name="Copied")).to_be_visible()
    assert (
        page.evaluate("navigator.clipboard.readText()") == health.locator("pre.curl").inner_text()
    )


def test_a_routed_request_shows_up_live_in_debug_and_statistics(page: Page, dash_proxy: Process):
    open_dashboard(page, dash_proxy, "statistics")
    expect(page.locator("#stat-total .value")).to_have_text(re.compile(r"^\d"))
    before = stat_total(page)
    show_tab(page, "debug")
    prompt = f"Write a SQL query that counts orders per customer ({uuid.uuid4().hex[:8]})"
    answer = chat(dash_proxy, prompt)
    assert answer.status_code == 200
    model = answer.headers["x-intelliproxy-model"]
    row = page.locator("#request-log tbody tr").filter(has_text=prompt)
    expect(row).to_be_visible()  # no reload: the next poll brings it
    expect(row).to_contain_text(model)
    expect(row).to_contain_text(answer.headers["x-intelliproxy-category"])
    expect(row).to_contain_text("200")
    show_tab(page, "statistics")
    expect(page.locator("#stat-total .value")).to_have_text(str(before + 1))
    # …and while it is open, the next request moves it again.
    assert chat(dash_proxy, "What is 2 + 2?").status_code == 200
    expect(page.locator("#stat-total .value")).to_have_text(str(before + 2))
    expect(page.locator("#chart-models")).to_contain_text(model)
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_hostile_prompts_are_shown_as_text_and_run_nothing(page: Page, dash_proxy: Process):
    assert chat(dash_proxy, HOSTILE).status_code == 200
    open_dashboard(page, dash_proxy, "debug")
    cell = page.locator("#request-log td.prompt").filter(has_text="window.__pwned=2")
    expect(cell).to_have_text(HOSTILE)  # literally, tags and all
    assert page.locator("#request-log img, #request-log script").count() == 0
    # The classify box echoes nothing as markup either.
    page.fill("#classify-prompt", HOSTILE)
    page.get_by_role("button", name="Classify").click()
    expect(page.locator("#classify-result")).to_contain_text("Planned attempts")
    # Let a few polling rounds re-render the table; the handler must still never run.
    shown = page.inner_text("#live")
    page.wait_for_function("t => document.querySelector('#live').textContent !== t", arg=shown)
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_classify_box_explains_the_decision(page: Page, console: Console, dash_proxy: Process):
    open_dashboard(page, dash_proxy, "debug")
    page.fill("#classify-prompt", "Write a Python function that reverses a string")
    page.get_by_role("button", name="Classify").click()
    result = page.locator("#classify-result")
    expect(result).to_contain_text("code")
    expect(result).to_contain_text("qwen2.5-coder:7b")
    expect(result.locator("ol li").first).to_be_visible()
    console.expect(r"status of 400")
    page.fill("#classify-prompt", "   ")
    page.get_by_role("button", name="Classify").click()
    expect(page.locator("#classify-form .msg.error")).to_contain_text("prompt is required")


def test_fallbacks_timeout_and_preference_are_edited_and_survive_a_restart(
    browser: Browser, console: Console, dash_fleet: Fleet, fresh_proxy: Process
):
    data_dir = Path(fresh_proxy.extra["data_dir"])
    page = new_page(browser, console)
    open_dashboard(page, fresh_proxy, "config")
    chains = page.locator("#chains")
    row = chains.locator('tr.chain[data-model="deepseek-r1:latest"]')
    row.locator('input[name="fallback"]').fill("qwen2.5-coder:7b")  # edit
    chains.locator('tr.chain[data-model="llava:latest"]').get_by_role(
        "button", name="Remove"
    ).click()
    page.click("#chain-add")  # add
    chains.locator('tr.chain:last-child input[name="model"]').fill("llama2-uncensored:latest")
    chains.locator('tr.chain:last-child input[name="fallback"]').fill("mistral:latest")
    page.click("#chains-save")
    expect(page.locator("#chains-note")).to_contain_text("Saved")
    saved = json.loads((data_dir / "router_config.json").read_text())["fallbacks"]
    assert saved["deepseek-r1:latest"] == "qwen2.5-coder:7b"
    assert saved["llama2-uncensored:latest"] == "mistral:latest"
    assert "llava:latest" not in saved

    # A loop is refused by the server; its message is shown next to the table.
    console.expect(r"status of 400")
    page.click("#chain-add")
    chains.locator('tr.chain:last-child input[name="model"]').fill("qwen2.5:7b")
    chains.locator('tr.chain:last-child input[name="fallback"]').fill("mistral:latest")
    page.click("#chains-save")
    note = page.locator("#chains-note")
    expect(note).to_contain_text("loops")
    expect(note).to_contain_text("qwen2.5:7b")
    expect(note).to_have_attribute("role", "alert")
    assert json.loads((data_dir / "router_config.json").read_text())["fallbacks"] == saved
    # So is a chain without a fallback, before anything is sent.
    chains.locator('tr.chain:last-child input[name="fallback"]').fill("")
    page.click("#chains-save")
    expect(note).to_contain_text("needs both")
    expect(chains.locator('tr.chain:last-child input[name="fallback"]')).to_have_attribute(
        "aria-invalid", "true"
    )
    page.fill("#timeout-form input", "300")
    page.click("#timeout-form button[type=submit]")
    expect(page.locator("#timeout-form .msg")).to_contain_text("Saved: 300 s")
    expect(page.locator('#routing-form input[value="balanced"]')).to_be_checked()
    page.check('#routing-form input[value="speed"]')
    page.click("#routing-form button[type=submit]")
    expect(page.locator("#routing-note")).to_have_text("Saved: speed.")
    assert json.loads((data_dir / "router_config.json").read_text())["routing_preference"] == (
        "speed"
    )

    # Restart the proxy process on the same DATA_DIR: the dashboard shows what was saved.
    # An open, polling dashboard must not hold the shutdown up (no long-lived streams).
    show_tab(page, "status")
    console.expect("ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE")
    started = time.monotonic()
    assert fresh_proxy.stop() == 0
    assert time.monotonic() - started < 3
    expect(page.locator("#live")).to_have_text("connection lost — retrying…")
    page.close()
    restarted = start_dashboard_proxy(dash_fleet, data_dir=str(data_dir))
    try:
        page = new_page(browser, console)
        open_dashboard(page, restarted, "config")
        models = page.locator('#chains input[name="model"]')
        expect(models.first).to_be_visible()
        pairs = dict(
            zip(
                models.evaluate_all("els => els.map(e => e.value)"),
                page.locator('#chains input[name="fallback"]').evaluate_all(
                    "els => els.map(e => e.value)"
                ),
                strict=True,
            )
        )
        assert pairs == saved
        expect(page.locator("#timeout-form input")).to_have_value("300")
        expect(page.locator('#routing-form input[value="speed"]')).to_be_checked()
        page.close()
    finally:
        restarted.stop()
    assert console.unexpected() == []


def test_backend_memory_budget_is_saved_and_shown_on_status(
    browser: Browser, console: Console, fresh_proxy: Process
):
    data_dir = Path(fresh_proxy.extra["data_dir"])
    page = new_page(browser, console)
    open_dashboard(page, fresh_proxy, "config")
    first = page.locator("#backends-config tr.backend").first
    expect(first.locator('input[name="url"]')).not_to_have_value("")
    first.locator('input[name="memory_budget"]').fill("8")
    page.click("#backends-save")
    expect(page.locator("#backends-note")).to_contain_text("Saved")
    saved = json.loads((data_dir / "router_config.json").read_text())["backends"]
    assert saved[0]["memory_budget"] == 8_000_000_000
    assert httpx.get(fresh_proxy.url + "/health").json()["backends"][0]["memory_budget"] == (
        8_000_000_000
    )
    show_tab(page, "status")
    url = saved[0]["url"]
    expect(page.locator(f'#backends tr[data-backend="{url}"] [data-memory]')).to_contain_text(
        "of 8.0 GB budget"
    )
    page.close()
    assert console.unexpected() == []


def test_models_are_edited_into_models_json_and_refreshed(
    page: Page, console: Console, fresh_proxy: Process
):
    open_dashboard(page, fresh_proxy, "models")
    row = page.locator('#panel-models tr[data-model="llava:latest"]')
    expect(row).to_contain_text("vision")
    row.get_by_role("button", name="Edit").click()
    editor = page.locator("#model-editor")
    console.expect(r"status of 400")
    editor.locator('input[name="speed"]').fill("11")
    editor.get_by_role("button", name="Save").click()
    expect(editor.locator(".msg.error")).to_contain_text("speed")
    editor.locator('input[name="speed"]').fill("6")
    editor.locator('input[name="complexity"]').fill("8")
    editor.get_by_label("general").check()
    editor.get_by_role("button", name="Save").click()
    expect(editor).to_have_count(0)
    expect(row.locator(".meter").nth(1)).to_contain_text("8")
    expect(row).to_contain_text("general")
    stored = json.loads((Path(fresh_proxy.extra["data_dir"]) / "models.json").read_text())
    assert stored["llava:latest"]["complexity"] == 8
    assert stored["llava:latest"]["speed"] == 6
    assert set(stored["llava:latest"]["preferred_for"]) == {"vision", "general"}
    page.click("#models-refresh")
    expect(page.locator("#panel-models .msg.ok")).to_contain_text("Refreshed: 8 models")


def test_airllm_tab_saves_target_service_and_model_toggles(
    page: Page, console: Console, fresh_proxy: Process
):
    open_dashboard(page, fresh_proxy, "airllm")
    service = page.locator("#airllm-service")
    console.expect(r"status of 400")
    service.locator('input[name="port"]').fill("70000")
    service.get_by_role("button", name="Save service").click()
    expect(service.locator(".msg.error")).to_contain_text("port")
    expect(service.locator('input[name="port"]')).to_have_attribute("aria-invalid", "true")
    service.locator('input[name="host"]').fill("airllm.lan")
    service.locator('input[name="port"]').fill("9996")
    page.check("#airllm-enabled")
    service.get_by_role("button", name="Save service").click()
    expect(service.locator(".msg.ok")).to_contain_text("enabled at airllm.lan:9996")
    page.get_by_role("switch", name="AirLLM for qwen2.5:7b").check()
    expect(page.locator("#airllm-models .msg.ok")).to_contain_text("qwen2.5:7b: AirLLM on")
    config = httpx.get(fresh_proxy.url + "/config/airllm", timeout=5).json()
    assert config["airllm_enabled"] is True and config["airllm_host"] == "airllm.lan"
    assert config["model_airllm_settings"] == {"qwen2.5:7b": True}
    target = page.locator("#airllm-ollama")
    target.locator('input[name="host"]').fill("not a host")
    target.get_by_role("button", name="Save target").click()
    expect(target.locator(".msg.error")).to_contain_text("host")
    show_tab(page, "status")
    expect(page.locator("#panel-status")).to_contain_text("Models through AirLLM")


def test_narrow_screen_every_tab_reachable_without_horizontal_scroll(
    browser: Browser, console: Console, dash_proxy: Process, traffic, tmp_path_factory
):
    page = new_page(browser, console, width=390, height=844)
    open_dashboard(page, dash_proxy)
    for tab in TABS:  # the tab bar wraps: every tab is on screen without scrolling
        box = page.locator(f"#tab-{tab}").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 391, tab
    for tab in TABS:
        show_tab(page, tab)
        expect(page.locator(f"#panel-{tab} .card").first).to_be_visible()
        no_horizontal_overflow(page)
    show_tab(page, "status")
    expect(page.locator("#backends tr[data-backend]").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir(tmp_path_factory) / "status-narrow.png"))
    page.close()
    assert console.unexpected() == []


@pytest.fixture
def token_proxy(dash_fleet: Fleet):
    proxy = start_dashboard_proxy(dash_fleet, env={"ADMIN_TOKEN": "s3cret-token"})
    yield proxy
    proxy.stop()


def test_admin_token_is_asked_once_sent_on_changes_and_reasked_after_401(
    page: Page, console: Console, token_proxy: Process
):
    sent: list[str | None] = []
    page.on(
        "request",
        lambda r: (
            sent.append(r.headers.get("authorization"))
            if r.url.endswith("/requests/clear")
            else None
        ),
    )
    chat(token_proxy, "hello there")
    page.goto(token_proxy.extra["web_url"] + "/#debug")
    dialog = page.locator("#token-dialog")
    expect(dialog).to_be_visible()  # asked once, on arrival
    page.fill("#token-input", "wrong-token")
    page.keyboard.press("Enter")  # Enter means "use token", not cancel
    expect(dialog).to_be_hidden()
    # The dialog's "close" event (which stores the token) is a queued task: it may run
    # just after the dialog is hidden, so wait for it rather than read at once.
    page.wait_for_function(
        "sessionStorage.getItem('intelliproxy.adminToken') === 'wrong-token'", timeout=5000
    )
    expect(page.locator("#request-log tbody tr")).to_have_count(1)

    console.expect(r"status of 401")
    page.click("#requests-clear")
    expect(dialog).to_be_visible()  # the 401 asks again
    expect(page.locator("#token-error")).to_contain_text("needs the admin token")
    page.fill("#token-input", "s3cret-token")
    page.click("#token-save")
    expect(page.locator("#request-log .msg.ok")).to_have_text("Request log cleared.")
    expect(page.locator("#request-log")).to_contain_text("No requests yet")
    assert sent == ["Bearer wrong-token", "Bearer s3cret-token"]

    # Stored for the tab: the next change does not ask.
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    show_tab(page, "statistics")
    page.click("#stats-reset")
    page.click("#stats-reset")
    expect(page.locator("#panel-statistics .msg.ok")).to_have_text("Statistics reset.")
    expect(dialog).to_be_hidden()

    # Cancelling the dialog leaves the change undone and says so.
    page.evaluate("sessionStorage.clear()")
    page.click("#stats-reset")
    page.click("#stats-reset")
    expect(dialog).to_be_visible()
    page.click("#token-cancel")
    expect(page.locator("#panel-statistics .msg.error")).to_contain_text("admin token is required")
