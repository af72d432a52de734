"""Start real simulator and proxy processes on loopback for end-to-end tests and benchmarks."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import httpx


def _die_with_parent() -> None:
    """Children get SIGTERM when the test process dies, even by SIGKILL: no orphans."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 20.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError as exc:
            last = exc
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout}s: {last}")


@dataclass
class Process:
    proc: subprocess.Popen
    url: str
    port: int
    log_path: str = ""
    extra: dict = field(default_factory=dict)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def log(self) -> str:
        if not self.log_path:
            return ""
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()


def _log_file(prefix: str) -> tuple[int, str]:
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=".log")
    return fd, path


def start_simulator(
    models: Iterable[str] | None = None,
    *,
    spec: Mapping | None = None,
    port: int | None = None,
) -> Process:
    """A simulated Ollama in its own process with some of the default fleet's models.

    `models` picks models of the default fleet by name; `spec` gives a whole spec file.
    """
    port = port or free_port()
    args = [sys.executable, "-m", "intelliproxy.simulator", "--port", str(port)]
    if spec is None and models is not None:
        spec = {"models": list(models)}
    if spec is not None:
        fd, path = tempfile.mkstemp(prefix="sim-spec-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(spec, f)
        args += ["--models", path]
    fd, log_path = _log_file("sim-")
    proc = subprocess.Popen(args, stdout=fd, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    os.close(fd)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/", proc=proc)
    return Process(proc, url, port, log_path)


def start_proxy(
    backends: Iterable[str],
    *,
    env: Mapping[str, str] | None = None,
    data_dir: str | None = None,
    port: int | None = None,
    web_port: int | None = None,
    wait: bool = True,
) -> Process:
    port = port or free_port()
    web_port = web_port or free_port()
    data_dir = data_dir or tempfile.mkdtemp(prefix="intelliproxy-data-")
    full_env = {
        **os.environ,
        "OLLAMA_BACKENDS": ",".join(backends),
        "PROXY_HOST": "127.0.0.1",
        "PROXY_PORT": str(port),
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(web_port),
        "DATA_DIR": data_dir,
        "INVENTORY_INTERVAL": "0.5",
        "LOG_LEVEL": "INFO",
        **(env or {}),
    }
    fd, log_path = _log_file("proxy-")
    proc = subprocess.Popen(
        [sys.executable, "-m", "intelliproxy.cli", "serve"],
        env=full_env,
        stdout=fd,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )
    os.close(fd)
    url = f"http://127.0.0.1:{port}"
    if wait:
        wait_http(url + "/", proc=proc)
    return Process(
        proc, url, port, log_path, {"web_url": f"http://127.0.0.1:{web_port}", "data_dir": data_dir}
    )
