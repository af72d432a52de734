"""Mechanics of the fleet simulation benchmark (benchmarks/fleet_sim/): loads, eviction,
slots, keep-alive, determinism, and that every policy gives a valid choice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.fleet_sim import models as hw
from benchmarks.fleet_sim.cli import main, parse_overrides, planner_constants, run_policy
from benchmarks.fleet_sim.engine import Simulation
from benchmarks.fleet_sim.models import BackendSpec, ModelSpec
from benchmarks.fleet_sim.policies import all_policies, can_serve, naive_model
from benchmarks.fleet_sim.scoring import fit
from benchmarks.fleet_sim.workload import Request, body_for, make_workload
from intelliproxy.routing import planner
from intelliproxy.routing.catalog import Catalog
from intelliproxy.routing.classifier import classify
from intelliproxy.routing.requirements import requirements_from_body

ROOT = Path(__file__).resolve().parents[2]
# Round numbers: memory = 1.15 x size, load = 1.5 + 0.6 x size, 100 tokens take 1 s at 100/s.
SMALL = ModelSpec("small:1b", "x", "1B", 2.0, ("completion",), 8192, 100.0)
BIG = ModelSpec("big:7b", "x", "7B", 5.0, ("completion",), 8192, 100.0)
MODELS = {m.name: m for m in (SMALL, BIG)}
ITEMS = [
    {"prompt": "hi there", "category": "general", "complexity": 1, "has_image": False},
    {"prompt": "Fix the off-by-one in this Python loop: for i in range(len(xs)+1): print(xs[i])",
     "category": "code", "complexity": 4, "has_image": False},
    {"prompt": "What is in this picture?", "category": "vision", "complexity": 2,
     "has_image": True},
    {"prompt": "Draw a watercolor painting of a fox in the snow", "category": "image",
     "complexity": 3, "has_image": False},
]  # fmt: skip


def request(index: int, at: float, tokens: int = 100, prompt_tokens: int = 0) -> Request:
    return Request(index, at, {"prompt": "x"}, "general", 1, (), False, prompt_tokens, tokens)


def backend(memory: float = 16.0, slots: int = 2) -> BackendSpec:
    return BackendSpec("http://b", memory, (SMALL.name, BIG.name), slots)


def run(reqs: list[Request], models: list[str], memory: float = 16.0, slots: int = 2, **kw):
    """Serve request i with models[i] on the one backend; returns (sim, jobs)."""
    sim = Simulation([backend(memory, slots)], dict(MODELS), contention=0.0, **kw)
    jobs = sim.run(reqs, lambda r, fleet: (models[r.id], "http://b"))
    return sim, jobs


def test_cold_request_waits_for_the_load_then_a_warm_one_does_not():
    sim, jobs = run([request(0, 0.0), request(1, 10.0)], [BIG.name, BIG.name])
    first, second = jobs
    assert first.cold and first.started == pytest.approx(BIG.load_s)  # 1.5 + 0.6 x 5 = 4.5
    assert first.latency == pytest.approx(4.5 + 1.0)
    assert not second.cold and second.latency == pytest.approx(1.0)
    assert sim.backends["http://b"].loads == 1


def test_preloaded_model_serves_at_once():
    _, jobs = run([request(0, 0.0)], [SMALL.name], preload=[SMALL.name])
    assert jobs[0].latency == pytest.approx(1.0) and not jobs[0].cold


def test_memory_pressure_evicts_an_idle_model_to_load_another():
    # 6.5 GB holds big (5.75 GB) or small (2.3 GB), not both.
    sim, jobs = run(
        [request(0, 0.0), request(1, 20.0), request(2, 40.0)],
        [SMALL.name, BIG.name, SMALL.name],
        memory=6.5,
    )
    b = sim.backends["http://b"]
    assert b.loads == 3 and b.evictions == 2
    assert set(b.residents) == {"small:1b"}
    assert all(job.cold for job in jobs)
    assert jobs[1].latency == pytest.approx(BIG.load_s + 1.0)


def test_lru_order_decides_the_victim():
    other = ModelSpec("other:7b", "x", "7B", 5.0, ("completion",), 8192, 100.0)
    spec = BackendSpec("http://b", 13.0, (SMALL.name, BIG.name, other.name))
    sim = Simulation([spec], {**MODELS, other.name: other}, contention=0.0)
    # big loaded first, small later, small used again at t=30: big is least recent.
    names = [BIG.name, SMALL.name, SMALL.name, other.name]
    reqs = [request(0, 0.0), request(1, 10.0), request(2, 30.0), request(3, 40.0)]
    sim.run(reqs, lambda r, fleet: (names[r.id], "http://b"))
    b = sim.backends["http://b"]
    assert b.evictions == 1 and set(b.residents) == {"small:1b", "other:7b"}


def test_busy_model_is_not_evicted_the_load_waits_for_it():
    # 6.5 GB holds one model at a time; the second request must wait for the first to end.
    sim, jobs = run(
        [request(0, 0.0, tokens=1000), request(1, 1.0)], [BIG.name, SMALL.name], memory=6.5
    )
    first, second = jobs
    assert first.finished == pytest.approx(4.5 + 10.0)
    assert second.started == pytest.approx(first.finished + SMALL.load_s)
    assert sim.backends["http://b"].evictions == 1


def test_requests_queue_on_the_model_slots():
    reqs = [request(i, 0.0) for i in range(3)]
    _, jobs = run(reqs, [SMALL.name] * 3, slots=2, preload=[SMALL.name])
    assert [j.started for j in jobs] == pytest.approx([0.0, 0.0, 1.0])
    assert [j.finished for j in jobs] == pytest.approx([1.0, 1.0, 2.0])


def test_models_sharing_a_gpu_slow_each_other_by_size():
    sim = Simulation([backend()], dict(MODELS), preload=[SMALL.name, BIG.name])
    names = [BIG.name, SMALL.name]
    jobs = sim.run([request(0, 0.0), request(1, 0.0)], lambda r, f: (names[r.id], "http://b"))
    assert jobs[0].latency == pytest.approx(1.0)  # alone when it started
    assert jobs[1].latency == pytest.approx(1.0 * (2.0 + 5.0) / 2.0)  # shares with big

    alone = Simulation([backend()], dict(MODELS), preload=[SMALL.name, BIG.name], share_gpu=False)
    jobs = alone.run([request(0, 0.0), request(1, 0.0)], lambda r, f: (names[r.id], "http://b"))
    assert [j.latency for j in jobs] == pytest.approx([1.0, 1.0])


def test_batching_on_one_model_costs_contention_per_running_neighbour():
    sim = Simulation([backend()], dict(MODELS), preload=[SMALL.name], contention=0.5)
    jobs = sim.run([request(0, 0.0), request(1, 0.0)], lambda r, f: (SMALL.name, "http://b"))
    assert [j.latency for j in jobs] == pytest.approx([1.0, 1.5])


def test_idle_model_expires_after_keep_alive():
    reqs = [request(0, 0.0), request(1, 30.0), request(2, 100.0)]
    sim, jobs = run(reqs, [SMALL.name] * 3, keep_alive=60.0, preload=[SMALL.name])
    b = sim.backends["http://b"]
    assert not jobs[1].cold  # 29 s idle: still resident
    assert jobs[2].cold and b.expiries == 1 and b.loads == 1  # 69 s idle: unloaded


def test_model_larger_than_the_backend_is_rejected():
    with pytest.raises(ValueError, match="needs"):
        Simulation([backend(memory=4.0)], dict(MODELS))


def test_workload_is_deterministic_for_a_seed_and_carries_images():
    a = make_workload(ITEMS, 50, 2.0, seed=7)
    assert a == make_workload(ITEMS, 50, 2.0, seed=7)
    assert a != make_workload(ITEMS, 50, 2.0, seed=8)
    assert all(x.arrival < y.arrival for x, y in zip(a, a[1:], strict=False))
    vision = [r for r in a if r.has_image]
    assert vision and all(requirements_from_body(r.body).vision for r in vision)
    assert requirements_from_body(body_for(ITEMS[0])).vision is False


def write_items(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(item) for item in ITEMS), encoding="utf-8")
    return path


def test_whole_run_is_deterministic(tmp_path, capsys):
    args = [str(write_items(tmp_path)), "--requests", "60", "--rate", "1", "--seed", "3", "--json"]
    main(args)
    first = json.loads(capsys.readouterr().out)
    main(args)
    second = json.loads(capsys.readouterr().out)
    for result in (*first["results"], *second["results"]):
        result.pop("decide_us")  # wall-clock time of the decisions
    assert first == second
    assert [r["policy"] for r in first["results"]] == [p.name for p in all_policies()]


@pytest.mark.parametrize("policy", all_policies(), ids=lambda p: p.name)
def test_each_policy_returns_an_installed_model_that_can_serve(policy):
    catalog = Catalog(tags=hw.fleet_tags(hw.DEFAULT_FLEET))
    sim = Simulation(hw.DEFAULT_FLEET, dict(hw.MODELS), preload=[hw.DEFAULT_MODEL])
    fleet = sim.snapshot()
    for i, item in enumerate(ITEMS):
        req = make_workload([item], 1, 1.0, seed=i)[0]
        model, name = policy.choose(req, fleet, catalog)
        view = next(b for b in fleet.backends if b.name == name)
        assert model in view.models
        needs = requirements_from_body(req.body)
        category = classify(req.body).category
        assert can_serve(catalog.profile(model), needs, category), (policy.name, item, model)
        if item["has_image"]:
            assert "vision" in catalog.profile(model).capabilities


def test_naive_picks_the_category_specialist_and_warm_first_the_loaded_model():
    catalog = Catalog(tags=hw.fleet_tags(hw.DEFAULT_FLEET))
    fleet = Simulation(hw.DEFAULT_FLEET, dict(hw.MODELS), preload=[hw.DEFAULT_MODEL]).snapshot()
    body = body_for(ITEMS[1])
    assert naive_model(classify(body), requirements_from_body(body), fleet, catalog) == (
        "qwen2.5-coder:7b"
    )
    policies = {p.name: p for p in all_policies()}
    req = make_workload([ITEMS[1]], 1, 1.0, seed=0)[0]
    assert policies["warm-first"].choose(req, fleet, catalog)[0] == hw.DEFAULT_MODEL
    assert policies["naive"].choose(req, fleet, catalog) == (
        "qwen2.5-coder:7b",
        "http://gpu-a:11434",
    )


def test_fit_scores_labels_not_guesses():
    catalog = Catalog(tags=hw.fleet_tags(hw.DEFAULT_FLEET))
    code, vision, image = (make_workload([ITEMS[i]], 1, 1.0, 0)[0] for i in (1, 2, 3))
    # coder: complexity 7 for a 4, one point beyond the free headroom of two
    assert fit(catalog.profile("qwen2.5-coder:7b"), code) == pytest.approx(0.6 + 0.4 * 0.95)
    assert fit(catalog.profile("qwen2.5:7b"), code) == pytest.approx(0.6 * 0.4 + 0.4)
    assert fit(catalog.profile("qwen2.5:7b"), vision) == 0.0  # cannot see the image
    assert fit(catalog.profile("x/z-image-turbo:latest"), code) == 0.0  # cannot write text
    assert fit(catalog.profile("qwen2.5:7b"), image) == pytest.approx(0.4 * 0.95)  # no picture


def test_run_policy_counts_loads_and_fit_on_a_small_workload():
    catalog = Catalog(tags=hw.fleet_tags(hw.DEFAULT_FLEET))
    reqs = make_workload(ITEMS, 40, 0.5, seed=1)
    result, sim = run_policy(all_policies()[0], reqs, catalog, hw.DEFAULT_FLEET)
    assert sum(result.served.values()) == 40 and 0 < result.mean_fit <= 1
    assert result.loads == sum(b.loads for b in sim.backends.values()) >= 1
    assert result.p50_s <= result.p95_s


def test_script_entry_point_runs(tmp_path):
    args = [str(write_items(tmp_path)), "--requests", "30", "--seed", "2"]
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "fleet_sim.py"), *args],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    assert "intelliproxy" in out and "warm-first" in out and "targets" in out


def test_planner_experiment_overrides_are_restored():
    before = planner.SHARE_PENALTY
    with planner_constants({"SHARE_PENALTY": 0.5}):
        assert planner.SHARE_PENALTY == 0.5
    assert before == planner.SHARE_PENALTY
    with pytest.raises(SystemExit):
        parse_overrides(["NOT_A_CONSTANT=1"])
