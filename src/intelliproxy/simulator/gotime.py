"""Time formats and durations as Ollama's Go server produces and accepts them."""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

# Go's time.Duration(math.MaxInt64): what a negative keep_alive ("forever") becomes.
FOREVER_S = (2**63 - 1) / 1e9

_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_PART = re.compile(r"(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)")


def _frac(ns: int) -> str:
    """RFC3339Nano fraction: up to 9 digits, trailing zeros trimmed, nothing if zero."""
    if ns == 0:
        return ""
    return "." + f"{ns:09d}".rstrip("0")


def rfc3339_utc(ts_ns: int | None = None) -> str:
    """Like Go's time.Now().UTC() marshalled: `2026-03-02T10:00:00.101Z`."""
    ts_ns = time.time_ns() if ts_ns is None else ts_ns
    secs, ns = divmod(ts_ns, 1_000_000_000)
    base = datetime.fromtimestamp(secs, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}{_frac(ns)}Z"


def rfc3339_local(ts_s: float) -> str:
    """Like a Go local time marshalled: `2026-02-11T09:14:03.512409871+01:00`."""
    ts_ns = int(ts_s * 1e9)
    secs, ns = divmod(ts_ns, 1_000_000_000)
    if secs > 253402300799:  # past year 9999: clamp rather than overflow
        secs, ns = 253402300799, 0
    local = datetime.fromtimestamp(secs, UTC).astimezone()
    offset = local.utcoffset() or timedelta(0)
    base = local.strftime("%Y-%m-%dT%H:%M:%S")
    if offset == timedelta(0):
        return f"{base}{_frac(ns)}Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    return f"{base}{_frac(ns)}{sign}{hh:02d}:{mm:02d}"


def parse_go_duration(text: str) -> float:
    """Go's time.ParseDuration, in seconds; raises ValueError with Go's message."""
    orig = text
    bad = ValueError(f"time: invalid duration {_q(orig)}")
    sign = 1.0
    if text[:1] in ("-", "+"):
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    if text == "0":
        return 0.0
    if not text:
        raise bad
    total_ns = 0.0
    pos = 0
    while pos < len(text):
        match = _PART.match(text, pos)
        if not match or match.group(1) in ("", "."):
            num = re.match(r"\d*\.?\d*", text[pos:])
            if num and num.group(0) not in ("", ".") and pos + num.end() == len(text):
                raise ValueError(f"time: missing unit in duration {_q(orig)}")
            if num and num.group(0) not in ("", "."):
                unit = re.match(r"[^\d.]+", text[pos + num.end() :])
                if unit:
                    raise ValueError(
                        f"time: unknown unit {_q(unit.group(0))} in duration {_q(orig)}"
                    )
            raise bad
        total_ns += float(match.group(1)) * _UNITS_NS[match.group(2)]
        pos = match.end()
    return sign * total_ns / 1e9


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class KeepAliveError(ValueError):
    """keep_alive value Ollama's api.Duration refuses (HTTP 400)."""


def parse_keep_alive(value: Any) -> float | None:
    """api.Duration.UnmarshalJSON: seconds, `inf` for forever, None when not given."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise KeepAliveError("Unsupported type: 'bool'")
    if isinstance(value, (int, float)):
        return math.inf if value < 0 else float(value)
    if isinstance(value, str):
        try:
            seconds = parse_go_duration(value)
        except ValueError as exc:
            raise KeepAliveError(str(exc)) from None
        return math.inf if seconds < 0 else seconds
    go_type = "[]interface {}" if isinstance(value, list) else "map[string]interface {}"
    raise KeepAliveError(f"Unsupported type: '{go_type}'")
