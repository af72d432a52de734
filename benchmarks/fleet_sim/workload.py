"""The workload: labelled prompts from the dev file arriving as a Poisson stream.

One workload is drawn per seed and replayed unchanged for every policy, so the policies see
the very same requests at the very same instants with the very same answer lengths.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A 1x1 PNG: vision items carry an image so that the requirements see one.
TINY_PNG = (  # plain base64, as Ollama's native routes expect
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kg"
    "AAAABJRU5ErkJggg=="
)
DEFAULT_PATH = Path(__file__).resolve().parents[3] / "shared" / "data" / "routing_dev.jsonl"


@dataclass(frozen=True, slots=True)
class Request:
    id: int
    arrival: float  # seconds since the start
    body: dict[str, Any]  # an Ollama /api/generate body for IntelliProxyLLM
    category: str  # the dev file's label (ground truth, never shown to a policy)
    complexity: int  # the dev file's label
    alt_categories: tuple[str, ...]
    has_image: bool
    prompt_tokens: int
    output_tokens: int  # what a plain chat model would write


def load_items(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def body_for(item: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"model": "IntelliProxyLLM", "prompt": item["prompt"]}
    if item.get("has_image"):
        body["images"] = [TINY_PNG]
    return body


def output_tokens(rng: random.Random, complexity: int) -> int:
    """Answer length: log-normal around 100 + 45 x complexity tokens, within 20..2000."""
    median = 100 + 45 * complexity
    return max(20, min(2000, round(median * math.exp(rng.gauss(0.0, 0.5)))))


def make_workload(items: list[dict[str, Any]], n: int, rate: float, seed: int) -> list[Request]:
    """`n` requests, items drawn uniformly with replacement, Poisson arrivals at `rate`/s."""
    rng = random.Random(seed)
    now = 0.0
    out: list[Request] = []
    for index in range(n):
        now += rng.expovariate(rate)
        item = rng.choice(items)
        complexity = int(item["complexity"])
        out.append(
            Request(
                id=index,
                arrival=now,
                body=body_for(item),
                category=str(item["category"]),
                complexity=complexity,
                alt_categories=tuple(item.get("alt_categories") or ()),
                has_image=bool(item.get("has_image")),
                prompt_tokens=max(1, len(item["prompt"]) // 4),
                output_tokens=output_tokens(rng, complexity),
            )
        )
    return out
