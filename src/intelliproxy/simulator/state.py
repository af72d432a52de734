"""Everything one running simulator knows: installed models, blobs, scheduler, faults, log."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from aiohttp import web

from . import names
from .config import SimConfig
from .faults import FaultBook
from .models import SimModel, fleet_model, synthesize
from .reqlog import RequestLog
from .scheduler import Scheduler


@dataclass
class Blob:
    size: int
    head: bytes  # first bytes, enough to recognise a GGUF file


class SimState:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.installed: dict[str, SimModel] = {}
        for model in copy.deepcopy(config.models):
            self.installed[model.name] = model
        self.registry: dict[str, SimModel] = {m.name: m for m in copy.deepcopy(config.registry)}
        self.blobs: dict[str, Blob] = {}
        self.scheduler = Scheduler(
            memory_bytes=config.memory_bytes,
            max_loaded_models=config.max_loaded_models,
            num_parallel=config.num_parallel,
            max_queue=config.max_queue,
            keep_alive_s=config.keep_alive_s,
            version=config.version,
        )
        self.faults = FaultBook()
        if config.faults:
            self.faults.add(config.faults)
        self.log = RequestLog()

    def find(self, name: str) -> SimModel | None:
        """Installed model for a request's name (case-insensitive, tag defaults to latest)."""
        if not name:
            return None
        return self.installed.get(names.canonical(name))

    def pullable(self, name: str) -> SimModel | None:
        """What /api/pull would install: registry entries, fleet models, `sim-*` names."""
        key = names.canonical(name)
        if key in self.registry:
            return copy.deepcopy(self.registry[key])
        model = fleet_model(key)
        if model is not None:
            return model
        if key.startswith("sim-"):
            return synthesize(key)
        return None

    def install(self, model: SimModel) -> None:
        self.installed[model.name] = model

    def remove(self, name: str) -> SimModel | None:
        model = self.installed.pop(names.canonical(name), None)
        if model is not None:
            runner = self.scheduler.loaded.get(model.name)
            if runner is not None:
                self.scheduler.unload(model)
        return model


STATE_KEY: web.AppKey[SimState] = web.AppKey("sim_state", SimState)


def get_state(request: web.Request) -> SimState:
    return request.app[STATE_KEY]
