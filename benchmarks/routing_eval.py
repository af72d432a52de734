"""Evaluate the fast prompt classifier on a labelled JSONL file.

Usage: python benchmarks/routing_eval.py [path.jsonl] [--errors N] [--split tune|test]

Each line needs `prompt`, `category`, `complexity`, `has_image` and optionally
`alt_categories` (also accepted as correct). Items with `has_image: true` are sent as a
chat message carrying a tiny base64 image, like a real vision request.
Prints per-category precision/recall/F1, macro-F1, a confusion matrix, Spearman
correlation of complexity on code+reasoning items, complexity MAE and p50/p99 latency.
`--split tune|test` keeps a deterministic half of the file (by a hash of each item's `id`):
tune on the `tune` half, report the `test` half without looking at its individual errors.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from intelliproxy.routing.classifier import classify
from intelliproxy.routing.types import CATEGORIES

DEFAULT_PATH = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "routing_dev.jsonl"
TINY_PNG = (  # a 1x1 PNG, plain base64 as Ollama's native routes expect
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
TIMING_REPEATS = 5


def split_of(item: dict[str, Any]) -> str:
    """`tune` or `test`: a stable half of any file, from a hash of the item's id."""
    digest = hashlib.sha1(str(item["id"]).encode("utf-8")).digest()
    return "tune" if digest[0] % 2 == 0 else "test"


def request_for(item: dict[str, Any]) -> dict[str, Any]:
    if item.get("has_image"):
        message = {"role": "user", "content": item["prompt"], "images": [TINY_PNG]}
        return {"model": "IntelliProxyLLM", "messages": [message]}
    return {"prompt": item["prompt"]}


def ranks(values: list[float]) -> list[float]:
    """Average ranks (1-based), ties sharing the mean of their positions."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(xs: list[float], ys: list[float]) -> float:
    """Pearson correlation of the ranks (handles ties)."""
    if len(xs) < 2:
        return float("nan")
    rx, ry = ranks(xs), ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5 if vx and vy else float("nan")


def percentile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def evaluate(items: list[dict[str, Any]], show_errors: int) -> None:
    confusion = {t: dict.fromkeys(CATEGORIES, 0) for t in CATEGORIES}
    timings: list[float] = []
    gold_cx: list[float] = []
    pred_cx: list[float] = []
    abs_err: list[float] = []
    errors: list[str] = []
    for item in items:
        body = request_for(item)
        result = classify(body)
        for _ in range(TIMING_REPEATS):
            start = time.perf_counter()
            classify(body)
            timings.append(time.perf_counter() - start)
        gold = item["category"]
        accepted = {gold, *item.get("alt_categories", ())}
        # An accepted alternative counts as the gold label, so it is not an error.
        counted = gold if result.category in accepted else result.category
        confusion[gold][counted] += 1
        if counted != gold and len(errors) < show_errors:
            errors.append(
                f"  {gold:>10} -> {result.category:<10} {result.reasons} | {item['prompt'][:110]!r}"
            )
        abs_err.append(abs(result.complexity - item["complexity"]))
        if gold in ("code", "reasoning"):
            gold_cx.append(item["complexity"])
            pred_cx.append(result.complexity)

    print(f"items: {len(items)}")
    print(f"{'category':>10} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>4}")
    f1s: list[float] = []
    for cat in CATEGORIES:
        tp = confusion[cat][cat]
        predicted = sum(confusion[g][cat] for g in CATEGORIES)
        actual = sum(confusion[cat].values())
        if actual == 0 and predicted == 0:
            continue
        p = tp / predicted if predicted else 0.0
        r = tp / actual if actual else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        f1s.append(f1)
        print(f"{cat:>10} {p:6.3f} {r:6.3f} {f1:6.3f} {actual:4d}")
    print(f"macro-F1: {statistics.fmean(f1s):.3f}")
    correct = sum(confusion[c][c] for c in CATEGORIES)
    print(f"accuracy: {correct / len(items):.3f}")
    print("confusion (rows gold, columns predicted):")
    print(" " * 11 + " ".join(f"{c[:6]:>6}" for c in CATEGORIES))
    for gold in CATEGORIES:
        print(f"{gold:>10} " + " ".join(f"{confusion[gold][c]:6d}" for c in CATEGORIES))
    print(
        f"complexity Spearman (code+reasoning, n={len(gold_cx)}): {spearman(gold_cx, pred_cx):.3f}"
    )
    print(f"complexity MAE (all): {statistics.fmean(abs_err):.2f}")
    timings.sort()
    print(
        f"decision time p50: {percentile(timings, 0.5) * 1e3:.3f} ms  "
        f"p99: {percentile(timings, 0.99) * 1e3:.3f} ms  (n={len(timings)})"
    )
    if errors:
        print("errors:")
        print("\n".join(errors))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH))
    parser.add_argument("--errors", type=int, default=0, help="print up to N misclassified")
    parser.add_argument(
        "--split", choices=("tune", "test"), help="keep only this half (hash of each item's id)"
    )
    args = parser.parse_args(argv)
    path = Path(args.path)
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    if args.split:
        items = [item for item in items if split_of(item) == args.split]
    if not items:
        print(f"no items in {path}", file=sys.stderr)
        return 1
    evaluate(items, args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
