"""`python -m intelliproxy.simulator --port P [--models spec.json] [--host H]`."""

from __future__ import annotations

import argparse

from .server import run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m intelliproxy.simulator", description="Run a simulated Ollama server."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=11434)
    parser.add_argument("--models", metavar="SPEC", help="spec JSON file (see simulator.models)")
    args = parser.parse_args(argv)
    run(args.host, args.port, args.models)


if __name__ == "__main__":
    main()
