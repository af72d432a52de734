"""Which server stack and upstream HTTP client should the proxy use? Measure, don't guess.

Each candidate is a minimal pass-through proxy (POST body in, upstream JSON out) run in its
own process in front of the same trivial upstream; wrk drives it at c=1 and c=64 and we read
the proxy's own CPU time from /proc. Everything runs side by side in one invocation so the
figures are comparable on a noisy shared machine.

    python benchmarks/stack_compare.py [--seconds 4]

Needs `wrk` (Debian package) on PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time

import psutil

BODY = b'{"model":"m","created_at":"2026-01-01T00:00:00Z","response":"hi","done":true}'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- upstream and candidates


async def read_body(receive) -> bytes:
    body = b""
    while True:
        msg = await receive()
        body += msg.get("body", b"")
        if not msg.get("more_body"):
            return body


async def send_json(send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json; charset=utf-8")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def plain_lifespan(scope, receive, send) -> None:
    """Acknowledge startup and shutdown (apps with nothing to set up)."""
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})


async def upstream_app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send_json(send, 200, BODY)


def serve_upstream(port: int) -> None:
    import uvicorn

    uvicorn.run(
        upstream_app,
        port=port,
        log_level="error",
        loop="uvloop",
        http="httptools",
        access_log=False,
    )


def serve_aiohttp_aiohttp(port: int, upstream: str) -> None:
    import aiohttp
    from aiohttp import web

    async def handler(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        session: aiohttp.ClientSession = request.app["session"]
        async with session.post(upstream + request.path, data=body) as up:
            data = await up.read()
            return web.Response(body=data, status=up.status, content_type="application/json")

    async def on_startup(app: web.Application) -> None:
        app["session"] = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), auto_decompress=False
        )

    app = web.Application()
    app.on_startup.append(on_startup)
    app.router.add_route("*", "/{tail:.*}", handler)
    import uvloop

    uvloop.install()
    web.run_app(app, port=port, print=None, access_log=None)


def make_asgi_aiohttp(upstream: str):
    import aiohttp

    state: dict = {}

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    state["s"] = aiohttp.ClientSession(
                        connector=aiohttp.TCPConnector(limit=0), auto_decompress=False
                    )
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = await read_body(receive)
        async with state["s"].post(upstream + scope["path"], data=body) as up:
            data = await up.read()
            await send_json(send, up.status, data)

    return app


def make_asgi_httpx(upstream: str):
    import httpx

    client = httpx.AsyncClient(base_url=upstream, timeout=None)

    async def app(scope, receive, send):
        if scope["type"] != "http":
            await plain_lifespan(scope, receive, send)
            return
        body = await read_body(receive)
        up = await client.post(scope["path"], content=body)
        await send_json(send, up.status_code, up.content)

    return app


def serve_uvicorn(port: int, upstream: str, client: str) -> None:
    import uvicorn

    app = make_asgi_aiohttp(upstream) if client == "aiohttp" else make_asgi_httpx(upstream)
    uvicorn.run(
        app, port=port, log_level="error", loop="uvloop", http="httptools", access_log=False
    )


def make_asgi_raw(upstream: str):
    from intelliproxy.upstream.http1 import ConnectionPool

    host, port = upstream.rsplit("/", 1)[1].split(":")
    pool: list[ConnectionPool] = []
    headers = [(b"Content-Type", b"application/json")]

    async def app(scope, receive, send):
        if scope["type"] != "http":
            await plain_lifespan(scope, receive, send)
            return
        if not pool:
            pool.append(ConnectionPool(host, int(port)))
        body = await read_body(receive)
        up = await pool[0].request("POST", scope["path"], headers, body)
        data = await up.read()
        await send_json(send, up.status, data)

    return app


def make_rsgi_raw():
    from intelliproxy.upstream.http1 import ConnectionPool

    host, port = os.environ["STACK_UPSTREAM"].rsplit("/", 1)[1].split(":")
    pool: list[ConnectionPool] = []
    headers = [(b"Content-Type", b"application/json")]

    async def app(scope, proto):
        if not pool:
            pool.append(ConnectionPool(host, int(port)))
        body = await proto()
        up = await pool[0].request("POST", scope.path, headers, body)
        data = await up.read()
        proto.response_bytes(up.status, [("content-type", "application/json; charset=utf-8")], data)

    return app


if os.environ.get("STACK_UPSTREAM"):
    rsgi_app = make_rsgi_raw()


def serve_granian(port: int, upstream: str) -> None:
    from granian import Granian

    os.environ["STACK_UPSTREAM"] = upstream
    sys.path.insert(0, os.path.dirname(__file__))
    Granian(
        "stack_compare:rsgi_app",
        interface="rsgi",
        port=port,
        workers=1,
        loop="uvloop",
        log_enabled=False,
    ).serve()


def serve_uvicorn_raw(port: int, upstream: str) -> None:
    import uvicorn

    uvicorn.run(
        make_asgi_raw(upstream),
        port=port,
        log_level="error",
        loop="uvloop",
        http="httptools",
        access_log=False,
    )


CANDIDATES = {
    "uvicorn(uvloop,httptools)+raw-httptools-client": lambda p, u: serve_uvicorn_raw(p, u),
    "granian-rsgi+raw-httptools-client": lambda p, u: serve_granian(p, u),
    "aiohttp-server+aiohttp-client": lambda p, u: serve_aiohttp_aiohttp(p, u),
    "uvicorn(uvloop,httptools)+aiohttp-client": lambda p, u: serve_uvicorn(p, u, "aiohttp"),
    "uvicorn(uvloop,httptools)+httpx-client": lambda p, u: serve_uvicorn(p, u, "httpx"),
}


# ---------------------------------------------------------------- measurement


def wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} never opened")


LUA = 'wrk.method = "POST"\nwrk.body = \'{"model":"m","prompt":"hi","stream":false}\'\n'


def run_wrk(url: str, conns: int, seconds: int) -> dict:
    script = "/tmp/stack_compare.lua"
    with open(script, "w") as f:
        f.write(LUA)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency", "-s", script, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rps, "p50": pct("50"), "p99": pct("99"), "requests": total}


def measure(name: str, port: int, pid: int | None, seconds: int) -> list[str]:
    rows = []
    proc = psutil.Process(pid) if pid else None
    for conns in (1, 64):
        cpu0 = sum(proc.cpu_times()[:2]) if proc else 0.0
        r = run_wrk(f"http://127.0.0.1:{port}/api/generate", conns, seconds)
        cpu = (sum(proc.cpu_times()[:2]) - cpu0) if proc else 0.0
        cpu_ms = cpu * 1000 / r["requests"] if proc else float("nan")
        rows.append(
            f"{name:44s} c={conns:<3d} {r['rps']:9.0f} req/s  p50 {r['p50']:6.3f} ms  "
            f"p99 {r['p99']:6.3f} ms  proxy CPU {cpu_ms:6.3f} ms/req"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--upstream", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "upstream":
        serve_upstream(args.port)
        return
    if args.serve:
        CANDIDATES[args.serve](args.port, args.upstream)
        return
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install wrk")

    up_port = free_port()
    procs = [
        subprocess.Popen([sys.executable, __file__, "--serve", "upstream", "--port", str(up_port)])
    ]
    try:
        wait_port(up_port)
        upstream = f"http://127.0.0.1:{up_port}"
        print(f"# stack comparison, {args.seconds}s per point, {os.cpu_count()} cores")
        for row in measure("direct (upstream only)", up_port, None, args.seconds):
            print(row)
        for name in CANDIDATES:
            port = free_port()
            p = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--serve",
                    name,
                    "--port",
                    str(port),
                    "--upstream",
                    upstream,
                ]
            )
            procs.append(p)
            wait_port(port)
            time.sleep(0.3)
            for row in measure(name, port, p.pid, args.seconds):
                print(row, flush=True)
            p.terminate()
            p.wait()
    finally:
        for p in procs:
            p.terminate()


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
