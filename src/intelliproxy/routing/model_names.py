"""What a model's name and size say about it, when nothing better is known.

Size rule (parameters in billions -> complexity / speed), then category adjustments:


| size      | complexity | speed |      | category  | complexity | speed |
|-----------|------------|-------|      |-----------|------------|-------|
| <= 2B     | 3          | 10    |      | reasoning | +2         | -2    |
| <= 5B     | 4          | 9     |      | code      | +1         | 0     |
| <= 10B    | 6          | 8     |
| <= 20B    | 7          | 6     |      unknown size: 5 / 5 (or a hint
| <= 40B    | 8          | 4     |      in the name: nano/tiny -> <=2B,
| <= 65B    | 9          | 3     |      mini -> <=5B)
| > 65B     | 10         | 2     |
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

from intelliproxy.routing.types import CATEGORIES, ModelProfile

# Words operators and the seed use for categories we fold into the six we route on.
_CATEGORY_ALIASES: Mapping[str, str] = {
    "simple": "general",
    "chat": "general",
    "qa": "general",
    "writing": "general",
    "debugging": "code",
    "technical": "code",
    "coding": "code",
    "math": "reasoning",
    "analysis": "reasoning",
    "creative": "uncensored",
}

# --- name guesses -------------------------------------------------------------------------
# Checked in this order; a name matching several gets them all, first match primary.
_NAME_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("embedding", re.compile(r"embed|minilm|^bge-|^bge$|^paraphrase-")),
    ("image", re.compile(r"flux|sdxl|stable-diffusion|^x/z-image|z-image-turbo")),
    (
        "vision",
        re.compile(
            r"llava|vision|[\d-]vl\b|-vl-|moondream|minicpm-v|^gemma3(?!n)|^llama4|granite3\.2-vision"
        ),
    ),
    (
        "code",
        re.compile(
            r"coder|codellama|starcoder|codestral|devstral|codegemma|codeqwen|granite-code|stable-code"
        ),
    ),
    ("reasoning", re.compile(r"^deepseek-r1|^qwq|reason|magistral|openthinker|-thinking")),
    ("uncensored", re.compile(r"uncensored|^dolphin|abliterated")),
)
# Families whose templates usually carry tools / thinking; only used when Ollama says nothing.
_TOOLS_GUESS = re.compile(
    r"^(qwen2\.5|qwen3|llama3\.[123]|mistral|mixtral|command-r|granite3|hermes3|firefunction"
    r"|nemotron|gpt-oss|devstral|magistral|smollm2)"
)
_THINKING_GUESS = re.compile(r"^(deepseek-r1|qwq|qwen3|gpt-oss|magistral|phi4-reasoning)")
_SIZE_IN_NAME = re.compile(r"(?<![\w.])(?:(\d+)x)?(\d+(?:\.\d+)?)b(?![a-z0-9])")
_SIZE_UNITS = {"k": 1e-6, "m": 1e-3, "b": 1.0, "t": 1e3}

# Categories that are really capabilities: when Ollama lists capabilities, these follow them.
FACT_CATEGORIES = ("embedding", "image", "vision")
# (max billions, complexity, speed); above the last row: 10 / 2
_SIZE_TABLE = ((2.0, 3, 10), (5.0, 4, 9), (10.0, 6, 8), (20.0, 7, 6), (40.0, 8, 4), (65.0, 9, 3))
_CATEGORY_ADJUST: Mapping[str, tuple[int, int]] = {"reasoning": (2, -2), "code": (1, 0)}
# tokens/s at or above the threshold -> speed; below the last: 1
_TPS_TABLE = ((120, 10), (90, 9), (70, 8), (50, 7), (35, 6), (25, 5), (15, 4), (8, 3), (3, 2))


@functools.lru_cache(maxsize=4096)
def model_key(name: str) -> str:
    """Identity of a model name: case-insensitive, `name` and `name:latest` are the same.

    Cached: the planner asks for the same few dozen names on every request."""
    key = name.strip().lower()
    return key if ":" in key.rsplit("/", 1)[-1] else f"{key}:latest"


def clamp(value: int, low: int = 1, high: int = 10) -> int:
    return max(low, min(high, value))


def size_rule(billions: float) -> tuple[int, int]:
    """Parameter count in billions -> (complexity, speed), per the table above."""
    for limit, complexity, speed in _SIZE_TABLE:
        if billions <= limit:
            return complexity, speed
    return 10, 2


def speed_from_tokens_per_s(tokens_per_s: float) -> int:
    for threshold, speed in _TPS_TABLE:
        if tokens_per_s >= threshold:
            return speed
    return 1


def parse_parameter_size(text: object) -> float | None:
    """`"7.6B"` -> 7.6, `"494M"` -> 0.494 (billions); None when unreadable."""
    if not isinstance(text, str):
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmbt])\s*", text.lower())
    return float(match.group(1)) * _SIZE_UNITS[match.group(2)] if match else None


def _size_from_name(base: str) -> float | None:
    match = _SIZE_IN_NAME.search(base)
    if match:
        experts = int(match.group(1)) if match.group(1) else 1
        return experts * float(match.group(2))
    if re.search(r"(?:^|[-_.])(?:nano|tiny)(?:$|[-_.])", base):
        return 1.0
    return 3.0 if re.search(r"(?:^|[-_.])mini(?:$|[-_.])", base) else None


def categories_from_name(base: str) -> list[str]:
    return [category for category, pattern in _NAME_RULES if pattern.search(base)]


def normalize_categories(values: object) -> tuple[str, ...]:
    """Operator / seed category words -> our categories, order kept, unknown words dropped."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple)):
        return ()
    out: list[str] = []
    for value in values:
        if isinstance(value, str):
            word = _CATEGORY_ALIASES.get(value.strip().lower(), value.strip().lower())
            if word in CATEGORIES and word not in out:
                out.append(word)
    return tuple(out)


def _guessed_capabilities(base: str, categories: list[str]) -> frozenset[str]:
    if "embedding" in categories:
        return frozenset({"embedding"})
    if "image" in categories:
        return frozenset({"image"})
    caps = {"completion"}
    if "vision" in categories:
        caps.add("vision")
    if _TOOLS_GUESS.search(base):
        caps.add("tools")
    if "reasoning" in categories or _THINKING_GUESS.search(base):
        caps.add("thinking")
    return frozenset(caps)


def preferred_from(categories: Iterable[str], capabilities: frozenset[str]) -> tuple[str, ...]:
    """Route categories for a model; embedding-only models get none."""
    if "embedding" in capabilities and "completion" not in capabilities:
        return ()
    chosen = [c for c in categories if c in CATEGORIES]
    if "image" in capabilities and "image" not in chosen:
        chosen.insert(0, "image")
    if "vision" in capabilities and "vision" not in chosen:
        # A model that can also see, but whose name says nothing: a generalist first.
        chosen.extend(["general", "vision"] if not chosen else ["vision"])
    return tuple(chosen) or ("general",)


def size_attributes(billions: float | None, preferred: tuple[str, ...]) -> tuple[int, int]:
    complexity, speed = size_rule(billions) if billions is not None else (5, 5)
    d_complexity, d_speed = _CATEGORY_ADJUST.get(preferred[0] if preferred else "", (0, 0))
    return clamp(complexity + d_complexity), clamp(speed + d_speed)


def guess_profile(name: str) -> ModelProfile:
    """Everything from the name alone; `source="guess"`."""
    base = model_key(name).split(":", 1)[0]
    tag = model_key(name).split(":", 1)[1]
    categories = categories_from_name(base)
    capabilities = _guessed_capabilities(base, categories)
    preferred = preferred_from(categories, capabilities)
    billions = _size_from_name(tag) or _size_from_name(base)
    complexity, speed = size_attributes(billions, preferred)
    return ModelProfile(
        name=name,
        speed=speed,
        complexity=complexity,
        preferred_for=preferred,
        capabilities=capabilities,
        parameter_size_b=billions,
        source="guess",
    )
