"""How layers combine into a container: objects merge key by key, anything else replaces whole."""

from __future__ import annotations

from typing import Iterable

from splitter.exact.pointer import NOTHING, Path
from splitter.tree.layers import Layer


def overlay(lower: dict, upper: dict) -> dict:
    """`upper` on top of `lower`, recursively for objects on both sides.

    Neither input is changed and untouched sub-objects are shared, not copied:
    merged results are read, never mutated.
    """
    result = dict(lower)
    for key, value in upper.items():
        below = result.get(key, NOTHING)
        if type(value) is dict and type(below) is dict:
            result[key] = overlay(below, value)
        else:
            result[key] = value
    return result


def remove(obj: dict, path: Path) -> dict:
    """`obj` without the key at `path`; unchanged when nothing is there (a stale marker)."""
    key = path[0]
    if key not in obj:
        return obj
    result = dict(obj)
    if len(path) == 1:
        del result[key]
        return result
    child = result[key]
    if type(child) is not dict:
        return obj
    result[key] = remove(child, path[1:])
    return result


def apply(merged: dict, layer: Layer) -> dict:
    """One layer on top of what the layers below gave: its deletions first, then its values."""
    for path in layer.unsets:
        merged = remove(merged, path)
    return overlay(merged, layer.values) if layer.values else merged


def merge(layers: Iterable[Layer]) -> dict:
    merged: dict = {}
    for layer in layers:
        merged = apply(merged, layer)
    return merged
