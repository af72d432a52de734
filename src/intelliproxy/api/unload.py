"""`ollama stop` on a fleet: an unload reaches every backend that has the model.

Ollama unloads a model on an empty prompt (generate) or empty messages (chat) with
`keep_alive: 0` (ollama-api.md §13.3); `ollama stop` and Open WebUI's unload button send it.
Behind the proxy the model may be resident on several backends, and one routed request
would unload it from one of them only: `ollama ps` would still list it. So the request is
routed as usual and, at the same time, the same body goes to every other backend that has
the model installed (unloading a model that is not loaded is harmless). Their answers are
not the client's: failures are logged, never retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from ..upstream.backends import Backend, BackendPool

log = logging.getLogger("intelliproxy")

_ZERO_DURATIONS = frozenset({"0", "0s", "0m", "0h", "0ms"})


def is_unload(body: Mapping[str, Any], path: str) -> bool:
    keep_alive = body.get("keep_alive")
    if isinstance(keep_alive, bool):
        return False
    zero = keep_alive == 0 or (
        isinstance(keep_alive, str) and keep_alive.strip() in _ZERO_DURATIONS
    )
    if not zero:
        return False
    return not body.get("messages") if path == "/api/chat" else not body.get("prompt")


async def unload_elsewhere(
    pool: BackendPool, model: str, body: dict, path: str, routed_to: Backend | None
) -> None:
    """Send the unload to every other available backend that has `model`."""
    others = [b for b in pool.with_model(model) if b is not routed_to]
    results = await asyncio.gather(
        *(b.post_json(path, body, timeout=10.0) for b in others), return_exceptions=True
    )
    for backend, result in zip(others, results, strict=True):
        if isinstance(result, BaseException):
            log.info("unloading %s on %s failed: %s", model, backend.url, result)
