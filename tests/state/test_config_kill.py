"""`kill -9` at any instant never leaves an unreadable configuration file.

A child process rewrites both files through the real ConfigStore as fast as it can; the
parent SIGKILLs it at random moments, then every file must parse and the store must load.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from intelliproxy.settings import load_settings
from intelliproxy.state.config_store import MODELS, ROUTER_CONFIG, ConfigStore

KILLS = 10
MODEL_COUNT = 2000  # a ~150 KB models.json, so a kill often lands inside a write

CHILD = """
import asyncio, sys
from intelliproxy.settings import load_settings
from intelliproxy.state.config_store import ConfigStore

async def main(path: str, models: int) -> None:
    store = ConfigStore.load(path, load_settings({"DATA_DIR": path}))
    for i in range(models):
        store.models[f"filler-{i}:7b"] = {"speed": 5, "complexity": 5, "preferred_for": ["general"]}
    n = 0
    print("ready", flush=True)
    while True:
        n += 1
        await store.update_router({"timeout": n})
        await store.update_model("counter:1b", {"speed": n % 10 + 1})

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def test_sigkill_during_writes_never_leaves_a_broken_file(tmp_path: Path) -> None:
    rng = random.Random(1234)
    timeouts = []
    for _ in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(tmp_path), str(MODEL_COUNT)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=rng.uniform(0.005, 0.06))  # let it write for a while
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=5)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            if child.stdout is not None:
                child.stdout.close()
        router = json.loads((tmp_path / ROUTER_CONFIG).read_text())
        assert isinstance(json.loads((tmp_path / MODELS).read_text()), dict)
        assert isinstance(router["timeout"], (int, float))
        ConfigStore.load(tmp_path, load_settings({"DATA_DIR": str(tmp_path)}))  # no ConfigError
        assert not list(tmp_path.glob(".*.tmp"))  # leftovers of a killed write are cleaned
        timeouts.append(router["timeout"])
    # The child really was writing when it died (not killed before its first write).
    assert sum(t > 1 for t in timeouts) >= KILLS // 2
