"""The leaf-level three-way merge of exact JSON (the diff3 rule), entries matched by id."""

from __future__ import annotations

from typing import Any

from splitter.exact.numbers import canonical
from splitter.merging.threeway_json import equal, same_number
from splitter.ops.changes import MISSING, Conflict, ValueChange, same
from splitter.tree.collection import LXC, Collection
from splitter.tree.monolith import Monolith
from splitter.tree.read import Tree


def three_way(base: Any, tree: Any, monolith: Any, collection: Collection = LXC,
              ) -> tuple[Any, list[Conflict], list[ValueChange]]:
    """Merge two edited documents with their common ancestor, leaf by leaf.

    The collection's entries are matched by id (a list collection's too), the rest of
    the document by key. Objects merge key by key; anything else (scalars, lists) is a
    leaf. Where only one side changed a value since the base, its change wins (a number only
    respelled, `0.50` -> `0.5`, counts as unchanged); where
    both changed it to different values, the result keeps the tree's and a Conflict is
    listed. This is the rule of diff3 and `git merge-file`, applied to JSON leaves
    instead of lines. Returns (merged document in the monolith's key order, conflicts,
    the tree's edits kept).
    """
    conflicts: list[Conflict] = []
    kept: list[ValueChange] = []
    sides, orders = [], []
    for doc in (base, tree, monolith):
        outside, order = collection.outside(doc)
        sides.append({_OUTSIDE: outside, _ENTRIES: collection.entries(doc, "")})
        orders.append(order)
    merged = _merge3(*sides, (), conflicts, kept)
    for item in [*conflicts, *kept]:
        item.at = collection.tokens
    # where the collection stands among its siblings: the side that moved it wins, the monolith on a tie
    order = orders[1] if orders[2] == orders[0] else orders[2]
    return collection.put_back(merged[_OUTSIDE], order, merged[_ENTRIES], {}), conflicts, kept


_OUTSIDE, _ENTRIES = "outside", "entries"  # the two parts of a document in a three-way merge


def _split_path(path: tuple) -> tuple[str | None, tuple]:
    if len(path) >= 2 and path[0] == _ENTRIES:
        return path[1], path[2:]
    return None, path[1:]


def _merge3(base: Any, ours: Any, theirs: Any, path: tuple, conflicts: list, kept: list) -> Any:
    # `same` sets key order aside; a side that only reordered keys changed the order, which is kept as values are:
    # the side that changed it wins, the monolith (theirs) where both did or neither
    objects = type(ours) is dict and type(theirs) is dict
    if same(ours, theirs):
        return ours if objects and equal(theirs, base) and not equal(ours, base) else theirs
    if same(ours, base) and not (objects and _reordered(ours, base)):
        return theirs
    if same(theirs, base) and not (objects and _reordered(theirs, base)):
        _edits(base, ours, path, kept)
        return ours
    if objects:
        below = base if type(base) is dict else {}
        lead, other = (ours, theirs) if _reordered(ours, below) and not _reordered(theirs, below) else (theirs, ours)
        result = {}
        for key in [*lead, *(key for key in other if key not in lead)]:
            value = _merge3(below.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING),
                            path + (key,), conflicts, kept)
            if value is not MISSING:
                result[key] = value
        return result
    if same_number(ours, base):  # only respelled (0.50 -> 0.5) on one side: the other side's change stands
        return theirs
    if same_number(theirs, base):
        _edits(base, ours, path, kept)
        return ours
    conflicts.append(Conflict(*_split_path(path), base, ours, theirs))
    return ours


def _reordered(side: Any, base: Any) -> bool:
    """Whether an object holds the keys it shares with base, at any depth, in another order than base."""
    if type(side) is not dict or type(base) is not dict:
        return False
    if [key for key in side if key in base] != [key for key in base if key in side]:
        return True
    return any(_reordered(value, base[key]) for key, value in side.items() if key in base)


def _edits(base: Any, ours: Any, path: tuple, kept: list) -> None:
    """The leaves where ours differs from base, for the report of the tree's own edits."""
    if type(base) is dict and type(ours) is dict:
        for key in dict.fromkeys([*base, *ours]):
            before, after = base.get(key, MISSING), ours.get(key, MISSING)
            if not same(before, after):
                _edits(before, after, path + (key,), kept)
    else:
        kept.append(ValueChange(*_split_path(path), base, ours))


def name_tree_files(conflicts: list[Conflict], tree: Tree) -> None:
    """Fill each conflict's `file`, the tree file that gives the tree's value (explain.giver: the highest layer
    that sets or removes it; the entry's own file where none does, the tree having dropped the value), and
    `own`, the entry's own file; both are the globals file for a top-level value, None for an entry the tree
    does not hold. Paths are relative to the tree's folder."""
    from splitter.ops.explain import giver

    for conflict in conflicts:
        if conflict.container is None:
            conflict.file = conflict.own = tree.collection.globals_file
        elif conflict.container in tree.containers:
            layers = tree.layers_of(conflict.container)
            conflict.own = layers[-1].file
            conflict.file = giver(layers, tuple(conflict.path)).file


def merged_target(mono: Monolith, doc: dict) -> Monolith:
    """The document a --base update aims at, written in the monolith's style."""
    if canonical(doc) == canonical(mono.doc):
        return mono
    return Monolith(mono.file, None, doc, mono.style, True,
                    mono.collection.entries(doc, mono.file), mono.collection)
