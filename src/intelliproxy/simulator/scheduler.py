"""Which models are loaded, and who may run on them — a small model of Ollama's scheduler.

* A request for a loaded model (with compatible `num_ctx`) attaches at once; it then waits
  silently for one of the runner's `num_parallel` slots. No queue, no 503 on this path.
* Otherwise it joins the pending-load queue; when more than `max_queue` requests are
  already waiting there it gets 503 `server busy…`. Loads happen one at a time. The
  request being loaded has left the queue (as with Ollama's channel).
* A load needs room: the sum of loaded sizes must stay within `memory_bytes` and the count
  within `max_loaded_models`. Idle runners are evicted least-recently-used first; when every
  runner is busy the load waits for one to finish. A model larger than the whole budget
  fails with an out-of-memory error (the legacy wording for versions below 0.30).
* Residency (`keep_alive`) follows §13.3: set on a fresh load (request value or the server
  default), replaced by any request that gives one, untouched when omitted; the countdown
  starts when the last in-flight request ends; 0 unloads then. Expiry is applied lazily
  whenever the state is looked at, which is indistinguishable from a timer from outside.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field

from .errors import BUSY, SimError
from .gotime import FOREVER_S
from .models import SimModel


@dataclass(eq=False)
class Runner:
    model: SimModel
    num_ctx: int
    keep_alive_s: float
    slots: asyncio.Semaphore
    loaded_at: float = field(default_factory=time.time)
    last_used: float = field(default_factory=time.monotonic)
    expires_at: float = 0.0  # unix seconds; meaningful when refs == 0
    refs: int = 0  # attached requests (running or waiting for a slot)
    running: int = 0  # requests holding a slot

    def expiry(self, now: float) -> float:
        """Unix time this runner would be unloaded (in-flight ones count from now)."""
        if self.refs > 0:
            return now + min(self.keep_alive_s, FOREVER_S)
        return self.expires_at


class Lease:
    """One request's hold on a runner slot; `release` must be called exactly once."""

    def __init__(self, scheduler: Scheduler, runner: Runner, load_ns: int, loaded: bool):
        self.scheduler = scheduler
        self.runner = runner
        self.load_ns = load_ns  # queue wait + load + slot wait
        self.loaded_now = loaded
        self._released = False

    def release(self, keep_alive_s: float | None = None) -> None:
        if not self._released:
            self._released = True
            self.scheduler._release(self.runner, keep_alive_s, held_slot=True)


def human_bytes2(n: int) -> str:
    """Go's format.HumanBytes2."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _is_legacy(version: str) -> bool:
    try:
        major, minor = (int(p) for p in version.lstrip("v").split("-")[0].split(".")[:2])
    except ValueError:
        return False
    return (major, minor) < (0, 30)


class Scheduler:
    def __init__(
        self,
        *,
        memory_bytes: int | None,
        max_loaded_models: int,
        num_parallel: int,
        max_queue: int,
        keep_alive_s: float,
        version: str,
    ) -> None:
        self.memory_bytes = memory_bytes
        self.max_loaded = max_loaded_models
        self.num_parallel = max(1, num_parallel)
        self.max_queue = max_queue
        self.default_keep_alive = keep_alive_s
        self.legacy_errors = _is_legacy(version)
        self.loaded: dict[str, Runner] = {}
        self.pending = 0
        self.counters = {"loads": 0, "unloads": 0, "evictions": 0, "expired": 0}
        self._load_lock = asyncio.Lock()
        self._released = asyncio.Event()

    # -- public -----------------------------------------------------------------------------
    async def acquire(
        self, model: SimModel, keep_alive_s: float | None, num_ctx: int | None
    ) -> Lease:
        """Attach to (loading if needed) a runner for `model` and take a slot."""
        t0 = time.monotonic_ns()
        self.reap()
        runner = self.loaded.get(model.name)
        loaded_now = False
        if runner is None or self._needs_reload(runner, num_ctx):
            runner, loaded_now = await self._queue_and_load(model, keep_alive_s, num_ctx)
        else:
            runner.refs += 1
            if keep_alive_s is not None:
                runner.keep_alive_s = keep_alive_s
        try:
            await runner.slots.acquire()
        except BaseException:
            self._release(runner, None, held_slot=False)
            raise
        runner.running += 1
        return Lease(self, runner, time.monotonic_ns() - t0, loaded_now)

    def unload(self, model: SimModel) -> None:
        """Empty prompt with keep_alive 0: unload now, or as soon as in-flight work ends."""
        self.reap()
        runner = self.loaded.get(model.name)
        if runner is None:
            return
        runner.keep_alive_s = 0.0
        if runner.refs == 0:
            self._drop(runner, "unloads")

    def unload_all(self) -> None:
        for runner in list(self.loaded.values()):
            if runner.refs == 0:
                self._drop(runner, "unloads")
            else:
                runner.keep_alive_s = 0.0

    def reap(self) -> None:
        """Unload idle runners whose keep_alive ran out."""
        now = time.time()
        for runner in list(self.loaded.values()):
            if runner.refs == 0 and runner.expires_at <= now:
                self._drop(runner, "expired")

    def used_bytes(self) -> int:
        return sum(r.model.size for r in self.loaded.values())

    # -- internals --------------------------------------------------------------------------
    def _needs_reload(self, runner: Runner, num_ctx: int | None) -> bool:
        return num_ctx is not None and num_ctx > 0 and num_ctx != runner.num_ctx

    async def _queue_and_load(
        self, model: SimModel, keep_alive_s: float | None, num_ctx: int | None
    ) -> tuple[Runner, bool]:
        if self.pending >= self.max_queue:
            raise SimError(503, BUSY)
        self.pending += 1
        try:
            await self._load_lock.acquire()
        finally:
            self.pending -= 1
        try:
            self.reap()
            runner = self.loaded.get(model.name)
            while runner is not None and self._needs_reload(runner, num_ctx):
                if runner.refs == 0:
                    self._drop(runner, "unloads")
                    runner = None
                else:
                    await self._wait_release()
                    runner = self.loaded.get(model.name)
            loaded_now = runner is None
            if runner is None:
                runner = await self._load(model, keep_alive_s, num_ctx)
            elif keep_alive_s is not None:
                runner.keep_alive_s = keep_alive_s
            runner.refs += 1  # attach before dropping the lock so it cannot be evicted
            return runner, loaded_now
        finally:
            self._load_lock.release()

    async def _load(
        self, model: SimModel, keep_alive_s: float | None, num_ctx: int | None
    ) -> Runner:
        if self.memory_bytes is not None and model.size > self.memory_bytes:
            raise SimError(500, self._oom_message(model))
        while not self._fits(model):
            idle = [r for r in self.loaded.values() if r.refs == 0]
            if idle:
                self._drop(min(idle, key=lambda r: r.last_used), "evictions")
            else:
                await self._wait_release()
                self.reap()
        await asyncio.sleep(model.load_time_s)
        slots = 1 if model.has("embedding") else self.num_parallel
        runner = Runner(
            model=model,
            num_ctx=num_ctx if num_ctx and num_ctx > 0 else model.default_num_ctx,
            keep_alive_s=self.default_keep_alive if keep_alive_s is None else keep_alive_s,
            slots=asyncio.Semaphore(slots),
        )
        self.loaded[model.name] = runner
        self.counters["loads"] += 1
        return runner

    def _fits(self, model: SimModel) -> bool:
        if self.max_loaded > 0 and len(self.loaded) + 1 > self.max_loaded:
            return False
        if self.memory_bytes is None:
            return True
        return self.used_bytes() + model.size <= self.memory_bytes

    def _oom_message(self, model: SimModel) -> str:
        budget = self.memory_bytes or 0
        if self.legacy_errors:
            return (
                f"model requires more system memory ({human_bytes2(model.size)}) "
                f"than is available ({human_bytes2(budget)})"
            )
        return (
            "llama-server reported out-of-memory during startup: ggml_backend_cuda_buffer_"
            f"type_alloc_buffer: allocating {model.size / (1 << 20):.2f} MiB on device 0: "
            "cudaMalloc failed: out of memory"
        )

    async def _wait_release(self) -> None:
        event = self._released
        await event.wait()

    def _release(self, runner: Runner, keep_alive_s: float | None, *, held_slot: bool) -> None:
        if held_slot:
            runner.running -= 1
            runner.slots.release()
        runner.refs -= 1
        runner.last_used = time.monotonic()
        if keep_alive_s is not None:
            runner.keep_alive_s = keep_alive_s
        if runner.refs == 0:
            if runner.keep_alive_s <= 0:
                self._drop(runner, "unloads")
            else:
                ka = runner.keep_alive_s
                runner.expires_at = time.time() + (FOREVER_S if math.isinf(ka) else ka)
        self._released.set()
        self._released = asyncio.Event()

    def _drop(self, runner: Runner, reason: str) -> None:
        if self.loaded.get(runner.model.name) is runner:
            del self.loaded[runner.model.name]
            self.counters[reason] += 1
