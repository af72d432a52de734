"""A discrete-event simulation of a fleet of Ollama servers (no real time, no sockets).

Each backend behaves like Ollama's scheduler, simplified:

- A request for a resident model (loaded or loading) waits for one of that model's
  `num_parallel` slots. A request for a model that is not resident joins the backend's
  pending queue, served in order: the head starts a load when no other load is running and
  memory can be freed; otherwise it (and everything behind it) waits.
- Memory is freed by evicting idle resident models (no running or waiting request), least
  recently used first. A model idle for `keep_alive` seconds is unloaded (an expiry, not an
  eviction).
- Loads are serialised per backend and take `ModelSpec.load_s`.
- Models share the GPU. Decoding is bound by memory bandwidth: one step of a model reads its
  weights once for its whole batch, and different models take turns. So a request runs
  `sum(size of each distinct model running) / size of its model` times slower, times
  `1 + contention x (other requests of its own model running)` for the bigger batch. The
  factor is fixed when the request starts (a simplification: it is not re-evaluated when
  neighbours come and go).

Events are kept in a heap ordered by (time, sequence number): runs are fully deterministic.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from intelliproxy.routing.catalog import model_key
from intelliproxy.routing.types import BackendView, FleetSnapshot

from .models import BackendSpec, ModelSpec
from .workload import Request

KEEP_ALIVE_S = 300.0
CONTENTION = 0.15

# A policy's choice for one request: (model as the fleet spells it, backend name).
Chooser = Callable[[Request, FleetSnapshot], tuple[str, str]]


@dataclass(slots=True)
class Job:
    request: Request
    model: str  # model key
    backend: str
    started: float = -1.0
    finished: float = -1.0
    cold: bool = False  # had to wait for a load of its model

    @property
    def latency(self) -> float:
        return self.finished - self.request.arrival


@dataclass(slots=True)
class Resident:
    spec: ModelSpec
    ready: bool = False
    running: int = 0
    waiting: deque[Job] = field(default_factory=deque)
    last_used: float = 0.0
    idle_token: int = 0  # bumps on every use; an expiry carrying an old token is void

    @property
    def idle(self) -> bool:
        return self.ready and self.running == 0 and not self.waiting


class BackendSim:
    """One Ollama server: resident models, a pending queue, serialised loads."""

    def __init__(self, spec: BackendSpec, models: dict[str, ModelSpec]) -> None:
        self.spec = spec
        self.installed = {model_key(n): models[n] for n in spec.models}
        for model in self.installed.values():
            if model.memory_gb > spec.memory_gb:
                raise ValueError(
                    f"{model.name} needs {model.memory_gb} GB, {spec.name} has {spec.memory_gb}"
                )
        self.residents: dict[str, Resident] = {}
        self.pending: deque[Job] = deque()
        self.loading: str | None = None
        self.running = 0
        self.loads = self.evictions = self.expiries = 0
        self.load_seconds: dict[str, float] = {}
        self.tokens_per_s: dict[str, float] = {}

    @property
    def used_gb(self) -> float:
        return sum(r.spec.memory_gb for r in self.residents.values())

    @property
    def in_flight(self) -> int:
        waiting = sum(len(r.waiting) for r in self.residents.values())
        return self.running + waiting + len(self.pending)

    def view(self) -> BackendView:
        resident = frozenset(r.spec.name for r in self.residents.values())
        return BackendView(
            name=self.spec.name,
            models=frozenset(self.spec.models),
            loaded=resident,  # /api/ps lists a model from the moment its load starts
            in_flight=self.in_flight,
            model_in_flight=self.model_in_flight(),
            max_concurrent=self.spec.num_parallel * max(1, len(self.residents)),
            load_seconds=dict(self.load_seconds),
            tokens_per_s=dict(self.tokens_per_s),
        )

    def model_in_flight(self) -> dict[str, int]:
        busy = {key: r.running + len(r.waiting) for key, r in self.residents.items()}
        for job in self.pending:
            busy[job.model] = busy.get(job.model, 0) + 1
        return {key: n for key, n in busy.items() if n}

    def make_room(self, need_gb: float) -> bool:
        """Evict idle models, least recently used first, until `need_gb` fits; False if it
        cannot fit before some busy model goes idle (nothing is evicted then)."""
        free = self.spec.memory_gb - self.used_gb
        idle = sorted(
            (r for r in self.residents.values() if r.idle),
            key=lambda r: (r.last_used, r.spec.name),
        )
        if free + sum(r.spec.memory_gb for r in idle) < need_gb - 1e-9:
            return False
        for resident in idle:
            if free >= need_gb - 1e-9:
                break
            del self.residents[model_key(resident.spec.name)]
            free += resident.spec.memory_gb
            self.evictions += 1
        return True


class Simulation:
    """Replays one workload through one policy over a fresh fleet."""

    def __init__(
        self,
        fleet: Iterable[BackendSpec],
        models: dict[str, ModelSpec],
        *,
        preload: Iterable[str] = (),
        keep_alive: float = KEEP_ALIVE_S,
        contention: float = CONTENTION,
        share_gpu: bool = True,
    ) -> None:
        self.share_gpu = share_gpu  # False: a sensitivity check, models never slow each other
        self.backends = {spec.name: BackendSim(spec, models) for spec in fleet}
        self.keep_alive = keep_alive
        self.contention = contention
        self.now = 0.0
        self.done: list[Job] = []
        self._events: list[tuple[float, int, str, object]] = []
        self._seq = 0
        self._choose: Chooser = _unset
        for backend in self.backends.values():
            for name in preload:
                key = model_key(name)
                if key in backend.installed and backend.make_room(backend.installed[key].memory_gb):
                    backend.residents[key] = Resident(backend.installed[key], ready=True)
                    self._schedule_expiry(backend, backend.residents[key])

    # --- public ---------------------------------------------------------------------------
    def snapshot(self) -> FleetSnapshot:
        return FleetSnapshot(tuple(b.view() for b in self.backends.values()))

    def run(self, requests: Iterable[Request], choose: Chooser) -> list[Job]:
        """Serve every request; returns the finished jobs in request order."""
        self._choose = choose
        count = 0
        for request in requests:
            count += 1
            self._push(request.arrival, "arrive", request)
        while self._events and len(self.done) < count:  # then only expiries are left
            self.now, _, kind, payload = heapq.heappop(self._events)
            getattr(self, f"_on_{kind}")(payload)
        if len(self.done) != count:
            raise RuntimeError(f"{count - len(self.done)} requests never finished")
        return sorted(self.done, key=lambda j: j.request.id)

    def submit(self, request: Request, model: str, backend_name: str) -> Job:
        backend = self.backends[backend_name]
        key = model_key(model)
        if key not in backend.installed:
            raise ValueError(f"{model} is not installed on {backend_name}")
        job = Job(request, key, backend_name)
        resident = backend.residents.get(key)
        if resident is not None:
            job.cold = not resident.ready
            resident.waiting.append(job)
            resident.idle_token += 1
        else:
            job.cold = True
            backend.pending.append(job)
        self._pump(backend)
        return job

    # --- events ---------------------------------------------------------------------------
    def _on_arrive(self, request: Request) -> None:
        model, backend = self._choose(request, self.snapshot())
        self.submit(request, model, backend)

    def _on_loaded(self, payload: object) -> None:
        backend, key = payload  # type: ignore[misc]
        resident = backend.residents[key]
        resident.ready = True
        resident.last_used = self.now
        backend.loading = None
        backend.load_seconds[key] = resident.spec.load_s
        self._pump(backend)

    def _on_finish(self, job: Job) -> None:
        backend = self.backends[job.backend]
        resident = backend.residents[job.model]
        resident.running -= 1
        backend.running -= 1
        resident.last_used = self.now
        job.finished = self.now
        self.done.append(job)
        if resident.idle:
            self._schedule_expiry(backend, resident)
        self._pump(backend)

    def _on_expire(self, payload: object) -> None:
        backend, key, token = payload  # type: ignore[misc]
        resident = backend.residents.get(key)
        if resident is not None and resident.idle and resident.idle_token == token:
            del backend.residents[key]
            backend.expiries += 1
            self._pump(backend)

    # --- mechanics ------------------------------------------------------------------------
    def _pump(self, backend: BackendSim) -> None:
        while backend.pending:
            job = backend.pending[0]
            resident = backend.residents.get(job.model)
            if resident is None:
                spec = backend.installed[job.model]
                if backend.loading is not None or not backend.make_room(spec.memory_gb):
                    break  # head of line waits for the running load or for memory
                resident = backend.residents[job.model] = Resident(spec)
                backend.loading = job.model
                backend.loads += 1
                self._push(self.now + spec.load_s, "loaded", (backend, job.model))
            backend.pending.popleft()
            resident.waiting.append(job)
        for resident in backend.residents.values():
            while (
                resident.ready and resident.waiting and resident.running < backend.spec.num_parallel
            ):
                self._start(backend, resident, resident.waiting.popleft())

    def _start(self, backend: BackendSim, resident: Resident, job: Job) -> None:
        sizes = {r.spec.name: r.spec.size_gb for r in backend.residents.values() if r.running}
        sizes[resident.spec.name] = resident.spec.size_gb
        share = sum(sizes.values()) / resident.spec.size_gb if self.share_gpu else 1.0
        slowdown = share * (1.0 + self.contention * resident.running)
        request = job.request
        duration = resident.spec.service_s(request.prompt_tokens, request.output_tokens)
        resident.running += 1
        resident.idle_token += 1
        backend.running += 1
        job.started = self.now
        key = model_key(resident.spec.name)
        backend.tokens_per_s.setdefault(key, resident.spec.tokens_per_s / slowdown)
        self._push(self.now + duration * slowdown, "finish", job)

    def _schedule_expiry(self, backend: BackendSim, resident: Resident) -> None:
        key = model_key(resident.spec.name)
        self._push(self.now + self.keep_alive, "expire", (backend, key, resident.idle_token))

    def _push(self, at: float, kind: str, payload: object) -> None:
        self._seq += 1
        heapq.heappush(self._events, (at, self._seq, kind, payload))


def _unset(request: Request, fleet: FleetSnapshot) -> tuple[str, str]:
    raise RuntimeError("Simulation.run sets the policy")


def simulate(
    requests: Iterable[Request],
    choose: Chooser,
    fleet: Iterable[BackendSpec],
    models: dict[str, ModelSpec],
    **options: object,
) -> Simulation:
    """Run a fresh simulation of `fleet` with `choose` deciding every arrival."""
    sim = Simulation(fleet, models, **options)  # type: ignore[arg-type]
    sim.run(requests, choose)
    return sim
