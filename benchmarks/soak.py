"""Soak: does the proxy's memory stay flat over 100 000 mixed requests?

    python benchmarks/soak.py [--requests 100000] [--concurrency 32] [--tracemalloc]

One simulated Ollama with fast models (the proxy, not the simulator, is the subject) and
one proxy in front of it, driven by an aiohttp client with bounded concurrency. The mix:
/api/chat and /api/generate with a named model and with IntelliProxyLLM, streamed and not;
/v1/chat/completions; /api/embed; /api/tags; 404s (unknown models, each name new, and an
unknown path); and client disconnects in the middle of a stream.

Every 10 000 requests it prints progress and the proxy's RSS (VmRSS from /proc); at the
end, RSS after the first 10 000 vs at the end (target: within 10 %), total time, req/s,
proxy CPU per request, errors by kind, and the sizes of the proxy's bounded structures
(stats keys, request log, metric series). `--tracemalloc` runs the proxy under tracemalloc
and prints the allocation sites that grew between the 10 000 mark and the end.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.processes import Process, free_port, start_simulator, wait_http  # noqa: E402

CHECKPOINT = 10_000
VIRTUAL = "IntelliProxyLLM"
FAST = {"tokens_per_s": 1_000_000, "load_time_s": 0}
SPEC = {
    "name": "soak",
    "num_parallel": 128,
    "response_tokens": 8,
    "models": [
        {"name": "qwen2.5:7b", **FAST},
        {"name": "qwen2.5-coder:7b", **FAST},
        {"name": "deepseek-r1:latest", **FAST},
        {"name": "nemotron-3-nano:latest", **FAST},
        {"name": "nomic-embed-text:latest", **FAST},
    ],
}
NAMED = ("qwen2.5:7b", "qwen2.5-coder:7b", "nemotron-3-nano:latest")
PROMPTS = (
    "Write a Python function that reverses a linked list",
    "Explain step by step why the sum of two odd numbers is even",
    "What is the capital of France?",
    "Fix this bug: for i in range(10) print(i)",
    "Write a short poem about the sea",
    "Compare TCP and UDP for a multiplayer game and justify the choice",
    "Translate 'good morning' into German",
    "Summarise the plot of Hamlet in three sentences",
    "Prove that the square root of 2 is irrational",
    "hi",
)

# kind -> weight (per cent of requests)
MIX = {
    "chat_virtual": 14,
    "chat_virtual_stream": 10,
    "chat_named": 9,
    "chat_named_stream": 6,
    "generate_virtual": 9,
    "generate_virtual_stream": 6,
    "generate_named": 9,
    "generate_named_stream": 6,
    "openai_chat": 6,
    "openai_chat_stream": 4,
    "embed": 8,
    "tags": 6,
    "unknown_model": 3,
    "unknown_path": 2,
    "disconnect": 2,
}
PROXY_WRAPPER = """
import os, signal, sys, tracemalloc
tracemalloc.start(int(sys.argv[1]))
path = sys.argv[2]
def dump(signum, frame):
    tracemalloc.take_snapshot().dump(path + ".tmp")
    os.replace(path + ".tmp", path)
signal.signal(signal.SIGUSR1, dump)
sys.argv = ["intelliproxy", "serve"]
from intelliproxy.cli import main
main()
"""


# ---------------------------------------------------------------- the proxy process


def start_proxy(backend: str, data_dir: str, snapshot: str | None) -> Process:
    port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "OLLAMA_BACKENDS": backend,
        "PROXY_HOST": "127.0.0.1",
        "PROXY_PORT": str(port),
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(web_port),
        "DATA_DIR": data_dir,
        "INVENTORY_INTERVAL": "2",
        "LOG_LEVEL": "WARNING",
    }
    if snapshot:
        args = [sys.executable, "-c", PROXY_WRAPPER, "1", snapshot]  # 1 frame: by line
    else:
        args = [sys.executable, "-m", "intelliproxy.cli", "serve"]
    log_path = os.path.join(data_dir, "proxy.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/", proc=proc)
    return Process(proc, url, port, log_path)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def take_snapshot(proxy: Process, path: str, timeout: float = 60.0) -> tracemalloc.Snapshot:

    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    proxy.proc.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise RuntimeError("the proxy did not write its tracemalloc snapshot")
        time.sleep(0.2)
    return tracemalloc.Snapshot.load(path)


# ---------------------------------------------------------------- one request


def _body(kind: str, rng: random.Random, n: int) -> tuple[str, str, dict | None, bool, int]:
    """(method, path, json body, streamed, expected status) for request `n` of `kind`."""
    prompt = f"{rng.choice(PROMPTS)} (#{n})"
    stream = kind.endswith("_stream")
    if kind.startswith(("chat", "generate")):
        model = VIRTUAL if "_virtual" in kind else rng.choice(NAMED)
        if kind.startswith("chat"):
            body = {"model": model, "messages": [{"role": "user", "content": prompt}]}
            return "POST", "/api/chat", {**body, "stream": stream}, stream, 200
        return (
            "POST",
            "/api/generate",
            {"model": model, "prompt": prompt, "stream": stream},
            stream,
            200,
        )
    if kind.startswith("openai_chat"):
        model = rng.choice((VIRTUAL, *NAMED))
        body = {"model": model, "messages": [{"role": "user", "content": prompt}]}
        return "POST", "/v1/chat/completions", {**body, "stream": stream}, stream, 200
    if kind == "embed":
        body = {"model": "nomic-embed-text:latest", "input": [prompt, "second input"]}
        return "POST", "/api/embed", body, False, 200
    if kind == "tags":
        return "GET", "/api/tags", None, False, 200
    if kind == "unknown_model":  # a new name every time: bounded stats and metrics labels
        body = {"model": f"no-such-model-{n}:7b", "prompt": prompt, "stream": False}
        return "POST", "/api/generate", body, False, 404
    if kind == "unknown_path":
        return "GET", f"/api/no-such-path-{n % 100}", None, False, 404
    # disconnect: a long stream the client abandons after the first chunk
    body = {
        "model": VIRTUAL,
        "messages": [{"role": "user", "content": prompt}],
        "stream": True,
        "options": {"num_predict": 100_000},
    }
    return "POST", "/api/chat", body, True, 200


class Tally:
    def __init__(self) -> None:
        self.done = 0
        self.by_kind: collections.Counter[str] = collections.Counter()
        self.errors: collections.Counter[str] = collections.Counter()
        self.examples: dict[str, str] = {}

    def error(self, kind: str, what: str) -> None:
        key = f"{kind}: {what.splitlines()[0][:120]}"
        self.errors[key] += 1


async def one(session: aiohttp.ClientSession, url: str, kind: str, n: int, rng, tally) -> None:
    method, path, body, stream, expected = _body(kind, rng, n)
    try:
        async with session.request(method, url + path, json=body) as response:
            if kind == "disconnect":
                await response.content.readline()
                response.close()  # drop the connection mid-stream
                return
            data = await response.read()
            if response.status != expected:
                tally.error(kind, f"status {response.status} {data[:100]!r}")
                return
            if stream and expected == 200:
                last = data.rstrip().rsplit(b"\n", 1)[-1]
                if b'"error"' in last or (path.startswith("/api") and b'"done":true' not in last):
                    tally.error(kind, f"bad stream end {last[:100]!r}")
    except (TimeoutError, aiohttp.ClientError) as exc:
        tally.error(kind, f"{type(exc).__name__}: {exc}")


# ---------------------------------------------------------------- the run


async def drive(args: argparse.Namespace, proxy: Process, snapshot: str | None) -> dict:
    rng = random.Random(args.seed)
    kinds = list(MIX)
    weights = [MIX[k] for k in kinds]
    plan = rng.choices(kinds, weights, k=args.requests)
    tally = Tally()
    marks: dict[str, object] = {}
    connector = aiohttp.TCPConnector(limit=args.concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    queue = iter(enumerate(plan))
    start = time.perf_counter()
    cpu_start = cpu_seconds(proxy.proc.pid)

    async def checkpoint() -> None:
        marks["printed"] = tally.done
        elapsed = time.perf_counter() - start
        rss = rss_mb(proxy.proc.pid)
        if tally.done == min(CHECKPOINT, args.requests):
            marks["rss_first"] = rss
            if snapshot:
                marks["snap_first"] = await asyncio.to_thread(take_snapshot, proxy, snapshot)
        print(
            f"{tally.done:>7d} requests  {elapsed:7.1f} s  {tally.done / elapsed:6.0f} req/s  "
            f"RSS {rss:6.1f} MB  errors {sum(tally.errors.values())}",
            flush=True,
        )

    async def worker(session: aiohttp.ClientSession) -> None:
        for n, kind in queue:
            await one(session, proxy.url, kind, n, rng, tally)
            tally.by_kind[kind] += 1
            tally.done += 1
            if tally.done % CHECKPOINT == 0 or tally.done == min(CHECKPOINT, args.requests):
                await checkpoint()

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(args.concurrency)))
    elapsed = time.perf_counter() - start
    if marks.get("printed") != tally.done:
        await checkpoint()
    marks.pop("printed")
    await asyncio.sleep(1.0)  # let cancelled streams finish their bookkeeping
    return {
        "tally": tally,
        "elapsed": elapsed,
        "cpu": cpu_seconds(proxy.proc.pid) - cpu_start,
        "rss_end": rss_mb(proxy.proc.pid),
        **marks,
    }


def bounded_structures(url: str) -> str:
    stats = httpx.get(url + "/stats", timeout=30).json()
    log = httpx.get(url + "/requests", timeout=30).json()
    metrics = httpx.get(url + "/metrics", timeout=30).text
    series = sum(1 for line in metrics.splitlines() if line and not line.startswith("#"))
    errors = {k: v for k, v in stats["errors"].items() if v}
    return (
        f"proxy /stats: total_requests {stats['total_requests']}, error_total "
        f"{stats['error_total']} {errors}\n"
        f"bounded structures: stats models {len(stats['models'])}, backends "
        f"{len(stats['backends'])}, categories {len(stats['categories'])}, statuses "
        f"{len(stats['statuses'])}; request log {log['count']}/{log['size']}; "
        f"/metrics {len(metrics) / 1024:.0f} KiB, {series} samples"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--tracemalloc", action="store_true", help="trace the proxy's allocations (slower)"
    )
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="soak-data-")
    snapshot = os.path.join(data_dir, "tracemalloc.snapshot") if args.tracemalloc else None
    sim = start_simulator(spec=SPEC)
    proxy = start_proxy(sim.url, data_dir, snapshot)
    try:
        time.sleep(2.5)  # the first inventory refresh
        print(
            f"# soak: {args.requests} requests, concurrency {args.concurrency}, "
            f"{os.cpu_count()} cores, proxy pid {proxy.proc.pid}, RSS at start "
            f"{rss_mb(proxy.proc.pid):.1f} MB" + (" (tracemalloc on)" if snapshot else ""),
            flush=True,
        )
        result = asyncio.run(drive(args, proxy, snapshot))
        tally: Tally = result["tally"]
        first, end = result["rss_first"], result["rss_end"]
        ratio = end / first
        elapsed = result["elapsed"]
        print()
        print(f"total time      : {elapsed:.1f} s, {tally.done / elapsed:.0f} req/s")
        print(f"proxy CPU       : {result['cpu'] * 1000 / tally.done:.3f} ms/request")
        print(
            f"RSS             : {first:.1f} MB after {min(CHECKPOINT, args.requests)}, "
            f"{end:.1f} MB at the end, ratio {ratio:.3f} (target <= 1.10: "
            f"{'met' if ratio <= 1.10 else 'MISSED'})"
        )
        print(f"client errors   : {sum(tally.errors.values())}")
        for what, count in tally.errors.most_common(12):
            print(f"   {count:7d}  {what}")
        print("mix             : " + json.dumps(dict(sorted(tally.by_kind.items()))))
        print(bounded_structures(proxy.url))
        if snapshot and "snap_first" in result:
            last = take_snapshot(proxy, snapshot)
            print("\ntracemalloc: allocation sites that grew most since the 10 000 mark")
            for stat in last.compare_to(result["snap_first"], "lineno")[:15]:
                print(f"   {stat}")
        print(f"proxy log       : {os.path.getsize(proxy.log_path)} bytes ({proxy.log_path})")
    finally:
        proxy.stop()
        sim.stop()


if __name__ == "__main__":
    main()
