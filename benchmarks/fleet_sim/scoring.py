"""How well the served model matched the request, judged by the dev file's labels.

The labels (category, complexity, alt_categories, has_image), not the classifier's output,
are the truth here, so a misclassification costs fit. The model's side is what the catalogue
believes (operator attributes, then Ollama facts): `preferred_for`, `complexity`, capabilities.

fit = 0 when the model cannot do the job at all: an image attached and no `vision`, an
image-generation-only model given a text prompt. Otherwise

    fit = 0.6 x category + 0.4 x capacity

| category term                                                              | value |
|----------------------------------------------------------------------------|------:|
| the label (or one of the item's alt_categories) is preferred_for[0]         | 1.0   |
| the label is elsewhere in preferred_for                                    | 0.6   |
| a generalist (preferred_for[0] == general) on a code/reasoning/uncensored/ | 0.4   |
| vision item                                                                |       |
| any other text model (a specialist off its topic)                          | 0.2   |
| a text model asked to generate an image                                    | 0.0   |

capacity = 1 - 0.25 x max(0, label - model complexity) - 0.05 x max(0, model - label - 2),
clamped to 0..1: too weak hurts a lot, two points of headroom are free, beyond that needless
size costs a little (its cost in latency is measured separately).
"""

from __future__ import annotations

from intelliproxy.routing.types import ModelProfile

from .workload import Request

W_CATEGORY, W_CAPACITY = 0.6, 0.4
TEXT_LABELS = frozenset({"code", "reasoning", "uncensored", "vision"})


def category_term(profile: ModelProfile, request: Request) -> float:
    preferred = profile.preferred_for
    if preferred and preferred[0] in (request.category, *request.alt_categories):
        return 1.0
    if request.category in preferred:
        return 0.6
    if request.category == "image":
        return 0.0
    if preferred[:1] == ("general",) and request.category in TEXT_LABELS:
        return 0.4
    return 0.2


def capacity_term(profile: ModelProfile, request: Request) -> float:
    weak = max(0, request.complexity - profile.complexity)
    over = max(0, profile.complexity - request.complexity - 2)
    return max(0.0, min(1.0, 1.0 - 0.25 * weak - 0.05 * over))


def fit(profile: ModelProfile, request: Request) -> float:
    caps = profile.capabilities
    if request.has_image and "vision" not in caps:
        return 0.0
    if "completion" not in caps and request.category != "image":
        return 0.0
    return W_CATEGORY * category_term(profile, request) + W_CAPACITY * capacity_term(
        profile, request
    )
