"""Every environment variable the proxy reads, with its default and its validation.

`load_settings()` is the only place that looks at `os.environ`. A bad value raises
`SettingsError` naming the variable; the CLI prints that one line and exits, so an operator
never has to read a traceback to find a typo.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from .routing.catalog import SEED_FALLBACKS, validate_fallbacks
from .routing.planner import PREFERENCES

__all__ = ["SEED_FALLBACKS", "Settings", "SettingsError", "load_settings", "parse_url"]

CLASSIFIER_MODES = ("fast", "llm", "hybrid")


class SettingsError(ValueError):
    """A configuration value is unusable; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    ollama_base_url: str = "http://ollama:11434"
    ollama_target_host: str = "ollama"
    ollama_target_port: int = 11434
    ollama_backends: tuple[str, ...] = ()  # every backend, primary first
    airllm_enabled: bool = False
    airllm_host: str = "airllm"
    airllm_port: int = 9996
    airllm_concurrency: int = 1  # requests the AirLLM service runs at once; more wait in line
    airllm_timeout: float = 3600.0  # AirLLM is slow: its own, long, first-byte timeout
    airllm_fallback: bool = False  # may the lane serve as a fallback for interactive traffic
    classifier_model: str = "qwen2.5:7b"
    classifier_mode: str = "fast"
    routing_preference: str = "balanced"  # quality | balanced | speed (planner.PREFERENCES)
    classifier_timeout: float = 2.0
    proxy_host: str = "0.0.0.0"
    proxy_port: int = 9998
    web_host: str = "0.0.0.0"
    web_port: int = 9999
    request_timeout: float = 900.0
    model_fallbacks: Mapping[str, str] = field(default_factory=lambda: dict(SEED_FALLBACKS))
    default_model: str = "qwen2.5:7b"
    enable_auto_discovery: bool = True
    discovery_ask_llm: bool = False  # ask CLASSIFIER_MODEL about names no rule knows
    data_dir: str = "/app/data"
    inventory_interval: float = 10.0  # seconds between /api/tags + /api/ps refreshes
    admin_token: str | None = None
    api_keys: tuple[str, ...] = ()
    request_log_size: int = 50
    first_byte_budget: float = 30.0  # a loaded model silent this long: try elsewhere
    cold_load_budget: float = 300.0  # a model that must load first gets this long (at most)
    stream_idle_timeout: float = 120.0  # a started stream silent this long is broken
    breaker_threshold: int = 3  # consecutive failures that open a breaker
    breaker_cooldown: float = 5.0  # seconds before an open breaker lets one probe through

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


# -- parsers: each takes the variable name so its error can say which one is wrong


def _port(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a port number (expected 1-65535)") from None
    if not 0 <= value <= 65535:  # 0 lets tests ask the OS for a free port
        raise SettingsError(f"{name}={raw!r} is out of range (expected 1-65535)")
    return value


def _bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean (use true or false)")


def _positive_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number of seconds") from None
    if value <= 0:
        raise SettingsError(f"{name}={raw!r} must be greater than 0")
    return value


def _positive_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number") from None
    if value <= 0:
        raise SettingsError(f"{name}={raw!r} must be greater than 0")
    return value


def parse_url(name: str, raw: str) -> str:
    """An Ollama base URL as `http://host:port[/path]`; SettingsError names `name`."""
    return _url(name, raw)


def _url(name: str, raw: str) -> str:
    value = raw.strip().rstrip("/")
    if any(c.isspace() or not c.isprintable() for c in value):
        raise SettingsError(f"{name}={raw!r} is not a URL (it contains spaces)")
    if "://" not in value:
        value = "http://" + value
    try:
        parts = urlsplit(value)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a valid URL") from None
    if parts.scheme != "http" or not parts.hostname:
        raise SettingsError(f"{name}={raw!r} is not an http:// URL of an Ollama server")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise SettingsError(f"{name}={raw!r} has an invalid port") from None
    if parts.port is None:
        value = f"http://{parts.hostname}:11434{parts.path}"
    return value


def _fallbacks(name: str, raw: str) -> dict[str, str]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{name} is not valid JSON: {exc}") from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise SettingsError(f'{name} must be a JSON object of model names, e.g. {{"a:7b": "b:7b"}}')
    return value


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def check_fallback_loops(fallbacks: Mapping[str, str], name: str = "MODEL_FALLBACKS") -> None:
    """Refuse chains that come back to themselves (a -> b -> a would retry forever)."""
    try:
        validate_fallbacks(fallbacks)
    except ValueError as exc:
        raise SettingsError(f"{name}: {exc}") from None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    defaults = Settings()
    get = env.get

    target_host = get("OLLAMA_TARGET_HOST", defaults.ollama_target_host)
    target_port = _port("OLLAMA_TARGET_PORT", get("OLLAMA_TARGET_PORT", "11434"))
    if "OLLAMA_BASE_URL" in env:
        base_url = _url("OLLAMA_BASE_URL", env["OLLAMA_BASE_URL"])
    elif "OLLAMA_TARGET_HOST" in env or "OLLAMA_TARGET_PORT" in env:
        base_url = _url("OLLAMA_TARGET_HOST", f"{target_host}:{target_port}")
    else:
        base_url = defaults.ollama_base_url
    # OLLAMA_BACKENDS lists every backend; unset, the single backend is the base URL.
    backends = [_url("OLLAMA_BACKENDS", b) for b in _csv(get("OLLAMA_BACKENDS", ""))]
    if not backends:
        backends = [base_url]
    elif "OLLAMA_BASE_URL" not in env:
        base_url = backends[0]

    fallbacks = (
        _fallbacks("MODEL_FALLBACKS", env["MODEL_FALLBACKS"])
        if "MODEL_FALLBACKS" in env
        else dict(SEED_FALLBACKS)
    )
    check_fallback_loops(fallbacks)

    mode = get("CLASSIFIER_MODE", "fast").strip().lower()
    if mode not in CLASSIFIER_MODES:
        raise SettingsError(
            f"CLASSIFIER_MODE={mode!r} must be one of {', '.join(CLASSIFIER_MODES)}"
        )
    preference = get("ROUTING_PREFERENCE", "balanced").strip().lower()
    if preference not in PREFERENCES:
        raise SettingsError(
            f"ROUTING_PREFERENCE={preference!r} must be one of {', '.join(PREFERENCES)}"
        )

    return Settings(
        ollama_base_url=base_url,
        ollama_target_host=target_host,
        ollama_target_port=target_port,
        ollama_backends=tuple(backends),
        airllm_enabled=_bool("AIRLLM_ENABLED", get("AIRLLM_ENABLED", "false")),
        airllm_host=get("AIRLLM_HOST", defaults.airllm_host),
        airllm_port=_port("AIRLLM_PORT", get("AIRLLM_PORT", "9996")),
        airllm_concurrency=_positive_int("AIRLLM_CONCURRENCY", get("AIRLLM_CONCURRENCY", "1")),
        airllm_timeout=_positive_float("AIRLLM_TIMEOUT", get("AIRLLM_TIMEOUT", "3600")),
        airllm_fallback=_bool("AIRLLM_FALLBACK", get("AIRLLM_FALLBACK", "false")),
        classifier_model=get("CLASSIFIER_MODEL", defaults.classifier_model),
        classifier_mode=mode,
        routing_preference=preference,
        classifier_timeout=_positive_float(
            "CLASSIFIER_TIMEOUT", get("CLASSIFIER_TIMEOUT", str(defaults.classifier_timeout))
        ),
        proxy_host=get("PROXY_HOST", defaults.proxy_host),
        proxy_port=_port("PROXY_PORT", get("PROXY_PORT", "9998")),
        web_host=get("WEB_HOST", defaults.web_host),
        web_port=_port("WEB_PORT", get("WEB_PORT", "9999")),
        request_timeout=_positive_float("REQUEST_TIMEOUT", get("REQUEST_TIMEOUT", "900")),
        model_fallbacks=fallbacks,
        default_model=get("DEFAULT_MODEL", defaults.default_model),
        enable_auto_discovery=_bool("ENABLE_AUTO_DISCOVERY", get("ENABLE_AUTO_DISCOVERY", "true")),
        discovery_ask_llm=_bool("DISCOVERY_ASK_LLM", get("DISCOVERY_ASK_LLM", "false")),
        data_dir=get("DATA_DIR", defaults.data_dir),
        inventory_interval=_positive_float(
            "INVENTORY_INTERVAL", get("INVENTORY_INTERVAL", str(defaults.inventory_interval))
        ),
        admin_token=get("ADMIN_TOKEN") or None,
        api_keys=_csv(get("API_KEYS", "")),
        request_log_size=_positive_int("REQUEST_LOG_SIZE", get("REQUEST_LOG_SIZE", "50")),
        first_byte_budget=_positive_float(
            "FIRST_BYTE_BUDGET", get("FIRST_BYTE_BUDGET", str(defaults.first_byte_budget))
        ),
        cold_load_budget=_positive_float(
            "COLD_LOAD_BUDGET", get("COLD_LOAD_BUDGET", str(defaults.cold_load_budget))
        ),
        breaker_threshold=_positive_int(
            "BREAKER_THRESHOLD", get("BREAKER_THRESHOLD", str(defaults.breaker_threshold))
        ),
        breaker_cooldown=_positive_float(
            "BREAKER_COOLDOWN", get("BREAKER_COOLDOWN", str(defaults.breaker_cooldown))
        ),
        stream_idle_timeout=_positive_float(
            "STREAM_IDLE_TIMEOUT", get("STREAM_IDLE_TIMEOUT", str(defaults.stream_idle_timeout))
        ),
    )
