"""Model name handling: `[host/][namespace/]model[:tag]`, as Ollama resolves it."""

from __future__ import annotations

import re

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"

_VALID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-/:]*$")


def is_valid(name: str) -> bool:
    """Loose version of Ollama's model.Name.IsValid: non-empty, sane characters."""
    if not name or len(name) > 350 or not _VALID.match(name):
        return False
    last = name.rsplit("/", 1)[-1]
    return last.count(":") <= 1 and not last.startswith(":") and not last.endswith(":")


def canonical(name: str) -> str:
    """The key a model is installed under: lower-case, default host/namespace dropped,
    `:latest` added when the tag is missing (`Qwen2.5` -> `qwen2.5:latest`)."""
    name = name.strip().lower()
    for prefix in (f"{DEFAULT_HOST}/{DEFAULT_NAMESPACE}/", f"{DEFAULT_NAMESPACE}/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    if ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    return name


def full_name(name: str) -> str:
    """Fully qualified name used by capability errors:
    `registry.ollama.ai/library/llama2:latest`."""
    short = canonical(name)
    parts = short.split("/")
    if len(parts) == 1:
        return f"{DEFAULT_HOST}/{DEFAULT_NAMESPACE}/{short}"
    if len(parts) == 2:
        return f"{DEFAULT_HOST}/{short}"
    return short


def namespace(name: str) -> str:
    """Owner shown by /v1/models (`library` for plain names)."""
    parts = canonical(name).split("/")
    return parts[-2] if len(parts) >= 2 else DEFAULT_NAMESPACE
