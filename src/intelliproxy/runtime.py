"""The proxy's live state and the one decision it makes per request.

`Runtime` owns the backend pool and the model catalogue (rebuilt after every inventory
refresh, never per request). `route()` turns a parsed request into an ordered list of
targets by calling the pure `classify` and `plan` functions of `routing/`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import VIRTUAL_MODEL
from .routing.catalog import Catalog, chat_capable, model_key
from .routing.classifier import classify
from .routing.planner import explain, failure_status, plan
from .routing.requirements import requirements_from_body
from .routing.types import CATEGORIES, Classification, Requirements
from .settings import Settings
from .upstream.backends import BackendPool, canonical_model
from .upstream.forward import Target

log = logging.getLogger("intelliproxy")

_VIRTUAL_KEY = canonical_model(VIRTUAL_MODEL)
_NO_CLASSIFICATION = Classification("general", 1, 1.0, ("named model",))


def is_virtual(model: object) -> bool:
    return isinstance(model, str) and canonical_model(model) == _VIRTUAL_KEY


@dataclass(slots=True)
class Decision:
    """Where a request goes, or why it cannot go anywhere."""

    targets: list[Target] = field(default_factory=list)
    classification: Classification | None = None
    reason: str = ""
    error_status: int | None = None
    error: str | None = None


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.backends = BackendPool(settings.ollama_backends, settings.inventory_interval)
        self.backends.on_refresh = self.rebuild_catalog
        self.fallbacks: dict[str, str] = dict(settings.model_fallbacks)
        self.default_model = settings.default_model
        self.catalog = Catalog()

    async def start(self) -> None:
        await self.backends.start()

    async def stop(self) -> None:
        await self.backends.stop()

    def rebuild_catalog(self) -> None:
        tags: list[dict] = []
        shows: dict[str, dict] = {}
        for backend in self.backends.backends:
            tags.extend(backend.inventory.tags)
            shows.update(backend.inventory.shows)
        self.catalog = Catalog(tags=tags, shows=shows)

    # ------------------------------------------------------------------ the decision

    def route(
        self, body: Mapping[str, Any], model: str, kind: str, category: str | None = None
    ) -> Decision:
        """Targets for one inference request.

        `kind` is "chat" (generate, chat and their /v1 forms) or "embed"; `category`
        overrides the classifier's category (the seed's `task_type` on /task).
        """
        if is_virtual(model):
            if kind == "embed":
                return self._route_embedding(model)
            return self._route_virtual(body, category)
        return self._route_named(body, model)

    def route_passthrough(self) -> list[Target]:
        return [Target(self.backends.first_available(), None)]

    def _route_virtual(self, body: Mapping[str, Any], category: str | None) -> Decision:
        classification = classify(body)
        if category in CATEGORIES and category != classification.category:
            classification = replace(
                classification,
                category=category,
                reasons=(f"task_type={category}", *classification.reasons),
            )
        requirements = requirements_from_body(body)
        result = plan(
            classification,
            requirements,
            self.catalog,
            self.backends.snapshot(),
            default_model=self.default_model,
            fallbacks=self.fallbacks,
        )
        decision = Decision(classification=classification, reason=explain(result))
        decision.targets = self._targets(result.attempts, rewrite_all=True)
        if not decision.targets:
            decision.error_status = failure_status(result) or 503
            decision.error = result.notes[0] if result.notes else "no model is available"
        return decision

    def _route_named(self, body: Mapping[str, Any], model: str) -> Decision:
        result = plan(
            _NO_CLASSIFICATION,
            Requirements(),
            self.catalog,
            self.backends.snapshot(),
            default_model=self.default_model,
            fallbacks=self.fallbacks,
            requested_model=model,
        )
        decision = Decision(reason=explain(result))
        requested = model_key(model)
        targets = []
        for attempt in result.attempts:
            backend = self.backends.get(attempt.backend)
            if backend is not None:
                # The asked-for model keeps the client's bytes; a fallback is swapped in.
                rewrite = model_key(attempt.model) != requested
                targets.append(Target(backend, attempt.model, attempt.reason, rewrite))
        if not targets:
            # Nobody lists the model (or our inventory is stale): let a backend give the
            # authoritative answer, e.g. Ollama's own 404 with the route's exact wording.
            backend = self.backends.first_available()
            targets.append(Target(backend, model, "not in inventory: asking a backend"))
        decision.targets = targets
        return decision

    def _route_embedding(self, model: str) -> Decision:
        for profile in self.catalog.profiles():
            if "embedding" in profile.capabilities and not chat_capable(profile):
                hosts = self.backends.with_model(profile.name)
                if hosts:
                    targets = [Target(b, profile.name, "embedding model", True) for b in hosts]
                    return Decision(targets=targets, reason=f"{profile.name}: embedding model")
        return Decision(error_status=400, error="no model with embedding capability is available")

    def _targets(self, attempts: tuple, *, rewrite_all: bool) -> list[Target]:
        targets = []
        for attempt in attempts:
            backend = self.backends.get(attempt.backend)
            if backend is not None:
                targets.append(Target(backend, attempt.model, attempt.reason, rewrite_all))
        return targets

    # ------------------------------------------------------------------ views

    def chat_models(self) -> list[str]:
        return [p.name for p in self.catalog.profiles() if chat_capable(p)]
