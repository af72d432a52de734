"""Request field validation with Ollama's exact error strings and statuses."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from .errors import SimError
from .gojson import DecodeError, decode_request, dumps, go_quote
from .gotime import KeepAliveError, parse_keep_alive

THINK_LEVELS = ("high", "medium", "low", "max")

_INT_OPTS = {
    "num_ctx", "num_batch", "num_gpu", "main_gpu", "num_thread", "num_keep", "seed",
    "num_predict", "top_k", "repeat_last_n", "draft_num_predict",
}  # fmt: skip
_FLOAT_OPTS = {
    "top_p", "min_p", "typical_p", "temperature", "repeat_penalty", "presence_penalty",
    "frequency_penalty",
}  # fmt: skip
_BOOL_OPTS = {"use_mmap"}
_B64 = re.compile(r"[A-Za-z0-9+/]")


async def read_request(request: web.Request, struct: str) -> dict[str, Any]:
    """The JSON body as gin binds it into `api.<struct>`; SimError(400) otherwise."""
    raw = await request.read()
    try:
        return decode_request(raw, struct)
    except DecodeError as exc:
        raise SimError(400, str(exc)) from None


def keep_alive(body: dict[str, Any]) -> float | None:
    """Seconds (inf = forever), None when omitted; 400 with Go's message when invalid."""
    try:
        return parse_keep_alive(body.get("keep_alive"))
    except KeepAliveError as exc:
        raise SimError(400, str(exc)) from None


def think(body: dict[str, Any]) -> bool | str | None:
    value = body.get("think")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value in THINK_LEVELS:
            return value
        raise SimError(
            400,
            f"invalid think value: {go_quote(value)} "
            '(must be "high", "medium", "low", "max", true, or false)',
        )
    raise SimError(
        400, 'think must be a boolean or string ("high", "medium", "low", "max", true, or false)'
    )


def options(body: dict[str, Any]) -> dict[str, Any]:
    """`options` with type checks that Ollama fails with 500 at scheduling."""
    opts = body.get("options") or {}
    for key, value in opts.items():
        if value is None:
            continue
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if key in _INT_OPTS and not number:
            raise SimError(500, f'option "{key}" must be of type integer')
        if key in _FLOAT_OPTS and not number:
            raise SimError(500, f'option "{key}" must be of type float32')
        if key in _BOOL_OPTS and not isinstance(value, bool):
            raise SimError(500, f'option "{key}" must be of type boolean')
        if key == "stop":
            if not isinstance(value, list):
                raise SimError(500, f'option "{key}" must be of type array')
            if not all(isinstance(v, str) for v in value):
                raise SimError(500, f'option "{key}" must be of an array of strings')
    return opts


def int_option(opts: dict[str, Any], key: str) -> int | None:
    value = opts.get(key)
    return None if value is None else int(value)


def check_format(body: dict[str, Any]) -> None:
    value = body.get("format")
    if value is None or value == "" or value == "json" or isinstance(value, dict):
        return
    raw = dumps(value).decode()
    raise SimError(
        500,
        f'invalid format: {go_quote(raw)}; expected "json" or a valid JSON Schema object',
    )


def images(value: Any) -> int:
    """Number of images; 400 `illegal base64 data at input byte N` for bad base64."""
    if not value:
        return 0
    if not isinstance(value, list):
        raise SimError(400, "json: cannot unmarshal value into Go value of type []api.ImageData")
    for item in value:
        if not isinstance(item, str):
            raise SimError(400, "illegal base64 data at input byte 0")
        bad = _bad_base64_at(item)
        if bad is not None:
            raise SimError(400, f"illegal base64 data at input byte {bad}")
    return len(value)


def _bad_base64_at(text: str) -> int | None:
    data = text.replace("\r", "").replace("\n", "")
    body = data.rstrip("=")
    pad = len(data) - len(body)
    for i, ch in enumerate(body):
        if not _B64.match(ch):
            return i
    if pad > 2 or len(data) % 4:
        return len(data) - (len(data) % 4 or 4) if len(data) % 4 else len(body)
    return None
