"""The model catalogue: what the router believes about each model, and how sure it is.

Sources, most trusted first (DESIGN.md §3):

| source   | gives                                                  | from                    |
|----------|--------------------------------------------------------|-------------------------|
| operator | speed, complexity, preferred_for                       | models.json / dashboard |
| ollama   | capabilities, parameter size, context length, family;  | /api/show, /api/tags    |
|          | via the size rule below also complexity and speed      |                         |
| measured | speed (tokens/s of real answers)                       | `measured` argument     |
| llm      | category of a chat model no name rule knows; complexity | `name_advice.py`        |
|          | and speed when the size is unknown too (optional)      |                         |
| guess    | category, capabilities, size from the model's name     | `guess_profile`         |

Each attribute is taken from the most trusted source that has it. Two deliberate twists:
capabilities come from Ollama facts whenever they exist (facts beat anyone's opinion, even
the operator's), and a measured speed beats a speed derived from the parameter size (Ollama
reports no speed, the size rule is only a proxy for it). `ModelProfile.source` names the most
trusted source that supplied any of category, speed or complexity — except that `llm` is
shown whenever the LLM's advice chose the category (and the operator did not), so that an
operator sees which categories were a model's opinion.

The size rule and the name guesses live in `model_names.py`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from intelliproxy.routing.model_names import (
    FACT_CATEGORIES,
    categories_from_name,
    clamp,
    guess_profile,
    model_key,
    normalize_categories,
    parse_parameter_size,
    preferred_from,
    size_attributes,
    speed_from_tokens_per_s,
)
from intelliproxy.routing.types import CATEGORIES, ModelProfile

SEED_MODEL_ATTRIBUTES: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "qwen2.5-coder:7b": {"speed": 8, "complexity": 7, "preferred_for": ("code",)},
        "deepseek-r1:latest": {"speed": 3, "complexity": 10, "preferred_for": ("reasoning",)},
        "llava:latest": {"speed": 4, "complexity": 6, "preferred_for": ("vision",)},
        # The seed said "simple"; we have no such category, a tiny fast generalist it is.
        "nemotron-3-nano:latest": {"speed": 10, "complexity": 4, "preferred_for": ("general",)},
        "mistral:latest": {"speed": 7, "complexity": 6, "preferred_for": ("general",)},
        "qwen2.5:7b": {"speed": 8, "complexity": 6, "preferred_for": ("general",)},
    }
)

SEED_FALLBACKS: Mapping[str, str] = MappingProxyType(
    {
        "qwen2.5-coder:7b": "qwen2.5:7b",
        "deepseek-r1:latest": "qwen2.5:7b",
        "llava:latest": "qwen2.5:7b",
        "nemotron-3-nano:latest": "qwen2.5:7b",
        "mistral:latest": "qwen2.5:7b",
    }
)


# --- facts from Ollama ---------------------------------------------------------------------
def facts_from_show(show: Mapping[str, Any]) -> dict[str, Any]:
    """The facts we use from an /api/show answer; absent facts are simply left out."""
    facts = facts_from_tag(show)
    info = show.get("model_info")
    if isinstance(info, Mapping):
        arch = info.get("general.architecture")
        context = info.get(f"{arch}.context_length") if isinstance(arch, str) else None
        if not isinstance(context, int):
            context = next(
                (v for k, v in info.items() if k.endswith(".context_length") and _is_int(v)),
                None,
            )
        if _is_int(context) and context > 0:
            facts["context_length"] = context
        count = info.get("general.parameter_count")
        if "parameter_size_b" not in facts and _is_int(count) and count > 0:
            facts["parameter_size_b"] = round(count / 1e9, 3)
        if "family" not in facts and isinstance(arch, str) and arch:
            facts["family"] = arch
    return facts


def facts_from_tag(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The facts we use from one /api/tags entry (or the common part of /api/show)."""
    facts: dict[str, Any] = {}
    caps = entry.get("capabilities")
    if isinstance(caps, (list, tuple)) and caps:
        facts["capabilities"] = frozenset(c for c in caps if isinstance(c, str))
    details = entry.get("details")
    if isinstance(details, Mapping):
        billions = parse_parameter_size(details.get("parameter_size"))
        if billions:
            facts["parameter_size_b"] = billions
        family = details.get("family")
        if isinstance(family, str) and family:
            facts["family"] = family
        context = details.get("context_length")
        if _is_int(context) and context > 0:
            facts["context_length"] = context
    size = entry.get("size")
    if _is_int(size) and size > 0:
        facts["size_bytes"] = size
    return facts


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: object) -> int | None:
    """An operator's 1..10 setting, clamped; None when it is not a finite number."""
    if _is_int(value) or (isinstance(value, float) and math.isfinite(value)):
        return clamp(round(value))  # type: ignore[arg-type]
    return None


def compose_profile(
    name: str,
    *,
    operator: Mapping[str, Any] | None = None,
    facts: Mapping[str, Any] | None = None,
    tokens_per_s: float | None = None,
    advice: Mapping[str, Any] | None = None,
) -> ModelProfile:
    """One profile from all sources, each attribute from the most trusted source that has it."""
    guess = guess_profile(name)
    facts = facts or {}
    operator = operator or {}
    sources: set[str] = set()

    capabilities = facts.get("capabilities") or guess.capabilities
    billions = facts.get("parameter_size_b") or guess.parameter_size_b
    categories = list(guess.preferred_for)
    if facts.get("capabilities"):
        # Facts about embedding / image / vision outrank what the name suggested.
        name_cats = categories_from_name(model_key(name).split(":", 1)[0])
        categories = [c for c in name_cats if c not in FACT_CATEGORIES or c in capabilities]
    preferred = preferred_from(categories, capabilities)
    if facts.get("capabilities") and preferred != guess.preferred_for:
        sources.add("ollama")
    # The LLM's advice only settles what neither the facts nor the name rules did.
    advised = (
        bool(advice)
        and preferred[:1] == ("general",)
        and not categories_from_name(model_key(name).split(":", 1)[0])
    )
    if advised:
        preferred = preferred_from([advice["category"]], capabilities)  # type: ignore[index]
    complexity, speed = size_attributes(billions, preferred)
    if facts.get("parameter_size_b"):
        sources.add("ollama")
    elif advised and billions is None:
        complexity, speed = advice["complexity"], advice["speed"]  # type: ignore[index]

    if tokens_per_s is not None and tokens_per_s > 0:
        speed = speed_from_tokens_per_s(tokens_per_s)
        sources.add("measured")

    op_preferred = normalize_categories(operator.get("preferred_for"))
    if op_preferred and preferred:  # embedding-only stays embedding-only
        preferred = op_preferred
        sources.add("operator")
    if (value := _number(operator.get("speed"))) is not None:
        speed = value
        sources.add("operator")
    if (value := _number(operator.get("complexity"))) is not None:
        complexity = value
        sources.add("operator")

    if advised and not op_preferred:
        sources.add("llm")
    source = next((s for s in ("operator", "llm", "ollama", "measured") if s in sources), "guess")
    return ModelProfile(
        name=name,
        speed=speed,
        complexity=complexity,
        preferred_for=preferred,
        capabilities=frozenset(capabilities),
        parameter_size_b=billions,
        context_length=facts.get("context_length"),
        family=facts.get("family"),
        size_bytes=facts.get("size_bytes"),
        source=source,
    )


def profile_from_show(name: str, show: Mapping[str, Any]) -> ModelProfile:
    return compose_profile(name, facts=facts_from_show(show))


def profile_from_tag(name: str, tag_entry: Mapping[str, Any]) -> ModelProfile:
    return compose_profile(name, facts=facts_from_tag(tag_entry))


def chat_capable(profile: ModelProfile) -> bool:
    """False for embedding-only models: they can never answer a prompt."""
    caps = profile.capabilities
    return "completion" in caps or "embedding" not in caps


# --- the catalogue -------------------------------------------------------------------------
class Catalog:
    """An immutable view over all sources; build a new one when any input changes.

    `operator` defaults to the seed's attributes; pass `{}` for none. `tags` are /api/tags
    entries (from every backend), `shows` /api/show answers by model name, `advice` what
    CLASSIFIER_MODEL said about a name (`name_advice.py`), `measured`
    tokens/s by model name, `names` any further model names to know about.
    """

    __slots__ = ("_operator", "_facts", "_measured", "_advice", "_names", "_profiles")

    def __init__(
        self,
        *,
        operator: Mapping[str, Mapping[str, Any]] = SEED_MODEL_ATTRIBUTES,
        shows: Mapping[str, Mapping[str, Any]] | None = None,
        tags: Iterable[Mapping[str, Any]] = (),
        measured: Mapping[str, float] | None = None,
        names: Iterable[str] = (),
        advice: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        display: dict[str, str] = {}  # key -> spelling to use; Ollama's own spelling wins
        facts: dict[str, dict[str, Any]] = {}
        for entry in tags:
            name = (entry.get("model") or entry.get("name")) if isinstance(entry, Mapping) else None
            if isinstance(name, str) and name:
                display.setdefault(model_key(name), name)
                facts[model_key(name)] = {**facts_from_tag(entry), **facts.get(model_key(name), {})}
        for name, show in (shows or {}).items():
            if isinstance(show, Mapping):
                display.setdefault(model_key(name), name)
                facts[model_key(name)] = {**facts.get(model_key(name), {}), **facts_from_show(show)}
        for name in (*names, *(measured or {}), *operator):
            display.setdefault(model_key(name), name)
        self._operator = {model_key(k): v for k, v in operator.items() if isinstance(v, Mapping)}
        self._facts = facts
        self._measured = {model_key(k): float(v) for k, v in (measured or {}).items()}
        self._advice = {model_key(k): v for k, v in (advice or {}).items()}
        self._names = display
        self._profiles = {key: self._compose(key) for key in display}

    def _compose(self, key: str) -> ModelProfile:
        return compose_profile(
            self._names[key],
            operator=self._operator.get(key),
            facts=self._facts.get(key),
            tokens_per_s=self._measured.get(key),
            advice=self._advice.get(key),
        )

    def get(self, name: str) -> ModelProfile | None:
        return self._profiles.get(model_key(name))

    def profile(self, name: str) -> ModelProfile:
        """The known profile, else a name guess (named as asked)."""
        known = self._profiles.get(model_key(name))
        return known if known is not None else guess_profile(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and model_key(name) in self._profiles

    def profiles(self) -> tuple[ModelProfile, ...]:
        return tuple(sorted(self._profiles.values(), key=lambda p: model_key(p.name)))

    def by_category(self, names: Iterable[str] | None = None) -> dict[str, list[str]]:
        """Primary category -> model names (the seed's GET /models `categories`).

        Every category is present, possibly empty; embedding-only models are listed under
        `embedding` when there are any. `names` restricts the listing (e.g. to installed ones).
        """
        chosen = self.profiles() if names is None else [self.profile(n) for n in names]
        out: dict[str, list[str]] = {category: [] for category in CATEGORIES}
        for profile in sorted(chosen, key=lambda p: model_key(p.name)):
            category = profile.preferred_for[0] if profile.preferred_for else "embedding"
            out.setdefault(category, []).append(profile.name)
        return out


# --- fallbacks ------------------------------------------------------------------------------
def validate_fallbacks(mapping: object) -> None:
    """Raise ValueError when the mapping is malformed or any chain loops."""
    if not isinstance(mapping, Mapping):
        raise ValueError("fallbacks must be an object mapping model name to model name")
    table: dict[str, str] = {}
    for source, target in mapping.items():
        if not isinstance(source, str) or not source.strip():
            raise ValueError(f"fallback key {source!r} is not a model name")
        if not isinstance(target, str) or not target.strip():
            raise ValueError(f"fallback for {source!r} must be a model name, got {target!r}")
        table[model_key(source)] = target
    for start in table:
        seen = [start]
        current = start
        while current in table:
            current = model_key(table[current])
            if current in seen:
                chain = " -> ".join([*seen[seen.index(current) :], current])
                raise ValueError(f"fallback chain loops: {chain}")
            seen.append(current)


def fallback_chain(model: str, mapping: Mapping[str, str]) -> list[str]:
    """The models to try after `model`, in order; stops at the first repeat, never loops."""
    table = {model_key(k): v for k, v in mapping.items() if isinstance(v, str) and v.strip()}
    seen = {model_key(model)}
    chain: list[str] = []
    current = model_key(model)
    while current in table:
        target = table[current]
        current = model_key(target)
        if current in seen:
            break
        seen.add(current)
        chain.append(target)
    return chain
