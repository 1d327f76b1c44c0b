"""Putting a tree back together: each container from its layers, then the whole monolith."""

from __future__ import annotations

from typing import Any

from splitter.errors import BadInput
from splitter.exact.pointer import missing, value_at
from splitter.exact.write import dumps
from splitter.merging.merge import apply
from splitter.merging.order import order_tree, reorder
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
        self.exceptions = {ctid: order_tree(orders) for ctid, orders in layout.exceptions.items()}
        self._inherited: dict[tuple, dict] = {}

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
        merged = reorder(apply(self.inherited(tuple(own.profiles)), own), self.order)
        exceptions = self.exceptions.get(ctid)
        return reorder(merged, exceptions, indexed=True) if exceptions else merged


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
    assembler = Assembler(tree.base, tree.profiles, tree.layout)
    for own in tree.containers.values():
        stale_unset(assembler, own, tree.where)
    known = known or {}
    containers = {ctid: known[ctid] if ctid in known else assembler.container(ctid, own)
                  for ctid, own in tree.containers.items()}
    globals_ = reorder(tree.globals, order_tree(tree.layout.globals_order))
    if tree.layout.globals_exceptions:
        globals_ = reorder(globals_, order_tree(tree.layout.globals_exceptions), indexed=True)
    files = {ctid: tree.where(own.file) for ctid, own in tree.containers.items()}
    try:
        return tree.collection.put_back(globals_, tree.layout.top_level, containers, files)
    except BadInput as error:
        if error.file == tree.collection.globals_file:
            error.file = tree.where(error.file)
        raise


def monolith_bytes(tree: Tree, known: dict | None = None) -> bytes:
    return dumps(assemble(tree, known), tree.layout.style)
