"""`intelliproxy serve | demo | simulate | classify`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Sequence

from . import VIRTUAL_MODEL, __version__
from .settings import Settings, SettingsError, load_settings

log = logging.getLogger("intelliproxy")


def _setup_logging() -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _settings_or_exit(env: dict[str, str] | None = None) -> Settings:
    try:
        return load_settings(env)
    except SettingsError as exc:
        print(f"intelliproxy: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _run(coro: object) -> None:
    import uvloop

    from .state.config_store import ConfigError

    try:
        with contextlib.suppress(KeyboardInterrupt):
            uvloop.run(coro)  # type: ignore[arg-type]
    except ConfigError as exc:  # a broken config file: say which, keep it untouched
        print(f"intelliproxy: {exc}", file=sys.stderr)
        print(
            "intelliproxy: fix the file, or start with --reset-config to move it aside",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    except OSError as exc:  # e.g. the port is taken: one line, not a traceback
        print(f"intelliproxy: cannot start: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


# ---------------------------------------------------------------- commands


def cmd_serve(args: argparse.Namespace) -> None:
    from .app import serve

    settings = _settings_or_exit()
    _setup_logging()

    def ready() -> None:
        log.info(
            "IntelliProxy %s: API on http://%s:%d, dashboard on http://%s:%d, backends %s",
            __version__,
            settings.proxy_host,
            settings.proxy_port,
            settings.web_host,
            settings.web_port,
            ", ".join(settings.ollama_backends),
        )

    _run(serve(settings, on_ready=ready, reset_config=args.reset_config))


# The demo fleet: two backends, different models on each, one model on both.
DEMO_BACKENDS: tuple[tuple[str, ...], ...] = (
    ("qwen2.5:7b", "qwen2.5-coder:7b", "deepseek-r1:latest", "nomic-embed-text:latest"),
    (
        "qwen2.5:7b",
        "llava:latest",
        "nemotron-3-nano:latest",
        "mistral:latest",
        "llama2-uncensored:latest",
    ),
)


async def _demo(settings: Settings, args: argparse.Namespace) -> None:
    sim_port = args.sim_port
    from .app import serve
    from .simulator.models import DEFAULT_FLEET
    from .simulator.server import SimConfig, start

    by_name = {m.name: m for m in DEFAULT_FLEET}
    sims = []
    for index, names in enumerate(DEMO_BACKENDS):
        config = SimConfig(models=[by_name[n] for n in names], name=f"sim-{index + 1}")
        sims.append(await start(config, host="127.0.0.1", port=sim_port + index if sim_port else 0))
    settings = settings.with_overrides(
        ollama_backends=tuple(s.url for s in sims), ollama_base_url=sims[0].url
    )

    def ready() -> None:
        host = "localhost" if settings.proxy_host in ("0.0.0.0", "::") else settings.proxy_host
        web = "localhost" if settings.web_host in ("0.0.0.0", "::") else settings.web_host
        print(
            f"IntelliProxy demo is running (simulated Ollama fleet, no real models).\n"
            f"  Ollama API : http://{host}:{settings.proxy_port}   (use model {VIRTUAL_MODEL})\n"
            f"  Dashboard  : http://{web}:{settings.web_port}\n"
            f"  Backends   : {', '.join(s.url for s in sims)}\n"
            f"Try: curl http://{host}:{settings.proxy_port}/api/chat -d "
            f'\'{{"model":"{VIRTUAL_MODEL}","messages":[{{"role":"user","content":'
            f'"Write a Python function that reverses a string"}}]}}\'\n'
            f"Press Ctrl-C to stop.",
            flush=True,
        )

    try:
        await serve(settings, on_ready=ready, reset_config=args.reset_config)
    finally:
        for sim in sims:
            await sim.stop()
        print("IntelliProxy demo stopped.", flush=True)


def cmd_demo(args: argparse.Namespace) -> None:
    env = dict(os.environ)
    env.setdefault("DATA_DIR", os.path.abspath("intelliproxy-data"))
    settings = _settings_or_exit(env)
    _setup_logging()
    _run(_demo(settings, args))


def cmd_simulate(args: argparse.Namespace) -> None:
    from .simulator.server import run

    _setup_logging()
    run(args.host, args.port, args.models)


def cmd_classify(args: argparse.Namespace) -> None:
    from .routing.classifier import classify
    from .runtime import Runtime

    settings = _settings_or_exit()
    body = {"model": VIRTUAL_MODEL, "prompt": " ".join(args.prompt)}
    classification = classify(body)
    print(f"category   : {classification.category}")
    print(f"complexity : {classification.complexity}")
    print(f"confidence : {classification.confidence:.2f}")
    print(f"reasons    : {', '.join(classification.reasons)}")

    async def decide() -> None:
        runtime = Runtime(settings)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(runtime.backends.refresh(), 3)
        decision = runtime.router.route(body, VIRTUAL_MODEL, "chat")
        if decision.targets:
            first = decision.targets[0]
            print(f"model      : {first.model} on {first.backend.url}")
            print(f"why        : {decision.reason}")
        else:
            print(f"model      : none ({decision.error})")
        await runtime.stop()

    asyncio.run(decide())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="intelliproxy", description="Intelligent routing proxy for Ollama."
    )
    parser.add_argument("--version", action="version", version=f"intelliproxy {__version__}")
    commands = parser.add_subparsers(dest="command")

    serve = commands.add_parser("serve", help="run the proxy (API and dashboard)")
    serve.add_argument(
        "--reset-config",
        action="store_true",
        help="move a broken router_config.json/models.json aside and start from defaults",
    )
    serve.set_defaults(func=cmd_serve)

    demo = commands.add_parser(
        "demo", help="run the proxy in front of a built-in simulated Ollama fleet"
    )
    demo.add_argument(
        "--sim-port",
        type=int,
        default=0,
        help="first port of the simulated backends (default: any free)",
    )
    demo.add_argument("--reset-config", action="store_true", help="as for serve")
    demo.set_defaults(func=cmd_demo)

    simulate = commands.add_parser("simulate", help="run one simulated Ollama server")
    simulate.add_argument("--port", type=int, default=11434)
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--models", help="JSON spec of the simulated models")
    simulate.set_defaults(func=cmd_simulate)

    classify = commands.add_parser("classify", help="show how a prompt would be routed")
    classify.add_argument("prompt", nargs="+")
    classify.set_defaults(func=cmd_classify)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command is None:
        args = build_parser().parse_args(["serve", *(argv or sys.argv[1:])])
    args.func(args)


if __name__ == "__main__":
    main()
