"""How layers combine into a container: objects merge key by key, anything else replaces whole."""

from __future__ import annotations

from typing import Any, Iterable

from .layers import Layer, Path

_MISSING = object()


def overlay(lower: dict, upper: dict) -> dict:
    """`upper` on top of `lower`, recursively for objects on both sides.

    Neither input is changed and untouched sub-objects are shared, not copied:
    merged results are read, never mutated.
    """
    result = dict(lower)
    for key, value in upper.items():
        below = result.get(key, _MISSING)
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


OrderNode = tuple  # (rank of each key or None, {key: OrderNode}, {key sequence: sorted keys})


def order_tree(orders: dict[Path, list]) -> OrderNode:
    """Compile key orders by path into a tree that `reorder` walks."""
    root: list = [None, {}]
    for path, keys in orders.items():
        node = root
        for key in path:
            node = node[1].setdefault(key, [None, {}])
        node[0] = {key: rank for rank, key in enumerate(keys)}
    return _freeze(root)


def _freeze(node: list) -> OrderNode:
    return node[0], {key: _freeze(child) for key, child in node[1].items()}, {}


def reorder(obj: dict, node: OrderNode) -> dict:
    """Put the keys of `obj` (and of the objects below it that `node` names) in their remembered order.

    Keys the order does not know keep their merged order after the known ones.
    """
    rank, children, cache = node
    owned = rank is not None  # obj may be shared with other containers until we copy it
    if owned:
        keys = tuple(obj)
        order = cache.get(keys, keys)
        if order is keys:  # most containers share their key sequences: sort each one once
            last = len(rank)
            order = sorted(keys, key=lambda key: rank.get(key, last))
            order = cache[keys] = None if order == list(keys) else order  # None: already in order
        if order is None:
            owned = False
        else:
            obj = {key: obj[key] for key in order}
    for key, child in children.items():
        sub = obj.get(key)
        if type(sub) is dict:
            new = reorder(sub, child)
            if new is not sub:
                if not owned:
                    obj, owned = dict(obj), True
                obj[key] = new
    return obj


def value_at(obj: Any, path: Path) -> Any:
    """The value at a path of keys, or _MISSING."""
    for key in path:
        if type(obj) is not dict or key not in obj:
            return _MISSING
        obj = obj[key]
    return obj


def missing(value: Any) -> bool:
    return value is _MISSING
