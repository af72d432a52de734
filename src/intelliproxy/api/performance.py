"""POST /performance-test: the seed's four paths, timed side by side on the operator's fleet.

| mode           | model                               | path                         |
|----------------|-------------------------------------|------------------------------|
| `direct`       | `model` from the body, else DEFAULT_MODEL | Ollama (Path A)        |
| `direct_airllm`| the same model                      | the AirLLM service (Path B)  |
| `llm`          | chosen by IntelliProxyLLM routing   | Ollama (Path A)              |
| `llm_airllm`   | chosen by IntelliProxyLLM routing   | the AirLLM service (Path B)  |

Each mode streams one /api/generate and reports the model, the path, time to first token,
total time, tokens/s (from the final chunk) and any error.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from .. import VIRTUAL_MODEL
from ..runtime import Runtime
from ..upstream.forward import Target, execute
from .http import Request, Send, send_json
from .management import internal_generate, prompt_body

MODES = ("direct", "direct_airllm", "llm", "llm_airllm")


class _Timer:
    """An ASGI `send` that notes when the first token arrived and keeps the last line."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first: float | None = None
        self.status = 0
        self.last_line = b""
        self.buffer = b""

    async def __call__(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            return
        body = message.get("body", b"")
        if body and self.first is None:
            self.first = time.perf_counter()
        self.buffer += body
        lines = [line for line in self.buffer.split(b"\n") if line.strip()]
        if lines:
            self.last_line = lines[-1]
        self.buffer = self.buffer[-65536:]


async def _run_mode(runtime: Runtime, mode: str, prompt: str, model: str | None) -> dict[str, Any]:
    airllm = mode.endswith("_airllm")
    routed = mode.startswith("llm")
    result: dict[str, Any] = {"mode": mode, "path": "airllm" if airllm else "direct"}
    if airllm and not runtime.airllm.enabled:
        return {**result, "error": "the AirLLM service is disabled (POST /config/airllm/service)"}
    name = VIRTUAL_MODEL if routed else (model or runtime.default_model)
    body = {"model": name, "prompt": prompt, "stream": True}
    decision = runtime.router.route(body, name, "chat")
    if not decision.targets:
        return {**result, "error": decision.error or "no model is available"}
    first = decision.targets[0]
    if airllm:
        target = Target(runtime.airllm.backend, first.model, "performance test", True)
    else:
        target = Target(first.backend, first.model, "performance test", True)
    result.update(model=target.model, backend=target.backend.url)
    timer = _Timer()
    timeout = runtime.airllm.timeout if airllm else None
    forward = internal_generate(runtime, body, timeout=timeout, failover=False)  # one path only
    outcome = await execute(timer, forward, [target], [])
    total = time.perf_counter() - timer.started
    result.update(
        total_ms=round(total * 1000, 1),
        ttft_ms=round((timer.first - timer.started) * 1000, 1) if timer.first else None,
        status=outcome.status,
    )
    try:
        final = orjson.loads(timer.last_line) if timer.last_line else {}
    except orjson.JSONDecodeError:
        final = {}
    count, duration = final.get("eval_count"), final.get("eval_duration")
    if count and duration:
        result.update(eval_count=count, tokens_per_s=round(count / duration * 1e9, 1))
    error = outcome.stream_error or outcome.error or final.get("error")
    if error or not outcome.ok:
        result["error"] = error or f"status {outcome.status}"
    return result


async def performance_test(runtime: Runtime, request: Request, send: Send) -> None:
    found = await prompt_body(request, send)
    if found is None:
        return
    body, prompt = found
    mode = body.get("mode")
    if mode is not None and mode not in MODES:
        await send_json(send, 400, {"error": f"mode must be one of {', '.join(MODES)}"})
        return
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        await send_json(send, 400, {"error": "model must be a model name"})
        return
    modes = [mode] if mode else list(MODES)
    results = [await _run_mode(runtime, m, prompt, model) for m in modes]
    await send_json(send, 200, {"prompt": prompt, "results": results})
