"""The fake model run: schedule, "evaluate the prompt", then emit paced fragments.

Route handlers turn a request into a `Plan`; `run` yields `Piece`s and one final `Done`,
which the wire encoders (native NDJSON, OpenAI SSE) turn into bytes. Errors that happen
before the first fragment (queue full, OOM) are raised as SimError from the first step.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from . import textgen
from .models import SimModel
from .scheduler import Scheduler

TOOL_CALL_TOKENS = 12
# Sleep only when ahead of schedule by more than this: at thousands of tokens/s a sleep per
# token would cost more than the token, so fast models emit in small bursts instead.
_PACING_SLACK_S = 0.004


@dataclass
class Plan:
    route: str  # request path
    model_ref: str  # the request's model string, echoed verbatim
    model: SimModel
    prompt: str  # the text that seeds the answer and picks tools
    prompt_tokens: int
    t_start_ns: int = field(default_factory=time.monotonic_ns)
    images: int = 0
    tools: list[Any] | None = None
    think: bool = False
    num_predict: int | None = None
    default_tokens: int = 24
    keep_alive: float | None = None
    num_ctx: int | None = None
    want_context: bool = False
    tag: str = ""


@dataclass
class Piece:
    content: str = ""
    thinking: str = ""
    tool_calls: list[dict[str, Any]] | None = None


@dataclass
class Done:
    reason: str
    total_ns: int = 0
    load_ns: int = 0
    prompt_eval_count: int = 0
    prompt_eval_ns: int = 0
    eval_count: int = 0
    eval_ns: int = 0
    context: list[int] | None = None

    def metrics(self) -> dict[str, int]:
        """Native metric fields, zero values left out (Go's omitempty)."""
        pairs = (
            ("total_duration", self.total_ns),
            ("load_duration", self.load_ns),
            ("prompt_eval_count", self.prompt_eval_count),
            ("prompt_eval_duration", self.prompt_eval_ns),
            ("eval_count", self.eval_count),
            ("eval_duration", self.eval_ns),
        )
        return {k: v for k, v in pairs if v}


def _pieces(plan: Plan) -> tuple[list[Piece], str]:
    name = plan.model.name
    out: list[Piece] = []
    if plan.think:
        out += [Piece(thinking=t) for t in textgen.thinking_tokens(name, plan.prompt)]
    tool = textgen.pick_tool(plan.tools, plan.prompt) if plan.tools else None
    if tool is not None:
        call = {
            "id": textgen.tool_call_id(name + plan.prompt),
            "function": {
                "index": 0,
                "name": tool["function"]["name"],
                "arguments": textgen.tool_arguments(tool, plan.prompt),
            },
        }
        out.append(Piece(tool_calls=[call]))
        return out, "stop"
    limited = plan.num_predict is not None and plan.num_predict > 0
    n = plan.num_predict if limited else plan.default_tokens
    tokens = textgen.answer_tokens(name, plan.prompt, n, images=plan.images, tag=plan.tag)
    out += [Piece(content=t) for t in tokens]
    return out, "length" if limited else "stop"


async def run(scheduler: Scheduler, plan: Plan) -> AsyncIterator[Piece | Done]:
    """Fragments of one answer, paced at the model's tokens_per_s."""
    lease = await scheduler.acquire(plan.model, plan.keep_alive, plan.num_ctx)
    try:
        tps = plan.model.tokens_per_s
        pe_start = time.monotonic_ns()
        pe_s = plan.prompt_tokens / (tps * 10)  # prompt eval runs ~10x faster than decode
        if pe_s > _PACING_SLACK_S:
            await asyncio.sleep(pe_s)
        eval_start = time.monotonic_ns()
        pieces, reason = _pieces(plan)
        begin = time.monotonic()
        for i, piece in enumerate(pieces):
            ahead = begin + (i + 1) / tps - time.monotonic()
            if ahead > _PACING_SLACK_S:
                await asyncio.sleep(ahead)
            yield piece
        end = time.monotonic_ns()
        count = sum(TOOL_CALL_TOKENS if p.tool_calls else 1 for p in pieces)
        context = None
        if plan.want_context:
            context = textgen.context_ids(plan.model.name, plan.prompt, plan.prompt_tokens + count)
        yield Done(
            reason=reason,
            total_ns=end - plan.t_start_ns,
            load_ns=lease.load_ns,
            prompt_eval_count=max(1, plan.prompt_tokens),
            prompt_eval_ns=max(1, eval_start - pe_start),
            eval_count=count,
            eval_ns=max(1, end - eval_start),
            context=context,
        )
    finally:
        lease.release()
