"""The proxy's live state and the one decision it makes per request.

`Runtime` owns the backend pool and the model catalogue (rebuilt after every inventory
refresh, never per request). `route()` turns a parsed request into an ordered list of
targets by calling the pure `classify` and `plan` functions of `routing/`.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from .upstream.airllm import AirLLMLane
from .upstream.backends import Backend, BackendPool, BackendSettings, canonical_model
from .upstream.breaker import CircuitBreaker
from .upstream.errors import Failure
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
        self.backends = self._pool()
        self.airllm = self._lane()
        self._lane_task: asyncio.Task[None] | None = None
        self.fallbacks: dict[str, str] = dict(settings.model_fallbacks)
        self.default_model = settings.default_model
        self.catalog = Catalog()
        self.llm_answers = llm_classifier.AnswerCache()
        self._default_missing = False

    def _pool(self) -> BackendPool:
        per_backend: dict[str, BackendSettings] = {}
        if self.ops is not None:
            for entry in self.ops.config.router.get("backends", []):
                if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                    per_backend[entry["url"]] = BackendSettings.from_mapping(entry)
        threshold, cooldown = self.settings.breaker_threshold, self.settings.breaker_cooldown
        pool = BackendPool(
            self.settings.ollama_backends,
            self.settings.inventory_interval,
            per_backend,
            breaker=lambda: CircuitBreaker(threshold=threshold, cooldown=cooldown),
        )
        pool.on_refresh = self.rebuild_catalog
        return pool

    def _lane(self) -> AirLLMLane:
        s = self.settings
        return AirLLMLane(
            s.airllm_host,
            s.airllm_port,
            enabled=s.airllm_enabled,
            concurrency=s.airllm_concurrency,
            timeout=s.airllm_timeout,
        )

    async def start(self) -> None:
        await self.backends.start()
        self._lane_task = asyncio.create_task(self._watch_lane(), name="airllm health")

    async def _watch_lane(self) -> None:
        while True:
            try:
                await self.airllm.check()
            except Exception:  # keep watching whatever one check did
                log.exception("AirLLM health check failed")
            await asyncio.sleep(self.settings.inventory_interval)

    async def stop(self) -> None:
        if self._lane_task is not None:
            self._lane_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._lane_task
        self.airllm.close()
        await self.backends.stop()

    def rebuild_catalog(self) -> None:
        tags: list[dict] = []
        shows: dict[str, dict] = {}
        for backend in self.backends.backends:
            tags.extend(backend.inventory.tags)
            if self.settings.enable_auto_discovery:  # /api/show facts for unknown models
                shows.update(backend.inventory.shows)
        measured = self._measured_speeds()
        if self.ops is not None:
            self.catalog = Catalog(
                operator=self.ops.config.models, tags=tags, shows=shows, measured=measured
            )
        else:
            self.catalog = Catalog(tags=tags, shows=shows, measured=measured)
        missing = bool(tags) and self.catalog.get(self.default_model) is None
        if missing and not self._default_missing:
            log.warning(
                "DEFAULT_MODEL %s is on no backend; the virtual model uses the best available",
                self.default_model,
            )
        self._default_missing = missing

    def _measured_speeds(self) -> dict[str, float]:
        """Tokens/s per model, averaged over the backends that measured it."""
        seen: dict[str, list[float]] = {}
        for backend in self.backends.backends:
            for model, speed in backend.tokens_per_s.items():
                seen.setdefault(model, []).append(speed)
        return {model: sum(v) / len(v) for model, v in seen.items()}

    async def on_config_changed(self, kind: str) -> None:
        """Called after the operator changed configuration at run time."""
        if kind == "backends":
            fresh = self._pool()
            if [b.url for b in fresh.backends] == [b.url for b in self.backends.backends]:
                for backend, new in zip(self.backends.backends, fresh.backends, strict=True):
                    backend.settings = new.settings  # same machines, new limits
                return
            old, self.backends = self.backends, fresh
            await fresh.start()
            await old.stop()
        elif kind == "models":
            self.rebuild_catalog()
        elif kind == "airllm":
            old, self.airllm = self.airllm, self._lane()
            old.close()
            await self.airllm.check()

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
            decision = self._route_virtual(body, category, classification)
        else:
            decision = self._route_named(body, model)
        if self.airllm.enabled and self.ops is not None:
            decision.targets = self._through_lane(decision.targets)
        return decision

    def _through_lane(self, targets: list[Target]) -> list[Target]:
        """Models the operator switched to AirLLM go through the lane (Path B), once; the
        lane is not a fallback for interactive traffic unless AIRLLM_FALLBACK says so."""
        assert self.ops is not None
        out: list[Target] = []
        laned: set[str] = set()
        for index, target in enumerate(targets):
            if not target.model or not self.ops.config.airllm_for(target.model):
                out.append(target)
                continue
            key = canonical_model(target.model)
            if key in laned or (index > 0 and not self.settings.airllm_fallback):
                continue
            laned.add(key)
            out.append(
                Target(
                    self.airllm.backend,
                    target.model,
                    f"{target.reason} via airllm",
                    target.rewrite,
                    target.drop_fields,
                    first_byte_budget=self.airllm.timeout,
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

    def chat_models(self) -> list[str]:
        return [p.name for p in self.catalog.profiles() if chat_capable(p)]
