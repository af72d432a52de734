"""The one exception the simulator's layers use to say "answer with this error"."""

from __future__ import annotations

# Exact Ollama strings shared by several modules.
BUSY = "server busy, please try again.  maximum pending requests exceeded"
RUNNER_STOPPED = (
    "model runner has unexpectedly stopped, this may be due to resource limitations or an "
    "internal error, check ollama server logs for details"
)


class SimError(Exception):
    """An Ollama error reply: HTTP status plus the `error` string."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
