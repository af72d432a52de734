"""Step 1 of the routing decision: which models can serve a request at all.

A model must be able to answer prompts (embedding-only models never; image-generation-only
models only for the `image` category), must have `vision` when images are attached and
`tools` when tools are sent, and its context length (when known) must hold
max(prompt_tokens, num_ctx). If `num_ctx` alone rules out every model it is relaxed (Ollama
caps num_ctx at the model's context itself) and a note says so. When nothing is left, the
note is the message the client gets (planner.failure_status picks the status).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from intelliproxy.routing.catalog import chat_capable
from intelliproxy.routing.types import ModelProfile, Requirements

NO_CHAT_MODEL = "no model able to answer prompts is available"
CONTEXT_TOO_LARGE = "no model has a context window large enough for this prompt (~{} tokens)"


def hard_filter(
    profiles: Mapping[str, ModelProfile], requirements: Requirements, category: str
) -> tuple[set[str], tuple[str, ...]]:
    """Step 1: the models that can serve this request at all, plus notes."""
    able = {
        k
        for k, p in profiles.items()
        if chat_capable(p) and ("completion" in p.capabilities or category == "image")
    }
    if not able:
        return set(), (NO_CHAT_MODEL,)
    needed = [c for c, on in (("vision", requirements.vision), ("tools", requirements.tools)) if on]
    for capability in needed:
        if not any(capability in profiles[k].capabilities for k in able):
            return set(), (f"no model with {capability} capability is available",)
    able = {k for k in able if all(c in profiles[k].capabilities for c in needed)}
    if not able:
        return set(), (f"no model with {' and '.join(needed)} capabilities is available",)

    tokens, num_ctx = requirements.prompt_tokens, requirements.num_ctx or 0
    fits = _fitting(able, profiles, max(tokens, num_ctx))
    if fits:
        return fits, ()
    fits = _fitting(able, profiles, tokens)
    if fits:
        return fits, (f"num_ctx {num_ctx} is larger than any model's context; Ollama will cap it",)
    return set(), (CONTEXT_TOO_LARGE.format(tokens),)


def _fitting(keys: Iterable[str], profiles: Mapping[str, ModelProfile], need: int) -> set[str]:
    return {
        k for k in keys if profiles[k].context_length is None or need <= profiles[k].context_length
    }
