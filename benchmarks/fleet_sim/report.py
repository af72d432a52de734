"""Plain-text tables of the fleet simulation: the setup and the results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from intelliproxy.routing.catalog import Catalog

from . import models as hw


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """Aligned columns: numbers right-aligned, text left-aligned."""
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(_numeric(row[i]) for row in cells[1:]) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = zip(row, widths, numeric, strict=True)
        return "  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in parts).rstrip()

    out = [line(cells[0]), "-" * max(len(line(row)) for row in cells)]
    return out + [line(row) for row in cells[1:]]


def _numeric(text: str) -> bool:
    return text[:1].isdigit() or (text[:1] in "-." and text[1:2].isdigit())


def setup_lines(fleet: Sequence[hw.BackendSpec], catalog: Catalog, options: dict) -> list[str]:
    lines = [
        f"Models: resident memory = file x {hw.KV_OVERHEAD}, load = {hw.LOAD_BASE_S} s +"
        f" {hw.LOAD_S_PER_GB} s/GB, tok/s = generation alone on the GPU;"
        " category/cx/speed = what the catalogue (seed attributes + Ollama facts) believes"
    ]
    rows = []
    for spec in hw.MODELS.values():
        profile = catalog.profile(spec.name)
        speed = f"image {spec.image_s:g} s" if spec.image_s else f"{spec.tokens_per_s:g}"
        if spec.verbosity != 1:
            speed += f" (x{spec.verbosity:g} tokens)"
        rows.append((
            spec.name, spec.parameter_size, f"{spec.size_gb:.1f}", f"{spec.memory_gb:.1f}",
            f"{spec.load_s:.1f}", speed, profile.preferred_for[0], profile.complexity,
            profile.speed, ",".join(sorted(profile.capabilities)),
        ))  # fmt: skip
    headers = ("model", "params", "GB", "res GB", "load s", "tok/s", "category", "cx", "speed",
               "capabilities")  # fmt: skip
    lines += table(headers, rows)
    lines.append("")
    lines.append(
        f"Fleet: {fleet[0].num_parallel} slots per loaded model, keep_alive"
        f" {options['keep_alive']:g} s, batch contention {options['contention']:g},"
        f" models {'share' if options['share_gpu'] else 'do NOT share'} GPU bandwidth,"
        f" {hw.DEFAULT_MODEL} preloaded everywhere"
    )
    lines += table(
        ("backend", "memory GB", "installed"),
        [(b.name, f"{b.memory_gb:g}", ", ".join(b.models)) for b in fleet],
    )
    return lines


def result_lines(results: Sequence[Any]) -> list[str]:
    headers = ("policy", "mean s", "p50 s", "p95 s", "loads", "evictions", "expiries",
               "cold %", "fit", "fit=0", "us/decision")  # fmt: skip
    rows = [
        (r.policy, f"{r.mean_s:.2f}", f"{r.p50_s:.2f}", f"{r.p95_s:.2f}", r.loads, r.evictions,
         r.expiries, f"{100 * r.cold_share:.1f}", f"{r.mean_fit:.3f}", r.zero_fit,
         f"{r.decide_us:.0f}")
        for r in results
    ]  # fmt: skip
    return table(headers, rows)


def category_lines(results: Sequence[Any]) -> list[str]:
    """Mean latency / mean fit per labelled category, one row per policy."""
    categories = sorted({c for r in results for c in r.by_category})
    rows = [
        (r.policy, *(f"{r.by_category[c]['mean_s']:.1f} / {r.by_category[c]['fit']:.2f}"
                     for c in categories))
        for r in results
    ]  # fmt: skip
    return table(("latency s / fit", *categories), rows)
