"""Command line of the fleet simulation: run every policy on one workload, print a table."""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intelliproxy.routing import planner
from intelliproxy.routing.catalog import Catalog

from . import models as hw
from .engine import CONTENTION, KEEP_ALIVE_S, Simulation
from .policies import Policy, all_policies
from .report import category_lines, result_lines, setup_lines
from .scoring import fit
from .workload import DEFAULT_PATH, Request, load_items, make_workload

TARGET_VS_NAIVE, TARGET_VS_WARM = 0.5, 0.8


@dataclass
class Result:
    policy: str
    mean_s: float
    p50_s: float
    p95_s: float
    loads: int
    evictions: int
    expiries: int
    cold_share: float  # requests that waited for a load of their model
    mean_fit: float
    zero_fit: int  # requests served by a model unable to do the job
    decide_us: float  # mean time per decision (classify + choose)
    served: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, dict[str, float]] = field(default_factory=dict)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return values[max(0, math.ceil(q * len(values)) - 1)]


def run_policy(
    policy: Policy,
    requests: list[Request],
    catalog: Catalog,
    fleet: tuple[hw.BackendSpec, ...],
    *,
    preload: Sequence[str] = (hw.DEFAULT_MODEL,),
    keep_alive: float = KEEP_ALIVE_S,
    contention: float = CONTENTION,
    share_gpu: bool = True,
) -> tuple[Result, Simulation]:
    sim = Simulation(
        fleet,
        dict(hw.MODELS),
        preload=preload,
        keep_alive=keep_alive,
        contention=contention,
        share_gpu=share_gpu,
    )
    spent = 0.0

    def choose(request: Request, snapshot: Any) -> tuple[str, str]:
        nonlocal spent
        started = time.perf_counter()
        choice = policy.choose(request, snapshot, catalog)
        spent += time.perf_counter() - started
        return choice

    jobs = sim.run(requests, choose)
    latencies = sorted(job.latency for job in jobs)
    fits = [fit(catalog.profile(job.model), job.request) for job in jobs]
    backends = sim.backends.values()
    result = Result(
        policy=policy.name,
        mean_s=statistics.fmean(latencies),
        p50_s=percentile(latencies, 0.50),
        p95_s=percentile(latencies, 0.95),
        loads=sum(b.loads for b in backends),
        evictions=sum(b.evictions for b in backends),
        expiries=sum(b.expiries for b in backends),
        cold_share=sum(job.cold for job in jobs) / len(jobs),
        mean_fit=statistics.fmean(fits),
        zero_fit=sum(f == 0.0 for f in fits),
        decide_us=spent / len(jobs) * 1e6,
        served=dict(Counter(job.model for job in jobs).most_common()),
    )
    for category in sorted({job.request.category for job in jobs}):
        picked = [i for i, job in enumerate(jobs) if job.request.category == category]
        result.by_category[category] = {
            "n": len(picked),
            "mean_s": statistics.fmean(jobs[i].latency for i in picked),
            "fit": statistics.fmean(fits[i] for i in picked),
        }
    return result, sim


@contextmanager
def planner_constants(overrides: dict[str, float]) -> Iterator[None]:
    """EXPERIMENT: temporarily replace planner module constants (e.g. SHARE_PENALTY)."""
    saved = {name: getattr(planner, name) for name in overrides}
    try:
        for name, value in overrides.items():
            setattr(planner, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(planner, name, value)


def parse_overrides(values: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for text in values:
        name, _, value = text.partition("=")
        name = name.strip().upper()
        current = getattr(planner, name, None)
        if not isinstance(current, (int, float)) or isinstance(current, bool) or not value:
            raise SystemExit(f"--planner-set: {text!r} is not NAME=NUMBER of a planner constant")
        out[name] = float(value)
    return out


def targets(results: list[Result]) -> dict[str, Any]:
    """The issue's targets, for each ROUTING_PREFERENCE of ours: mean latency <= 0.5x naive
    and <= 0.8x warm-first, each at a fit equal to or better than that policy's."""
    by = {r.policy: r for r in results}
    naive, warm = by["naive"], by["warm-first"]
    lines: list[str] = []
    verdict: dict[str, Any] = {}
    for ours in (r for r in results if r.policy.startswith("intelliproxy")):
        checks = {}
        for label, other, limit in (
            ("naive", naive, TARGET_VS_NAIVE),
            ("warm-first", warm, TARGET_VS_WARM),
        ):
            ratio = ours.mean_s / other.mean_s
            fit_ok = ours.mean_fit >= other.mean_fit - 1e-9
            met = ratio <= limit and fit_ok
            checks[label] = {"ratio": ratio, "fit_ok": fit_ok, "met": met}
            lines.append(
                f"{ours.policy:<20} vs {label:<10}: latency {ratio:.3f}x (target <= {limit}),"
                f" fit {ours.mean_fit:.3f} vs {other.mean_fit:.3f}"
                f"  {'ok' if met else 'MISSED'}"
            )
        verdict[ours.policy] = checks
    both = [p for p, c in verdict.items() if all(x["met"] for x in c.values())]
    lines.append(f"both targets met by: {', '.join(both) if both else 'none'}")
    return {"policies": verdict, "met": bool(both), "lines": lines}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--requests", type=int, default=800)
    parser.add_argument("--rate", type=float, default=0.5, help="arrivals per second")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-alive", type=float, default=KEEP_ALIVE_S)
    parser.add_argument("--contention", type=float, default=CONTENTION)
    parser.add_argument(
        "--no-gpu-sharing",
        action="store_true",
        help="sensitivity check: models on one backend do not slow each other down",
    )
    parser.add_argument("--json", action="store_true", help="print results as JSON only")
    parser.add_argument(
        "--planner-set", action="append", default=[], metavar="NAME=VALUE",
        help="EXPERIMENT: override a planner constant, e.g. LOAD_PENALTY=0.2 (repeatable)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.requests < 1 or args.rate <= 0:
        parser.error("--requests must be >= 1 and --rate > 0")
    overrides = parse_overrides(args.planner_set)

    fleet = hw.DEFAULT_FLEET
    catalog = Catalog(tags=hw.fleet_tags(fleet))  # seed operator attributes + Ollama facts
    requests = make_workload(load_items(args.path), args.requests, args.rate, args.seed)
    options = {
        "keep_alive": args.keep_alive,
        "contention": args.contention,
        "share_gpu": not args.no_gpu_sharing,
    }
    with planner_constants(overrides):
        results = [run_policy(p, requests, catalog, fleet, **options)[0] for p in all_policies()]

    verdict = targets(results)
    if args.json:
        payload = {
            "workload": {
                "path": str(args.path),
                "requests": args.requests,
                "rate": args.rate,
                "seed": args.seed,
                **options,
            },  # fmt: skip
            "experiment": overrides,
            "results": [vars(r) for r in results],
            "targets": {k: v for k, v in verdict.items() if k != "lines"},
        }
        json.dump(payload, sys.stdout, indent=2)
        print()
    else:
        print("\n".join(setup_lines(fleet, catalog, options)))
        print(
            f"\nWorkload: {args.requests} requests from {args.path}, Poisson arrivals at"
            f" {args.rate:g}/s, seed {args.seed}"
        )
        if overrides:
            print(f"EXPERIMENT: planner constants changed: {overrides}")
        print("\n".join(result_lines(results)))
        print()
        print("\n".join(category_lines(results)))
        print()
        print("\n".join(verdict["lines"]))
    return 0
