"""How the virtual model `IntelliProxyLLM` describes itself in /api/tags, /api/show, /v1/models.

It must carry every key the official clients validate (ollama-python requires `model_info`
on /api/show; tags entries need `name` and `model`), and its capabilities are what the
fleet behind it can actually do, so a client that checks for `vision` or `tools` before
sending images or tools gets a truthful answer.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .. import VIRTUAL_MODEL
from ..routing.catalog import chat_capable

if TYPE_CHECKING:  # the runtime imports the API's neighbours; avoid a cycle at run time
    from ..runtime import Runtime

DESCRIPTION = "Intelligent routing - proxy selects best model based on task"
_STARTED = datetime.now(UTC).astimezone()
_DIGEST = hashlib.sha256(VIRTUAL_MODEL.encode()).hexdigest()
_DETAILS = {
    "parent_model": "",
    "format": "intelliproxy",
    "family": "intelliproxy",
    "families": ["intelliproxy"],
    "parameter_size": "",
    "quantization_level": "",
}


def capabilities(runtime: Runtime) -> list[str]:
    caps: set[str] = set()
    for profile in runtime.catalog.profiles():
        if chat_capable(profile) and runtime.backends.with_model(profile.name):
            caps |= profile.capabilities
    caps.discard("embedding")
    caps.add("completion")
    order = ("completion", "tools", "insert", "vision", "thinking", "image", "audio")
    return [c for c in order if c in caps]


def context_length(runtime: Runtime) -> int:
    lengths = [p.context_length for p in runtime.catalog.profiles() if p.context_length]
    return max(lengths, default=4096)


def tag_entry(runtime: Runtime) -> dict[str, Any]:
    return {
        "name": VIRTUAL_MODEL,
        "model": VIRTUAL_MODEL,
        "modified_at": _STARTED.isoformat(),
        "size": 0,
        "digest": _DIGEST,
        "details": dict(_DETAILS),
        "capabilities": capabilities(runtime),
        "description": DESCRIPTION,
    }


def show(runtime: Runtime) -> dict[str, Any]:
    ctx = context_length(runtime)
    return {
        "license": "",
        "modelfile": f"# {VIRTUAL_MODEL}: a virtual model served by IntelliProxy.\n"
        f"# {DESCRIPTION}.\n",
        "parameters": "",
        "template": "{{ .Prompt }}",
        "details": dict(_DETAILS),
        "model_info": {
            "general.architecture": "intelliproxy",
            "general.basename": VIRTUAL_MODEL,
            "intelliproxy.context_length": ctx,
        },
        "capabilities": capabilities(runtime),
        "modified_at": _STARTED.isoformat(),
        "description": DESCRIPTION,
    }


def openai_entry() -> dict[str, Any]:
    return {
        "id": VIRTUAL_MODEL,
        "object": "model",
        "created": int(_STARTED.timestamp()),
        "owned_by": "intelliproxy",
    }


def created_unix(modified_at: object) -> int:
    if isinstance(modified_at, str):
        try:
            return int(datetime.fromisoformat(modified_at.replace("Z", "+00:00")).timestamp())
        except ValueError:
            pass
    return int(time.time())
