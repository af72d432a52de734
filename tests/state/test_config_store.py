"""Persistent configuration: first start, precedence, validation, atomic writes, locking."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from intelliproxy.routing.catalog import SEED_MODEL_ATTRIBUTES
from intelliproxy.settings import SEED_FALLBACKS, Settings, load_settings
from intelliproxy.state.config_store import MODELS, ROUTER_CONFIG, ConfigError, ConfigStore
from intelliproxy.state.jsonfiles import write_json_atomic

ENV_A = "http://10.0.0.1:11434"
ENV_B = "http://10.0.0.2:11434"


def settings(tmp_path: Path, **env: str) -> Settings:
    return load_settings({"DATA_DIR": str(tmp_path), **env})


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def test_first_start_writes_both_files_from_defaults(tmp_path: Path) -> None:
    store = ConfigStore.load(tmp_path, settings(tmp_path))
    assert store.airllm_view() == {  # the seed's GET /config/airllm example
        "ollama_host": "ollama",
        "ollama_port": 11434,
        "airllm_enabled": False,
        "airllm_host": "airllm",
        "airllm_port": 9996,
        "model_airllm_settings": {},
    }
    assert store.fallbacks_view() == {"fallbacks": SEED_FALLBACKS, "timeout": 900.0}
    assert store.backends_view() == {
        "backends": [
            {
                "url": "http://ollama:11434",
                "max_concurrent": None,
                "weight": 1,
                "memory_budget": None,
            }
        ]
    }
    assert read(tmp_path / ROUTER_CONFIG) == store.router
    models = read(tmp_path / MODELS)
    assert set(models) == set(SEED_MODEL_ATTRIBUTES)
    assert models["qwen2.5-coder:7b"] == {"speed": 8, "complexity": 7, "preferred_for": ["code"]}


def test_first_start_takes_the_environment(tmp_path: Path) -> None:
    env = {
        "OLLAMA_BACKENDS": f"{ENV_A},{ENV_B}",
        "AIRLLM_ENABLED": "true",
        "AIRLLM_PORT": "9000",
        "REQUEST_TIMEOUT": "60",
        "MODEL_FALLBACKS": '{"a:1b": "b:1b"}',
    }
    store = ConfigStore.load(tmp_path, settings(tmp_path, **env))
    on_disk = read(tmp_path / ROUTER_CONFIG)
    assert [b["url"] for b in on_disk["backends"]] == [ENV_A, ENV_B]
    assert (on_disk["ollama_host"], on_disk["ollama_port"]) == ("10.0.0.1", 11434)
    assert on_disk["airllm_enabled"] is True and on_disk["airllm_port"] == 9000
    assert on_disk["timeout"] == 60.0 and on_disk["fallbacks"] == {"a:1b": "b:1b"}
    assert store.router == on_disk


def test_file_beats_environment_which_fills_missing_keys(tmp_path: Path) -> None:
    ConfigStore.load(tmp_path, settings(tmp_path, REQUEST_TIMEOUT="60"))
    data = read(tmp_path / ROUTER_CONFIG)
    del data["airllm_port"]  # e.g. a key a newer version added, or deleted by hand
    data["timeout"] = 120
    (tmp_path / ROUTER_CONFIG).write_text(json.dumps(data))
    before = (tmp_path / ROUTER_CONFIG).read_text()

    later_env = settings(tmp_path, REQUEST_TIMEOUT="30", AIRLLM_PORT="9555", OLLAMA_BACKENDS=ENV_B)
    store = ConfigStore.load(tmp_path, later_env)
    assert store.router["timeout"] == 120  # file wins
    assert store.router["airllm_port"] == 9555  # env fills the missing key
    assert [b["url"] for b in store.router["backends"]] == ["http://ollama:11434"]  # file wins
    assert (tmp_path / ROUTER_CONFIG).read_text() == before  # loading never rewrites


async def test_a_change_pins_every_key_in_the_file(tmp_path: Path) -> None:
    ConfigStore.load(tmp_path, settings(tmp_path))
    data = read(tmp_path / ROUTER_CONFIG)
    del data["airllm_host"]
    (tmp_path / ROUTER_CONFIG).write_text(json.dumps(data))
    store = ConfigStore.load(tmp_path, settings(tmp_path, AIRLLM_HOST="from-env"))
    await store.update_router({"timeout": 5})
    assert read(tmp_path / ROUTER_CONFIG)["airllm_host"] == "from-env"
    again = ConfigStore.load(tmp_path, settings(tmp_path, AIRLLM_HOST="changed-env"))
    assert again.router["airllm_host"] == "from-env" and again.router["timeout"] == 5


def test_seed_era_file_without_backends_uses_its_ollama_target(tmp_path: Path) -> None:
    seed_file = {"ollama_host": "192.168.1.100", "ollama_port": "11434", "airllm_enabled": False}
    (tmp_path / ROUTER_CONFIG).write_text(json.dumps(seed_file))
    store = ConfigStore.load(tmp_path, settings(tmp_path, OLLAMA_BACKENDS=f"{ENV_A},{ENV_B}"))
    assert store.router["ollama_port"] == 11434  # a string port from a form is accepted
    assert [b["url"] for b in store.router["backends"]] == ["http://192.168.1.100:11434", ENV_B]
    assert store.effective_settings(Settings()).ollama_base_url == "http://192.168.1.100:11434"


def test_unknown_top_level_keys_are_kept(tmp_path: Path) -> None:
    (tmp_path / ROUTER_CONFIG).write_text(json.dumps({"future_option": [1, 2]}))
    store = ConfigStore.load(tmp_path, settings(tmp_path))
    assert store.router["future_option"] == [1, 2]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{\n  "timeout": 30,\n  "fallbacks": {,}\n}', r"line 3 column 17"),
        ("", r"line 1 column 1"),
        ("[1]", r"must hold a JSON object"),
        ('{"ollama_port": 99999}', r"ollama_port: must be a port number"),
        ('{"timeout": -1}', r"timeout: must be a positive number"),
        ('{"fallbacks": {"a": "b", "b": "a"}}', r"fallbacks: fallback chain loops: a:latest -> b"),
        (
            '{"backends": [{"url": "http://x:1", "max_concurent": 2}]}',
            r"backends\[0\]: unknown setting",
        ),
        ('{"backends": []}', r"backends: must be a non-empty list"),
        ('{"ollama_host": "h:x:y"}', r"ollama_host: 'h:x:y' is not a host name \(no port here\)"),
        ('{"backends": ["http://[zz]:1"]}', r"backends\[0\]\.url.*not a valid URL"),
    ],
)
def test_broken_router_config_names_file_and_problem(
    tmp_path: Path, content: str, expected: str
) -> None:
    (tmp_path / ROUTER_CONFIG).write_text(content)
    with pytest.raises(ConfigError, match=expected) as info:
        ConfigStore.load(tmp_path, settings(tmp_path))
    assert str(tmp_path / ROUTER_CONFIG) in str(info.value)
    assert "--reset-config" in str(info.value)
    assert (tmp_path / ROUTER_CONFIG).read_text() == content  # untouched


def test_non_utf8_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / MODELS).write_bytes(b'{"\xff": {}}')
    with pytest.raises(ConfigError, match=r"models\.json: not UTF-8"):
        ConfigStore.load(tmp_path, settings(tmp_path))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"qwen2.5:7b": {"speed": 11}}', r"model 'qwen2.5:7b': speed: must be an integer 1-10"),
        ('{"qwen2.5:7b": {"speed": "fast"}}', r"speed: must be an integer 1-10"),
        ('{"qwen2.5:7b": ["general"]}', r"attributes must be an object"),
        ('{"qwen2.5:7b": {"preferred_for": "general"}}', r"preferred_for: must be a list"),
    ],
)
def test_broken_models_file_names_file_and_field(
    tmp_path: Path, content: str, expected: str
) -> None:
    (tmp_path / MODELS).write_text(content)
    with pytest.raises(ConfigError, match=expected) as info:
        ConfigStore.load(tmp_path, settings(tmp_path))
    assert str(tmp_path / MODELS) in str(info.value)


def test_seed_era_category_words_in_models_file_are_accepted(tmp_path: Path) -> None:
    (tmp_path / MODELS).write_text(
        '{"qwen2.5:7b": {"speed": 8, "preferred_for": ["general", "qa"], "size": "4.7GB"}}'
    )
    store = ConfigStore.load(tmp_path, settings(tmp_path))
    assert store.models == {
        "qwen2.5:7b": {"speed": 8, "preferred_for": ["general", "qa"], "size": "4.7GB"}
    }


def test_reset_moves_a_broken_file_aside_and_keeps_good_ones(tmp_path: Path) -> None:
    ConfigStore.load(tmp_path, settings(tmp_path))
    (tmp_path / MODELS).write_text('{"mine:7b": {"speed": 3}}')
    (tmp_path / ROUTER_CONFIG).write_text('{"timeout": ')
    store = ConfigStore.load(tmp_path, settings(tmp_path), reset=True)
    aside = list(tmp_path.glob(ROUTER_CONFIG + ".corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text() == '{"timeout": '
    assert read(tmp_path / ROUTER_CONFIG)["timeout"] == 900.0
    assert store.models == {"mine:7b": {"speed": 3}}  # a good file survives a reset
    # A second reset in the same second does not overwrite the first copy.
    (tmp_path / ROUTER_CONFIG).write_text("nope")
    ConfigStore.load(tmp_path, settings(tmp_path), reset=True)
    assert len(list(tmp_path.glob(ROUTER_CONFIG + ".corrupt-*"))) == 2


def test_missing_data_dir_is_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    ConfigStore.load(target, settings(target))
    assert (target / ROUTER_CONFIG).exists() and (target / MODELS).exists()


def test_unusable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match=r"DATA_DIR .*file/data is not a writable directory"):
        ConfigStore.load(blocker / "data", settings(tmp_path))


def test_atomic_write_leaves_the_old_file_when_serialising_fails(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    write_json_atomic(path, {"v": 1})
    with pytest.raises(TypeError):
        write_json_atomic(path, {"v": object()})
    assert read(path) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]  # no temp file left behind


def test_stale_temp_files_are_cleaned_at_load(tmp_path: Path) -> None:
    (tmp_path / f".{ROUTER_CONFIG}.abc123.tmp").write_text('{"half')
    ConfigStore.load(tmp_path, settings(tmp_path))
    assert not list(tmp_path.glob(".*.tmp"))


async def test_update_router_validates_persists_and_keeps_primary_in_sync(tmp_path: Path) -> None:
    store = ConfigStore.load(tmp_path, settings(tmp_path, OLLAMA_BACKENDS=f"{ENV_A},{ENV_B}"))
    await store.update_router({"ollama_host": "10.9.9.9", "ollama_port": 8080})
    urls = [b["url"] for b in read(tmp_path / ROUTER_CONFIG)["backends"]]
    assert urls == ["http://10.9.9.9:8080", ENV_B]
    await store.update_router({"backends": [{"url": "[::1]:11434", "max_concurrent": 2}]})
    assert store.router["backends"] == [
        {"url": "http://[::1]:11434", "max_concurrent": 2, "weight": 1, "memory_budget": None}
    ]
    assert (store.router["ollama_host"], store.router["ollama_port"]) == ("::1", 11434)
    with pytest.raises(ValueError, match="timeout: must be a positive number"):
        await store.update_router({"timeout": 0})
    assert read(tmp_path / ROUTER_CONFIG)["timeout"] == 900.0  # nothing written


async def test_concurrent_changes_are_serialised(tmp_path: Path) -> None:
    store = ConfigStore.load(tmp_path, settings(tmp_path))
    names = [f"model-{i}:7b" for i in range(20)]
    await asyncio.gather(*(store.set_model_airllm(n, True) for n in names))
    await asyncio.gather(*(store.update_model(n, {"speed": 5}) for n in names))
    assert set(read(tmp_path / ROUTER_CONFIG)["model_airllm_settings"]) == set(names)
    assert set(names) <= set(read(tmp_path / MODELS))
    assert store.router == read(tmp_path / ROUTER_CONFIG)


async def test_update_model_merges_and_null_removes(tmp_path: Path) -> None:
    store = ConfigStore.load(tmp_path, settings(tmp_path))
    await store.update_model("qwen2.5:7b", {"speed": 3})
    assert store.models["qwen2.5:7b"] == {"speed": 3, "complexity": 6, "preferred_for": ["general"]}
    await store.update_model("qwen2.5:7b", {"complexity": None})
    assert read(tmp_path / MODELS)["qwen2.5:7b"] == {"speed": 3, "preferred_for": ["general"]}
    with pytest.raises(ValueError, match=r"preferred_for: unknown category qa \(allowed: code"):
        await store.update_model("qwen2.5:7b", {"preferred_for": ["qa"]})


async def test_airllm_for_needs_the_service_and_the_model_toggle(tmp_path: Path) -> None:
    store = ConfigStore.load(tmp_path, settings(tmp_path))
    await store.set_model_airllm("Llama3:70B", True)
    assert not store.airllm_for("llama3:70b")
    await store.update_router({"airllm_enabled": True})
    assert store.airllm_for("llama3:70b") and not store.airllm_for("qwen2.5:7b")


def test_effective_settings(tmp_path: Path) -> None:
    (tmp_path / ROUTER_CONFIG).write_text(
        json.dumps(
            {
                "backends": [ENV_B, ENV_A],
                "timeout": 42,
                "fallbacks": {"x": "y"},
                "airllm_enabled": True,
            }
        )
    )
    store = ConfigStore.load(tmp_path, settings(tmp_path))
    eff = store.effective_settings(settings(tmp_path))
    assert eff.ollama_backends == (ENV_B, ENV_A) and eff.ollama_base_url == ENV_B
    assert (eff.ollama_target_host, eff.ollama_target_port) == ("10.0.0.2", 11434)
    assert eff.request_timeout == 42.0 and eff.model_fallbacks == {"x": "y"} and eff.airllm_enabled
