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


OrderNode = tuple  # (rank or None, {token: OrderNode}, {key sequence: sorted keys}, {id: (value, reordered)})

# In a key-order pattern, this token stands for every item of a list (RFC 6901 has no wildcard; an
# object key "*" reads the same, and which one is meant is decided by the value met there).
EVERY_ITEM = "*"


def order_tree(orders: dict[Path, list]) -> OrderNode:
    """Compile key orders by path (keys, and list items as EVERY_ITEM or an index) into a tree `reorder` walks."""
    root: list = [None, {}]
    for path, keys in orders.items():
        node = root
        for key in path:
            node = node[1].setdefault(key, [None, {}])
        node[0] = {key: rank for rank, key in enumerate(keys)}
    return _freeze(root)


def _freeze(node: list) -> OrderNode:
    return node[0], {key: _freeze(child) for key, child in node[1].items()}, {}, {}


def reorder(obj: dict, node: OrderNode, indexed: bool = False) -> dict:
    """Put the keys of `obj` (and of the objects below it, in lists too, that `node` names) in their remembered order.

    Keys the order does not know keep their merged order after the known ones. With `indexed`,
    list items are named by their index (exceptions for one container); otherwise EVERY_ITEM
    names all items of a list (the orders all containers share).
    """
    rank, children, cache, _ = node
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
        new = _below(sub, child, indexed)
        if new is not sub:
            if not owned:
                obj, owned = dict(obj), True
            obj[key] = new
    return obj


def _below(value: Any, node: OrderNode, indexed: bool) -> Any:
    kind = type(value)
    if kind is dict:
        if not node[1]:
            if node[2].get(tuple(value), 0) is None:
                return value  # a known key sequence, already in order, nothing below
            return reorder(value, node, indexed)
        # an object with orders below (firewall, with its rules) is most often one a profile gives to many
        # containers: reorder each such object once (the entry keeps it alive, so its id stays its own)
        seen = node[3].get(id(value))
        if seen is not None and seen[0] is value:
            return seen[1]
        new = reorder(value, node, indexed)
        node[3][id(value)] = (value, new)
        return new
    if kind is list and node[1]:
        return _reorder_items(value, node, indexed)
    return value


def _reorder_items(items: list, node: OrderNode, indexed: bool) -> list:
    children = node[1]
    if indexed:
        targets = [(int(token), child) for token, child in children.items()
                   if token.isdigit() and token == str(int(token)) and int(token) < len(items)]
    else:
        child = children.get(EVERY_ITEM)
        targets = [(index, child) for index in range(len(items))] if child else []
    result = items
    for index, child in targets:
        item = items[index]
        new = _below(item, child, indexed)
        if new is not item:
            if result is items:
                result = list(items)
            result[index] = new
    return result


def value_at(obj: Any, path: Path) -> Any:
    """The value at a path of keys, or _MISSING."""
    for key in path:
        if type(obj) is not dict or key not in obj:
            return _MISSING
        obj = obj[key]
    return obj


def missing(value: Any) -> bool:
    return value is _MISSING
