"""The operator's configuration on disk: `router_config.json` and `models.json` in DATA_DIR.

Precedence, per top-level key of `router_config.json`: **file > environment > default**.

* First start (the file does not exist): the file is created from the environment variables,
  and built-in defaults for variables that are not set.
* Later starts: every key the file has wins. An environment variable only takes effect for a
  key the file does not have (e.g. a key added by a newer version, or one deleted by hand).
  Changing `OLLAMA_BACKENDS` or `MODEL_FALLBACKS` after the first start therefore does
  nothing until the key is removed from the file, changed through the API/dashboard, or the
  file is deleted.
* Any change through the API/dashboard rewrites the whole file with the effective values, so
  from then on every key is pinned by the file.
* `models.json` is the operator's model attributes; when it does not exist it is created
  from the built-in seed attributes. Environment variables do not touch it.

Keys of `router_config.json`: `ollama_host`, `ollama_port` (the primary backend),
`airllm_enabled`, `airllm_host`, `airllm_port`, `model_airllm_settings` (model -> bool),
`fallbacks` (model -> model), `timeout` (seconds), `routing_preference` (quality | balanced
| speed), and `backends` (list of
`{"url", "max_concurrent", "weight", "memory_budget"}`, primary first; `memory_budget` is
bytes or null). `backends[0]` is the primary: when a hand-edited file disagrees with
`ollama_host`/`ollama_port`, `backends` wins. Unknown top-level keys are kept as they are.

Every write is atomic (temp file in the same directory, fsync, `os.replace`, fsync of the
directory), so a crash or `kill -9` at any instant leaves either the old or the new file,
never a torn one. A file that does not parse, or holds values of the wrong type, stops the
start-up with `ConfigError` naming the file and the problem; `load(..., reset=True)` moves
such a file aside to `<name>.corrupt-<timestamp>` and writes defaults instead (files that
load fine are kept).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..routing.catalog import SEED_MODEL_ATTRIBUTES, model_key
from ..routing.planner import PREFERENCES
from ..settings import Settings
from ..settings import parse_url as _url
from .config_checks import (
    check_model_attributes,
    check_models,
    check_router,
)
from .jsonfiles import ConfigError, move_aside, prepare_dir, read_json, write_json_atomic

ROUTER_CONFIG = "router_config.json"
MODELS = "models.json"


# ------------------------------------------------------------------ defaults


def router_defaults(settings: Settings) -> dict[str, Any]:
    """What the environment (or, for unset variables, the built-in defaults) says."""
    primary = urlsplit(settings.ollama_base_url)
    urls = list(dict.fromkeys(settings.ollama_backends or (settings.ollama_base_url,)))
    return {
        "ollama_host": primary.hostname or settings.ollama_target_host,
        "ollama_port": primary.port or settings.ollama_target_port,
        "airllm_enabled": settings.airllm_enabled,
        "airllm_host": settings.airllm_host,
        "airllm_port": settings.airllm_port,
        "model_airllm_settings": {},
        "fallbacks": dict(settings.model_fallbacks),
        "timeout": settings.request_timeout,
        "routing_preference": settings.routing_preference,
        "backends": [
            {"url": u, "max_concurrent": None, "weight": 1, "memory_budget": None} for u in urls
        ],
    }


def models_defaults() -> dict[str, dict[str, Any]]:
    return {
        name: {k: list(v) if isinstance(v, tuple) else v for k, v in attrs.items()}
        for name, attrs in SEED_MODEL_ATTRIBUTES.items()
    }


def primary_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def reconcile_primary(data: dict[str, Any], *, ollama_wins: bool) -> None:
    """Keep `ollama_host/port` and `backends[0]` naming the same backend (in place).

    `ollama_wins` when only ollama_host/port were set (POST /config/ollama, or a seed-era
    file without `backends`); otherwise `backends[0]` is the truth."""
    backends = data["backends"]
    if ollama_wins:
        url = _url("ollama_host", primary_url(data["ollama_host"], data["ollama_port"]))
        rest = [b for b in backends[1:] if b["url"] != url]
        data["backends"] = [{**backends[0], "url": url}, *rest]
        return
    first = urlsplit(backends[0]["url"])
    data["ollama_host"] = first.hostname or data["ollama_host"]
    data["ollama_port"] = first.port or data["ollama_port"]


def _ollama_wins(keys: Mapping[str, Any]) -> bool:
    return "backends" not in keys and ("ollama_host" in keys or "ollama_port" in keys)


# ------------------------------------------------------------------ the store


class ConfigStore:
    """The effective configuration in memory plus its two files.

    Reads are plain attribute reads (the dicts are replaced, never mutated, on change).
    Changes are serialised by one asyncio.Lock and written in a worker thread, so two
    dashboard clicks never interleave their writes and the event loop never waits on fsync.
    """

    def __init__(self, data_dir: Path, router: dict[str, Any], models: dict[str, Any]) -> None:
        self.data_dir = data_dir
        self.router = router
        self.models = models
        self._lock = asyncio.Lock()

    @property
    def router_path(self) -> Path:
        return self.data_dir / ROUTER_CONFIG

    @property
    def models_path(self) -> Path:
        return self.data_dir / MODELS

    @classmethod
    def load(cls, data_dir: str | Path, settings: Settings, reset: bool = False) -> ConfigStore:
        directory = Path(data_dir)
        prepare_dir(directory)
        router_path, models_path = directory / ROUTER_CONFIG, directory / MODELS

        defaults = router_defaults(settings)
        from_file = _load_file(router_path, check_router, reset)
        if from_file is None:
            router = check_router(defaults)
            reconcile_primary(router, ollama_wins=False)
            write_json_atomic(router_path, router)
        else:
            router = {**defaults, **from_file}
            try:
                reconcile_primary(router, ollama_wins=_ollama_wins(from_file))
            except ValueError as exc:
                raise ConfigError(f"{router_path}: {exc}") from None

        models = _load_file(models_path, check_models, reset)
        if models is None:
            models = models_defaults()
            write_json_atomic(models_path, models)
        return cls(directory, router, models)

    # -------------------------------------------------------------- views

    def airllm_view(self) -> dict[str, Any]:
        r = self.router
        return {
            "ollama_host": r["ollama_host"],
            "ollama_port": r["ollama_port"],
            "airllm_enabled": r["airllm_enabled"],
            "airllm_host": r["airllm_host"],
            "airllm_port": r["airllm_port"],
            "model_airllm_settings": dict(r["model_airllm_settings"]),
        }

    def fallbacks_view(self) -> dict[str, Any]:
        return {"fallbacks": dict(self.router["fallbacks"]), "timeout": self.router["timeout"]}

    def routing_view(self) -> dict[str, Any]:
        return {"preference": self.router["routing_preference"], "choices": list(PREFERENCES)}

    def backends_view(self) -> dict[str, Any]:
        return {"backends": copy.deepcopy(self.router["backends"])}

    def models_view(self) -> dict[str, Any]:
        return {"models": copy.deepcopy(self.models)}

    def airllm_for(self, model: str) -> bool:
        """Whether requests for `model` go through the AirLLM service."""
        if not self.router["airllm_enabled"]:
            return False
        key = model_key(model)
        return any(
            on and model_key(m) == key for m, on in self.router["model_airllm_settings"].items()
        )

    def effective_settings(self, settings: Settings) -> Settings:
        """`settings` with the file's values in: build the Runtime from this."""
        r = self.router
        urls = tuple(b["url"] for b in r["backends"])
        return settings.with_overrides(
            ollama_base_url=urls[0],
            ollama_target_host=r["ollama_host"],
            ollama_target_port=r["ollama_port"],
            ollama_backends=urls,
            airllm_enabled=r["airllm_enabled"],
            airllm_host=r["airllm_host"],
            airllm_port=r["airllm_port"],
            model_fallbacks=dict(r["fallbacks"]),
            request_timeout=float(r["timeout"]),
            routing_preference=r["routing_preference"],
        )

    # -------------------------------------------------------------- changes

    async def update_router(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Validate `changes` on top of the current config, persist, then switch to it.

        Raises ValueError (bad value, nothing written) or ConfigError (write failed)."""
        async with self._lock:
            return await self._update_router_locked(changes)

    async def set_model_airllm(self, model: str, enabled: bool) -> dict[str, Any]:
        async with self._lock:  # read-modify-write of one table: under the lock
            table = {**self.router["model_airllm_settings"], model: enabled}
            return await self._update_router_locked({"model_airllm_settings": table})

    async def _update_router_locked(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        new = check_router({**self.router, **changes})
        try:
            reconcile_primary(new, ollama_wins=_ollama_wins(changes))
        except ValueError as exc:
            raise ValueError(f"ollama_host: {exc}") from None
        new = check_router(new)  # the primary copied between fields is checked too
        await self._write(self.router_path, new)
        self.router = new
        return new

    async def update_model(self, name: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Merge `changes` into one model's attributes; a null value removes that key."""
        check_model_attributes(name, changes, strict=True)
        async with self._lock:
            entry = {**self.models.get(name, {}), **changes}
            entry = {k: v for k, v in entry.items() if v is not None}
            models = {**self.models, name: entry}
            await self._write(self.models_path, models)
            self.models = models
            return models

    async def _write(self, path: Path, data: Any) -> None:
        try:
            await asyncio.to_thread(write_json_atomic, path, data)
        except OSError as exc:
            raise ConfigError(f"{path}: could not be written: {exc.strerror or exc}") from None


def _load_file(path: Path, check: Any, reset: bool) -> Any:
    """A validated file's content, None when absent (or broken and `reset`)."""
    if not path.exists():
        return None
    try:
        data = read_json(path)
        if path.name == ROUTER_CONFIG and not isinstance(data, dict):
            raise ConfigError(f"{path}: must hold a JSON object")
        try:
            return check(data)
        except ValueError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    except ConfigError as exc:
        if not reset:
            raise ConfigError(
                f"{exc}. Fix the file, or start with --reset-config to move it aside "
                "and use defaults."
            ) from None
        move_aside(path)
        return None
