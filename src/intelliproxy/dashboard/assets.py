"""The dashboard's static files: read once at start-up, served from memory.

Caching scheme:

* `index.html` is answered with `Cache-Control: no-cache` (always revalidated, 304 when
  unchanged) and names every other asset under `/assets/<version>/…`, where `<version>` is
  a hash of all static files. A new release therefore changes every asset URL, and the
  assets themselves can be cached for a year (`public, max-age=31536000, immutable`).
  Relative ES-module imports inherit the versioned prefix, so no build step is needed.
* Every response carries a strong ETag (a hash of its bytes); `If-None-Match` gets a 304.

Files are looked up in a dictionary built from the package's `static/` folder, so a request
path can never reach a file outside it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from ..api.http import Request, Send

VERSION_MARK = "{{version}}"
INDEX = "index.html"
CONTENT_TYPES = {
    ".html": b"text/html; charset=utf-8",
    ".js": b"text/javascript; charset=utf-8",
    ".css": b"text/css; charset=utf-8",
    ".svg": b"image/svg+xml",
    ".png": b"image/png",
    ".ico": b"image/x-icon",
    ".json": b"application/json; charset=utf-8",
    ".txt": b"text/plain; charset=utf-8",
}
IMMUTABLE = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"
# The page renders user data (prompts) with textContent only; this makes sure nothing that
# slipped into the DOM could run anyway.
CSP = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    b"frame-ancestors 'none'"
)
COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: bytes
    etag: bytes


def _asset(name: str, body: bytes) -> Asset:
    suffix = name[name.rfind(".") :] if "." in name else ""
    content_type = CONTENT_TYPES.get(suffix.lower(), b"application/octet-stream")
    etag = b'"' + hashlib.sha256(body).hexdigest()[:20].encode() + b'"'
    return Asset(body, content_type, etag)


def _walk(folder: Traversable, prefix: str = "") -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for entry in folder.iterdir():
        if entry.name.startswith((".", "__")):
            continue
        name = prefix + entry.name
        if entry.is_dir():
            files.update(_walk(entry, name + "/"))
        else:
            files[name] = entry.read_bytes()
    return files


class Assets:
    """Every static file by relative name ("js/main.js"), plus the rendered index page."""

    def __init__(self, files: dict[str, bytes]) -> None:
        if INDEX not in files:
            raise FileNotFoundError(f"the dashboard's {INDEX} is missing from the package")
        digest = hashlib.sha256()
        for name in sorted(files):
            digest.update(name.encode() + b"\0" + files[name] + b"\0")
        self.version = digest.hexdigest()[:12]
        self.files = {name: _asset(name, body) for name, body in files.items() if name != INDEX}
        page = files[INDEX].decode("utf-8").replace(VERSION_MARK, self.version)
        self.index = _asset(INDEX, page.encode("utf-8"))

    @classmethod
    def from_package(cls) -> Assets:
        return cls(_walk(resources.files("intelliproxy.dashboard") / "static"))

    def lookup(self, path: str) -> tuple[Asset, bytes] | None:
        """The asset for a request path and its Cache-Control value, or None."""
        if path in ("/", "/" + INDEX):
            return self.index, REVALIDATE
        if path.startswith("/assets/"):
            version, _, name = path[len("/assets/") :].partition("/")
            asset = self.files.get(name)
            if asset is None:
                return None
            # A page from an older release asking for its version gets today's file,
            # but must not keep it for a year.
            return asset, IMMUTABLE if version == self.version else REVALIDATE
        if path == "/favicon.ico":  # browsers ask for it whatever the page says
            asset = self.files.get("favicon.svg")
            return (asset, REVALIDATE) if asset else None
        return None


def _etag_matches(header: bytes | None, etag: bytes) -> bool:
    if header is None:
        return False
    if header.strip() == b"*":
        return True
    candidates = (part.strip() for part in header.split(b","))
    return any(c.removeprefix(b"W/") == etag for c in candidates)


async def send_asset(request: Request, send: Send, asset: Asset, cache_control: bytes) -> None:
    headers = [
        (b"etag", asset.etag),
        (b"cache-control", cache_control),
        *COMMON_HEADERS,
    ]
    if asset.content_type.startswith(b"text/html"):
        headers.append((b"content-security-policy", CSP))
    if _etag_matches(request.header(b"if-none-match"), asset.etag):
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    headers[:0] = [
        (b"content-type", asset.content_type),
        (b"content-length", str(len(asset.body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send(
        {"type": "http.response.body", "body": b"" if request.method == "HEAD" else asset.body}
    )
