"""Putting a tree back together: each container from its layers, then the whole monolith."""

from __future__ import annotations

from typing import Any

from splitter.errors import BadInput
from splitter.exact.pointer import missing, value_at
from splitter.exact.heap import gc_paused
from splitter.exact.numbers import canonical
from splitter.exact.write import dumps
from splitter.merging.merge import apply, overlay
from splitter.merging.order import OrderNode, key_order, order_tree, reorder, reorder_below
from splitter.tree.layers import Layer, unset_deletes_nothing
from splitter.tree.layout import Layout
from splitter.tree.read import Tree

CONTAINERS_KEY = "lxc_configs"  # the key of the default collection (collection.DEFAULT_POINTER)


class Assembler:
    """Merges containers, reusing the merge of base and profiles that containers share."""

    def __init__(self, base: Layer, profiles: dict[str, Layer], layout: Layout):
        self.base = base
        self.profiles = profiles
        self.order = order_tree(layout.key_order)
        compiled: dict[tuple, OrderNode] = {}  # containers with the same exceptions share one tree and its caches
        self.exceptions = {}
        for ctid, orders in layout.exceptions.items():
            same = tuple((path, tuple(keys)) for path, keys in orders.items())
            node = compiled.get(same)
            if node is None:
                node = compiled[same] = order_tree(orders)
            self.exceptions[ctid] = node
        self._inherited: dict[tuple, dict] = {}
        self._plans: dict[tuple, tuple] = {}

    def inherited(self, names: tuple) -> dict:
        """What base and the named profiles give, in order (the profiles exist: read_tree checks them)."""
        merged = self._inherited.get(names)
        if merged is None:
            merged = apply({}, self.base)
            for name in names:
                merged = apply(merged, self.profiles[name])
            self._inherited[names] = merged
        return merged

    def container(self, ctid: str, own: Layer) -> dict:
        """The merged config of a container, its keys in their remembered order: reorder(apply(inherited, own)).

        Without `$unset`, what that gives depends only on the profiles and own keys for the order: each such
        pair is planned once, as a dict of the inherited values in the final key order with every own key in
        its place, which a copy and an update (dicts keep a key's place) turn into the container's config.
        """
        names = tuple(own.profiles)
        if own.unsets:
            merged = reorder(apply(self.inherited(names), own), self.order)
        else:
            values = own.values
            plan = self._plans.get((names, *values))
            if plan is None:
                plan = self._plans[(names, *values)] = self._plan(names, values)
            template, nested, below = plan
            merged = dict(template)
            merged.update(values)
            for key in nested:
                if type(values[key]) is dict:
                    merged[key] = overlay(template[key], values[key])
            merged = reorder_below(merged, below, False, True)
        exceptions = self.exceptions.get(ctid)
        return reorder(merged, exceptions, indexed=True) if exceptions else merged


    def _plan(self, names: tuple, values: dict) -> tuple:
        """(template, own keys to merge key by key where both sides are objects, the order tree's children
        present) for containers with these profiles and own keys."""
        inherited = self.inherited(names)
        keys = [*inherited, *(key for key in values if key not in inherited)]  # overlay's order
        template = {key: inherited.get(key) for key in key_order(self.order, keys)}
        nested = [key for key in values if type(inherited.get(key)) is dict]
        below = [(key, child) for key, child in self.order[1].items() if key in template]
        return template, nested, below


def stale_unset(assembler: Assembler, own: Layer, where=str) -> None:
    """Raise BadInput for the first `$unset` pointer of a container file that deletes nothing.

    Such a pointer is a typo or a leftover: merging would silently keep the key it was meant to delete.
    `where(relative)` writes the file as the user reaches it (Tree.where), for the message.
    """
    if not own.unsets:
        return
    inherited = assembler.inherited(tuple(own.profiles))
    for path in own.unsets:
        if missing(value_at(inherited, path)):
            raise BadInput(unset_deletes_nothing(path), where(own.file))


def assemble(tree: Tree, known: dict | None = None) -> Any:
    """The monolith document a tree stands for (an object, or a list for the collection ""); `known` gives
    containers whose merge is known already (ctid -> merged config: update's containers it kept whole)."""
    with gc_paused():
        return _assemble(tree, known)


def _assemble(tree: Tree, known: dict | None) -> Any:
    assembler = Assembler(tree.base, tree.profiles, tree.layout)
    for own in tree.containers.values():
        stale_unset(assembler, own, tree.where)
    known = known or {}
    containers = {ctid: known[ctid] if ctid in known else assembler.container(ctid, own)
                  for ctid, own in tree.containers.items()}
    globals_ = reorder(tree.globals, order_tree(tree.layout.globals_order))
    if tree.layout.globals_exceptions:
        globals_ = reorder(globals_, order_tree(tree.layout.globals_exceptions), indexed=True)
    try:
        return tree.collection.put_back(globals_, tree.layout.top_level, containers, _Files(tree))
    except BadInput as error:
        if error.file == tree.collection.globals_file:
            error.file = tree.where(error.file)
        raise


class _Files:
    """Each container's file as the user reaches it (put_back's `files`), worked out only for a message."""

    def __init__(self, tree: Tree):
        self.tree = tree

    def get(self, ctid: str, default: str) -> str:
        own = self.tree.containers.get(ctid)
        return default if own is None else self.tree.where(own.file)


def monolith_bytes(tree: Tree, known: dict | None = None) -> bytes:
    return dumps(assemble(tree, known), tree.layout.style, None if known else spaced(tree))


def spaced(tree: Tree) -> bool:
    """Whether a string or key of the tree's merged monolith may hold two spaces in a row (write.dumps's
    `spaced`): every string and key of it comes from the layers, the top-level keys or the ids, whose
    compact writing is a fifth of the monolith's."""
    layers = [tree.globals, tree.base.values, tree.layout.top_level, list(tree.containers),
              *(layer.values for layer in tree.profiles.values()), *(own.values for own in tree.containers.values())]
    return b"  " in canonical(layers)
