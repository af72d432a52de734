"""Simulate a fleet of three Ollama backends and compare IntelliProxy's planner with simple
policies (naive, round-robin, least-busy, warm-first): latency, model loads and fit.

Usage: python benchmarks/fleet_sim.py [routing_dev.jsonl] [--requests N] [--rate R]
       [--seed S] [--json] [--planner-set NAME=VALUE]

Discrete-event simulation (no sockets, no real time), deterministic for a seed. The code is
in the `benchmarks/fleet_sim/` package next to this file; see its modules' docstrings.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    # `benchmarks/` is on sys.path as this script's directory; the package wins over this file.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fleet_sim.cli import main

    sys.exit(main())
