"""The Ollama backends the proxy talks to, and what each of them has right now.

Each `Backend` owns a connection pool and an inventory refreshed from its `/api/tags` and
`/api/ps` in the background, so routing decisions read memory, never the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

import orjson

from ..routing.types import BackendView, FleetSnapshot
from .http1 import ConnectionPool, UpstreamError

log = logging.getLogger("intelliproxy.backends")

_JSON_HEADERS = [(b"Accept", b"application/json")]


def canonical_model(name: str) -> str:
    """Ollama's lookup key: case-insensitive, `:latest` implied when no tag is given."""
    name = name.strip().lower()
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else name + ":latest"


class BackendState(StrEnum):
    UNKNOWN = "unknown"  # not probed yet
    HEALTHY = "healthy"
    UNREACHABLE = "unreachable"


@dataclass
class Inventory:
    """What one backend reported at its last refresh."""

    tags: list[dict] = field(default_factory=list)  # raw /api/tags entries
    ps: list[dict] = field(default_factory=list)  # raw /api/ps entries
    models: dict[str, str] = field(default_factory=dict)  # canonical -> name as installed
    loaded: frozenset[str] = frozenset()  # canonical names resident now
    shows: dict[str, dict] = field(default_factory=dict)  # /api/show answers by name
    version: str | None = None
    refreshed_at: float = 0.0


class Backend:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.url = url
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 11434
        # A base path (Ollama behind a reverse proxy at /ollama) is kept in every request.
        self.base_path = parts.path.rstrip("/").encode()
        self.pool = ConnectionPool(self.host, self.port)
        self.state = BackendState.UNKNOWN
        self.inventory = Inventory()
        self.in_flight = 0
        self.last_error: str | None = None

    def __repr__(self) -> str:
        return f"Backend({self.url!r}, {self.state.value})"

    def target(self, path_and_query: bytes) -> bytes:
        return self.base_path + path_and_query

    def has_model(self, name: str) -> bool:
        return canonical_model(name) in self.inventory.models

    def installed_name(self, name: str) -> str | None:
        return self.inventory.models.get(canonical_model(name))

    def is_loaded(self, name: str) -> bool:
        return canonical_model(name) in self.inventory.loaded

    @property
    def available(self) -> bool:
        return self.state is not BackendState.UNREACHABLE

    async def get_json(self, path: str, timeout: float = 5.0) -> dict:
        async def fetch() -> bytes:
            response = await self.pool.request("GET", self.target(path.encode()), _JSON_HEADERS)
            body = await response.read()
            if response.status != 200:
                raise UpstreamError(f"{self.url}{path} answered {response.status}")
            return body

        data = orjson.loads(await asyncio.wait_for(fetch(), timeout))
        if not isinstance(data, dict):
            raise UpstreamError(f"{self.url}{path} did not answer a JSON object")
        return data

    async def refresh(self, timeout: float = 5.0) -> None:
        """Re-read /api/tags and /api/ps; mark the backend unreachable if it does not answer."""
        try:
            tags, ps = await asyncio.gather(
                self.get_json("/api/tags", timeout), self.get_json("/api/ps", timeout)
            )
            version = self.inventory.version
            if version is None:
                with contextlib.suppress(Exception):
                    version = (await self.get_json("/api/version", timeout)).get("version")
        except (UpstreamError, OSError, TimeoutError, orjson.JSONDecodeError) as exc:
            if self.state is not BackendState.UNREACHABLE:
                log.warning("backend %s unreachable: %s", self.url, exc or type(exc).__name__)
            self.state = BackendState.UNREACHABLE
            self.last_error = str(exc) or type(exc).__name__
            return
        entries = [m for m in tags.get("models") or [] if isinstance(m, dict)]
        running = [m for m in ps.get("models") or [] if isinstance(m, dict)]
        shows = await self._shows(entries, timeout)
        self.inventory = Inventory(
            tags=entries,
            ps=running,
            models={canonical_model(_name(m)): _name(m) for m in entries if _name(m)},
            loaded=frozenset(canonical_model(_name(m)) for m in running if _name(m)),
            shows=shows,
            version=version if isinstance(version, str) else None,
            refreshed_at=time.time(),
        )
        if self.state is not BackendState.HEALTHY:
            log.info("backend %s healthy with %d models", self.url, len(entries))
        self.state = BackendState.HEALTHY
        self.last_error = None

    async def _shows(self, entries: list[dict], timeout: float) -> dict[str, dict]:
        """/api/show facts (capabilities, context length) for each model, fetched once per
        digest: older servers do not list capabilities in /api/tags."""
        known = self.inventory.shows
        digests = {_name(m): m.get("digest") for m in self.inventory.tags}
        shows: dict[str, dict] = {}
        missing = []
        for entry in entries:
            name = _name(entry)
            if name in known and digests.get(name) == entry.get("digest"):
                shows[name] = known[name]
            elif name:
                missing.append(name)

        async def show(name: str) -> None:
            with contextlib.suppress(Exception):
                shows[name] = await self.post_json("/api/show", {"model": name}, timeout)

        await asyncio.gather(*(show(name) for name in missing))
        return shows

    async def post_json(self, path: str, payload: dict, timeout: float = 5.0) -> dict:
        async def fetch() -> bytes:
            response = await self.pool.request(
                "POST",
                self.target(path.encode()),
                [(b"Content-Type", b"application/json"), *_JSON_HEADERS],
                orjson.dumps(payload),
            )
            body = await response.read()
            if response.status != 200:
                raise UpstreamError(f"{self.url}{path} answered {response.status}")
            return body

        data = orjson.loads(await asyncio.wait_for(fetch(), timeout))
        if not isinstance(data, dict):
            raise UpstreamError(f"{self.url}{path} did not answer a JSON object")
        return data

    def forget_facts(self) -> None:
        """Drop cached /api/show answers so the next refresh asks again."""
        self.inventory.shows = {}

    def view(self) -> BackendView:
        return BackendView(
            name=self.url,
            state=self.state.value,
            models=frozenset(self.inventory.models),
            loaded=self.inventory.loaded,
            in_flight=self.in_flight,
        )


def _name(entry: dict) -> str:
    value = entry.get("model") or entry.get("name") or ""
    return value if isinstance(value, str) else ""


class BackendPool:
    """All configured backends, primary first, with a background inventory refresh."""

    def __init__(self, urls: Iterable[str], interval: float = 10.0) -> None:
        self.backends = [Backend(url) for url in dict.fromkeys(urls)]
        self.interval = interval
        self.on_refresh: Callable[[], None] | None = None  # e.g. rebuild the catalogue
        self._task: asyncio.Task[None] | None = None

    @property
    def primary(self) -> Backend:
        return self.backends[0]

    def get(self, url: str) -> Backend | None:
        url = url.rstrip("/")
        return next((b for b in self.backends if b.url == url), None)

    async def refresh(self) -> None:
        await asyncio.gather(*(b.refresh() for b in self.backends))
        if self.on_refresh is not None:
            self.on_refresh()

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.create_task(self._loop(), name="inventory-refresh")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.refresh()
            except Exception:  # keep refreshing whatever one round did
                log.exception("inventory refresh failed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for backend in self.backends:
            backend.pool.close()

    def with_model(self, name: str) -> list[Backend]:
        return [b for b in self.backends if b.available and b.has_model(name)]

    def first_available(self) -> Backend:
        return next((b for b in self.backends if b.available), self.primary)

    def snapshot(self) -> FleetSnapshot:
        return FleetSnapshot(backends=tuple(b.view() for b in self.backends))

    def model_names(self) -> list[str]:
        """Every installed model across the fleet, as installed, without duplicates."""
        seen: dict[str, str] = {}
        for backend in self.backends:
            for key, name in backend.inventory.models.items():
                seen.setdefault(key, name)
        return sorted(seen.values())
