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
`fallbacks` (model -> model), `timeout` (seconds), and `backends` (list of
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
import contextlib
import copy
import ipaddress
import json
import math
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..routing.catalog import SEED_MODEL_ATTRIBUTES, model_key, validate_fallbacks
from ..routing.types import CATEGORIES
from ..settings import Settings, SettingsError
from ..settings import parse_url as _url

ROUTER_CONFIG = "router_config.json"
MODELS = "models.json"
BACKEND_KEYS = ("url", "max_concurrent", "weight", "memory_budget")


class ConfigError(Exception):
    """A configuration file is unusable or DATA_DIR is not writable; the message says which."""


# ------------------------------------------------------------------ atomic files


def write_json_atomic(path: Path, data: Any) -> None:
    """Replace `path` with `data` as JSON so that readers only ever see a whole file."""
    payload = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o644)  # mkstemp's 0600 would hide it from operators
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # Without this the rename itself may be lost on power failure (file data is safe).
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_json(path: Path) -> Any:
    """Parsed JSON, or ConfigError naming the file, line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def move_aside(path: Path) -> Path:
    """Rename a broken file to `<name>.corrupt-<timestamp>` so nothing is lost."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    return target


def prepare_dir(data_dir: Path) -> None:
    """Create DATA_DIR if needed and prove it is writable (ConfigError otherwise)."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test.", dir=data_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(
            f"DATA_DIR {data_dir} is not a writable directory: {exc.strerror or exc}"
        ) from None
    for stale in data_dir.glob(".*.tmp"):  # temp files of writes killed mid-way
        with contextlib.suppress(OSError):
            stale.unlink()


# ------------------------------------------------------------------ validation
# Each check raises ValueError("<field>: <problem>"); the API answers it as a 400 and a
# file load as a ConfigError, so both name the field the same way.


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _int_in(value: object, low: int, high: float = math.inf) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def check_port(field: str, value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)  # HTML number inputs send strings
    if not _int_in(value, 1, 65535):
        raise ValueError(f"{field}: must be a port number 1-65535, got {value!r}")
    return value


def check_host(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field}: must be a non-empty host name or IP address")
    host = value.strip()
    if "/" in host or any(c.isspace() for c in host):
        raise ValueError(f"{field}: {host!r} is not a host name (no scheme, path or spaces)")
    if ":" in host:  # only an IPv6 address may contain colons
        try:
            ipaddress.IPv6Address(host.strip("[]"))
        except ValueError:
            raise ValueError(f"{field}: {host!r} is not a host name (no port here)") from None
        return host.strip("[]")
    try:  # what the resolver will be asked: labels of at most 63 characters, IDNA-encodable
        host.encode("idna")
    except UnicodeError:
        raise ValueError(f"{field}: {host!r} is not a valid host name") from None
    if len(host) > 253:
        raise ValueError(f"{field}: {host!r} is not a valid host name (too long)")
    return host


def check_bool(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{field}: must be true or false, got {value!r}")
    return value


def check_timeout(field: str, value: object) -> float | int:
    if not _is_number(value) or value <= 0:  # type: ignore[operator]
        raise ValueError(f"{field}: must be a positive number of seconds, got {value!r}")
    return value  # type: ignore[return-value]


def check_fallbacks(field: str, value: object) -> dict[str, str]:
    try:
        validate_fallbacks(value)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from None
    return {k.strip(): v.strip() for k, v in value.items()}  # type: ignore[union-attr]


def check_backends(field: str, value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{field}: must be a non-empty list of backends")
    out: list[dict[str, Any]] = []
    for i, entry in enumerate(value):
        where = f"{field}[{i}]"
        if isinstance(entry, str):
            entry = {"url": entry}
        if not isinstance(entry, Mapping):
            raise ValueError(f"{where}: must be an object with a url")
        unknown = sorted(set(entry) - set(BACKEND_KEYS))
        if unknown:
            raise ValueError(f"{where}: unknown setting(s) {', '.join(unknown)}")
        raw = entry.get("url")
        if not isinstance(raw, str):
            raise ValueError(f"{where}.url: must be an http:// URL")
        try:
            url = _url(f"{where}.url", raw)
        except ValueError as exc:  # SettingsError, or urlsplit on a bad [IPv6] literal
            # SettingsError already names the field; urlsplit's own errors do not.
            named = isinstance(exc, SettingsError)
            raise ValueError(str(exc) if named else f"{where}.url: {exc}") from None
        if any(b["url"] == url for b in out):
            raise ValueError(f"{where}.url: {url} is listed twice")
        limit = entry.get("max_concurrent")
        if limit is not None and not _int_in(limit, 1):
            raise ValueError(f"{where}.max_concurrent: must be a positive integer or null")
        weight = entry.get("weight", 1)
        if not _is_number(weight) or weight <= 0:
            raise ValueError(f"{where}.weight: must be a positive number")
        budget = entry.get("memory_budget")
        if budget is not None and not _int_in(budget, 0):
            raise ValueError(f"{where}.memory_budget: must be a number of bytes or null")
        out.append({"url": url, "max_concurrent": limit, "weight": weight, "memory_budget": budget})
    return out


def check_model_settings(field: str, value: object) -> dict[str, bool]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, bool) for k, v in value.items()
    ):
        raise ValueError(f"{field}: must be an object of model name -> true/false")
    return dict(value)


_ROUTER_CHECKS = {
    "ollama_host": check_host,
    "ollama_port": check_port,
    "airllm_enabled": check_bool,
    "airllm_host": check_host,
    "airllm_port": check_port,
    "model_airllm_settings": check_model_settings,
    "fallbacks": check_fallbacks,
    "timeout": check_timeout,
    "backends": check_backends,
}


def check_router(data: Mapping[str, Any]) -> dict[str, Any]:
    """A validated copy of a router config (unknown keys kept as they are)."""
    out = dict(data)
    for key, check in _ROUTER_CHECKS.items():
        if key in out:
            out[key] = check(key, out[key])
    return out


def check_model_attributes(name: str, attrs: object, *, strict: bool) -> dict[str, Any]:
    """One model's attributes. `strict` (the API) also refuses unknown category words;
    files are lenient there because seed-era files use words like "qa" or "debugging"."""
    if not isinstance(attrs, Mapping):
        raise ValueError(f"{name}: attributes must be an object")
    for key in ("speed", "complexity"):
        value = attrs.get(key)
        if value is not None and not _int_in(value, 1, 10):
            raise ValueError(f"{key}: must be an integer 1-10, got {value!r}")
    preferred = attrs.get("preferred_for")
    if preferred is not None:
        if not isinstance(preferred, list) or not all(isinstance(c, str) for c in preferred):
            raise ValueError("preferred_for: must be a list of categories")
        bad = [c for c in preferred if c not in CATEGORIES]
        if strict and bad:
            raise ValueError(
                f"preferred_for: unknown categor{'y' if len(bad) == 1 else 'ies'} "
                f"{', '.join(bad)} (allowed: {', '.join(CATEGORIES)})"
            )
    return dict(attrs)


def check_models(data: object) -> dict[str, dict[str, Any]]:
    if not isinstance(data, Mapping):
        raise ValueError("must be an object of model name -> attributes")
    out = {}
    for name, attrs in data.items():
        try:
            out[name] = check_model_attributes(name, attrs, strict=False)
        except ValueError as exc:
            raise ValueError(f"model {name!r}: {exc}") from None
    return out


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
