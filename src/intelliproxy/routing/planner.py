"""The routing decision: which model on which backend, in which order, and why.

`plan` is a pure function of plain data (no I/O, no clock, no randomness): the same inputs
always give the same attempts, ties broken by model name, then backend name.

Steps for the virtual model:

1. Hard filter (eligibility.py). A model must be installed on a usable backend (healthy,
   busy or degraded; unreachable and cooling_down backends are never used), must not be
   embedding-only (image-generation-only models only for the `image` category), must have
   `vision` when images are attached and `tools` when tools are sent, and its context
   length (when known) must hold max(prompt_tokens, num_ctx).
2. Fit of each model to the prompt (category c, complexity x from the classifier):

   | signal            | value                                                       | weight |
   |-------------------|-------------------------------------------------------------|--------|
   | category match    | 1.0 c is preferred_for[0]; 0.6 c elsewhere in preferred_for; | 0.40   |
   |                   | 0.25 a generalist (preferred_for[0] == general); -0.5 a     |        |
   |                   | specialist of another category (a coder for a proof)        |        |
   | capacity          | 1 - 0.30 * weak - 0.08 * over * (2 - speed/10), >= -1       | 0.30   |
   |                   | weak = max(0, x - complexity), over = max(0, complexity - x)|        |
   | speed             | speed / 10                                                  | 0.25   |
   | thinking          | 1 if `think` was asked and the model has `thinking`         | 0.10   |

   fit = the weighted sum. Too weak costs 0.09 per point of complexity; needless overkill
   0.024..0.048 per point, more for slow models (a slow thinker on an easy prompt is the
   most expensive mistake a router makes: benchmarks/fleet_sim.py). For the `image`
   category only image-generation models are considered when any is available.
3. Placement of each (model, backend) pair, added to fit:

   | signal          | value                                                         |
   |-----------------|---------------------------------------------------------------|
   | cold            | -0.04 per second of estimated load x (2 - x/10), at most 0.40; |
   |                 | load = measured on that backend (load_duration of cold        |
   |                 | answers), else 1 s + 0.5 s/GB of model size                   |
   | backend state   | healthy 0, busy -0.05, degraded -0.15                         |
   | load, max known | -0.10 * min(in_flight / max_concurrent, 1), -0.10 more if full |
   | load, no max    | -0.02 * min(in_flight, 5)                                     |
   | memory budget   | -0.10 when a cold model fits the backend's `memory_budget`     |
   |                 | only by evicting resident models (/api/ps sizes); -2.0 (a     |
   |                 | last resort) when it is larger than the whole budget          |
   | GPU sharing     | -0.30 per other model with requests in flight there, at most  |
   |                 | two: different models on one GPU take turns, each runs slower |
   | weight          | +0.05 * (weight - 1), weight clamped to 0..2 (router_config)   |
   | measured speed  | tie-break: the backend that measured the model faster first   |

   So a loaded model wins over a cold one whose fit is better by less than the load costs
   (~0.20 for a 4.7 GB model on a mid prompt, ~0.25 on a greeting, 0.40 for a 20 GB one),
   and a backend where only this model is busy wins over one where others are.
4. Attempts: the best model on each backend that has it (best placement first, at most 3),
   the next two models (their best backend), `default_model`, then the fallback chains of
   the models already listed; each model only once, only models passing step 1, at most 6.

A request naming a real model skips steps 1-2 for that model: it is tried on every usable
backend that has it (loaded first, then by placement), then its fallback chain (hard-filtered).

The numbers above are the `balanced` preference (ROUTING_PREFERENCE). Five of them are the
operator's trade between latency and fit; `speed` and `quality` change only those:

| preference | speed weight | weak/point | overkill/point | cold cost/s | GPU sharing |
|------------|-------------:|-----------:|---------------:|------------:|------------:|
| quality    | 0.10         | 0.30       | 0.04           | 0.02        | 0.15        |
| balanced   | 0.25         | 0.30       | 0.08           | 0.04        | 0.30        |
| speed      | 1.00         | 0.80       | 0.30           | 0.08        | 0.30        |

When no attempt is possible, `Plan.attempts` is empty and `Plan.notes[0]` is the message for
the client; `failure_status` gives the HTTP status that goes with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from intelliproxy.routing.catalog import Catalog, fallback_chain, model_key
from intelliproxy.routing.eligibility import hard_filter
from intelliproxy.routing.types import (
    Attempt,
    BackendView,
    Classification,
    FleetSnapshot,
    ModelProfile,
    Plan,
    Requirements,
)

W_CATEGORY, W_CAPACITY, W_SPEED, W_THINKING = 0.40, 0.30, 0.25, 0.10
MATCH_PRIMARY, MATCH_SECONDARY, MATCH_GENERALIST = 1.0, 0.6, 0.25
MATCH_OTHER_SPECIALIST = -0.5
WEAK_PER_POINT, OVERKILL_PER_POINT = 0.30, 0.08
WEIGHT_BONUS = 0.05  # per unit of backend weight above (or below) 1, at most one unit
COLD_COST_PER_SECOND = 0.04  # fit points that one second of model loading is worth
COLD_COST_MAX = 0.40
STATE_PENALTY: Mapping[str, float] = {"healthy": 0.0, "busy": 0.05, "degraded": 0.15}
LOAD_PENALTY, FULL_PENALTY, INFLIGHT_PENALTY = 0.10, 0.10, 0.02
EVICT_PENALTY = 0.10  # a cold model that only fits the memory budget by evicting another
OVER_BUDGET_PENALTY = 2.0  # a cold model larger than the whole budget: last resort only
SHARE_PENALTY = 0.30  # per other model busy on the backend (they share its GPU), at most 2
MAX_ATTEMPTS, MAX_BACKENDS_PER_MODEL, NEXT_BEST_MODELS = 6, 3, 2

NO_BACKEND = "no healthy backend is available"


@dataclass(frozen=True, slots=True)
class Weights:
    """The weights an operator's ROUTING_PREFERENCE changes (the rest are fixed)."""

    speed: float  # W_SPEED
    weak_per_point: float  # WEAK_PER_POINT
    overkill_per_point: float  # OVERKILL_PER_POINT
    cold_cost_per_second: float  # COLD_COST_PER_SECOND
    share_penalty: float  # SHARE_PENALTY


# Measured with benchmarks/fleet_sim.py (docs/routing.md): `speed` has 0.80-0.87x the mean
# latency of warm-first at a better fit; `quality` about the fit of the seed's naive policy
# at ~0.1x its latency; `balanced` sits between. `speed` still weighs a weak model heavily
# (0.8 a point): a 4B model must not get the hardest maths prompt because it is fast.
PREFERENCES: Mapping[str, Weights | None] = {
    "quality": Weights(speed=0.10, weak_per_point=0.30, overkill_per_point=0.04,
                       cold_cost_per_second=0.02, share_penalty=0.15),
    "balanced": None,  # the module constants above (fleet_sim --planner-set varies them)
    "speed": Weights(speed=1.0, weak_per_point=0.80, overkill_per_point=0.30,
                     cold_cost_per_second=0.08, share_penalty=0.30),
}  # fmt: skip


def weights_for(preference: str = "balanced") -> Weights:
    preset = PREFERENCES.get(preference)
    if preset is not None:
        return preset
    return Weights(W_SPEED, WEAK_PER_POINT, OVERKILL_PER_POINT, COLD_COST_PER_SECOND, SHARE_PENALTY)


@dataclass(frozen=True, slots=True)
class _Host:
    backend: BackendView
    name: str  # the model as this backend spells it
    placement: float
    warm: bool


def fit_score(
    profile: ModelProfile,
    category: str,
    complexity: int,
    thinking: bool = False,
    weights: Weights | None = None,
) -> float:
    """Step 2 of the docstring: how well this model suits the prompt, 0..1."""
    w = weights or weights_for()
    preferred = profile.preferred_for
    if preferred and preferred[0] == category:
        match = MATCH_PRIMARY
    elif category in preferred:
        match = MATCH_SECONDARY
    elif preferred and preferred[0] == "general":
        match = MATCH_GENERALIST
    elif preferred:
        match = MATCH_OTHER_SPECIALIST  # a coder asked for a proof: worse than a generalist
    else:
        match = 0.0
    weak = max(0, complexity - profile.complexity)
    over = max(0, profile.complexity - complexity)
    slowness = 2 - profile.speed / 10  # overkill hurts more on slow models
    capacity = max(-1.0, 1 - w.weak_per_point * weak - w.overkill_per_point * over * slowness)
    score = W_CATEGORY * match + W_CAPACITY * capacity + w.speed * profile.speed / 10
    if thinking and "thinking" in profile.capabilities:
        score += W_THINKING
    return score


def estimated_load_seconds(backend: BackendView, key: str, profile: ModelProfile) -> float:
    """Measured on this backend when known, else a default by size (~1 s + 0.5 s/GB)."""
    measured = backend.load_seconds.get(key)
    if measured is not None:
        return measured
    if profile.size_bytes:
        return 1.0 + 0.5 * profile.size_bytes / 1e9
    if profile.parameter_size_b:
        return 1.0 + 0.3 * profile.parameter_size_b  # ~0.6 GB per billion at 4-bit
    return 5.0


def cold_cost(load_seconds: float, complexity: int = 5, weights: Weights | None = None) -> float:
    """A load weighs more on an easy prompt, whose answer itself takes little time."""
    urgency = 2 - complexity / 10
    per_second = (weights or weights_for()).cold_cost_per_second
    return min(per_second * load_seconds * urgency, COLD_COST_MAX)


def placement_score(
    backend: BackendView,
    warm: bool,
    load_seconds: float = 3.35,
    complexity: int = 5,
    key: str = "",
    evicts: bool = False,
    weights: Weights | None = None,
) -> float:
    """Step 3 of the docstring, for a usable backend (`key`: the model placed)."""
    w = weights or weights_for()
    cold = 0.0 if warm else cold_cost(load_seconds, complexity, w)
    score = -cold - STATE_PENALTY.get(backend.state, 0.0) - (EVICT_PENALTY if evicts else 0.0)
    others = sum(1 for k, n in backend.model_in_flight.items() if n and k != key)
    score -= w.share_penalty * min(others, 2)
    score += WEIGHT_BONUS * max(-1.0, min(1.0, backend.weight - 1.0))
    if backend.max_concurrent:
        score -= LOAD_PENALTY * min(backend.in_flight / backend.max_concurrent, 1.0)
        if backend.in_flight >= backend.max_concurrent:
            score -= FULL_PENALTY
    else:
        score -= INFLIGHT_PENALTY * min(backend.in_flight, 5)
    return score


def plan(
    classification: Classification,
    requirements: Requirements,
    catalog: Catalog,
    fleet: FleetSnapshot,
    *,
    default_model: str,
    fallbacks: Mapping[str, str],
    requested_model: str | None = None,
    preference: str = "balanced",
) -> Plan:
    """Ordered attempts for one request; see the module docstring for the rules."""
    complexity = max(1, min(10, classification.complexity))
    weights = weights_for(preference)
    if requested_model is not None:
        # Only the asked-for model and its fallback chain matter: skip scoring the rest.
        wanted = {model_key(requested_model)}
        wanted.update(model_key(m) for m in fallback_chain(requested_model, fallbacks))
        hosts = _hosts(fleet, catalog, complexity, weights, wanted)
        return _plan_named(requested_model, requirements, catalog, fleet, hosts, fallbacks)
    hosts = _hosts(fleet, catalog, complexity, weights)
    if not hosts:
        return Plan((), classification, (NO_BACKEND,))
    profiles = {key: catalog.profile(found[0].name) for key, found in hosts.items()}
    eligible, notes = hard_filter(profiles, requirements, classification.category)
    if not eligible:
        return Plan((), classification, notes)

    category = classification.category
    if category == "image":
        # Only an image-generation model can do what was asked; a chat model would merely
        # describe the picture, so it serves only when no such model is available.
        painters = {k for k in eligible if "image" in profiles[k].capabilities}
        eligible = painters or eligible
    thinking = requirements.thinking
    fits = {k: fit_score(profiles[k], category, complexity, thinking, weights) for k in eligible}
    # Best pair first; ties by model name then backend name.
    ranked = sorted(eligible, key=lambda k: (-(fits[k] + hosts[k][0].placement), k))

    builder = _Builder(hosts)
    described = f"category={category} complexity={complexity}"
    best = ranked[0]
    for host in hosts[best][:MAX_BACKENDS_PER_MODEL]:
        builder.add(best, host, f"best {described} fit={fits[best]:.2f}")
    for key in ranked[1 : 1 + NEXT_BEST_MODELS]:
        builder.add(key, hosts[key][0], f"alt {described} fit={fits[key]:.2f}")
    default_key = model_key(default_model) if default_model else ""
    if default_key in eligible:
        builder.add(default_key, hosts[default_key][0], f"default fit={fits[default_key]:.2f}")
    for chosen in builder.models():
        for target in fallback_chain(chosen, fallbacks):
            key = model_key(target)
            if key in eligible:
                builder.add(key, hosts[key][0], f"fallback for {chosen}")
    return Plan(builder.attempts(), classification, notes)


def _plan_named(
    requested: str,
    requirements: Requirements,
    catalog: Catalog,
    fleet: FleetSnapshot,
    hosts: Mapping[str, list[_Host]],
    fallbacks: Mapping[str, str],
) -> Plan:
    key = model_key(requested)
    notes: list[str] = []
    builder = _Builder(hosts)
    # Loaded first: a client naming a model wants it, the fastest way possible.
    for host in sorted(
        hosts.get(key, []), key=lambda h: (not h.warm, -h.placement, h.backend.name)
    ):
        builder.add(key, host, "requested")
    if not builder.attempts():
        if not any(model_key(m) == key for b in fleet.backends for m in b.models):
            return Plan((), None, (f"model '{requested}' not found",))
        notes.append(f"model '{requested}' is only on unavailable backends")
    chain = [model_key(t) for t in fallback_chain(requested, fallbacks)]
    profiles = {k: catalog.profile(hosts[k][0].name) for k in chain if k in hosts}
    eligible, _ = hard_filter(profiles, requirements, "general")
    for target in chain:
        if target in eligible:
            for host in hosts[target][:2]:  # a second host: the first may be the one failing
                builder.add(target, host, f"fallback for {requested}")
    if not builder.attempts() and not fleet_usable(fleet):
        notes.append(NO_BACKEND)
    return Plan(builder.attempts(), None, tuple(notes))


class _Builder:
    """Collects attempts: no duplicate (model, backend), a model added once outside step 4a."""

    def __init__(self, hosts: Mapping[str, list[_Host]]) -> None:
        self._hosts = hosts
        self._items: list[tuple[str, Attempt]] = []

    def add(self, key: str, host: _Host, role: str) -> None:
        if len(self._items) >= MAX_ATTEMPTS:
            return
        if any(k == key and a.backend == host.backend.name for k, a in self._items):
            return
        if not role.startswith(("best", "requested")) and key in {k for k, _ in self._items}:
            return
        self._items.append((key, Attempt(host.name, host.backend.name, _reason(role, host))))

    def models(self) -> list[str]:
        seen: dict[str, None] = {}
        for _, attempt in self._items:
            seen.setdefault(attempt.model, None)
        return list(seen)

    def attempts(self) -> tuple[Attempt, ...]:
        return tuple(attempt for _, attempt in self._items)


def _reason(role: str, host: _Host) -> str:
    parts = [role, "warm" if host.warm else "cold"]
    backend = host.backend
    if backend.state != "healthy":
        parts.append(backend.state)
    if backend.in_flight:
        limit = backend.max_concurrent
        parts.append(f"load={backend.in_flight}/{limit}" if limit else f"load={backend.in_flight}")
    return " ".join(parts)


def fleet_usable(fleet: FleetSnapshot) -> bool:
    return any(b.state in STATE_PENALTY for b in fleet.backends)


def _hosts(
    fleet: FleetSnapshot,
    catalog: Catalog,
    complexity: int,
    weights: Weights,
    only: set[str] | None = None,
) -> dict[str, list[_Host]]:
    """Model key -> usable backends that have it, best placement first (`only`: just these)."""
    out: dict[str, list[_Host]] = {}
    for backend in fleet.backends:
        if backend.state not in STATE_PENALTY:
            continue  # unreachable, cooling_down or unknown: never planned onto
        loaded = {model_key(name) for name in backend.loaded}
        for name in backend.models:
            key = model_key(name)
            if only is not None and key not in only:
                continue
            warm = key in loaded
            load, evicts, room = 0.0, False, True
            if not warm:
                profile = catalog.profile(name)
                room = _room_for(backend, profile)
                load, evicts = estimated_load_seconds(backend, key, profile), not room
            score = placement_score(backend, warm, load, complexity, key, evicts, weights)
            if not warm and room is None:
                score -= OVER_BUDGET_PENALTY  # larger than the budget: a last resort only
            out.setdefault(key, []).append(_Host(backend, name, score, warm))
    for found in out.values():
        # Equal placement: the backend that measured this model faster first.
        found.sort(
            key=lambda h: (
                -round(h.placement, 6),
                -h.backend.tokens_per_s.get(model_key(h.name), 0.0),
                h.backend.name,
            )
        )
    return out


def _room_for(backend: BackendView, profile: ModelProfile) -> bool | None:
    """Does a cold model fit the backend's memory budget next to what is resident (True),
    only by evicting (False), or never (None)? True when no budget or size is known."""
    budget, size = backend.memory_budget, profile.size_bytes
    if not budget or not size:
        return True
    if size > budget:
        return None
    return sum(backend.resident_bytes.values()) + size <= budget


def failure_status(plan_: Plan) -> int | None:
    """HTTP status for an empty plan (None when there are attempts)."""
    if plan_.attempts:
        return None
    note = plan_.notes[0] if plan_.notes else ""
    if note.startswith("model '") and note.endswith("' not found"):
        return 404
    if note.startswith(("no model with", "no model has", "no model able")):
        return 400
    return 503


def explain(plan_: Plan, limit: int = 200) -> str:
    """One ASCII line for the X-IntelliProxy-Reason header."""
    if plan_.attempts:
        first = plan_.attempts[0]
        text = f"{first.model}: {first.reason}"
    else:
        text = plan_.notes[0] if plan_.notes else "no attempt"
    text = text[:limit]
    if text.isascii() and text.isprintable():
        return text
    return "".join(ch if " " <= ch <= "~" else "?" for ch in text)
