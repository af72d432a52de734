"""Deterministic fake model output: text tokens, thinking, tool calls and embeddings.

Everything is a pure function of its inputs (model name, prompt, …) so tests can predict
it. Answers start with `[<model>]` so end-to-end tests can tell which model served.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import string
from typing import Any

_WORDS = (  # noqa: SIM905 (readable prose)
    "the answer depends on context and careful reasoning about each part of the question "
    "so here is a short simulated reply with useful sounding words that carry no meaning "
    "while the model streams tokens at a steady rate for testing"
).split()
_THOUGHTS = "let me think about what is being asked and plan a brief answer first".split()  # noqa: SIM905


_GENERIC = {"get", "set", "list", "fetch", "tool", "function", "call", "make"}


def _rng(*parts: str) -> random.Random:
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def count_tokens(text: str) -> int:
    """Rough tokenizer: about one token per 4 characters, at least one per word."""
    if not text:
        return 0
    return max(len(text.split()), math.ceil(len(text) / 4))


def answer_tokens(model: str, prompt: str, n: int, *, images: int = 0, tag: str = "") -> list[str]:
    """`n` content tokens; the first names the model (and the image count, if any)."""
    if n <= 0:
        return []
    head = f"[{model}]"
    if tag:
        head += f" ({tag})"
    if images:
        head += f" (saw {images} image{'s' if images > 1 else ''})"
    rng = _rng("answer", model, prompt)
    return [head] + [" " + rng.choice(_WORDS) for _ in range(n - 1)]


def thinking_tokens(model: str, prompt: str, n: int = 8) -> list[str]:
    rng = _rng("think", model, prompt)
    words = [_THOUGHTS[i % len(_THOUGHTS)] for i in range(n)]
    if rng.random() < 0.5:
        words[0] = words[0].capitalize()
    return [w if i == 0 else " " + w for i, w in enumerate(words)]


def tool_call_id(seed: str) -> str:
    rng = _rng("call", seed)
    return "call_" + "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(8))


def _tool_name(tool: Any) -> str:
    if isinstance(tool, dict):
        fn = tool.get("function")
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            return fn["name"]
    return ""


def pick_tool(tools: list[Any], prompt: str) -> dict[str, Any] | None:
    """The tool a prompt "asks for": its name, or a distinctive word of it (`weather` for
    `get_weather`), appears in the prompt, or the prompt says "use a tool"/"call the tool"
    (then the first tool)."""
    low = prompt.lower()
    words = set(re.findall(r"[a-z0-9]+", low))
    for tool in tools:
        name = _tool_name(tool).lower()
        parts = [p for p in re.split(r"[_\-\s]+", name) if len(p) > 3 and p not in _GENERIC]
        if name and (name in low or any(p in words for p in parts)):
            return tool
    if re.search(r"\b(use|call) (a|the|your) tools?\b", low):
        for tool in tools:
            if _tool_name(tool):
                return tool
    return None


def tool_arguments(tool: dict[str, Any], prompt: str) -> dict[str, Any]:
    """Plausible arguments from the tool's JSON schema; strings take a capitalised word
    that follows "in"/"for"/"of" in the prompt (`weather in Oslo` -> "Oslo")."""
    params = tool.get("function", {}).get("parameters") or {}
    props = params.get("properties") or {}
    required = params.get("required") or list(props)
    match = re.search(r"\b(?:in|for|of|about)\s+([A-Z][\w-]*)", prompt)
    word = match.group(1) if match else "example"
    args: dict[str, Any] = {}
    for key in required:
        schema = props.get(key) or {}
        kind = schema.get("type")
        kind = kind[0] if isinstance(kind, list) and kind else kind
        if schema.get("enum"):
            args[key] = schema["enum"][0]
        elif kind in ("integer", "number"):
            args[key] = 1
        elif kind == "boolean":
            args[key] = True
        elif kind == "array":
            args[key] = []
        elif kind == "object":
            args[key] = {}
        else:
            args[key] = word
    return args


def context_ids(model: str, prompt: str, n: int) -> list[int]:
    """The deprecated generate `context` token array."""
    rng = _rng("ctx", model, prompt)
    return [rng.randrange(1, 150_000) for _ in range(n)]


def embedding(model: str, text: str, dims: int, *, normalize: bool = True) -> list[float]:
    """A deterministic vector from a hash of (model, text); L2-normalised by default."""
    rng = _rng("embed", model, text)
    vec = [rng.uniform(-1.0, 1.0) for _ in range(dims)]
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    scale = 1.0 if normalize else 10.0 + rng.random() * 10.0
    return [v / norm * scale for v in vec]


def renormalize(vec: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]
