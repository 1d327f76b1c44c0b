"""JSON Pointers (RFC 6901) and the value a path leads to in a document."""

from __future__ import annotations

from typing import Any

Path = tuple  # a path of object keys from a container's top level


def pointer(path: Path) -> str:
    """RFC 6901 JSON pointer of a path of keys."""
    return "".join("/" + key.replace("~", "~0").replace("/", "~1") for key in path)


def split_pointer(text: str) -> Path:
    """The reference tokens of an RFC 6901 JSON pointer ("" is the whole document); ValueError when malformed."""
    if text == "":
        return ()
    if not text.startswith("/"):
        raise ValueError("a JSON pointer is empty or starts with '/'")
    parts = text[1:].split("/")
    for part in parts:
        if "~" in part.replace("~0", "").replace("~1", ""):
            raise ValueError("'~' must be written ~0 and '/' ~1 inside a key")
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in parts)


NOTHING = object()


def value_at(obj: Any, path: Path) -> Any:
    """The value at a path of keys, or NOTHING."""
    for key in path:
        if type(obj) is not dict or key not in obj:
            return NOTHING
        obj = obj[key]
    return obj


def missing(value: Any) -> bool:
    return value is NOTHING
