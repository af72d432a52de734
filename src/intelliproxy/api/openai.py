"""OpenAI-compatible model listing (/v1/models); /v1 inference goes through `inference`."""

from __future__ import annotations

from ..decide import is_virtual
from ..runtime import Runtime
from . import virtual_model
from .http import Request, Send, send_json
from .ollama import _forward_one, _owner, merged_tags


def _owned_by(name: str) -> str:
    # Ollama reports the namespace ("library" for official models).
    parts = name.split("/")
    return parts[-2] if len(parts) > 1 else "library"


async def list_models(runtime: Runtime, request: Request, send: Send) -> None:
    data = [
        {
            "id": entry.get("model") or entry.get("name"),
            "object": "model",
            "created": virtual_model.created_unix(entry.get("modified_at")),
            "owned_by": _owned_by(str(entry.get("model") or entry.get("name"))),
        }
        for entry in await merged_tags(runtime)
    ]
    data.append(virtual_model.openai_entry())
    await send_json(send, 200, {"object": "list", "data": data})


async def retrieve_model(runtime: Runtime, request: Request, send: Send) -> None:
    name = request.path[len("/v1/models/") :]
    if is_virtual(name):
        await send_json(send, 200, virtual_model.openai_entry())
        return
    await _forward_one(runtime, request, send, None, _owner(runtime, request, name))
