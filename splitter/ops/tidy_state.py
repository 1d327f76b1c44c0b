"""Tidy's working copy of a tree: layers replaced (never changed in place), and the proof that merges stay the same."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from splitter.discovery.itemsets import items
from splitter.exact.numbers import canonical, canonical_sorted
from splitter.exact.pointer import NOTHING, Path
from splitter.errors import BadInput
from splitter.merging.assemble import Assembler, stale_unset
from splitter.merging.merge import remove
from splitter.ops.split import layer_bytes
from splitter.tree.layers import Layer
from splitter.tree.layout import order_exceptions
from splitter.tree.read import Tree


def get(values: dict, path: Path):
    """The value at a path of keys, or NOTHING (pointer.value_at)."""
    for key in path:
        if type(values) is not dict or key not in values:
            return NOTHING
        values = values[key]
    return values


def blocked(values: dict, path: Path) -> bool:
    """Whether a layer sets anything at, under or above (a non-object) the path: a value it would shadow or be
    shadowed by."""
    node = values
    for key in path:
        if type(node) is not dict:
            return True
        if key not in node:
            return False
        node = node[key]
    return True


def put(values: dict, path: Path, value) -> dict:
    """A copy of `values` with the leaf at path set (objects on the way created or copied, the rest shared)."""
    result = dict(values)
    if len(path) == 1:
        result[path[0]] = value
        return result
    child = result.get(path[0])
    result[path[0]] = put(child if type(child) is dict else {}, path[1:], value)
    return result


def drop(values: dict, path: Path) -> dict:
    """A copy of `values` without the leaf at path; objects left empty by the removal go too."""
    if len(path) == 1:
        result = dict(values)
        result.pop(path[0], None)
        return result
    child = values.get(path[0])
    if type(child) is not dict:
        return values
    result = dict(values)
    rest = drop(child, path[1:])
    if rest:
        result[path[0]] = rest
    else:
        del result[path[0]]
    return result


def _leaves(layer: Layer, _) -> dict:
    return {path: canonical(value) for path, value in items(layer.values)}


def touches_unset(layer: Layer, path: Path) -> bool:
    """Whether one of the layer's `$unset` pointers is at, above or below the path."""
    return any(unset[:len(path)] == path[:len(unset)] for unset in layer.unsets)


class State:
    """The tree as tidy changes it: base, profiles and entries as Layer objects, replaced whole on each change,
    and the merged entries it must keep giving (ctid -> merged config, as merge gives them)."""

    def __init__(self, tree: Tree):
        self.tree = tree
        self.base = tree.base
        self.profiles = dict(tree.profiles)
        self.own = dict(tree.containers)
        self.exceptions = {ctid: dict(orders) for ctid, orders in tree.layout.exceptions.items()}
        self._assembler: Assembler | None = None
        # kind -> {id of a layer: (the layer, what else it was found from, what was found)}
        self._memo: dict[str, dict[int, tuple]] = {}
        self._placed: list[Layer] = []  # the layers set since the last snapshot
        self._members: dict[str, list[str]] | None = None  # profile -> the entries that use it, in tree order
        self._original = Assembler(tree.base, tree.profiles, tree.layout)
        self.merged: dict[str, dict] = {}  # the merge each entry gave at the start, as far as it was needed
        self.version = 0  # names the layers and key orders as they stand: changed by set, put back by restore
        self._versions = 0

    def before(self, ctid: str) -> dict:
        """The merge an entry gave at the start (merged on first use: a tidy tree needs none)."""
        merged = self.merged.get(ctid)
        if merged is None:
            merged = self.merged[ctid] = self._original.container(ctid, self.tree.containers[ctid])
        return merged

    def snapshot(self) -> tuple:
        self._placed = []
        return (self.base, dict(self.profiles), dict(self.own), {k: dict(v) for k, v in self.exceptions.items()},
                self.version)

    def restore(self, saved: tuple) -> None:
        self.base, self.profiles, self.own, self.exceptions = saved[0], dict(saved[1]), dict(saved[2]), saved[3]
        self.version = saved[4]  # the very layers of the snapshot: the same state, so the same name
        self._assembler = self._members = None
        for found in self._memo.values():  # undone: what was found of its layers is of no more use
            for layer in self._placed:
                found.pop(id(layer), None)
        self._placed = []

    def _changed(self) -> None:
        self._versions += 1
        self.version = self._versions

    def assembler(self) -> Assembler:
        if self._assembler is None:
            layout = replace(self.tree.layout, exceptions=self.exceptions)
            self._assembler = Assembler(self.base, self.profiles, layout)
        return self._assembler

    def inherited(self, names) -> dict:
        return self.assembler().inherited(tuple(names))

    def below(self, own: Layer) -> dict:
        """What an entry's base and profiles give, less its `$unset`s: what its own values lie on."""
        merged = self.inherited(own.profiles)
        for path in own.unsets:
            merged = remove(merged, path)
        return merged

    def memo(self, kind: str, layer: Layer, other: Any, find: Callable[[Layer, Any], Any]) -> Any:
        """find(layer, other), found once while the same layer and `other` (an inherited dict, the base: what
        else it reads) stand. Layers and inherited dicts are replaced, never changed in place, so their identity
        names their content: a round's finders ask again of the thousands of entries a round left as they were,
        and a second round of the few it changed. The memo holds the layer, so no other object takes its id."""
        found = self._memo.get(kind)
        if found is None:
            found = self._memo[kind] = {}
        hit = found.get(id(layer))
        if hit is None or hit[1] is not other:
            hit = found[id(layer)] = (layer, other, find(layer, other))
        return hit[2]

    def leaves(self, layer: Layer) -> dict:
        """{path: canonical bytes} of a layer's leaves (items: paths stop at scalars, lists and {})."""
        return self.memo("leaves", layer, None, _leaves)

    def leaf(self, layer: Layer, path: Path) -> bytes | None:
        """The canonical bytes of the layer's leaf at path, or None where it sets no leaf there."""
        value = get(layer.values, path)
        if value is NOTHING or (type(value) is dict and value):
            return None
        return canonical(value)

    def members(self, name: str) -> list[str]:
        """The entries that use a profile, in the tree's order (one pass over the entries while they stand)."""
        if self._members is None:
            self._members = {}
            for ctid, own in self.own.items():
                for used in own.profiles:
                    self._members.setdefault(used, []).append(ctid)
        return list(self._members.get(name, ()))

    def set(self, slot: tuple, layer: Layer | None) -> None:
        """Replace one layer: ("base",), ("profile", name) (None removes it) or ("entry", ctid)."""
        self._changed()
        self._placed.append(layer)
        if slot[0] == "entry":
            before = self.own.get(slot[1])
            if layer is None or before is None or layer.profiles != before.profiles:
                self._members = None
            self.own[slot[1]] = layer
            return
        if slot[0] == "base":
            self.base = layer
        elif layer is None:
            del self.profiles[slot[1]]
        else:
            self.profiles[slot[1]] = layer
        self._assembler = None

    def layer(self, slot: tuple) -> Layer | None:
        if slot[0] == "entry":
            return self.own[slot[1]]
        return self.base if slot[0] == "base" else self.profiles.get(slot[1])

    def lines(self, slot: tuple) -> int:
        layer = self.layer(slot)
        return 0 if layer is None else self.bytes(layer, container=slot[0] == "entry").count(b"\n")

    def bytes(self, layer: Layer, container: bool) -> bytes:
        """The layer's file as split writes it (split.layer_bytes), written once per layer: counted before and
        after a move, and written out at the end."""
        return self.memo("entry file" if container else "file", layer, container, layer_bytes)

    def failing(self, ctids) -> list[str]:
        """The entries whose merge differs from the one they gave at the start. An entry that gives the same
        values in another key order gets its order recorded (layout.json's per-entry exceptions) and passes; one
        whose `$unset` would delete nothing fails, as merge would refuse it."""
        bad = []
        for ctid in ctids:
            try:
                stale_unset(self.assembler(), self.own[ctid])  # merge would refuse it: a `$unset` that deletes nothing
            except BadInput:
                bad.append(ctid)
                continue
            before = self.before(ctid)
            after = self.assembler().container(ctid, self.own[ctid])
            if canonical(after) == canonical(before):
                continue
            if canonical_sorted(after) != canonical_sorted(before):
                bad.append(ctid)
                continue
            self.exceptions[ctid] = {**self.exceptions.get(ctid, {}), **order_exceptions(before, after)}
            self._assembler = None
            self._changed()
            if canonical(self.assembler().container(ctid, self.own[ctid])) != canonical(before):
                bad.append(ctid)
        return bad
