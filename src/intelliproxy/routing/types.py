"""Plain data shared by the classifier, the catalogue and the planner.

Everything here is immutable and free of I/O so that `classify` and `plan` stay pure
functions that the server, the CLI and the fleet benchmark can all call alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

CATEGORIES: tuple[str, ...] = ("code", "reasoning", "general", "vision", "image", "uncensored")


@dataclass(frozen=True, slots=True)
class Classification:
    """What the prompt is about and how hard it is."""

    category: str  # one of CATEGORIES
    complexity: int  # 1..10
    confidence: float  # 0..1
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Requirements:
    """Hard facts of a request that every candidate model must satisfy."""

    vision: bool = False  # images attached
    tools: bool = False  # tools sent
    thinking: bool = False  # `think` set truthy (a preference, not a must)
    prompt_tokens: int = 0  # estimated size of the rendered prompt
    num_ctx: int | None = None  # options.num_ctx asked by the client


@dataclass(frozen=True, slots=True)
class ModelProfile:
    """One model as the catalogue knows it: attributes plus facts from Ollama."""

    name: str
    speed: int = 5  # 1..10, 10 fastest
    complexity: int = 5  # 1..10, the hardest prompts it handles well
    preferred_for: tuple[str, ...] = ("general",)
    capabilities: frozenset[str] = frozenset({"completion"})
    parameter_size_b: float | None = None  # billions of parameters
    context_length: int | None = None
    family: str | None = None
    size_bytes: int | None = None
    source: str = "guess"  # operator | ollama | measured | guess


@dataclass(frozen=True, slots=True)
class BackendView:
    """What the planner may know about one backend at decision time."""

    name: str  # base URL, used as the backend's identity
    state: str = "healthy"  # healthy | busy | degraded | unreachable | cooling_down
    models: frozenset[str] = frozenset()  # installed (/api/tags)
    loaded: frozenset[str] = frozenset()  # resident now (/api/ps)
    in_flight: int = 0
    max_concurrent: int | None = None
    # In-flight requests by model key: other models busy on a backend share its GPU.
    model_in_flight: Mapping[str, int] = field(default_factory=dict)
    # Operator's memory budget in bytes (router_config.json) and the bytes each resident
    # model takes (/api/ps `size`), by model key: a cold model that does not fit the budget
    # alongside them means an eviction, one larger than the budget cannot be loaded there.
    memory_budget: int | None = None
    resident_bytes: Mapping[str, int] = field(default_factory=dict)
    weight: float = 1.0  # operator's preference between otherwise equal backends
    # Measured on this backend, by model key: seconds a cold load took, tokens/s generated.
    load_seconds: Mapping[str, float] = field(default_factory=dict)
    tokens_per_s: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FleetSnapshot:
    backends: tuple[BackendView, ...] = ()

    def all_models(self) -> frozenset[str]:
        names: set[str] = set()
        for backend in self.backends:
            names |= backend.models
        return frozenset(names)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at serving a request: this model on this backend, and why."""

    model: str
    backend: str
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    attempts: tuple[Attempt, ...]
    classification: Classification | None = None
    notes: tuple[str, ...] = field(default=())
