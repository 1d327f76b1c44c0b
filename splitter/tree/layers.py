"""The layer files of a conf.d tree: their reserved keys, the escaping of real keys, JSON pointers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from splitter.errors import BadInput
from splitter.exact.pointer import Path, pointer, split_pointer

PROFILES = "$profiles"  # container files only: the profiles applied before the container's own values
UNSET = "$unset"  # container files only: JSON pointers of inherited keys the container does not have
RESERVED = (PROFILES, UNSET)


@dataclass
class Layer:
    """One file's contribution to a container: its values, and for container files their directives."""

    file: str  # path relative to the tree root, for messages
    values: dict
    profiles: list[str] = field(default_factory=list)
    unsets: list[Path] = field(default_factory=list)


def escape_key(key: str) -> str:
    # A real top-level key starting with "$" gets one more "$", so "$profiles"
    # written by a person stays a value and "$$profiles" means the real key "$profiles".
    return "$" + key if key.startswith("$") else key


def unescape_key(key: str) -> str:
    return key[1:] if key.startswith("$$") else key


def unset_deletes_nothing(path: Path) -> str:
    """The message for a `$unset` pointer (a path of keys) that no lower layer sets: merge, verify and check say it
    alike."""
    return f"$unset {pointer(path)} deletes nothing: no base or profile of this container sets it"


def parse_pointer(text: Any, file: str) -> Path:
    if not isinstance(text, str) or not text.startswith("/"):
        raise BadInput(f"{UNSET} holds {text!r}: each entry must be a JSON pointer such as \"/firewall/rules\"", file)
    try:
        return split_pointer(text)
    except ValueError as error:
        raise BadInput(f"{UNSET} holds {text!r}: {error}", file) from None


def encode(layer: Layer, container: bool) -> dict:
    """The JSON object written for a layer."""
    doc: dict = {}
    if container:
        if layer.profiles:
            doc[PROFILES] = list(layer.profiles)
        if layer.unsets:
            doc[UNSET] = [pointer(path) for path in layer.unsets]
    for key, value in layer.values.items():
        doc[escape_key(key)] = value
    return doc


def decode(doc: Any, file: str, container: bool) -> Layer:
    """Read a layer from the object in its file, checking its directives."""
    if type(doc) is not dict:
        raise BadInput("a layer file must hold a JSON object", file)
    # the common cases, kept cheap (a tree has thousands of files): no key holds a "$" at all, or a container's
    # only such key is $profiles, a list of distinct names ("".join refuses anything but strings)
    if "$" not in "".join(doc):
        return Layer(file, doc)
    names = doc.get(PROFILES) if container else None
    if type(names) is list:
        values = dict(doc)
        del values[PROFILES]
        try:
            if "$" not in "".join(values) and "".join(names) is not None and len(set(names)) == len(names):
                return Layer(file, values, names)
        except TypeError:
            pass
    layer = Layer(file, {})
    for key, value in doc.items():
        if key.startswith("$") and not key.startswith("$$"):
            if key not in RESERVED:
                raise BadInput(f"unknown directive \"{key}\"; a real key starting with \"$\" is written \"${key}\"",
                               file)
            if not container:
                raise BadInput(f"\"{key}\" belongs in container files under lxc/, not in defaults", file)
            if key == PROFILES:
                if type(value) is not list or any(type(name) is not str for name in value):
                    raise BadInput(f"{PROFILES} must be a list of profile names", file)
                if len(set(value)) != len(value):
                    raise BadInput(f"{PROFILES} names a profile twice", file)
                layer.profiles = value
            else:
                if type(value) is not list:
                    raise BadInput(f"{UNSET} must be a list of JSON pointers", file)
                layer.unsets = [parse_pointer(text, file) for text in value]
                if len(set(layer.unsets)) != len(layer.unsets):  # as with $profiles: a copy-paste slip, not a wish
                    twice = next(path for index, path in enumerate(layer.unsets) if path in layer.unsets[:index])
                    raise BadInput(f"{UNSET} lists {pointer(twice)} twice", file)
        else:
            layer.values[unescape_key(key)] = value
    for path in layer.unsets:
        if _sets(layer.values, path):
            raise BadInput(f"{pointer(path)} is both removed by {UNSET} and given a value", file)
    return layer


def _sets(values: dict, path: Path) -> bool:
    """Whether the layer's values give the exact path a value (unset first, then values, would be a no-op)."""
    node: Any = values
    for key in path:
        if type(node) is not dict or key not in node:
            return False
        node = node[key]
    return type(node) is not dict
