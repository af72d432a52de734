"""Turn any supported request body into a small, uniform view for the classifier.

Handles the seed's `{"prompt", "task_type"}`, Ollama `/api/generate` and `/api/chat`,
OpenAI `/v1/chat/completions` and `/v1/completions`. Never raises: unknown shapes and
odd types become empty text, so the classifier can fall back to `general`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Scanning cost must stay bounded for megabyte prompts: the head carries the request,
# the tail often carries the actual question after pasted material.
HEAD_CHARS = 6000
TAIL_CHARS = 1500
MAX_HISTORY_TURNS = 6  # older turns rarely decide the topic of a follow-up

_IMAGE_PART_TYPES = frozenset({"image_url", "image", "input_image"})


@dataclass(frozen=True, slots=True)
class RequestView:
    """What the classifier looks at, already clipped to a bounded size."""

    current: str = ""  # the latest user turn (or the whole prompt)
    current_len: int = 0  # unclipped length of the latest user turn, for complexity
    history: tuple[str, ...] = ()  # earlier user/assistant turns, oldest first
    system: str = ""
    images: int = 0
    tools: tuple[str, ...] = ()  # declared tool names
    tool_calls: bool = False  # the conversation already contains tool calls
    suffix: bool = False  # fill-in-the-middle request (a code-completion signal)
    task_type: str | None = None
    known_shape: bool = False  # False when nothing recognisable was found


def clip(text: str) -> str:
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _content_parts(content: Any) -> tuple[str, int]:
    """Text and image count of a message `content` (a string or a list of parts)."""
    if isinstance(content, str):
        return content, 0
    if not isinstance(content, Sequence) or isinstance(content, bytes | bytearray):
        return "", 0
    texts: list[str] = []
    images = 0
    for part in content[:64]:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, Mapping):
            kind = part.get("type")
            if kind in _IMAGE_PART_TYPES or "image_url" in part:
                images += 1
            else:
                texts.append(_as_text(part.get("text")))
    return "\n".join(t for t in texts if t), images


def _count_images(value: Any) -> int:
    if isinstance(value, str):
        return 1 if value else 0
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return sum(1 for v in value if v)
    return 0


def _tool_names(tools: Any) -> tuple[str, ...]:
    if not isinstance(tools, Sequence) or isinstance(tools, str | bytes | bytearray):
        return ()
    names: list[str] = []
    for tool in tools[:32]:
        fn = tool.get("function") if isinstance(tool, Mapping) else None
        name = fn.get("name") if isinstance(fn, Mapping) else None
        names.append(name if isinstance(name, str) else "tool")
    return tuple(names)


def _prompt_text(prompt: Any) -> str:
    # /v1/completions also allows a list of prompts; join the strings among them.
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, Sequence) and not isinstance(prompt, bytes | bytearray):
        return "\n".join(p for p in prompt[:16] if isinstance(p, str))
    return ""


def extract_view(body: Any) -> RequestView:
    """Build a RequestView from a request body of any supported shape."""
    if not isinstance(body, Mapping):
        return RequestView()
    system_parts: list[str] = [_as_text(body.get("system"))]
    images = _count_images(body.get("images"))
    turns: list[str] = []  # user and assistant texts, oldest first
    current = ""
    tool_calls = False
    messages = body.get("messages")
    known = False
    if isinstance(messages, Sequence) and not isinstance(messages, str | bytes | bytearray):
        known = True
        last_user_at = -1
        for msg in messages:
            if not isinstance(msg, Mapping):
                continue
            role = msg.get("role")
            text, part_images = _content_parts(msg.get("content"))
            images += part_images + _count_images(msg.get("images"))
            if msg.get("tool_calls"):
                tool_calls = True
            if role in ("system", "developer"):
                system_parts.append(text)
            elif role in ("user", "assistant"):
                turns.append(text)
                if role == "user":
                    last_user_at = len(turns) - 1
        if last_user_at >= 0:
            current = turns[last_user_at]
            del turns[last_user_at:]  # replies after the last user turn add nothing
        elif turns:
            current = turns.pop()
    prompt = _prompt_text(body.get("prompt"))
    if prompt:
        known = True
        if current:  # a body with both: treat the prompt as the newest turn
            turns.append(current)
        current = prompt
    task_type = body.get("task_type")
    system = "\n".join(s for s in system_parts if s)
    return RequestView(
        current=clip(current),
        current_len=len(current),
        history=tuple(clip(t) for t in turns[-MAX_HISTORY_TURNS:] if t),
        system=clip(system),
        images=images,
        tools=_tool_names(body.get("tools")),
        tool_calls=tool_calls,
        suffix=bool(_as_text(body.get("suffix"))),
        task_type=task_type if isinstance(task_type, str) else None,
        known_shape=known or bool(system),
    )
