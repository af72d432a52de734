"""The per-request routing decision, over the runtime's live state.

`Router.route()` turns a parsed request into an ordered list of targets by calling the pure
`classify` and `plan` of `routing/`, then applies what only the live system knows: which
backend object serves, first-byte budgets from measured load times, the AirLLM lane, and
how to reshape the remaining attempts after a failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from . import VIRTUAL_MODEL
from .routing import llm_classifier
from .routing.catalog import chat_capable, model_key
from .routing.classifier import classify
from .routing.classifier_extract import extract_view
from .routing.planner import explain, failure_status, plan
from .routing.requirements import requirements_from_body
from .routing.types import CATEGORIES, Classification, Requirements
from .upstream.backends import Backend, canonical_model
from .upstream.errors import Failure
from .upstream.forward import Target

if TYPE_CHECKING:  # the runtime owns the router; importing it at run time would be a cycle
    from .routing.catalog import Catalog
    from .runtime import Runtime
    from .settings import Settings
    from .upstream.backends import BackendPool


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


class Router:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.llm_answers = llm_classifier.AnswerCache()

    # The runtime's live state; read through it because config changes replace it.
    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def catalog(self) -> Catalog:
        return self.runtime.catalog

    @property
    def backends(self) -> BackendPool:
        return self.runtime.backends

    def route(
        self,
        body: Mapping[str, Any],
        model: str,
        kind: str,
        category: str | None = None,
        classification: Classification | None = None,
        preference: str | None = None,
    ) -> Decision:
        """Targets for one inference request.

        `kind` is "chat" (generate, chat and their /v1 forms) or "embed"; `category`
        overrides the classifier's category (the seed's `task_type` on /task);
        `classification` replaces the fast classifier (the LLM classifier's answer);
        `preference` (a key of planner.PREFERENCES) overrides ROUTING_PREFERENCE.
        """
        preference = preference or self.settings.routing_preference
        if is_virtual(model):
            if kind == "embed":
                return self._route_embedding(model)
            decision = self._route_virtual(body, category, classification, preference)
        else:
            decision = self._route_named(body, model, preference)
        if self.runtime.airllm.enabled and self.runtime.ops is not None:
            decision.targets = self._through_lane(decision.targets)
        return decision

    def _through_lane(self, targets: list[Target]) -> list[Target]:
        """Models the operator switched to AirLLM go through the lane (Path B), once; the
        lane is not a fallback for interactive traffic unless AIRLLM_FALLBACK says so."""
        assert self.runtime.ops is not None
        out: list[Target] = []
        laned: set[str] = set()
        for index, target in enumerate(targets):
            if not target.model or not self.runtime.ops.config.airllm_for(target.model):
                out.append(target)
                continue
            key = canonical_model(target.model)
            if key in laned or (index > 0 and not self.settings.airllm_fallback):
                continue
            laned.add(key)
            out.append(
                Target(
                    self.runtime.airllm.backend,
                    target.model,
                    f"{target.reason} via airllm",
                    target.rewrite,
                    target.drop_fields,
                    first_byte_budget=self.runtime.airllm.timeout,
                )
            )
        return out

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
        payload = llm_classifier.request_body(model, text)
        timeout = self.settings.classifier_timeout
        reply = await self.backends.ask(model, payload, timeout, "LLM classifier")
        return None if reply is None else llm_classifier.parse_answer(reply.get("response"))

    def route_passthrough(self) -> list[Target]:
        return [Target(self.backends.first_available(), None)]

    def _route_virtual(
        self,
        body: Mapping[str, Any],
        category: str | None,
        classification: Classification | None,
        preference: str,
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
            default_model=self.runtime.default_model,
            fallbacks=self.runtime.fallbacks,
            preference=preference,
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

    def _route_named(self, body: Mapping[str, Any], model: str, preference: str) -> Decision:
        result = plan(
            _NO_CLASSIFICATION,
            Requirements(),
            self.catalog,
            self.backends.snapshot(),
            default_model=self.runtime.default_model,
            fallbacks=self.runtime.fallbacks,
            requested_model=model,
            preference=preference,
        )
        decision = Decision(reason=explain(result))
        requested = model_key(model)
        targets = []
        for attempt in result.attempts:
            backend = self.backends.get(attempt.backend)
            if backend is not None:
                # The asked-for model keeps the client's bytes; a fallback is swapped in.
                rewrite = model_key(attempt.model) != requested
                targets.append(self.target(backend, attempt.model, attempt.reason, rewrite))
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
                    targets = [self.target(b, profile.name, "embedding model", True) for b in hosts]
                    return Decision(targets=targets, reason=f"{profile.name}: embedding model")
        return Decision(error_status=400, error="no model with embedding capability is available")

    def _targets(self, attempts: tuple, *, rewrite_all: bool) -> list[Target]:
        targets = []
        for attempt in attempts:
            backend = self.backends.get(attempt.backend)
            if backend is not None:
                targets.append(self.target(backend, attempt.model, attempt.reason, rewrite_all))
        return targets

    def target(self, backend: Backend, model: str, reason: str, rewrite: bool) -> Target:
        cold = not backend.is_loaded(model)
        return Target(
            backend,
            model,
            reason,
            rewrite,
            first_byte_budget=self.first_byte_budget(backend, model, cold),
            cold=cold,
        )

    def first_byte_budget(self, backend: Backend, model: str, cold: bool) -> float:
        """How long an attempt may wait for its first byte before the next one is tried.

        A loaded model that stays silent is stuck or queued: short budget. A cold one must
        load first, which can legitimately take minutes: three times the load time measured
        on that backend (plus the warm budget), or the cold budget when never measured. The
        last attempt always gets the full REQUEST_TIMEOUT (see upstream/forward.py).
        """
        warm = self.settings.first_byte_budget
        if not cold:
            return warm
        measured = backend.load_seconds.get(canonical_model(model))
        if measured is None:
            return self.settings.cold_load_budget
        return min(max(3 * measured + warm, warm), self.settings.cold_load_budget)

    def after_failure(
        self, failed: Target, failure: Failure, remaining: list[Target]
    ) -> list[Target]:
        """Reshape the attempts left after a failure (Forward.on_failure).

        Out of memory: after the same model on other backends, try smaller models of the
        same category. Not found: the inventory was stale, so re-read that backend."""
        if failure is Failure.NOT_FOUND:
            asyncio.ensure_future(failed.backend.refresh())
        if failure is not Failure.OOM or not failed.model:
            return remaining
        profile = self.catalog.profile(failed.model)
        size = profile.parameter_size_b
        category = profile.preferred_for[0] if profile.preferred_for else "general"
        listed = {canonical_model(t.model or "") for t in remaining} | {
            canonical_model(failed.model)
        }
        smaller = [
            p
            for p in self.catalog.profiles()
            if chat_capable(p)
            and canonical_model(p.name) not in listed
            and category in p.preferred_for
            and (size is None or (p.parameter_size_b or 0) < size)
        ]
        smaller.sort(key=lambda p: -(p.parameter_size_b or 0))
        same_model = [
            t
            for t in remaining
            if t.model and canonical_model(t.model) == canonical_model(failed.model)
        ]
        others = [t for t in remaining if t not in same_model]
        extra = []
        for profile in smaller[:2]:
            hosts = self.backends.with_model(profile.name)
            if hosts:
                extra.append(
                    self.target(
                        hosts[0], profile.name, f"smaller than {failed.model} after oom", True
                    )
                )
        return [*same_model, *extra, *others]

    # ------------------------------------------------------------------ views
