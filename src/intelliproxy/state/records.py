"""What the proxy records about each request: one plain, immutable record.

The API layer builds it when a request ends; statistics, the request log and the Prometheus
metrics all read the same record, so they can never disagree about what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Error kinds, as counted in statistics and metrics.
ERROR_KINDS = (
    "connect",  # backend refused/reset before answering
    "timeout",  # no first byte within the budget
    "busy",  # 503 queue full
    "oom",  # out of memory
    "not_found",  # model not on that backend
    "load",  # runner failed to start/crashed
    "server",  # other 5xx
    "request",  # 4xx caused by the request
    "cut",  # the stream broke after bytes reached the client
    "stall",  # the stream went silent longer than the inactivity timeout
    "malformed",  # a backend line that is not JSON
    "in_band",  # an {"error": ...} line inside a stream
    "cancelled",  # the client went away
    "routing",  # no model could be planned (e.g. no vision model)
)


@dataclass(frozen=True, slots=True)
class RequestRecord:
    time: float  # unix seconds when the request arrived
    client: str  # client address
    endpoint: str  # e.g. "/api/chat"
    method: str
    requested_model: str | None  # what the client asked for ("IntelliProxyLLM" or a real model)
    model: str | None  # the real model that served (None when nothing served)
    backend: str | None  # base URL of the backend that served
    status: int  # HTTP status the client received
    duration: float  # seconds, arrival to last byte
    ttft: float | None = None  # seconds to the first byte relayed to the client
    category: str | None = None  # classifier decision (virtual model only)
    complexity: int | None = None
    reason: str = ""  # routing reason (short ASCII)
    attempts: tuple[str, ...] = ()  # "model@backend:result" for each attempt made
    error_kind: str | None = None  # one of ERROR_KINDS, None when it succeeded
    error: str | None = None  # error message (truncated)
    prompt: str = ""  # user text, truncated; never rendered as HTML
    streamed: bool = False
    prompt_eval_count: int | None = None  # from the final chunk
    eval_count: int | None = None
    eval_duration_ns: int | None = None
    load_duration_ns: int | None = None
    fallback: bool = False  # served by a model other than the first planned one
    airllm: bool = False  # served through the AirLLM lane
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error_kind is None and 200 <= self.status < 400

    @property
    def tokens_per_s(self) -> float | None:
        if self.eval_count and self.eval_duration_ns:
            return self.eval_count / self.eval_duration_ns * 1e9
        return None
