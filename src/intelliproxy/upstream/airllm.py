"""The AirLLM lane (the seed's Path B): selected large models served by an AirLLM service.

AirLLM speaks the Ollama API but runs 70B-class models layer by layer on little memory, so
it is slow and can hold very few requests at a time. The lane therefore has its own long
timeout, its own concurrency limit (requests beyond it wait in line, in order), its own
entry in health and statistics, and it is never a fallback for other models' traffic.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .backends import Backend


class AirLLMLane:
    def __init__(
        self, host: str, port: int, *, enabled: bool, concurrency: int = 1, timeout: float = 3600
    ) -> None:
        self.enabled = enabled
        self.timeout = timeout
        self.concurrency = concurrency
        self.backend = Backend(f"http://{host}:{port}")
        # The backend's own limiter: forward.execute holds it for the whole exchange.
        self.backend.limiter = asyncio.Semaphore(concurrency)
        self.backend.lane = "airllm"

    @property
    def url(self) -> str:
        return self.backend.url

    def waiting(self) -> int:
        limiter = self.backend.limiter
        return len(getattr(limiter, "_waiters", None) or ()) if limiter else 0

    async def check(self) -> None:
        if self.enabled:
            await self.backend.refresh()

    def describe(self) -> dict[str, Any]:
        return {
            **self.backend.describe(),
            "lane": "airllm",
            "enabled": self.enabled,
            "state": self.backend.state.value if self.enabled else "disabled",
            "concurrency": self.concurrency,
            "queued": self.waiting(),
            "timeout": self.timeout,
        }

    def close(self) -> None:
        self.backend.pool.close()
