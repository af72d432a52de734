"""The routing decision over the seed's model set on a small simulated fleet."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from intelliproxy.routing.catalog import SEED_FALLBACKS, Catalog
from intelliproxy.routing.planner import (
    MAX_ATTEMPTS,
    OVERKILL_PER_POINT,
    PREFERENCES,
    W_SPEED,
    cold_cost,
    explain,
    failure_status,
    fit_score,
    plan,
    weights_for,
)
from intelliproxy.routing.types import (
    Attempt,
    BackendView,
    Classification,
    FleetSnapshot,
    ModelProfile,
    Plan,
    Requirements,
)


def tag(name: str, caps: list[str], size: str, ctx: int) -> dict:
    details = {"family": "x", "parameter_size": size, "context_length": ctx}
    return {"name": name, "model": name, "size": 4_000_000_000, "capabilities": caps,
            "details": details}  # fmt: skip


# The seed's models as the simulated fleet reports them.
SEED_TAGS = [
    tag("qwen2.5:7b", ["completion", "tools"], "7.6B", 32768),
    tag("qwen2.5-coder:7b", ["completion", "tools", "insert"], "7.6B", 32768),
    tag("deepseek-r1:latest", ["completion", "thinking"], "8.2B", 131072),
    tag("llava:latest", ["completion", "vision"], "7B", 4096),
    tag("nemotron-3-nano:latest", ["completion"], "1.5B", 8192),
    tag("mistral:latest", ["completion", "tools"], "7.2B", 32768),
    tag("llama2-uncensored:latest", ["completion"], "7B", 4096),
    tag("nomic-embed-text:latest", ["embedding"], "137M", 2048),
]
ALL = frozenset(t["name"] for t in SEED_TAGS)
CATALOG = Catalog(tags=SEED_TAGS)
A, B, C = "http://a:11434", "http://b:11434", "http://c:11434"
DEFAULT = "qwen2.5:7b"


def fleet(*backends: BackendView) -> FleetSnapshot:
    return FleetSnapshot(backends or (BackendView(A, models=ALL), BackendView(B, models=ALL)))


def route(
    category: str = "general",
    complexity: int = 5,
    requirements: Requirements | None = None,
    snapshot: FleetSnapshot | None = None,
    *,
    catalog: Catalog = CATALOG,
    fallbacks: dict[str, str] | None = None,
    requested: str | None = None,
    default: str = DEFAULT,
) -> Plan:
    return plan(
        Classification(category, complexity, 0.9),
        requirements or Requirements(),
        catalog,
        snapshot or fleet(),
        default_model=default,
        fallbacks=SEED_FALLBACKS if fallbacks is None else fallbacks,
        requested_model=requested,
    )


def first(p: Plan) -> str:
    assert p.attempts, p.notes
    return p.attempts[0].model


def models(p: Plan) -> list[str]:
    return list(dict.fromkeys(a.model for a in p.attempts))


# --- the prompt decides ---------------------------------------------------------------------
def test_code_prompt_goes_to_the_coder() -> None:
    assert first(route("code", 6)) == "qwen2.5-coder:7b"
    assert first(route("code", 2)) == "qwen2.5-coder:7b"


def test_hard_reasoning_goes_to_deepseek_r1() -> None:
    assert first(route("reasoning", 9)) == "deepseek-r1:latest"


def test_trivial_greeting_goes_to_the_small_fast_model() -> None:
    assert first(route("general", 1)) == "nemotron-3-nano:latest"


def test_ordinary_general_prompt_goes_to_a_7b_generalist() -> None:
    assert first(route("general", 6)) == "qwen2.5:7b"


def test_uncensored_prompt_goes_to_the_uncensored_model() -> None:
    assert first(route("uncensored", 5)) == "llama2-uncensored:latest"


def test_too_weak_costs_more_than_overkill() -> None:
    profile = ModelProfile("m", speed=5, complexity=5, preferred_for=("general",))
    assert fit_score(profile, "general", 7) < fit_score(profile, "general", 3)


def test_needless_overkill_costs_more_on_slow_models() -> None:
    fast = ModelProfile("f", speed=9, complexity=9, preferred_for=("general",))
    slow = ModelProfile("s", speed=9, complexity=9, preferred_for=("general",))
    slow = replace(slow, speed=2)
    exact = ModelProfile("e", speed=9, complexity=2, preferred_for=("general",))
    assert fit_score(exact, "general", 2) > fit_score(fast, "general", 2)
    penalty_fast = fit_score(replace(fast, complexity=2), "general", 2) - fit_score(
        fast, "general", 2
    )
    penalty_slow = fit_score(replace(slow, complexity=2), "general", 2) - fit_score(
        slow, "general", 2
    )
    assert penalty_slow > penalty_fast > 0


def test_thinking_preference_favours_thinking_models() -> None:
    thinker = ModelProfile("t", capabilities=frozenset({"completion", "thinking"}))
    plain = ModelProfile("p")
    assert fit_score(thinker, "general", 5, thinking=True) > fit_score(plain, "general", 5, True)
    assert fit_score(thinker, "general", 5) == fit_score(plain, "general", 5)


# --- hard requirements ----------------------------------------------------------------------
def test_image_attached_goes_to_a_vision_model_only() -> None:
    p = route("general", 5, Requirements(vision=True))
    assert models(p) == ["llava:latest"]  # default and fallbacks cannot see


def test_image_without_vision_model_gives_the_exact_note() -> None:
    snapshot = fleet(BackendView(A, models=ALL - {"llava:latest"}))
    p = route("vision", 5, Requirements(vision=True), snapshot)
    assert p.attempts == ()
    assert p.notes == ("no model with vision capability is available",)
    assert failure_status(p) == 400
    assert explain(p) == "no model with vision capability is available"


def test_tools_go_to_a_tools_model() -> None:
    p = route("reasoning", 9, Requirements(tools=True))
    assert "deepseek-r1:latest" not in models(p)
    assert "nemotron-3-nano:latest" not in models(p)
    assert first(p) in {"qwen2.5:7b", "qwen2.5-coder:7b", "mistral:latest"}
    assert first(route("code", 6, Requirements(tools=True))) == "qwen2.5-coder:7b"


def test_tools_without_tools_model_gives_the_note() -> None:
    snapshot = fleet(BackendView(A, models=frozenset({"llava:latest", "deepseek-r1:latest"})))
    p = route("general", 5, Requirements(tools=True), snapshot)
    assert p.notes == ("no model with tools capability is available",)
    assert failure_status(p) == 400


def test_vision_and_tools_together() -> None:
    p = route("vision", 5, Requirements(vision=True, tools=True))
    assert p.notes == ("no model with vision and tools capabilities is available",)


def test_prompt_larger_than_a_models_context_skips_it() -> None:
    # llama2-uncensored has 4096 tokens of context.
    p = route("uncensored", 5, Requirements(prompt_tokens=6000))
    assert "llama2-uncensored:latest" not in models(p)
    assert p.attempts
    p = route("uncensored", 5, Requirements(prompt_tokens=3000))
    assert first(p) == "llama2-uncensored:latest"


def test_num_ctx_counts_when_larger_than_the_prompt() -> None:
    p = route("uncensored", 5, Requirements(prompt_tokens=100, num_ctx=16384))
    assert "llama2-uncensored:latest" not in models(p)


def test_num_ctx_alone_is_relaxed_when_nothing_fits() -> None:
    p = route("general", 5, Requirements(prompt_tokens=100, num_ctx=1_000_000))
    assert p.attempts
    assert "num_ctx" in p.notes[0]


def test_prompt_too_large_for_every_model() -> None:
    p = route("general", 5, Requirements(prompt_tokens=200_000))
    assert p.attempts == ()
    assert "context window" in p.notes[0]
    assert failure_status(p) == 400


def test_embedding_model_is_never_chosen() -> None:
    only_embed = fleet(BackendView(A, models=frozenset({"nomic-embed-text:latest"})))
    p = route("general", 1, snapshot=only_embed, default="nomic-embed-text:latest")
    assert p.attempts == ()
    for category in ("general", "code", "reasoning", "image"):
        for complexity in (1, 5, 10):
            assert "nomic-embed-text:latest" not in models(route(category, complexity))


def test_image_generation_model_only_for_image_prompts() -> None:
    tags = [*SEED_TAGS, tag("x/z-image-turbo:latest", ["image"], "6B", 4096)]
    catalog = Catalog(tags=tags)
    snapshot = fleet(BackendView(A, models=ALL | {"x/z-image-turbo:latest"}))
    assert first(route("image", 5, snapshot=snapshot, catalog=catalog)) == "x/z-image-turbo:latest"
    general = route("general", 1, snapshot=snapshot, catalog=catalog)
    assert "x/z-image-turbo:latest" not in models(general)


# --- placement ------------------------------------------------------------------------------
def test_warm_model_beats_a_cold_one_of_similar_fit() -> None:
    # Cold, the greeting goes to nemotron; with qwen2.5:7b loaded, the warm 7b wins.
    warm = fleet(BackendView(A, models=ALL, loaded=frozenset({"qwen2.5:7b"})))
    p = route("general", 1, snapshot=warm)
    assert first(p) == "qwen2.5:7b"
    assert "warm" in p.attempts[0].reason


def test_warm_model_does_not_beat_a_much_better_fit() -> None:
    warm = fleet(BackendView(A, models=ALL, loaded=frozenset({"qwen2.5:7b"})))
    assert first(route("code", 6, snapshot=warm)) == "qwen2.5-coder:7b"
    assert first(route("reasoning", 9, snapshot=warm)) == "deepseek-r1:latest"


def test_warm_backend_is_tried_first_for_the_chosen_model() -> None:
    snapshot = fleet(
        BackendView(A, models=ALL),
        BackendView(B, models=ALL, loaded=frozenset({"qwen2.5-coder:7b"})),
    )
    p = route("code", 6, snapshot=snapshot)
    assert [(a.model, a.backend) for a in p.attempts[:2]] == [
        ("qwen2.5-coder:7b", B),
        ("qwen2.5-coder:7b", A),
    ]


@pytest.mark.parametrize("state", ["unreachable", "cooling_down", "something-new"])
def test_unusable_backend_is_never_chosen(state: str) -> None:
    snapshot = fleet(
        BackendView(A, state=state, models=ALL, loaded=frozenset({"qwen2.5-coder:7b"})),
        BackendView(B, models=ALL),
    )
    for category, complexity in [("code", 6), ("general", 1), ("reasoning", 9)]:
        p = route(category, complexity, snapshot=snapshot)
        assert p.attempts
        assert all(a.backend == B for a in p.attempts)


def test_all_backends_down_gives_a_503_note() -> None:
    snapshot = fleet(BackendView(A, state="unreachable", models=ALL))
    p = route("general", 5, snapshot=snapshot)
    assert p.attempts == () and p.notes == ("no healthy backend is available",)
    assert failure_status(p) == 503


def test_healthy_backend_beats_busy_and_degraded() -> None:
    snapshot = fleet(
        BackendView(A, state="degraded", models=ALL),
        BackendView(B, state="busy", models=ALL),
        BackendView(C, models=ALL),
    )
    p = route("code", 6, snapshot=snapshot)
    assert [a.backend for a in p.attempts[:3]] == [C, B, A]
    assert "degraded" in p.attempts[2].reason


def test_in_flight_load_spreads_requests() -> None:
    snapshot = fleet(
        BackendView(A, models=ALL, in_flight=4, max_concurrent=4),
        BackendView(B, models=ALL, in_flight=1, max_concurrent=4),
    )
    p = route("code", 6, snapshot=snapshot)
    assert p.attempts[0].backend == B
    assert "load=4/4" in p.attempts[1].reason


def test_backend_where_other_models_are_busy_is_avoided() -> None:
    # Same load on both; on A a different model is running and would share the GPU.
    coder = "qwen2.5-coder:7b"
    snapshot = fleet(
        BackendView(A, models=ALL, loaded=frozenset({coder}), in_flight=1,
                    model_in_flight={"deepseek-r1:latest": 1}),
        BackendView(B, models=ALL, loaded=frozenset({coder}), in_flight=1,
                    model_in_flight={coder: 1}),
    )  # fmt: skip
    p = route("code", 6, snapshot=snapshot)
    assert (p.attempts[0].model, p.attempts[0].backend) == (coder, B)
    # The sharing term alone decides it: without it the tie goes to A by name.
    calm = fleet(*(replace(b, model_in_flight={}) for b in snapshot.backends))
    assert route("code", 6, snapshot=calm).attempts[0].backend == A


def test_memory_budget_puts_a_model_larger_than_it_last() -> None:
    coder = "qwen2.5-coder:7b"  # 4 GB in SEED_TAGS
    snapshot = fleet(
        BackendView(A, models=ALL, memory_budget=3_000_000_000),
        BackendView(B, models=ALL),
    )
    p = route("code", 6, snapshot=snapshot)
    assert [a.backend for a in p.attempts if a.model == coder][0] == B
    # A client naming it still gets it there when nothing else has it: last resort, not never.
    only_a = fleet(snapshot.backends[0], BackendView(B, models=ALL - {coder}))
    named = route(requested=coder, snapshot=only_a).attempts[0]
    assert (named.model, named.backend) == (coder, A)
    # Loaded there anyway (an operator's budget can be wrong): it is used, not re-planned.
    warm = replace(snapshot.backends[0], loaded=frozenset({coder}))
    p = route("code", 6, snapshot=fleet(warm, snapshot.backends[1]))
    assert (p.attempts[0].model, p.attempts[0].backend) == (coder, A)


def test_memory_budget_prefers_a_backend_where_no_eviction_is_needed() -> None:
    r1 = "deepseek-r1:latest"
    full = BackendView(A, models=ALL, loaded=frozenset({r1}), memory_budget=6_000_000_000,
                       resident_bytes={r1: 4_000_000_000})  # fmt: skip
    p = route("code", 6, snapshot=fleet(full, BackendView(B, models=ALL)))
    assert (p.attempts[0].model, p.attempts[0].backend) == ("qwen2.5-coder:7b", B)
    roomy = replace(full, memory_budget=16_000_000_000)  # the tie goes to A by name
    assert (
        route("code", 6, snapshot=fleet(roomy, BackendView(B, models=ALL))).attempts[0].backend == A
    )


def test_unknown_concurrency_still_counts_in_flight() -> None:
    snapshot = fleet(BackendView(A, models=ALL, in_flight=3), BackendView(B, models=ALL))
    assert route("code", 6, snapshot=snapshot).attempts[0].backend == B


def test_model_only_on_one_backend() -> None:
    snapshot = fleet(
        BackendView(A, models=ALL - {"qwen2.5-coder:7b"}),
        BackendView(B, models=frozenset({"qwen2.5-coder:7b", "qwen2.5:7b"})),
    )
    p = route("code", 6, snapshot=snapshot)
    assert (p.attempts[0].model, p.attempts[0].backend) == ("qwen2.5-coder:7b", B)


# --- attempts list --------------------------------------------------------------------------
def test_default_and_fallbacks_are_appended_without_duplicates() -> None:
    p = route("reasoning", 9, fallbacks={"deepseek-r1:latest": "mistral:latest"})
    pairs = [(a.model, a.backend) for a in p.attempts]
    assert len(pairs) == len(set(pairs)) <= MAX_ATTEMPTS
    assert pairs[:2] == [("deepseek-r1:latest", A), ("deepseek-r1:latest", B)]
    assert "qwen2.5:7b" in models(p)
    assert "mistral:latest" in models(p)
    reasons = {a.model: a.reason for a in p.attempts}
    assert reasons["deepseek-r1:latest"].startswith("best category=reasoning complexity=9 fit=")


def test_fallback_chain_is_followed_when_alternatives_do_not_cover_it() -> None:
    snapshot = fleet(BackendView(A, models=ALL | {"phi3:mini"}))
    p = route(
        "code",
        6,
        snapshot=snapshot,
        fallbacks={"qwen2.5-coder:7b": "phi3:mini"},
        default="llava:latest",
    )
    assert models(p)[:1] == ["qwen2.5-coder:7b"]
    assert "phi3:mini" in models(p)
    fallback = next(a for a in p.attempts if a.model == "phi3:mini")
    assert fallback.reason.startswith("fallback for qwen2.5-coder:7b")
    default = next(a for a in p.attempts if a.model == "llava:latest")
    assert default.reason.startswith("default")


def test_unavailable_default_is_skipped() -> None:
    p = route("code", 6, default="not-installed:latest")
    assert "not-installed:latest" not in models(p)


def test_reasons_are_ascii() -> None:
    for a in route("code", 6).attempts:
        assert a.reason.isascii() and "\n" not in a.reason


def test_plan_is_deterministic_and_ties_break_by_name() -> None:
    twins = [
        tag("zeta:7b", ["completion"], "7B", 8192),
        tag("alpha:7b", ["completion"], "7B", 8192),
    ]
    catalog = Catalog(operator={}, tags=twins)
    names = frozenset({"zeta:7b", "alpha:7b"})
    snapshot = fleet(BackendView(B, models=names), BackendView(A, models=names))
    plans = {
        route("general", 5, snapshot=snapshot, catalog=catalog, fallbacks={}) for _ in range(5)
    }
    assert len(plans) == 1
    (p,) = plans
    assert [(a.model, a.backend) for a in p.attempts[:3]] == [
        ("alpha:7b", A),
        ("alpha:7b", B),
        ("zeta:7b", A),
    ]


def test_case_and_latest_tag_are_matched() -> None:
    snapshot = fleet(BackendView(A, models=frozenset({"Qwen2.5-Coder:7B", "llava"})))
    p = route("code", 6, snapshot=snapshot)
    assert first(p) == "Qwen2.5-Coder:7B"  # the backend's spelling is sent upstream
    assert first(route("vision", 5, Requirements(vision=True), snapshot)) == "llava"


# --- a named model --------------------------------------------------------------------------
def test_named_model_goes_to_the_backends_that_have_it_loaded_first() -> None:
    snapshot = fleet(
        BackendView(A, models=ALL),
        BackendView(B, models=frozenset({"qwen2.5:7b"})),
        BackendView(C, models=ALL, loaded=frozenset({"mistral:latest"})),
    )
    p = route(requested="mistral", snapshot=snapshot)
    assert p.classification is None
    assert [(a.model, a.backend) for a in p.attempts] == [
        ("mistral:latest", C),
        ("mistral:latest", A),
        ("qwen2.5:7b", A),  # its fallback (seed), on the best backend for it
    ]
    assert p.attempts[0].reason == "requested warm"
    assert p.attempts[2].reason.startswith("fallback for mistral")


def test_named_model_loaded_first_even_on_a_degraded_backend() -> None:
    snapshot = fleet(
        BackendView(A, models=ALL),
        BackendView(B, state="degraded", models=ALL, loaded=frozenset({"qwen2.5:7b"})),
    )
    p = route(requested="qwen2.5:7b", snapshot=snapshot)
    assert [a.backend for a in p.attempts] == [B, A]
    assert p.attempts[0].reason == "requested warm degraded"


def test_named_model_ignores_classification_fit() -> None:
    p = route("code", 9, requested="nemotron-3-nano:latest")
    assert first(p) == "nemotron-3-nano:latest"


def test_named_model_not_installed_gives_404_note() -> None:
    p = route(requested="nope:1b", fallbacks={"nope:1b": "qwen2.5:7b"})
    assert p.attempts == ()
    assert p.notes == ("model 'nope:1b' not found",)
    assert failure_status(p) == 404
    assert explain(p) == "model 'nope:1b' not found"


def test_named_model_on_unavailable_backend_falls_back() -> None:
    snapshot = fleet(
        BackendView(A, state="unreachable", models=frozenset({"llava:latest"})),
        BackendView(B, models=frozenset({"qwen2.5:7b"})),
    )
    p = route(requested="llava:latest", snapshot=snapshot)
    assert [(a.model, a.backend) for a in p.attempts] == [("qwen2.5:7b", B)]
    assert "unavailable" in p.notes[0]
    alone = fleet(BackendView(A, state="cooling_down", models=frozenset({"llava:latest"})))
    p = route(requested="llava:latest", snapshot=alone)
    assert p.attempts == () and failure_status(p) == 503


def test_named_model_fallbacks_respect_hard_requirements() -> None:
    p = route(requested="llava:latest", requirements=Requirements(vision=True))
    assert models(p) == ["llava:latest"]  # qwen2.5:7b cannot see


# --- explain and speed ----------------------------------------------------------------------
def test_explain_is_one_ascii_line() -> None:
    p = route("code", 6)
    text = explain(p)
    assert text.startswith("qwen2.5-coder:7b: best category=code complexity=6 fit=")
    weird = Plan((Attempt("modèle\n", A, "r\u00e9ason\r\n"),))
    assert explain(weird).isascii() and "\n" not in explain(weird) and "\r" not in explain(weird)
    assert len(explain(Plan((Attempt("m" * 500, A, "x"),)))) == 200
    assert explain(Plan(())) == "no attempt"
    assert failure_status(p) is None


def test_a_loaded_model_beats_a_small_fit_gap_only() -> None:
    # Same category and capacity; "quick" is faster, so its fit is 0.04 better.
    catalog = Catalog(
        operator={
            "quick:7b": {"speed": 10, "complexity": 6},
            "steady:7b": {"speed": 8, "complexity": 6},
        },
        tags=[
            tag("quick:7b", ["completion"], "7B", 8192),
            tag("steady:7b", ["completion"], "7B", 8192),
        ],
    )
    names = frozenset({"quick:7b", "steady:7b"})
    cold = fleet(BackendView(A, models=names))
    warm = fleet(BackendView(A, models=names, loaded=frozenset({"steady:7b"})))
    assert first(route("general", 6, snapshot=cold, catalog=catalog, fallbacks={})) == "quick:7b"
    assert first(route("general", 6, snapshot=warm, catalog=catalog, fallbacks={})) == "steady:7b"
    gap = fit_score(catalog.profile("quick:7b"), "general", 6) - fit_score(
        catalog.profile("steady:7b"), "general", 6
    )
    # The gap is smaller than what loading a 7B model costs on this prompt (~3.35 s load).
    assert 0 < gap < cold_cost(3.35, 6)


def test_plan_is_well_under_a_millisecond_for_twenty_models_on_three_backends() -> None:
    tags = [
        tag(f"model{i:02d}:{i + 1}b", ["completion", "tools"], f"{i + 1}B", 32768)
        for i in range(20)
    ]
    names = frozenset(t["name"] for t in tags)
    loaded = frozenset(list(names)[:3])
    snapshot = FleetSnapshot(
        tuple(
            BackendView(u, models=names, loaded=loaded, in_flight=1, max_concurrent=4)
            for u in (A, B, C)
        )
    )
    catalog = Catalog(tags=tags)
    route("code", 6, snapshot=snapshot, catalog=catalog)  # warm up
    runs = 200
    started = time.perf_counter()
    for _ in range(runs):
        route("code", 6, Requirements(tools=True, prompt_tokens=500), snapshot, catalog=catalog)
    per_plan = (time.perf_counter() - started) / runs
    assert per_plan < 0.001


def test_weight_and_measured_speed_order_equal_backends() -> None:
    views = (
        BackendView(A, models=ALL, tokens_per_s={"qwen2.5-coder:7b": 20.0}),
        BackendView(B, models=ALL, tokens_per_s={"qwen2.5-coder:7b": 60.0}),
    )
    p = route("code", 6, snapshot=fleet(*views))
    assert [a.backend for a in p.attempts[:2]] == [B, A]  # measured faster on B
    heavier = (views[0].__class__(A, models=ALL, weight=2.0), views[1])
    p = route("code", 6, snapshot=fleet(*heavier))
    assert p.attempts[0].backend == A  # the operator's weight beats a speed tie-break


# --- ROUTING_PREFERENCE ----------------------------------------------------------------------
def _choice(preference: str, category: str, complexity: int, snapshot: FleetSnapshot) -> str:
    p = plan(
        Classification(category, complexity, 0.9),
        Requirements(),
        CATALOG,
        snapshot,
        default_model=DEFAULT,
        fallbacks=SEED_FALLBACKS,
        preference=preference,
    )
    return first(p)


def test_preferences_trade_fit_for_latency_in_order() -> None:
    warm = fleet(BackendView(A, models=ALL, loaded=frozenset({"qwen2.5:7b"})))
    # A mid-hard proof: quality loads the reasoner, balanced and speed take the warm 7B.
    assert _choice("quality", "reasoning", 6, warm) == "deepseek-r1:latest"
    assert _choice("balanced", "reasoning", 6, warm) == "qwen2.5:7b"
    assert _choice("speed", "reasoning", 6, warm) == "qwen2.5:7b"
    # A greeting: only speed skips the warm 7B for the smallest, fastest model.
    assert _choice("balanced", "general", 1, warm) == "qwen2.5:7b"
    assert _choice("speed", "general", 1, warm) == "nemotron-3-nano:latest"
    # A code prompt: the coder unless speed is asked for and a warm generalist is there.
    assert _choice("balanced", "code", 6, warm) == "qwen2.5-coder:7b"
    assert _choice("speed", "code", 6, warm) == "qwen2.5:7b"


def test_speed_never_hands_the_hardest_prompt_to_a_tiny_model() -> None:
    cold = fleet(BackendView(A, models=ALL))
    assert _choice("speed", "reasoning", 9, cold) == "deepseek-r1:latest"


def test_balanced_is_the_module_constants_and_unknown_falls_back_to_it() -> None:
    balanced = weights_for("balanced")
    assert (balanced.speed, balanced.overkill_per_point) == (W_SPEED, OVERKILL_PER_POINT)
    assert weights_for("no-such-preference") == balanced
    assert set(PREFERENCES) == {"quality", "balanced", "speed"}
