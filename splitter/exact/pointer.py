"""JSON Pointers (RFC 6901) and the value a path leads to in a document."""

from __future__ import annotations

from typing import Any, Callable, Iterator

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


def differing_paths(first: Any, second: Any, same: Callable[[Any, Any], bool], path: Path = ()) -> Iterator[Path]:
    """The key paths where two values that differ do so, by `same` (a rule of equality: exact, or key order and
    number spelling aside): each down to a value that is not an object on both sides, or to a key one side
    lacks; `path` itself where either value is no object."""
    if type(first) is not dict or type(second) is not dict:
        yield path
        return
    for key in dict.fromkeys([*first, *second]):
        if key not in first or key not in second:
            yield path + (key,)
        elif not same(first[key], second[key]):
            yield from differing_paths(first[key], second[key], same, path + (key,))
