"""A simulated Ollama server: the backend for tests, benchmarks and `intelliproxy demo`.

It speaks Ollama's HTTP API as described in the project's contract (native /api routes,
the /v1 OpenAI routes, Go-style JSON and framing), models load/unload, keep_alive, memory
budget, parallel slots and the pending queue, and adds a `/_sim/` control API for fault
injection and a request log. See `server` for how to run it, `models` for the spec file,
`faults` for fault kinds and `routes_control` for the control API.
"""

from .config import SimConfig, load_config
from .models import DEFAULT_FLEET, SimModel, load_spec

__all__ = ["DEFAULT_FLEET", "SimConfig", "SimModel", "load_config", "load_spec"]
