"""DISCOVERY_ASK_LLM: ask CLASSIFIER_MODEL about model names the rules do not know.

Runs in the background after an inventory refresh, never on a request's path: each model
that `name_advice.needs_advice` picks is asked about once per process (time-boxed by
CLASSIFIER_TIMEOUT), and the catalogue is rebuilt with the answers. Operator settings still
win (the catalogue ranks them first); a model that gave no usable answer stays a generalist.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

from .routing import name_advice
from .routing.catalog import Catalog
from .routing.model_names import model_key
from .routing.types import ModelProfile
from .settings import Settings
from .upstream.backends import BackendPool

log = logging.getLogger("intelliproxy")


class NameAdvisor:
    def __init__(self, settings: Settings, on_advice: Callable[[], None]) -> None:
        self.settings = settings
        self.on_advice = on_advice  # rebuild the catalogue
        self.advice: dict[str, dict[str, Any]] = {}  # model key -> parse_advice() result
        self._asked: set[str] = set()
        self._task: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        return self.settings.enable_auto_discovery and self.settings.discovery_ask_llm

    def consider(
        self, catalog: Catalog, operator: Mapping[str, Mapping[str, Any]], pool: BackendPool
    ) -> None:
        """Start asking about the new names in `catalog`, unless a round is running."""
        if not self.enabled or (self._task is not None and not self._task.done()):
            return
        if not pool.with_model(self.settings.classifier_model):
            return  # nobody to ask yet: try again after a later refresh
        by_key = {model_key(k): v for k, v in operator.items()}
        todo = [
            p
            for p in catalog.profiles()
            if model_key(p.name) not in self._asked
            and name_advice.needs_advice(p, by_key.get(model_key(p.name)))
        ]
        if not todo:
            return
        self._asked.update(model_key(p.name) for p in todo)
        with contextlib.suppress(RuntimeError):  # no running loop (the CLI): skip
            self._task = asyncio.get_running_loop().create_task(
                self._ask_all(todo, pool), name="model name advice"
            )

    async def _ask_all(self, profiles: list[ModelProfile], pool: BackendPool) -> None:
        learned = False
        for profile in profiles:
            advice = await self._ask(profile, pool)
            if advice is not None:
                self.advice[model_key(profile.name)] = advice
                learned = True
                log.info("CLASSIFIER_MODEL says %s is a %s model", profile.name, advice["category"])
        if learned:
            self.on_advice()

    async def _ask(self, profile: ModelProfile, pool: BackendPool) -> dict[str, Any] | None:
        model = self.settings.classifier_model
        payload = name_advice.request_body(model, profile)
        timeout = self.settings.classifier_timeout
        reply = await pool.ask(model, payload, timeout, f"name advice for {profile.name}")
        return None if reply is None else name_advice.parse_advice(reply.get("response"))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
