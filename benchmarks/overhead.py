"""What does the proxy cost? The same requests direct to a simulated Ollama and through it.

    python benchmarks/overhead.py [--seconds 5] [--backends 1]

Side by side in one run (the machine is shared and noisy, so compare columns, not runs):
- non-streaming /api/generate at concurrency 1, 16 and 64 (wrk): req/s, p50, p99, for the
  simulator directly, through the proxy with a named model, and with `IntelliProxyLLM`
  (classifier and planner on the path);
- added p50 latency at c=1, proxy CPU ms per request (from /proc), peak RSS (VmHWM);
- streaming: time to first chunk and chunks/s of a long stream, direct and proxied.

Targets (issue 2): added p50 at c=1 <= 0.3 ms named, <= 0.5 ms IntelliProxyLLM; proxy CPU
<= 0.25 ms/request; c=64 throughput >= 60 % of direct; stream relay >= 70 % of direct.
`--backends 3` puts three simulators behind the proxy (the fleet issue's check).
Needs `wrk` (Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.processes import Process, start_proxy, start_simulator  # noqa: E402

BENCH_MODEL = "bench-fast:1b"
SPEC = {
    "name": "bench",
    "num_parallel": 128,
    "response_tokens": 8,
    "models": [
        {
            "name": BENCH_MODEL,
            "family": "llama",
            "parameter_size": "1.2B",
            "size": 800_000_000,
            "capabilities": ["completion", "tools"],
            "tokens_per_s": 1_000_000,
            "load_time_s": 0,
        }
    ],
}


# ---------------------------------------------------------------- measuring a process


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------- wrk


def wrk(url: str, body: dict, conns: int, seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            'wrk.method = "POST"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = [[{json.dumps(body)}]]\n"
        )
    threads = 1 if conns == 1 else 2
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--latency", "-s", script.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)

    def ms(label: str) -> float:
        m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)\b", out)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": ms("50"),
        "p99": ms("99"),
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


# ---------------------------------------------------------------- streaming


async def stream_once(url: str, tokens: int) -> tuple[float, int, float]:
    """Time to first chunk, chunks received and chunks/s of one long generate stream."""
    import aiohttp

    body = {
        "model": BENCH_MODEL,
        "prompt": "count",
        "stream": True,
        "options": {"num_predict": tokens},
    }
    async with aiohttp.ClientSession() as session:
        start = time.perf_counter()
        first = None
        chunks = 0
        async with session.post(url + "/api/generate", json=body) as response:
            async for _line in response.content:
                if first is None:
                    first = time.perf_counter()
                chunks += 1
        end = time.perf_counter()
    assert first is not None
    return (first - start) * 1000, chunks, chunks / (end - first)


# ---------------------------------------------------------------- the run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--backends", type=int, default=1)
    parser.add_argument("--stream-tokens", type=int, default=4000)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install wrk")

    sims: list[Process] = [start_simulator(spec=SPEC) for _ in range(args.backends)]
    proxy = start_proxy([s.url for s in sims], env={"LOG_LEVEL": "WARNING"})
    named = {"model": BENCH_MODEL, "prompt": "Hello there", "stream": False}
    virtual = {"model": "IntelliProxyLLM", "prompt": "Hello there", "stream": False}
    try:
        time.sleep(1.0)  # first inventory refresh
        rows: dict[tuple[str, int], dict] = {}
        cpu: dict[tuple[str, int], float] = {}
        for conns in (1, 16, 64):
            for label, url, body in (
                ("direct", sims[0].url, named),
                ("proxy named", proxy.url, named),
                ("proxy IntelliProxyLLM", proxy.url, virtual),
            ):
                wrk(url + "/api/generate", body, conns, 1)  # warm-up
                before = cpu_seconds(proxy.proc.pid)
                result = wrk(url + "/api/generate", body, conns, args.seconds)
                used = cpu_seconds(proxy.proc.pid) - before
                rows[(label, conns)] = result
                if label != "direct":
                    cpu[(label, conns)] = used * 1000 / max(result["requests"], 1)

        print(
            f"# overhead: {args.backends} backend(s), {args.seconds}s per point, "
            f"{os.cpu_count()} cores"
        )
        print(
            f"{'path':24s} {'conc':>4s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} "
            f"{'CPU ms/req':>10s} {'errors':>6s}"
        )
        for (label, conns), r in rows.items():
            cpu_text = f"{cpu[(label, conns)]:.3f}" if (label, conns) in cpu else "-"
            print(
                f"{label:24s} {conns:4d} {r['rps']:9.0f} {r['p50']:8.3f} {r['p99']:8.3f} "
                f"{cpu_text:>10s} {r['errors']:6d} {r['socket_errors']}"
            )
        direct1 = rows[("direct", 1)]["p50"]
        print()
        for label, target in (("proxy named", 0.3), ("proxy IntelliProxyLLM", 0.5)):
            added = rows[(label, 1)]["p50"] - direct1
            print(f"added p50 at c=1, {label:22s}: {added:.3f} ms (target <= {target} ms)")
        for label in ("proxy named", "proxy IntelliProxyLLM"):
            ratio = rows[(label, 64)]["rps"] / rows[("direct", 64)]["rps"]
            print(f"c=64 throughput, {label:22s}: {ratio:.0%} of direct (target >= 60%)")
        worst_cpu = max(cpu[(label, c)] for label in ("proxy named",) for c in (16, 64))
        print(
            f"proxy CPU per request (named, c=16/64 worst): {worst_cpu:.3f} ms (target <= 0.25 ms)"
        )

        # Interleaved, median of several: one stream is at the mercy of the scheduler.
        direct_runs, proxied_runs = [], []
        for _ in range(5):
            direct_runs.append(asyncio.run(stream_once(sims[0].url, args.stream_tokens)))
            proxied_runs.append(asyncio.run(stream_once(proxy.url, args.stream_tokens)))
        ttfc_d = statistics.median(r[0] for r in direct_runs)
        cps_d = statistics.median(r[2] for r in direct_runs)
        ttfc_p = statistics.median(r[0] for r in proxied_runs)
        cps_p = statistics.median(r[2] for r in proxied_runs)
        print(
            f"stream: direct first chunk {ttfc_d:.2f} ms, {cps_d:,.0f} chunks/s; "
            f"proxied first chunk {ttfc_p:.2f} ms, {cps_p:,.0f} chunks/s "
            f"= {cps_p / cps_d:.0%} of direct (target >= 70%)"
        )
        print(f"proxy peak RSS: {peak_rss_mb(proxy.proc.pid):.1f} MB")
    finally:
        proxy.stop()
        for sim in sims:
            sim.stop()


if __name__ == "__main__":
    main()
