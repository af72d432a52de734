"""Validation of router_config.json and models.json values, shared by the API and the loader.

Each check raises ValueError("<field>: <problem>"); the API answers it as a 400 and a file
load as a ConfigError, so both name the field the same way.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping
from typing import Any

from ..routing.catalog import validate_fallbacks
from ..routing.planner import PREFERENCES
from ..routing.types import CATEGORIES
from ..settings import SettingsError
from ..settings import parse_url as _url

BACKEND_KEYS = ("url", "max_concurrent", "weight", "memory_budget")


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


def check_preference(field: str, value: object) -> str:
    if not isinstance(value, str) or value.strip().lower() not in PREFERENCES:
        raise ValueError(f"{field}: must be one of {', '.join(PREFERENCES)}, got {value!r}")
    return value.strip().lower()


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
    "routing_preference": check_preference,
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
