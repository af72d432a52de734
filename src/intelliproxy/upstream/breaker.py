"""Circuit breakers: stop sending work where it keeps failing, probe before trusting again.

One breaker guards a backend, another each (backend, model) pair, so a model that runs out
of memory on one machine stops being sent there while the machine keeps serving others.

    CLOSED --(threshold consecutive failures)--> OPEN --(cooldown)--> HALF_OPEN
    HALF_OPEN --(the one probe succeeds)--> CLOSED
    HALF_OPEN --(the probe fails)--> OPEN, with the cooldown doubled (up to a maximum)

Failures are whatever the caller counts: connection errors, timeouts, 5xx and out-of-memory
answers — not a 4xx caused by the request itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    __slots__ = (
        "threshold",
        "base_cooldown",
        "max_cooldown",
        "clock",
        "failures",
        "cooldown",
        "opened_at",
        "_state",
        "probing",
        "probe_started",
        "last_error",
    )

    def __init__(
        self,
        threshold: int = 3,
        cooldown: float = 5.0,
        max_cooldown: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.base_cooldown = cooldown
        self.max_cooldown = max_cooldown
        self.clock = clock
        self.failures = 0  # consecutive
        self.cooldown = cooldown
        self.opened_at = 0.0
        self._state = BreakerState.CLOSED
        self.probing = False  # a half-open probe is in flight
        self.probe_started = 0.0
        self.last_error: str | None = None

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self.clock() - self.opened_at >= self.cooldown:
            self._state = BreakerState.HALF_OPEN
            self.probing = False
        return self._state

    def _probe_free(self) -> bool:
        # A probe whose result never came back (its client left) frees the slot eventually.
        return not self.probing or self.clock() - self.probe_started > max(self.cooldown, 60.0)

    def allows(self) -> bool:
        """May a request be sent now? (Does not reserve the half-open probe.)"""
        state = self.state
        return state is BreakerState.CLOSED or (
            state is BreakerState.HALF_OPEN and self._probe_free()
        )

    def acquire(self) -> bool:
        """Reserve the right to send one request; False when the breaker refuses."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and self._probe_free():
            self.probing = True
            self.probe_started = self.clock()
            return True
        return False

    def success(self) -> None:
        self.failures = 0
        self.probing = False
        self.cooldown = self.base_cooldown
        self._state = BreakerState.CLOSED
        self.last_error = None

    def failure(self, error: str | None = None) -> None:
        self.last_error = error
        state = self.state
        self.probing = False
        if state is BreakerState.HALF_OPEN:
            self.cooldown = min(self.cooldown * 2, self.max_cooldown)
            self._open()
            return
        self.failures += 1
        if state is BreakerState.CLOSED and self.failures >= self.threshold:
            self._open()

    def trip(self, error: str | None = None) -> None:
        """Open at once (e.g. the health check found the backend gone)."""
        self.last_error = error
        if self._state is not BreakerState.OPEN:
            self._open()

    def _open(self) -> None:
        self._state = BreakerState.OPEN
        self.opened_at = self.clock()

    def remaining(self) -> float:
        """Seconds until a probe is allowed (0 when not open)."""
        if self.state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self.cooldown - (self.clock() - self.opened_at))
