"""The model catalogue: trust order, facts from Ollama, name guesses, size rule, fallbacks."""

from __future__ import annotations

import pytest

from intelliproxy.routing.catalog import (
    SEED_FALLBACKS,
    SEED_MODEL_ATTRIBUTES,
    Catalog,
    chat_capable,
    fallback_chain,
    model_key,
    profile_from_show,
    profile_from_tag,
    validate_fallbacks,
)
from intelliproxy.routing.model_names import (
    guess_profile,
    parse_parameter_size,
    size_rule,
    speed_from_tokens_per_s,
)
from intelliproxy.routing.types import CATEGORIES


def tag(name: str, caps: list[str] | None, size: str, ctx: int | None = None) -> dict:
    details: dict = {"family": "fam", "parameter_size": size, "quantization_level": "Q4_K_M"}
    if ctx is not None:
        details["context_length"] = ctx
    entry: dict = {"name": name, "model": name, "size": 4_700_000_000, "details": details}
    if caps is not None:
        entry["capabilities"] = caps
    return entry


SHOW_QWEN3 = {
    "details": {"family": "qwen3", "parameter_size": "8.2B"},
    "model_info": {
        "general.architecture": "qwen3",
        "general.parameter_count": 8190735360,
        "qwen3.context_length": 40960,
        "qwen3.embedding_length": 4096,
    },
    "capabilities": ["completion", "tools", "thinking"],
}


# --- seed -------------------------------------------------------------------------------------
def test_seed_attributes_match_the_seed_readme() -> None:
    assert SEED_MODEL_ATTRIBUTES["qwen2.5-coder:7b"]["speed"] == 8
    assert SEED_MODEL_ATTRIBUTES["deepseek-r1:latest"]["complexity"] == 10
    assert SEED_MODEL_ATTRIBUTES["nemotron-3-nano:latest"]["preferred_for"] == ("general",)
    assert set(SEED_MODEL_ATTRIBUTES) == {
        "qwen2.5-coder:7b",
        "deepseek-r1:latest",
        "llava:latest",
        "nemotron-3-nano:latest",
        "mistral:latest",
        "qwen2.5:7b",
    }


def test_seed_fallbacks_all_lead_to_qwen_and_are_valid() -> None:
    assert set(SEED_FALLBACKS.values()) == {"qwen2.5:7b"}
    assert "qwen2.5:7b" not in SEED_FALLBACKS
    validate_fallbacks(SEED_FALLBACKS)


def test_default_catalog_holds_the_seed_as_operator_settings() -> None:
    catalog = Catalog()
    coder = catalog.profile("qwen2.5-coder:7b")
    assert (coder.speed, coder.complexity, coder.preferred_for) == (8, 7, ("code",))
    assert coder.source == "operator"
    assert Catalog(operator={}).get("qwen2.5-coder:7b") is None


# --- names ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("llava", "llava:latest"),
        ("LLaVA:Latest", "llava:latest"),
        (" qwen2.5:7b ", "qwen2.5:7b"),
        ("x/z-image-turbo", "x/z-image-turbo:latest"),
        ("registry:5000/ns/model", "registry:5000/ns/model:latest"),
    ],
)
def test_model_key(name: str, key: str) -> None:
    assert model_key(name) == key


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("qwen2.5-coder:7b", "code"),
        ("codellama:13b", "code"),
        ("starcoder2:3b", "code"),
        ("deepseek-coder:6.7b", "code"),
        ("codestral:latest", "code"),
        ("devstral:24b", "code"),
        ("llava:latest", "vision"),
        ("llama3.2-vision:11b", "vision"),
        ("qwen2.5vl:7b", "vision"),
        ("qwen3-vl:8b", "vision"),
        ("bakllava:latest", "vision"),
        ("moondream:latest", "vision"),
        ("minicpm-v:8b", "vision"),
        ("gemma3:12b", "vision"),
        ("deepseek-r1:8b", "reasoning"),
        ("qwq:32b", "reasoning"),
        ("phi4-reasoning:14b", "reasoning"),
        ("magistral:24b", "reasoning"),
        ("llama2-uncensored:latest", "uncensored"),
        ("dolphin-mixtral:8x7b", "uncensored"),
        ("huihui_ai/qwen3-abliterated:8b", "uncensored"),
        ("x/z-image-turbo:latest", "image"),
        ("flux-schnell:latest", "image"),
        ("sdxl-turbo:latest", "image"),
        ("stable-diffusion-3:latest", "image"),
        ("qwen2.5:7b", "general"),
        ("mistral:latest", "general"),
        ("somebody/unknown-thing:latest", "general"),
    ],
)
def test_name_guess_primary_category(name: str, category: str) -> None:
    assert guess_profile(name).preferred_for[0] == category
    assert guess_profile(name).source == "guess"


@pytest.mark.parametrize(
    "name", ["nomic-embed-text:latest", "mxbai-embed-large", "all-minilm:22m", "bge-m3:latest"]
)
def test_embedding_names_are_embedding_only(name: str) -> None:
    profile = guess_profile(name)
    assert profile.capabilities == frozenset({"embedding"})
    assert profile.preferred_for == ()
    assert not chat_capable(profile)


def test_guessed_capabilities() -> None:
    assert "vision" in guess_profile("llava:13b").capabilities
    assert "thinking" in guess_profile("deepseek-r1:8b").capabilities
    assert "tools" in guess_profile("qwen2.5:7b").capabilities
    assert "tools" not in guess_profile("llama2-uncensored:latest").capabilities
    assert guess_profile("x/z-image-turbo").capabilities == frozenset({"image"})


@pytest.mark.parametrize(
    ("billions", "expected"),
    [
        (0.5, (3, 10)),
        (2.0, (3, 10)),
        (3.8, (4, 9)),
        (7.6, (6, 8)),
        (9.0, (6, 8)),
        (14.0, (7, 6)),
        (32.0, (8, 4)),
        (48.0, (9, 3)),
        (70.0, (10, 2)),
        (405.0, (10, 2)),
    ],
)
def test_size_rule(billions: float, expected: tuple[int, int]) -> None:
    assert size_rule(billions) == expected


@pytest.mark.parametrize(
    ("name", "billions", "complexity", "speed"),
    [
        ("llama3.2:1b", 1.0, 3, 10),
        ("phi3:3.8b", 3.8, 4, 9),
        ("llama3.1:8b-instruct-q4_K_M", 8.0, 6, 8),
        ("llama3.1:70b", 70.0, 10, 2),
        ("mixtral:8x7b", 56.0, 9, 3),
        ("goonsai/qwen2.5-3B-goonsai-nsfw-100k:latest", 3.0, 4, 9),
        ("phi3:mini", 3.0, 4, 9),
        ("qwen3:30b-a3b", 30.0, 8, 4),
        ("deepseek-r1:8b", 8.0, 8, 6),  # reasoning: +2 complexity, -2 speed
        ("qwen2.5-coder:7b", 7.0, 7, 8),  # code: +1 complexity
        ("mystery:latest", None, 5, 5),
    ],
)
def test_size_from_name(name: str, billions: float | None, complexity: int, speed: int) -> None:
    profile = guess_profile(name)
    assert profile.parameter_size_b == billions
    assert (profile.complexity, profile.speed) == (complexity, speed)


@pytest.mark.parametrize(
    ("text", "billions"),
    [("7.6B", 7.6), ("494M", 0.494), ("70B", 70.0), ("1.2T", 1200.0), ("", None), (None, None)],
)
def test_parse_parameter_size(text: object, billions: float | None) -> None:
    assert parse_parameter_size(text) == billions


@pytest.mark.parametrize(("tps", "speed"), [(200, 10), (95, 9), (40, 6), (10, 3), (1, 1)])
def test_speed_from_tokens_per_s(tps: float, speed: int) -> None:
    assert speed_from_tokens_per_s(tps) == speed


# --- facts from Ollama ------------------------------------------------------------------------
def test_profile_from_show_reads_facts() -> None:
    profile = profile_from_show("qwen3:8b", SHOW_QWEN3)
    assert profile.capabilities == frozenset({"completion", "tools", "thinking"})
    assert profile.parameter_size_b == 8.2
    assert profile.context_length == 40960
    assert profile.family == "qwen3"
    assert (profile.complexity, profile.speed) == (6, 8)
    assert profile.source == "ollama"


def test_profile_from_show_uses_parameter_count_without_details() -> None:
    show = {
        "model_info": {
            "general.architecture": "llama",
            "general.parameter_count": 70_553_706_496,
            "llama.context_length": 131072,
        },
        "capabilities": ["completion"],
    }
    profile = profile_from_show("big:latest", show)
    assert profile.parameter_size_b == pytest.approx(70.554)
    assert (profile.complexity, profile.speed) == (10, 2)
    assert profile.context_length == 131072
    assert profile.family == "llama"


def test_profile_from_show_tolerates_a_bare_answer() -> None:
    profile = profile_from_show("qwen2.5:7b", {"model_info": {}})
    assert profile == guess_profile("qwen2.5:7b")


def test_profile_from_tag_reads_details_and_capabilities() -> None:
    profile = profile_from_tag("llava:latest", tag("llava:latest", ["completion", "vision"], "7B"))
    assert profile.capabilities == frozenset({"completion", "vision"})
    assert profile.preferred_for == ("vision",)
    assert profile.size_bytes == 4_700_000_000
    assert profile.family == "fam"


def test_old_server_tag_without_capabilities_keeps_guessed_ones() -> None:
    profile = profile_from_tag("llava:latest", tag("llava:latest", None, "7B"))
    assert "vision" in profile.capabilities
    assert profile.parameter_size_b == 7.0


def test_capability_facts_beat_name_guesses() -> None:
    # The name says vision, Ollama says it cannot see: Ollama wins.
    blind = profile_from_tag("llava-text:latest", tag("llava-text:latest", ["completion"], "7B"))
    assert "vision" not in blind.capabilities
    assert blind.preferred_for == ("general",)
    # The name says nothing, Ollama says it can see: a generalist that can also see.
    seeing = profile_from_tag("mistral-small3.2:24b", tag("x", ["completion", "vision"], "24B"))
    assert seeing.preferred_for == ("general", "vision")
    # The name says embedding, Ollama says it completes.
    odd = profile_from_tag("embedder-chat:latest", tag("x", ["completion"], "1B"))
    assert chat_capable(odd)


# --- the catalogue: trust order ---------------------------------------------------------------
def test_operator_beats_ollama_facts_but_capabilities_come_from_facts() -> None:
    catalog = Catalog(
        operator={"qwen2.5:7b": {"speed": 2, "complexity": 9, "preferred_for": ["code"]}},
        tags=[tag("qwen2.5:7b", ["completion", "tools"], "7.6B", 32768)],
    )
    profile = catalog.profile("qwen2.5:7b")
    assert (profile.speed, profile.complexity, profile.preferred_for) == (2, 9, ("code",))
    assert profile.capabilities == frozenset({"completion", "tools"})
    assert profile.context_length == 32768
    assert profile.source == "operator"


def test_ollama_facts_beat_guesses() -> None:
    # Name says 70b; Ollama says 7.6B.
    catalog = Catalog(operator={}, tags=[tag("oddname:70b", ["completion"], "7.6B")])
    profile = catalog.profile("oddname:70b")
    assert (profile.complexity, profile.speed) == (6, 8)
    assert profile.source == "ollama"


def test_show_facts_beat_tag_facts() -> None:
    catalog = Catalog(
        operator={},
        tags=[tag("qwen3:8b", ["completion"], "8.2B", 4096)],
        shows={"qwen3:8b": SHOW_QWEN3},
    )
    profile = catalog.profile("qwen3:8b")
    assert profile.context_length == 40960
    assert "thinking" in profile.capabilities


def test_partial_operator_setting_keeps_the_rest() -> None:
    catalog = Catalog(
        operator={"mistral:latest": {"speed": 9}},
        tags=[tag("mistral:latest", ["completion"], "7.2B")],
    )
    profile = catalog.profile("mistral:latest")
    assert (profile.speed, profile.complexity, profile.preferred_for) == (9, 6, ("general",))
    assert profile.source == "operator"


def test_operator_values_are_cleaned() -> None:
    catalog = Catalog(
        operator={
            "a:1b": {"speed": 15, "complexity": 0.6, "preferred_for": ["simple", "bogus"]},
            "b:1b": {"speed": "fast", "complexity": float("nan"), "preferred_for": "debugging"},
            "c:1b": "not a mapping",
        }
    )
    a, b = catalog.profile("a:1b"), catalog.profile("b:1b")
    assert (a.speed, a.complexity, a.preferred_for) == (10, 1, ("general",))
    assert (b.speed, b.complexity, b.preferred_for) == (10, 3, ("code",))  # size rule for 1b
    assert catalog.profile("c:1b").source == "guess"


def test_operator_cannot_make_an_embedding_model_chat() -> None:
    catalog = Catalog(
        operator={"nomic-embed-text:latest": {"preferred_for": ["general"], "speed": 9}},
        tags=[tag("nomic-embed-text:latest", ["embedding"], "137M")],
    )
    profile = catalog.profile("nomic-embed-text")
    assert not chat_capable(profile)
    assert profile.preferred_for == ()


def test_measured_speed_beats_the_size_rule_but_not_the_operator() -> None:
    catalog = Catalog(
        operator={"mistral:latest": {"speed": 7}},
        tags=[
            tag("llama3.1:70b", ["completion"], "70B"),
            tag("mistral:latest", ["completion"], "7B"),
        ],
    )
    measured = Catalog(
        operator={"mistral:latest": {"speed": 7}},
        tags=[
            tag("llama3.1:70b", ["completion"], "70B"),
            tag("mistral:latest", ["completion"], "7B"),
        ],
        measured={"llama3.1:70b": 100.0, "mistral:latest": 2.0},
    )
    assert catalog.profile("llama3.1:70b").speed == 2  # the size rule alone
    assert measured.profile("llama3.1:70b").speed == 9
    assert measured.profile("llama3.1:70b").source == "ollama"  # complexity still from facts
    assert measured.profile("mistral:latest").speed == 7


def test_measured_only_model_has_source_measured() -> None:
    catalog = Catalog(operator={}, measured={"mystery:latest": 130.0})
    assert catalog.profile("mystery").speed == 10
    assert catalog.profile("mystery").source == "measured"


def test_name_matching_is_case_insensitive_and_latest_is_implied() -> None:
    catalog = Catalog(tags=[tag("Llava:latest", ["completion", "vision"], "7B")])
    assert catalog.profile("llava").name == "Llava:latest"  # Ollama's spelling wins
    assert catalog.profile("LLAVA:LATEST").speed == 4  # seed operator setting applied
    assert "llava" in catalog
    assert "nothing-here" not in catalog
    assert catalog.get("nothing-here") is None
    assert catalog.profile("nothing-here").source == "guess"


def test_profiles_are_sorted_and_unique() -> None:
    catalog = Catalog(tags=[tag("qwen2.5:7b", ["completion"], "7.6B")] * 3)
    names = [p.name for p in catalog.profiles()]
    assert names == sorted(names)
    assert len(names) == len(set(names)) == 6


def test_by_category_has_the_seed_shape() -> None:
    catalog = Catalog(
        tags=[
            tag("llama2-uncensored:latest", ["completion"], "7B"),
            tag("nomic-embed-text:latest", ["embedding"], "137M"),
        ]
    )
    groups = catalog.by_category()
    assert set(CATEGORIES) <= set(groups)
    assert groups["code"] == ["qwen2.5-coder:7b"]
    assert groups["general"] == ["mistral:latest", "nemotron-3-nano:latest", "qwen2.5:7b"]
    assert groups["uncensored"] == ["llama2-uncensored:latest"]
    assert groups["embedding"] == ["nomic-embed-text:latest"]
    assert groups["image"] == []
    only = catalog.by_category(["llava:latest", "qwen2.5:7b"])
    assert only["vision"] == ["llava:latest"] and only["general"] == ["qwen2.5:7b"]
    assert only["code"] == [] and "embedding" not in only


# --- fallbacks --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "mapping",
    [
        {"a": "a"},
        {"a": "A:latest"},
        {"a": "b", "b": "a"},
        {"x": "a", "a": "b", "b": "c", "c": "a"},
    ],
)
def test_validate_fallbacks_rejects_loops(mapping: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="loops"):
        validate_fallbacks(mapping)


@pytest.mark.parametrize(
    "mapping", [{"a": 3}, {"a": None}, {"a": ""}, {"": "b"}, {1: "b"}, ["a", "b"], "a"]
)
def test_validate_fallbacks_rejects_bad_shapes(mapping: object) -> None:
    with pytest.raises(ValueError):
        validate_fallbacks(mapping)


def test_validate_fallbacks_accepts_chains() -> None:
    validate_fallbacks({"a": "b", "b": "c", "d": "c"})
    validate_fallbacks({})


def test_fallback_chain_follows_and_never_loops() -> None:
    assert fallback_chain("a", {"a": "b", "b": "c"}) == ["b", "c"]
    assert fallback_chain("A:latest", {"a": "b"}) == ["b"]
    assert fallback_chain("a", {"a": "b", "b": "a"}) == ["b"]
    assert fallback_chain("a", {"a": "a"}) == []
    assert fallback_chain("z", {"a": "b"}) == []
    assert fallback_chain("qwen2.5-coder:7b", SEED_FALLBACKS) == ["qwen2.5:7b"]
