"""Log of inference requests the simulator received (GET /_sim/requests).

Entries appear when a request starts (`end` is null while it runs) and are completed when
it ends. `cancelled` is true when the client went away before the reply was complete —
the signal proxy tests use to check that client disconnects propagate upstream.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class LogEntry:
    id: int
    route: str
    model: str | None
    stream: bool
    start: float  # unix seconds
    end: float | None = None
    status: int | None = None  # 499 when the client left before any byte was sent
    cancelled: bool = False
    done_reason: str | None = None
    chunks: int = 0  # lines / events written
    error: str | None = None
    fault: str | None = None

    def finish(self, status: int, *, cancelled: bool = False, error: str | None = None) -> None:
        if self.end is not None:
            return
        self.end = time.time()
        self.status = status
        self.cancelled = cancelled
        if error is not None:
            self.error = error

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["disconnected"] = self.cancelled  # alias: same fact, the name tests look for
        data["duration_s"] = None if self.end is None else round(self.end - self.start, 6)
        return data


class RequestLog:
    """A bounded ring of LogEntry, newest last."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._entries: deque[LogEntry] = deque(maxlen=capacity)
        self._ids = itertools.count(1)

    def start(self, route: str, model: str | None, stream: bool) -> LogEntry:
        entry = LogEntry(next(self._ids), route, model, stream, time.time())
        self._entries.append(entry)
        return entry

    def entries(self) -> list[LogEntry]:
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()
