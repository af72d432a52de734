"""DISCOVERY_ASK_LLM, the pure parts: who is asked about, the question, the answer's checks,
and how the catalogue uses the advice."""

from __future__ import annotations

from intelliproxy.routing import name_advice as advice
from intelliproxy.routing.catalog import Catalog, compose_profile


def _tag(name: str, caps: list[str], size: str | None = "8B") -> dict:
    details = {"family": "llama", **({"parameter_size": size} if size else {})}
    return {"name": name, "model": name, "size": 4_000_000_000, "capabilities": caps,
            "details": details}  # fmt: skip


def test_only_chat_models_with_unknown_names_and_no_operator_category_are_asked_about():
    catalog = Catalog(
        operator={},
        tags=[
            _tag("mystery-model:8b", ["completion"]),
            _tag("qwen2.5-coder:7b", ["completion"]),  # the name says code
            _tag("llava:7b", ["completion", "vision"]),  # facts say vision
            _tag("nomic-embed-text:latest", ["embedding"]),
            _tag("flux-dev:latest", ["image"]),
        ],
    )
    asked = [p.name for p in catalog.profiles() if advice.needs_advice(p, None)]
    assert asked == ["mystery-model:8b"]
    mystery = catalog.profile("mystery-model:8b")
    assert not advice.needs_advice(mystery, {"preferred_for": ["code"]})
    assert advice.needs_advice(mystery, {"speed": 3})  # speed alone leaves the category open


def test_question_is_schema_constrained_and_names_the_model():
    profile = compose_profile("mystery-model:8b", facts={"capabilities": ["completion"]})
    body = advice.request_body("qwen2.5:7b", profile)
    assert body["format"] == advice.SCHEMA and body["stream"] is False
    assert body["format"]["properties"]["category"]["enum"] == list(advice.TEXT_CATEGORIES)
    assert "mystery-model:8b" in body["prompt"]


def test_answers_are_validated_and_clamped():
    assert advice.parse_advice('{"category":"code","complexity":14,"speed":0.2}') == {
        "category": "code",
        "complexity": 10,
        "speed": 1,
    }
    for raw in (
        "not json",
        "[]",
        '{"category":"vision","complexity":5,"speed":5}',  # facts decide vision
        '{"category":"code","complexity":5}',
        '{"category":"code","complexity":true,"speed":5}',
        '{"category":"code","complexity":"hard","speed":5}',
        None,
    ):
        assert advice.parse_advice(raw) is None


def test_catalog_uses_advice_for_the_category_and_size_rule_when_size_is_known():
    said = {"mystery-model:8b": {"category": "code", "complexity": 9, "speed": 2}}
    tags = [_tag("mystery-model:8b", ["completion"])]
    without = Catalog(operator={}, tags=tags).profile("mystery-model:8b")
    advised = Catalog(operator={}, tags=tags, advice=said).profile("mystery-model:8b")
    assert without.preferred_for == ("general",) and without.source == "ollama"
    assert advised.preferred_for == ("code",) and advised.source == "llm"
    # 8B is a fact: the size rule (plus the code adjustment) wins over the LLM's numbers.
    assert (advised.complexity, advised.speed) == (7, 8)


def test_catalog_takes_the_llms_numbers_only_when_the_size_is_unknown():
    said = {"mystery-model:latest": {"category": "reasoning", "complexity": 9, "speed": 2}}
    tags = [_tag("mystery-model:latest", ["completion"], size=None)]
    profile = Catalog(operator={}, tags=tags, advice=said).profile("mystery-model")
    assert (profile.preferred_for, profile.complexity, profile.speed) == (("reasoning",), 9, 2)


def test_operator_and_name_rules_win_over_advice():
    said = {
        "mystery-model:8b": {"category": "code", "complexity": 9, "speed": 2},
        "qwen2.5-coder:7b": {"category": "uncensored", "complexity": 9, "speed": 2},
    }
    tags = [_tag("mystery-model:8b", ["completion"]), _tag("qwen2.5-coder:7b", ["completion"])]
    operator = {"mystery-model:8b": {"preferred_for": ["general"]}}
    catalog = Catalog(operator=operator, tags=tags, advice=said)
    assert catalog.profile("mystery-model:8b").preferred_for == ("general",)
    assert catalog.profile("mystery-model:8b").source == "operator"
    assert catalog.profile("qwen2.5-coder:7b").preferred_for[0] == "code"
