"""Routing policies compared by the benchmark, one interface:
`choose(request, fleet, catalog) -> (model, backend)`.

| policy       | model                                    | backend                          |
|--------------|------------------------------------------|----------------------------------|
| intelliproxy | first attempt of the real `plan(...)`,   | (same)                           |
|              | once per ROUTING_PREFERENCE              |                                  |
| naive        | best for the classified category (below) | first backend that has it        |
| round-robin  | naive's model                            | next in rotation among holders   |
| least-busy   | naive's model                            | fewest in-flight among holders   |
| warm-first   | fastest loaded model fit for the request | least busy backend with one;     |
|              | (hard facts only: images -> vision)      | none loaded: naive's choice      |

"Best for the category" is the seed's rule over its static attributes: models whose
`preferred_for[0]` is the category, else that list it anywhere, else generalists, else any;
among those the fastest one strong enough (complexity >= the prompt's), else the strongest.
Every policy except ours ignores placement cost; every one respects the hard facts (vision,
tools, context length, image-generation-only models only for `image` prompts) and classifies
with the same `classify` the server uses. Backends are tried in fleet order; ties by name.
"""

from __future__ import annotations

import itertools
from typing import Protocol

from intelliproxy.routing.catalog import SEED_FALLBACKS, Catalog, chat_capable, model_key
from intelliproxy.routing.classifier import classify
from intelliproxy.routing.planner import plan
from intelliproxy.routing.requirements import requirements_from_body
from intelliproxy.routing.types import (
    BackendView,
    Classification,
    FleetSnapshot,
    ModelProfile,
    Requirements,
)

from .models import DEFAULT_MODEL
from .workload import Request


class Policy(Protocol):
    name: str

    def choose(self, request: Request, fleet: FleetSnapshot, catalog: Catalog) -> tuple[str, str]:
        """(model, backend) to serve `request` on."""
        ...


def can_serve(profile: ModelProfile, needs: Requirements, category: str) -> bool:
    """The planner's hard filter, for one model (step 1 of docs/routing.md)."""
    caps = profile.capabilities
    if not chat_capable(profile) or ("completion" not in caps and category != "image"):
        return False
    if (needs.vision and "vision" not in caps) or (needs.tools and "tools" not in caps):
        return False
    return profile.context_length is None or needs.prompt_tokens <= profile.context_length


def _match_rank(profile: ModelProfile, category: str) -> int:
    preferred = profile.preferred_for
    if preferred[:1] == (category,):
        return 0
    if category in preferred:
        return 1
    return 2 if preferred[:1] == ("general",) else 3


def naive_model(
    classification: Classification, needs: Requirements, fleet: FleetSnapshot, catalog: Catalog
) -> str:
    """The seed's pick: category match, then the fastest strong-enough, else the strongest."""
    category, complexity = classification.category, classification.complexity
    best: tuple[tuple[int, int, int, str], str] | None = None
    for name in fleet.all_models():
        profile = catalog.profile(name)
        if not can_serve(profile, needs, category):
            continue
        strong = profile.complexity >= complexity
        key = (
            _match_rank(profile, category),
            0 if strong else 1,
            -profile.speed if strong else -profile.complexity,
            model_key(name),
        )
        if best is None or key < best[0]:
            best = (key, name)
    if best is None:
        raise LookupError(f"no model can serve request ({needs})")
    return best[1]


def _holders(fleet: FleetSnapshot, model: str) -> list[BackendView]:
    key = model_key(model)
    return [b for b in fleet.backends if key in {model_key(m) for m in b.models}]


class _NaiveModel:
    """Shared part of the prompt-only policies: classify, then the seed's model."""

    name = "naive"

    def model(self, request: Request, fleet: FleetSnapshot, catalog: Catalog) -> str:
        body = request.body
        return naive_model(classify(body), requirements_from_body(body), fleet, catalog)


class Naive(_NaiveModel):
    name = "naive"

    def choose(self, request: Request, fleet: FleetSnapshot, catalog: Catalog) -> tuple[str, str]:
        model = self.model(request, fleet, catalog)
        return model, _holders(fleet, model)[0].name


class RoundRobin(_NaiveModel):
    name = "round-robin"

    def __init__(self) -> None:
        self._turn = itertools.count()

    def choose(self, request: Request, fleet: FleetSnapshot, catalog: Catalog) -> tuple[str, str]:
        model = self.model(request, fleet, catalog)
        holders = _holders(fleet, model)
        return model, holders[next(self._turn) % len(holders)].name


class LeastBusy(_NaiveModel):
    name = "least-busy"

    def choose(self, request: Request, fleet: FleetSnapshot, catalog: Catalog) -> tuple[str, str]:
        model = self.model(request, fleet, catalog)
        return model, min(_holders(fleet, model), key=lambda b: b.in_flight).name


class WarmFirst(_NaiveModel):
    name = "warm-first"

    def choose(self, request: Request, fleet: FleetSnapshot, catalog: Catalog) -> tuple[str, str]:
        needs = requirements_from_body(request.body)
        warm: list[tuple[int, int, str, str, str]] = []
        for index, backend in enumerate(fleet.backends):
            for name in backend.loaded:
                profile = catalog.profile(name)
                if can_serve(profile, needs, "general"):  # the prompt's topic is ignored
                    warm.append((backend.in_flight, -profile.speed, model_key(name), name, index))
        if warm:
            *_, name, index = min(warm)
            return name, fleet.backends[index].name
        model = self.model(request, fleet, catalog)
        return model, min(_holders(fleet, model), key=lambda b: b.in_flight).name


class Planner:
    """IntelliProxy: the first attempt of the very `plan` the server calls, under one
    ROUTING_PREFERENCE (`balanced` is plain "intelliproxy" in the tables)."""

    def __init__(self, preference: str = "balanced", default_model: str = DEFAULT_MODEL) -> None:
        self.preference = preference
        self.name = "intelliproxy" if preference == "balanced" else f"intelliproxy/{preference}"
        self.default_model = default_model

    def choose(self, request: Request, fleet: FleetSnapshot, catalog: Catalog) -> tuple[str, str]:
        body = request.body
        result = plan(
            classify(body),
            requirements_from_body(body),
            catalog,
            fleet,
            default_model=self.default_model,
            fallbacks=SEED_FALLBACKS,
            preference=self.preference,
        )
        if not result.attempts:
            raise LookupError(f"empty plan: {result.notes}")
        first = result.attempts[0]
        return first.model, first.backend


def all_policies() -> list[Policy]:
    ours = [Planner(p) for p in ("quality", "balanced", "speed")]
    return [*ours, Naive(), RoundRobin(), LeastBusy(), WarmFirst()]
