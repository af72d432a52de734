"""The `/_sim/` control API (not part of Ollama): faults, request log, state, reset.

POST   /_sim/faults    body: one fault object or a list -> {"added":[...],"faults":[...]}
GET    /_sim/faults    -> {"faults":[...]}     DELETE /_sim/faults   clears them
GET    /_sim/requests  -> {"requests":[...]}   DELETE /_sim/requests clears the log
GET    /_sim/state     -> loaded models, in-flight counts, queue, memory, counters
POST   /_sim/reset     clears faults and the log and unloads idle models
"""

from __future__ import annotations

import time

import orjson
from aiohttp import web

from .gotime import rfc3339_local
from .state import get_state
from .wire import error_response, json_response


async def add_faults(request: web.Request) -> web.Response:
    sim = get_state(request)
    try:
        data = orjson.loads(await request.read())
        added = sim.faults.add(data)
    except (orjson.JSONDecodeError, ValueError, TypeError) as exc:
        return error_response(400, str(exc))
    return json_response(
        {
            "added": [f.to_json() for f in added],
            "faults": [f.to_json() for f in sim.faults.active()],
        }
    )


async def list_faults(request: web.Request) -> web.Response:
    return json_response({"faults": [f.to_json() for f in get_state(request).faults.active()]})


async def clear_faults(request: web.Request) -> web.Response:
    get_state(request).faults.clear()
    return json_response({"faults": []})


async def list_requests(request: web.Request) -> web.Response:
    entries = get_state(request).log.entries()
    return json_response({"requests": [e.to_json() for e in entries]})


async def clear_requests(request: web.Request) -> web.Response:
    get_state(request).log.clear()
    return json_response({"requests": []})


async def show_state(request: web.Request) -> web.Response:
    sim = get_state(request)
    sched = sim.scheduler
    sched.reap()
    now = time.time()
    loaded = [
        {
            "name": r.model.name,
            "in_flight": r.refs,
            "running": r.running,
            "waiting": r.refs - r.running,
            "num_ctx": r.num_ctx,
            "size": r.model.size,
            "keep_alive_s": None if r.keep_alive_s == float("inf") else r.keep_alive_s,
            "expires_at": rfc3339_local(r.expiry(now)),
        }
        for r in sched.loaded.values()
    ]
    in_flight_requests = [e for e in sim.log.entries() if e.end is None]
    return json_response(
        {
            "name": sim.config.name,
            "version": sim.config.version,
            "loaded": loaded,
            "in_flight": {r.model.name: r.refs for r in sched.loaded.values() if r.refs},
            "active_requests": len(in_flight_requests),
            "pending_loads": sched.pending,
            "memory_bytes": sched.memory_bytes,
            "memory_used": sched.used_bytes(),
            "num_parallel": sched.num_parallel,
            "max_queue": sched.max_queue,
            "counters": dict(sched.counters),
            "installed": sorted(sim.installed),
            "faults": [f.to_json() for f in sim.faults.active()],
        }
    )


async def reset(request: web.Request) -> web.Response:
    sim = get_state(request)
    sim.faults.clear()
    sim.log.clear()
    sim.scheduler.unload_all()
    return json_response({"status": "reset"})


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/_sim/faults", add_faults)
    r.add_get("/_sim/faults", list_faults, allow_head=False)
    r.add_delete("/_sim/faults", clear_faults)
    r.add_get("/_sim/requests", list_requests, allow_head=False)
    r.add_delete("/_sim/requests", clear_requests)
    r.add_get("/_sim/state", show_state, allow_head=False)
    r.add_post("/_sim/reset", reset)
