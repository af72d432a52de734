"""JSON the way Ollama's Go server writes and reads it.

Encoding: compact, `<`, `>`, `&`, U+2028 and U+2029 escaped (Go's `encoding/json`).
Decoding: gin's `ShouldBindJSON` semantics — an empty body is `missing request body`, syntax
errors carry Go's scanner message, trailing bytes after the first value are ignored (a
`json.Decoder` reads one value), and top-level field type errors look like Go's
`UnmarshalTypeError`.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_GO_ESCAPES = (
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"&", b"\\u0026"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)


def dumps(obj: Any) -> bytes:
    """Serialise like Go's json.Marshal (no trailing newline)."""
    data = orjson.dumps(obj)
    # These bytes can only occur inside JSON strings, so a byte replace is safe (UTF-8 is
    # self-synchronising, so the multi-byte patterns cannot match across characters).
    for raw, esc in _GO_ESCAPES:
        if raw in data:
            data = data.replace(raw, esc)
    return data


def go_quote(text: str) -> str:
    """Go's strconv.Quote / %q for the ASCII-ish strings we need in messages."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


class DecodeError(Exception):
    """A request body Go would refuse; `str(e)` is Go's message (HTTP 400)."""


# Go type names used in UnmarshalTypeError messages, per JSON kind we accept for a field.
FieldSpec = dict[str, tuple[set[str], str]]  # field -> (accepted json kinds, go type name)

_STR = ({"string"}, "string")
_BOOL = ({"bool"}, "bool")
_OBJ = ({"object"}, "map[string]interface {}")

SCHEMAS: dict[str, FieldSpec] = {
    "GenerateRequest": {
        "model": _STR,
        "prompt": _STR,
        "suffix": _STR,
        "system": _STR,
        "template": _STR,
        "stream": _BOOL,
        "raw": _BOOL,
        "options": _OBJ,
        "images": ({"array"}, "[]api.ImageData"),
        "context": ({"array"}, "[]int"),
    },
    "ChatRequest": {
        "model": _STR,
        "stream": _BOOL,
        "options": _OBJ,
        "messages": ({"array"}, "[]api.Message"),
        "tools": ({"array"}, "api.Tools"),
    },
    "EmbedRequest": {"model": _STR, "options": _OBJ},
    "EmbeddingRequest": {"model": _STR, "prompt": _STR, "options": _OBJ},
    "ShowRequest": {"model": _STR, "name": _STR, "verbose": _BOOL, "system": _STR},
    "PullRequest": {"model": _STR, "name": _STR, "stream": _BOOL, "insecure": _BOOL},
    "PushRequest": {"model": _STR, "name": _STR, "stream": _BOOL, "insecure": _BOOL},
    "CreateRequest": {
        "model": _STR,
        "name": _STR,
        "from": _STR,
        "stream": _BOOL,
        "files": ({"object"}, "map[string]string"),
        "quantize": _STR,
        "system": _STR,
        "template": _STR,
        "parameters": _OBJ,
    },
    "CopyRequest": {"source": _STR, "destination": _STR},
    "DeleteRequest": {"model": _STR, "name": _STR},
}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def decode_request(raw: bytes, struct: str) -> dict[str, Any]:
    """Decode a request body the way gin would for `api.<struct>`; raise DecodeError."""
    text = raw.decode("utf-8", errors="replace")
    if not text.strip(" \t\r\n"):
        raise DecodeError("missing request body")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        end = _Scanner(text).scan()  # raises DecodeError with Go's message
        value = json.JSONDecoder().raw_decode(text[:end].lstrip(" \t\r\n"))[0]
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DecodeError(
            f"json: cannot unmarshal {_kind(value)} into Go value of type api.{struct}"
        )
    for field, (kinds, go_type) in SCHEMAS.get(struct, {}).items():
        if field in value and value[field] is not None and _kind(value[field]) not in kinds:
            raise DecodeError(
                f"json: cannot unmarshal {_kind(value[field])} into Go struct field "
                f"{struct}.{field} of type {go_type}"
            )
    return value


def _quote_char(ch: str) -> str:
    if ch == "'":
        return "'\\''"
    if ch == '"':
        return "'\"'"
    return "'" + go_quote(ch)[1:-1] + "'"


class _Scanner:
    """Validates one JSON value with Go's error messages; returns where the value ends."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def fail(self, context: str) -> DecodeError:
        if self.i >= len(self.s):
            return DecodeError("unexpected EOF")
        return DecodeError(f"invalid character {_quote_char(self.s[self.i])} {context}")

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def scan(self) -> int:
        self.ws()
        self.value()
        return self.i

    def value(self) -> None:
        self.ws()
        ch = self.peek()
        if ch == "{":
            self.obj()
        elif ch == "[":
            self.arr()
        elif ch == '"':
            self.string()
        elif ch == "-" or ch.isdigit():
            self.number()
        elif ch in ("t", "f", "n"):
            self.literal({"t": "true", "f": "false", "n": "null"}[ch])
        else:
            raise self.fail("looking for beginning of value")

    def obj(self) -> None:
        self.i += 1
        self.ws()
        if self.peek() == "}":
            self.i += 1
            return
        while True:
            self.ws()
            if self.peek() != '"':
                raise self.fail("looking for beginning of object key string")
            self.string()
            self.ws()
            if self.peek() != ":":
                raise self.fail("after object key")
            self.i += 1
            self.value()
            self.ws()
            if self.peek() == ",":
                self.i += 1
                continue
            if self.peek() == "}":
                self.i += 1
                return
            raise self.fail("after object key:value pair")

    def arr(self) -> None:
        self.i += 1
        self.ws()
        if self.peek() == "]":
            self.i += 1
            return
        while True:
            self.value()
            self.ws()
            if self.peek() == ",":
                self.i += 1
                continue
            if self.peek() == "]":
                self.i += 1
                return
            raise self.fail("after array element")

    def string(self) -> None:
        self.i += 1
        while True:
            ch = self.peek()
            if ch == "":
                raise self.fail("")
            if ch == '"':
                self.i += 1
                return
            if ch == "\\":
                self.i += 1
                esc = self.peek()
                if esc == "u":
                    for _ in range(4):
                        self.i += 1
                        if self.peek() not in "0123456789abcdefABCDEF" or self.peek() == "":
                            raise self.fail("in \\u hexadecimal character escape")
                elif esc == "" or esc not in '"\\/bfnrt':
                    raise self.fail("in string escape code")
            elif ord(ch) < 0x20:
                raise self.fail("in string literal")
            self.i += 1

    def number(self) -> None:
        if self.peek() == "-":
            self.i += 1
            if not self.peek().isdigit():
                raise self.fail("in numeric literal")
        if self.peek() == "0":
            self.i += 1
        else:
            while self.peek().isdigit():
                self.i += 1
        if self.peek() == ".":
            self.i += 1
            if not self.peek().isdigit():
                raise self.fail("after decimal point in numeric literal")
            while self.peek().isdigit():
                self.i += 1
        if self.peek() in ("e", "E"):
            self.i += 1
            if self.peek() in ("+", "-"):
                self.i += 1
            if not self.peek().isdigit():
                raise self.fail("in exponent of numeric literal")
            while self.peek().isdigit():
                self.i += 1

    def literal(self, word: str) -> None:
        for expected in word:
            if self.peek() != expected:
                raise self.fail(f"in literal {word} (expecting {_quote_char(expected)})")
            self.i += 1
