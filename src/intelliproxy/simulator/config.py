"""SimConfig: everything one simulated Ollama server is configured with."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .gotime import parse_keep_alive
from .models import DEFAULT_FLEET, SimModel, parse_models, read_spec


def _default_fleet() -> list[SimModel]:
    return copy.deepcopy(DEFAULT_FLEET)


@dataclass
class SimConfig:
    """Knobs of one simulated server; the spec file format is in `models`' docstring."""

    models: list[SimModel] = field(default_factory=_default_fleet)
    memory_bytes: int | None = None  # None = unlimited
    num_parallel: int = 1
    max_queue: int = 512
    version: str = "0.32.15"
    name: str = "sim"
    max_loaded_models: int = 0  # 0 = unlimited
    keep_alive_s: float = 300.0  # OLLAMA_KEEP_ALIVE default (5m)
    response_tokens: int = 24
    registry: list[SimModel] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_spec(cls, path: str | Path) -> SimConfig:
        spec = read_spec(path)
        known = {
            "models", "memory_bytes", "num_parallel", "max_queue", "version", "name",
            "max_loaded_models", "keep_alive", "response_tokens", "registry", "faults",
        }  # fmt: skip
        unknown = set(spec) - known
        if unknown:
            raise ValueError(f"{path}: unknown spec key(s) {sorted(unknown)}")
        config = cls()
        if "models" in spec:
            config.models = parse_models(spec["models"])
        if "registry" in spec:
            config.registry = parse_models(spec["registry"])
        if "keep_alive" in spec:
            config.keep_alive_s = parse_keep_alive(spec["keep_alive"]) or 0.0
        for key in ("memory_bytes", "num_parallel", "max_queue", "max_loaded_models"):
            if spec.get(key) is not None:
                setattr(config, key, int(spec[key]))
        for key in ("version", "name"):
            if key in spec:
                setattr(config, key, str(spec[key]))
        if "response_tokens" in spec:
            config.response_tokens = int(spec["response_tokens"])
        faults = spec.get("faults", [])
        config.faults = [faults] if isinstance(faults, dict) else list(faults)
        return config


def load_config(path: str | Path | None) -> SimConfig:
    """SimConfig from a spec file, or the defaults when no path is given."""
    return SimConfig() if path is None else SimConfig.from_spec(path)
