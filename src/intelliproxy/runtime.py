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
from .routing import llm_classifier
from .routing.catalog import Catalog, chat_capable, model_key
from .routing.classifier import classify
from .routing.classifier_extract import extract_view
from .routing.planner import explain, failure_status, plan
from .routing.requirements import requirements_from_body
from .routing.types import CATEGORIES, Classification, Requirements
from .settings import Settings
from .state.ops import OpsState
from .state.records import RequestRecord
from .upstream.backends import BackendPool, canonical_model
from .upstream.forward import Target

log = logging.getLogger("intelliproxy")

_VIRTUAL_KEY = canonical_model(VIRTUAL_MODEL)
_NO_CLASSIFICATION = Classification("general", 1, 1.0, ("named model",))
HYBRID_CONFIDENCE = 0.6  # hybrid mode asks the LLM only below this fast-classifier confidence


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
    def __init__(self, settings: Settings, ops: OpsState | None = None) -> None:
        self.settings = settings
        self.ops = ops  # statistics, request log, metrics, config files (None in the CLI)
        self.backends = BackendPool(settings.ollama_backends, settings.inventory_interval)
        self.backends.on_refresh = self.rebuild_catalog
        self.fallbacks: dict[str, str] = dict(settings.model_fallbacks)
        self.default_model = settings.default_model
        self.catalog = Catalog()
        self.llm_answers = llm_classifier.AnswerCache()
        self._default_missing = False

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
        if self.ops is not None:
            self.catalog = Catalog(operator=self.ops.config.models, tags=tags, shows=shows)
        else:
            self.catalog = Catalog(tags=tags, shows=shows)
        missing = bool(tags) and self.catalog.get(self.default_model) is None
        if missing and not self._default_missing:
            log.warning(
                "DEFAULT_MODEL %s is on no backend; the virtual model uses the best available",
                self.default_model,
            )
        self._default_missing = missing

    async def on_config_changed(self, kind: str) -> None:
        """Called after the operator changed configuration at run time."""
        if kind == "backends" and tuple(b.url for b in self.backends.backends) != tuple(
            self.settings.ollama_backends
        ):
            old = self.backends
            self.backends = BackendPool(
                self.settings.ollama_backends, self.settings.inventory_interval
            )
            self.backends.on_refresh = self.rebuild_catalog
            await self.backends.start()
            await old.stop()
        elif kind == "models":
            self.rebuild_catalog()

    def record(self, record: RequestRecord) -> None:
        if self.ops is not None:
            self.ops.record(record)

    # ------------------------------------------------------------------ the decision

    def route(
        self,
        body: Mapping[str, Any],
        model: str,
        kind: str,
        category: str | None = None,
        classification: Classification | None = None,
    ) -> Decision:
        """Targets for one inference request.

        `kind` is "chat" (generate, chat and their /v1 forms) or "embed"; `category`
        overrides the classifier's category (the seed's `task_type` on /task);
        `classification` replaces the fast classifier (the LLM classifier's answer).
        """
        if is_virtual(model):
            if kind == "embed":
                return self._route_embedding(model)
            return self._route_virtual(body, category, classification)
        return self._route_named(body, model)

    @property
    def uses_llm_classifier(self) -> bool:
        return self.settings.classifier_mode != "fast"

    async def classify_with_llm(self, body: Mapping[str, Any]) -> Classification:
        """CLASSIFIER_MODE=llm|hybrid: ask CLASSIFIER_MODEL, time-boxed, cached, with the
        fast classifier as the answer whenever the LLM is slow, absent or unparsable."""
        fast = classify(body)
        if fast.category == "vision" or (
            self.settings.classifier_mode == "hybrid" and fast.confidence >= HYBRID_CONFIDENCE
        ):
            return fast  # an attached image is a fact; a confident fast answer is enough
        view = extract_view(body)
        text = "\n".join((*view.history[-2:], view.current)) if view.current else ""
        if not text.strip():
            return fast
        key = llm_classifier.cache_key(text)
        cached = self.llm_answers.get(key)
        if cached is not None:
            return cached
        answer = await self._ask_llm(text)
        if answer is None:
            return replace(fast, reasons=("llm unavailable: fast classifier", *fast.reasons))
        self.llm_answers.put(key, answer)
        return answer

    async def _ask_llm(self, text: str) -> Classification | None:
        model = self.settings.classifier_model
        holders = self.backends.with_model(model)
        if not holders:
            return None
        payload = llm_classifier.request_body(model, text)
        try:
            reply = await holders[0].post_json(
                "/api/generate", payload, timeout=self.settings.classifier_timeout
            )
        except Exception as exc:  # timeout, refused, bad JSON: all mean "use the fast one"
            log.info("LLM classifier %s gave no answer: %s", model, exc or type(exc).__name__)
            return None
        return llm_classifier.parse_answer(reply.get("response"))

    def route_passthrough(self) -> list[Target]:
        return [Target(self.backends.first_available(), None)]

    def _route_virtual(
        self,
        body: Mapping[str, Any],
        category: str | None,
        classification: Classification | None = None,
    ) -> Decision:
        classification = classification or classify(body)
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
        if body.get("think") not in (None, False):
            # `think` is a preference here; a model without it would answer 400.
            decision.targets = [
                t
                if "thinking" in self.catalog.profile(t.model or "").capabilities
                else replace(t, drop_fields=("think",))
                for t in decision.targets
            ]
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
