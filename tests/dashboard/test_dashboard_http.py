"""The dashboard port over plain HTTP: static files (types, caching, ETags), the page
config, the same-origin management routes, and the cross-site guard on changes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from intelliproxy.dashboard.assets import CSP, Assets
from tests.processes import Process

STATIC = Path(__file__).parents[2] / "src" / "intelliproxy" / "dashboard" / "static"


def web(proxy: Process, path: str, **kwargs) -> httpx.Response:
    return httpx.get(proxy.extra["web_url"] + path, timeout=10, **kwargs)


def asset_paths(proxy: Process) -> dict[str, str]:
    """What index.html links: "css/app.css" -> "/assets/<version>/css/app.css"."""
    page = web(proxy, "/").text
    return {m[1]: m[0] for m in re.findall(r'"(/assets/[0-9a-f]{12}/([^"]+))"', page)}


def test_index_is_html_revalidated_and_locked_down_by_csp(dash_proxy):
    r = web(dash_proxy, "/")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["cache-control"] == "no-cache"
    csp = r.headers["content-security-policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
    ):
        assert directive in csp
    assert csp == CSP.decode()
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "{{version}}" not in r.text
    # Nothing inline that the policy would block: no inline script, no style attributes.
    assert not re.search(r"<script(?![^>]*\bsrc=)", r.text)
    assert "style=" not in r.text and "<style" not in r.text
    etag = r.headers["etag"]
    again = web(dash_proxy, "/index.html", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    head = httpx.head(dash_proxy.extra["web_url"] + "/", timeout=5)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == r.headers["content-length"]


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("js/main.js", "text/javascript; charset=utf-8"),
        ("css/app.css", "text/css; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
def test_versioned_assets_are_cached_for_a_year_with_etags(dash_proxy, name, content_type):
    path = asset_paths(dash_proxy)[name]
    r = web(dash_proxy, path)
    assert r.status_code == 200
    assert r.headers["content-type"] == content_type
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.content == (STATIC / name).read_bytes()
    etag = r.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{20}"', etag)
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        cached = web(dash_proxy, path, headers={"If-None-Match": header})
        assert cached.status_code == 304 and cached.content == b""
        assert cached.headers["cache-control"] == r.headers["cache-control"]
    assert web(dash_proxy, path, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_every_module_the_page_imports_is_served(dash_proxy):
    """Follow the ES-module imports from main.js: a missing file would break the page."""
    base = asset_paths(dash_proxy)["js/main.js"].removesuffix("main.js")
    todo, seen = ["main.js"], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        r = web(dash_proxy, base + name)
        assert r.status_code == 200, name
        assert r.headers["content-type"] == "text/javascript; charset=utf-8"
        folder = name.rpartition("/")[0]
        for target in re.findall(r'from "(\.{1,2}/[^"]+)"', r.text):
            parts = [*(folder.split("/") if folder else []), *target.split("/")]
            resolved: list[str] = []
            for part in parts:
                if part == "..":
                    resolved.pop()
                elif part != ".":
                    resolved.append(part)
            todo.append("/".join(resolved))
    assert {"main.js", "api.js", "dom.js", "charts.js", "tabs/debug.js"} <= seen


def test_an_old_version_gets_todays_file_without_long_caching(dash_proxy):
    r = web(dash_proxy, "/assets/000000000000/js/main.js")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    [
        "/assets/x/nope.js",
        "/assets/x/../app.py",
        "/assets/x/%2e%2e/%2e%2e/app.py",
        "/assets/x/..%2fassets.py",
        "/static/index.html",
        "/app.py",
    ],
)
def test_unknown_paths_are_404_and_nothing_outside_static_is_reachable(dash_proxy, path):
    r = httpx.get(dash_proxy.extra["web_url"] + path, timeout=5)
    assert r.status_code == 404
    assert "import" not in r.text


def test_favicon_ico_is_the_svg(dash_proxy):
    r = web(dash_proxy, "/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"


def test_page_config_points_curl_examples_at_the_api_port_of_the_host_used(dash_proxy):
    r = web(dash_proxy, "/dashboard/config.json")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    config = r.json()
    assert config["api_base"] == f"http://127.0.0.1:{dash_proxy.port}"
    assert config["auth"] == "loopback"
    assert config["categories"][:3] == ["code", "reasoning", "general"]
    assert config["poll_interval_ms"] == 2000
    other = web(dash_proxy, "/dashboard/config.json", headers={"Host": "gpu-box.lan:9999"})
    assert other.json()["api_base"] == f"http://gpu-box.lan:{dash_proxy.port}"
    ipv6 = web(dash_proxy, "/dashboard/config.json", headers={"Host": "[::1]:9999"})
    assert ipv6.json()["api_base"] == f"http://[::1]:{dash_proxy.port}"
    odd = web(dash_proxy, "/dashboard/config.json", headers={"Host": "a b<c>"})
    assert odd.json()["api_base"] == f"http://localhost:{dash_proxy.port}"


def test_management_and_inventory_routes_are_served_same_origin(dash_proxy):
    for path in ("/health", "/stats", "/requests", "/models", "/config/fallbacks", "/api/ps"):
        r = web(dash_proxy, path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("application/json"), path
    names = [m["name"] for m in web(dash_proxy, "/api/tags").json()["models"]]
    assert "IntelliProxyLLM" in names and "qwen2.5:7b" in names
    assert web(dash_proxy, "/api/version").json()["version"]
    assert web(dash_proxy, "/models/code").json()["category"] == "code"
    assert web(dash_proxy, "/metrics").headers["content-type"].startswith("text/plain")
    # The dashboard is not a second inference port.
    chat = httpx.post(dash_proxy.extra["web_url"] + "/api/chat", json={}, timeout=5)
    assert chat.status_code == 404
    assert httpx.post(dash_proxy.extra["web_url"] + "/stats", timeout=5).status_code == 405
    classified = httpx.post(
        dash_proxy.extra["web_url"] + "/classify", json={"prompt": "Write a function"}, timeout=5
    )
    assert classified.status_code == 200 and classified.json()["category"] == "code"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 200),  # curl on this machine
        ({"Origin": "{web}", "Sec-Fetch-Site": "same-origin"}, 200),  # the dashboard itself
        ({"Origin": "http://evil.example"}, 403),
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Sec-Fetch-Site": "same-site"}, 403),
        ({"Host": "evil.example:{port}"}, 403),  # DNS rebinding onto 127.0.0.1
        ({"Host": "localhost:{port}", "Origin": "http://localhost:{port}"}, 200),
    ],
)
def test_changes_from_other_sites_are_refused(dash_proxy, headers, status):
    web_url = dash_proxy.extra["web_url"]
    port = web_url.rsplit(":", 1)[1]
    headers = {k: v.format(web=web_url, port=port) for k, v in headers.items()}
    r = httpx.post(web_url + "/requests/clear", headers=headers, timeout=5)
    assert r.status_code == status, r.text
    if status == 403:
        assert "refused" in r.json()["error"] or "DNS rebinding" in r.json()["error"]


def test_static_code_never_builds_html_from_strings():
    """User data (prompts) is rendered with text nodes only; keep it that way."""
    for path in STATIC.rglob("*.js"):
        code = path.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in code, f"{path.name} uses {sink}"


def test_the_built_package_carries_every_static_file(tmp_path):
    """What setuptools puts in a wheel (build_py with the pyproject's package data)."""
    root = Path(__file__).parents[2]
    shutil.copytree(root / "src", tmp_path / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, tmp_path / name)
    build = [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py"]
    subprocess.run([*build, "--build-lib", str(tmp_path / "lib")], cwd=tmp_path, check=True)
    built = tmp_path / "lib" / "intelliproxy" / "dashboard" / "static"
    expected = {p.relative_to(STATIC) for p in STATIC.rglob("*") if p.is_file()}
    assert {p.relative_to(built) for p in built.rglob("*") if p.is_file()} == expected
    probe = (
        "import intelliproxy, sys; from intelliproxy.dashboard.assets import Assets; "
        "a = Assets.from_package(); print(intelliproxy.__file__); print(len(a.files))"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, 'lib'); {probe}"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert out[0].startswith(str(tmp_path / "lib"))
    assert int(out[1]) == len(expected) - 1  # everything but index.html, which is rendered


def test_asset_version_follows_the_content():
    files = {"index.html": b"<script src=/assets/{{version}}/a.js>", "a.js": b"1"}
    first = Assets(files)
    second = Assets({**files, "a.js": b"2"})
    assert first.version != second.version
    assert first.version.encode() in first.index.body
    found = first.lookup(f"/assets/{first.version}/a.js")
    assert found is not None and found[0].body == b"1"
    assert first.lookup("/assets/x/missing.js") is None
    with pytest.raises(FileNotFoundError):
        Assets({"a.js": b""})
