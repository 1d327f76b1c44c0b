"""Restoring key order: the recorded orders compiled into a tree that reorders a merged document."""

from __future__ import annotations

from typing import Any

from splitter.exact.pointer import Path
from splitter.tree.layout import EVERY_ITEM

OrderNode = tuple  # (rank or None, {token: OrderNode}, {key sequence: sorted keys}, {id: (value, reordered)})


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
            order = key_order(node, keys)
            order = cache[keys] = None if order == list(keys) else order  # None: already in order
        if order is None:
            owned = False
        else:
            obj = {key: obj[key] for key in order}
    return reorder_below(obj, children.items(), indexed, owned)


def key_order(node: OrderNode, keys) -> list:
    """The keys of an object at `node` in their remembered order: the known ones by rank, then the others as they
    come (reorder's rule)."""
    rank = node[0]
    if rank is None:
        return list(keys)
    last = len(rank)
    return sorted(keys, key=lambda key: rank.get(key, last))


def reorder_below(obj: dict, children, indexed: bool, owned: bool) -> dict:
    """The objects below `obj` that (key, OrderNode) pairs `children` name, reordered; `obj` is changed in place
    only when `owned` (else copied on the first change)."""
    for key, child in children:
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
