"""Injected faults: what they are, which requests they hit, and how many times.

A fault is a JSON object (POST /_sim/faults, or `"faults"` in the spec file)::

    {"kind": "busy", "model": "mistral:latest", "route": "/api/chat",
     "times": 2, "after_chunks": 3, "delay_s": 0.5, "message": "optional override"}

* `model`: a model name (matched like Ollama resolves names) or `"*"`/absent for any.
* `route`: a path (`/api/chat`), a path suffix (`chat/completions`), or `"*"` for every
  route; absent means the inference routes only (generate, chat, embed, embeddings and
  their /v1 twins). Faults on non-inference routes match only when `model` is absent/`*`.
* `times`: how many requests it hits before it disappears (absent = until cleared).
* `after_chunks` (midstream kinds): how many lines are sent before the fault strikes.
* `delay_s`: for `slow_first_token` and `stall_midstream` the pause (`stall_midstream`
  without it stalls until the client leaves); for error kinds, a pause before answering.

Kinds: `oom_legacy`, `oom`, `not_found`, `busy`, `load_failure` (answered before any
byte, with Ollama's status and message), `hang` (never answers until the client
disconnects), `slow_first_token`, `die_midstream` (TCP connection aborted after N
chunks; with stream:false, aborted without a reply), `error_midstream` (Ollama's runner-
stopped error line after N chunks), `stall_midstream`, `malformed_midstream` (a non-JSON
line after N chunks, then the stream ends).
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from typing import Any

from . import names
from .errors import BUSY, RUNNER_STOPPED

PRESTREAM: dict[str, tuple[int, str]] = {
    "oom_legacy": (500, "model requires more system memory (12.4 GiB) than is available (7.9 GiB)"),
    "oom": (
        500,
        "llama-server reported out-of-memory during startup: ggml_backend_cuda_buffer_type_"
        "alloc_buffer: allocating 4354.12 MiB on device 0: cudaMalloc failed: out of memory",
    ),
    "not_found": (404, ""),  # message depends on the route, see not_found_message
    "busy": (503, BUSY),
    "load_failure": (
        500,
        "llama-server process has terminated: exit status 2: error loading model: "
        "unable to allocate CUDA0 buffer",
    ),
}
MIDSTREAM = {"die_midstream", "error_midstream", "stall_midstream", "malformed_midstream"}
KINDS = set(PRESTREAM) | MIDSTREAM | {"hang", "slow_first_token"}
MIDSTREAM_ERROR = RUNNER_STOPPED

INFERENCE_ROUTES = {
    "/api/generate",
    "/api/chat",
    "/api/embed",
    "/api/embeddings",
    "/v1/chat/completions",
    "/v1/completions",
    "/v1/embeddings",
}


@dataclass
class Fault:
    kind: str
    model: str | None = None
    route: str | None = None
    times: int | None = None
    after_chunks: int = 0
    delay_s: float | None = None
    message: str | None = None
    id: int = 0
    fired: int = 0

    def matches(self, path: str, model: str | None) -> bool:
        if self.route in (None, ""):
            if path not in INFERENCE_ROUTES:
                return False
        elif self.route != "*":
            route = self.route.strip("/")
            if path.strip("/") != route and not path.endswith("/" + route):
                return False
        if self.model in (None, "", "*"):
            return True
        return model is not None and names.canonical(model) == names.canonical(self.model)

    def error(self) -> tuple[int, str]:
        status, message = PRESTREAM[self.kind]
        return status, self.message or message

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def parse_fault(data: Any) -> Fault:
    if not isinstance(data, dict):
        raise ValueError(f"a fault must be an object, got {data!r}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {sorted(KINDS)}")
    allowed = {"kind", "model", "route", "times", "after_chunks", "delay_s", "message"}
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"unknown fault field(s) {sorted(unknown)}")
    times = data.get("times")
    if times is not None and int(times) < 1:
        raise ValueError("times must be >= 1")
    delay = data.get("delay_s")
    return Fault(
        kind=kind,
        model=data.get("model"),
        route=data.get("route"),
        times=None if times is None else int(times),
        after_chunks=int(data.get("after_chunks") or 0),
        delay_s=None if delay is None else float(delay),
        message=data.get("message"),
    )


class FaultBook:
    """The active faults of one simulator, first match wins."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, data: Any) -> list[Fault]:
        items = data if isinstance(data, list) else [data]
        parsed = [parse_fault(item) for item in items]  # all-or-nothing
        for fault in parsed:
            fault.id = next(self._ids)
        self._faults.extend(parsed)
        return parsed

    def clear(self) -> None:
        self._faults.clear()

    def active(self) -> list[Fault]:
        return list(self._faults)

    def take(self, path: str, model: str | None) -> Fault | None:
        """The fault this request triggers (consuming one of its `times`), if any."""
        for fault in self._faults:
            if fault.matches(path, model):
                fault.fired += 1
                if fault.times is not None and fault.fired >= fault.times:
                    self._faults.remove(fault)
                return fault
        return None


def not_found_message(path: str, model: str) -> str:
    """Ollama's 404 wording differs per route (quotes and pull hint)."""
    if path in ("/api/embed", "/api/embeddings", "/v1/embeddings"):
        return f'model "{model}" not found, try pulling it first'
    return f"model '{model}' not found"
