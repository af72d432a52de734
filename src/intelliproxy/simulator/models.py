"""Simulated models and the spec file that describes a simulated Ollama server.

Spec file (JSON; every key optional)::

    {
      "name": "gpu-box-1",            # backend label, shown in /_sim/state and in replies
      "version": "0.32.15",           # /api/version (must be a numeric dotted version)
      "memory_bytes": 12000000000,    # budget for the sum of loaded model sizes (none = unlimited)
      "max_loaded_models": 3,         # 0/absent = unlimited (OLLAMA_MAX_LOADED_MODELS)
      "num_parallel": 1,              # slots per loaded model (OLLAMA_NUM_PARALLEL)
      "max_queue": 512,               # pending-load queue size (OLLAMA_MAX_QUEUE)
      "keep_alive": "5m",             # default residency (OLLAMA_KEEP_ALIVE)
      "response_tokens": 24,          # tokens per answer when options.num_predict is unset
      "models": [                     # installed models; absent = DEFAULT_FLEET
        "qwen2.5:7b",                                  # a DEFAULT_FLEET model by name
        {"name": "mistral:latest", "tokens_per_s": 20}, # a fleet model with overrides
        {"name": "tiny:1b", "family": "llama", "parameter_size": "1.2B",
         "size": 800000000, "capabilities": ["completion"], "tokens_per_s": 500}
      ],
      "registry": [ ...same entries... ],  # extra names /api/pull can install
      "faults": [ {"kind": "busy", "model": "mistral:latest", "times": 1} ]  # see faults.py
    }

A model entry whose name is a DEFAULT_FLEET model inherits that model's fields; any other
entry needs only `name` (the rest defaults to a small 7B llama-like chat model). Fields are
those of `SimModel`. Pulling succeeds for names in `registry`, DEFAULT_FLEET names, and any
name starting with `sim-` (synthesised as a generic chat model, e.g. `sim-tiny:1b`).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import names

# 2026-01-15T10:00:00Z: a fixed, deterministic "installed at" time for default models.
_BASE_MODIFIED = 1768471200.0


@dataclass
class SimModel:
    """One installed (or pullable) model and how the simulator makes it behave."""

    name: str
    family: str = "llama"
    parameter_size: str = "7B"
    size: int = 4_000_000_000
    quantization_level: str = "Q4_K_M"
    capabilities: list[str] = field(default_factory=lambda: ["completion"])
    context_length: int = 8192
    tokens_per_s: float = 800.0
    load_time_s: float = 0.1
    embedding_length: int = 4096
    families: list[str] | None = None
    architecture: str = ""  # model_info general.architecture; defaults to family
    digest: str = ""  # 64 hex; defaults to a hash of the name
    modified_at: float = _BASE_MODIFIED  # unix seconds
    license: str = "Simulated model license."
    system: str = ""
    stop: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.name = names.canonical(self.name)
        if not self.architecture:
            self.architecture = self.family
        if self.families is None:
            self.families = [self.family]
        if not self.digest:
            self.digest = hashlib.sha256(f"sim-model:{self.name}".encode()).hexdigest()
        if self.tokens_per_s <= 0:
            raise ValueError(f"{self.name}: tokens_per_s must be > 0")

    def has(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def parameter_count(self) -> int:
        """`7.6B` -> 7_600_000_000 (general.parameter_count)."""
        text = self.parameter_size.strip().upper()
        scale = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}.get(text[-1:], 1.0)
        try:
            return int(float(text.rstrip("KMBT")) * scale)
        except ValueError:
            return 0

    @property
    def default_num_ctx(self) -> int:
        """Context a fresh runner gets without options.num_ctx (VRAM tier: 4096 or so)."""
        return min(self.context_length, 4096)

    def renamed(self, new_name: str, **changes: Any) -> SimModel:
        """A copy under another name (copy / create from), with a fresh digest."""
        return dataclasses.replace(self, **{"name": new_name, "digest": "", **changes})


def _m(name: str, **kw: Any) -> SimModel:
    return SimModel(name=name, **kw)


_QWEN_STOP = ["<|im_start|>", "<|im_end|>"]
_INST_STOP = ["[INST]", "[/INST]"]

DEFAULT_FLEET: list[SimModel] = [
    _m("qwen2.5:7b", family="qwen2", parameter_size="7.6B", size=4_683_087_332,
       capabilities=["completion", "tools"], context_length=32768, embedding_length=3584,
       tokens_per_s=900, load_time_s=0.15, stop=_QWEN_STOP, modified_at=_BASE_MODIFIED),
    _m("qwen2.5-coder:7b", family="qwen2", parameter_size="7.6B", size=4_683_087_561,
       capabilities=["completion", "tools", "insert"], context_length=32768,
       embedding_length=3584, tokens_per_s=900, load_time_s=0.15, stop=_QWEN_STOP,
       modified_at=_BASE_MODIFIED + 3600),
    _m("deepseek-r1:latest", family="qwen3", parameter_size="8.2B", size=5_225_376_047,
       capabilities=["completion", "thinking"], context_length=131072, embedding_length=4096,
       tokens_per_s=700, load_time_s=0.2, stop=["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"],
       modified_at=_BASE_MODIFIED + 7200),
    _m("llava:latest", family="llama", families=["llama", "clip"], parameter_size="7B",
       size=4_733_363_377, quantization_level="Q4_0", capabilities=["completion", "vision"],
       context_length=32768, embedding_length=4096, tokens_per_s=800, load_time_s=0.2,
       stop=_INST_STOP, modified_at=_BASE_MODIFIED + 10800),
    _m("nemotron-3-nano:latest", family="nemotron_h", parameter_size="4.0B",
       size=2_700_000_000, capabilities=["completion", "tools"], context_length=131072,
       embedding_length=3072, tokens_per_s=3000, load_time_s=0.05,
       stop=["<extra_id_1>"], modified_at=_BASE_MODIFIED + 14400),
    _m("mistral:latest", family="llama", parameter_size="7.2B", size=4_372_824_384,
       quantization_level="Q4_0", capabilities=["completion", "tools"], context_length=32768,
       embedding_length=4096, tokens_per_s=900, load_time_s=0.15, stop=_INST_STOP,
       modified_at=_BASE_MODIFIED + 18000),
    _m("llama2-uncensored:latest", family="llama", parameter_size="7B", size=3_825_819_519,
       quantization_level="Q4_0", capabilities=["completion"], context_length=2048,
       embedding_length=4096, tokens_per_s=900, load_time_s=0.15,
       stop=["### HUMAN:", "### RESPONSE:"], modified_at=_BASE_MODIFIED + 21600),
    _m("nomic-embed-text:latest", family="nomic-bert", parameter_size="137M",
       size=274_302_450, quantization_level="F16", capabilities=["embedding"],
       context_length=2048, embedding_length=768, tokens_per_s=5000, load_time_s=0.05,
       modified_at=_BASE_MODIFIED + 25200),
]  # fmt: skip

_FIELDS = {f.name for f in dataclasses.fields(SimModel)}


def fleet_model(name: str) -> SimModel | None:
    """A fresh copy of the DEFAULT_FLEET model with this name, if any."""
    key = names.canonical(name)
    for model in DEFAULT_FLEET:
        if model.name == key:
            return copy.deepcopy(model)
    return None


def parse_model(entry: str | dict[str, Any]) -> SimModel:
    """One spec entry -> SimModel (see the module docstring)."""
    if isinstance(entry, str):
        base = fleet_model(entry)
        if base is None:
            raise ValueError(f"unknown default model {entry!r}; give a full model object")
        return base
    if not isinstance(entry, dict):
        raise ValueError(f"model entry must be a string or object, got {entry!r}")
    data = dict(entry)
    if "model" in data and "name" not in data:
        data["name"] = data.pop("model")
    unknown = set(data) - _FIELDS
    if unknown:
        raise ValueError(f"unknown model field(s) {sorted(unknown)} in {entry!r}")
    if not data.get("name"):
        raise ValueError(f"model entry without a name: {entry!r}")
    base = fleet_model(data["name"])
    if base is None:
        return SimModel(**data)
    data.pop("name")
    if "family" in data and "architecture" not in data:
        data["architecture"] = data["family"]
    return dataclasses.replace(base, **data)


def parse_models(entries: list[Any]) -> list[SimModel]:
    return [parse_model(entry) for entry in entries]


def read_spec(path: str | Path) -> dict[str, Any]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: spec must be a JSON object")
    return data


def load_spec(path: str | Path) -> list[SimModel]:
    """The installed models a spec file describes (DEFAULT_FLEET when it lists none)."""
    spec = read_spec(path)
    if "models" not in spec:
        return copy.deepcopy(DEFAULT_FLEET)
    return parse_models(spec["models"])


def synthesize(name: str) -> SimModel:
    """A generic chat model for pullable `sim-*` names."""
    return SimModel(name=name, parameter_size="1.2B", size=800_000_000, tokens_per_s=1500,
                    load_time_s=0.05, capabilities=["completion", "tools"])  # fmt: skip
