"""What one backend has: its models (/api/tags), what is loaded (/api/ps) and model facts
(/api/show), read over the backend's own connection pool."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import orjson

from ..routing.catalog import model_key
from .http1 import ConnectionPool, UpstreamError

_JSON_HEADERS = [(b"Accept", b"application/json")]


# Ollama's lookup key for a model name (case-insensitive, `:latest` implied): one definition,
# shared with the catalogue so both sides always agree on what "the same model" means.
canonical_model = model_key


def entry_name(entry: dict) -> str:
    value = entry.get("model") or entry.get("name") or ""
    return value if isinstance(value, str) else ""


@dataclass
class Inventory:
    """What one backend reported at its last refresh."""

    tags: list[dict] = field(default_factory=list)  # raw /api/tags entries
    ps: list[dict] = field(default_factory=list)  # raw /api/ps entries
    models: dict[str, str] = field(default_factory=dict)  # canonical -> name as installed
    loaded: frozenset[str] = frozenset()  # canonical names resident now
    resident_bytes: dict[str, int] = field(default_factory=dict)  # canonical -> /api/ps size
    shows: dict[str, dict] = field(default_factory=dict)  # /api/show answers by name
    version: str | None = None
    refreshed_at: float = 0.0

    @classmethod
    def from_answers(
        cls, tags: dict, ps: dict, shows: dict[str, dict], version: str | None
    ) -> Inventory:
        entries = [m for m in tags.get("models") or [] if isinstance(m, dict)]
        running = [m for m in ps.get("models") or [] if isinstance(m, dict)]
        return cls(
            tags=entries,
            ps=running,
            models={
                canonical_model(entry_name(m)): entry_name(m) for m in entries if entry_name(m)
            },
            loaded=frozenset(canonical_model(entry_name(m)) for m in running if entry_name(m)),
            resident_bytes={
                canonical_model(entry_name(m)): m["size"]
                for m in running
                if entry_name(m) and isinstance(m.get("size"), int)
            },
            shows=shows,
            version=version,
            refreshed_at=time.time(),
        )


class InventoryReader:
    """JSON GET/POST against one backend, with a time limit on each call."""

    def __init__(self, pool: ConnectionPool, base_path: bytes, url: str) -> None:
        self.pool = pool
        self.base_path = base_path
        self.url = url

    async def get_json(self, path: str, timeout: float = 5.0) -> dict:
        return await self._call("GET", path, None, timeout)

    async def post_json(self, path: str, payload: dict, timeout: float = 5.0) -> dict:
        return await self._call("POST", path, orjson.dumps(payload), timeout)

    async def _call(self, method: str, path: str, body: bytes | None, timeout: float) -> dict:
        headers = list(_JSON_HEADERS)
        if body is not None:
            headers.append((b"Content-Type", b"application/json"))
        async with asyncio.timeout(timeout):
            response = await self.pool.request(
                method, self.base_path + path.encode(), headers, body
            )
            raw = await response.read()
        if response.status != 200:
            raise UpstreamError(f"{self.url}{path} answered {response.status}")
        data = orjson.loads(raw)
        if not isinstance(data, dict):
            raise UpstreamError(f"{self.url}{path} did not answer a JSON object")
        return data

    async def read(self, previous: Inventory, timeout: float) -> Inventory:
        """A fresh inventory; /api/show is asked only for models new since `previous`."""
        tags, ps = await asyncio.gather(
            self.get_json("/api/tags", timeout), self.get_json("/api/ps", timeout)
        )
        version = previous.version
        if version is None:
            with contextlib.suppress(Exception):
                found = (await self.get_json("/api/version", timeout)).get("version")
                version = found if isinstance(found, str) else None
        entries = [m for m in tags.get("models") or [] if isinstance(m, dict)]
        shows = await self._shows(previous, entries, timeout)
        return Inventory.from_answers(tags, ps, shows, version)

    async def _shows(self, previous: Inventory, entries: list[dict], timeout: float) -> dict:
        """Facts (capabilities, context length) per model, fetched once per digest: older
        servers do not list capabilities in /api/tags."""
        digests = {entry_name(m): m.get("digest") for m in previous.tags}
        shows: dict[str, dict] = {}
        missing = []
        for entry in entries:
            name = entry_name(entry)
            if name in previous.shows and digests.get(name) == entry.get("digest"):
                shows[name] = previous.shows[name]
            elif name:
                missing.append(name)

        async def show(name: str) -> None:
            with contextlib.suppress(Exception):
                shows[name] = await self.post_json("/api/show", {"model": name}, timeout)

        await asyncio.gather(*(show(name) for name in missing))
        return shows
