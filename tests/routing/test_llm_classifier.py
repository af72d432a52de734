"""The pure parts of the optional LLM classifier: request, answer validation, cache."""

from __future__ import annotations

from intelliproxy.routing import llm_classifier as llm


def test_request_asks_for_schema_constrained_json():
    body = llm.request_body("qwen2.5:7b", "Prove Fermat's little theorem")
    assert body["format"] == llm.SCHEMA and body["stream"] is False
    assert body["format"]["properties"]["category"]["enum"] == [
        "code",
        "reasoning",
        "general",
        "vision",
        "image",
        "uncensored",
    ]
    assert "Prove Fermat's little theorem" in body["prompt"]


def test_long_prompts_are_clipped_for_the_classifier():
    text = "x" * 50_000
    assert len(llm.prompt_text(text)) < 5_000


def test_valid_answers_are_clamped():
    c = llm.parse_answer('{"category":"code","complexity":14,"confidence":1.7}')
    assert (c.category, c.complexity, c.confidence, c.reasons) == ("code", 10, 1.0, ("llm",))
    c = llm.parse_answer({"category": "general", "complexity": 0.4})
    assert (c.complexity, c.confidence) == (1, 0.8)


def test_unusable_answers_are_rejected():
    for raw in (
        "not json",
        "[1]",
        '{"category":"poetry","complexity":3}',
        '{"category":"code"}',
        '{"category":"code","complexity":"hard"}',
        '{"category":"code","complexity":true}',
        None,
    ):
        assert llm.parse_answer(raw) is None


def test_cache_is_bounded_lru():
    cache = llm.AnswerCache(size=2)
    a, b, c = (llm.parse_answer({"category": "code", "complexity": n}) for n in (1, 2, 3))
    cache.put("a", a)
    cache.put("b", b)
    assert cache.get("a") is a  # a is now the most recent
    cache.put("c", c)
    assert cache.get("b") is None and cache.get("a") is a and len(cache) == 2
    assert llm.cache_key("same") == llm.cache_key("same") != llm.cache_key("other")
