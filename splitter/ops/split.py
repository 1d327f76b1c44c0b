"""From the monolith and a plan to the files of a tree, and the proof that they merge back."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from splitter.discovery.plan import Plan
from splitter.errors import BadInput, ProofFailed
from splitter.exact.numbers import EQUAL_BY_VALUE, canonical, same_canonical
from splitter.exact.parse import parse
from splitter.exact.style import TREE_STYLE
from splitter.exact.write import dumps
from splitter.merging.assemble import Assembler, assemble
from splitter.merging.order import order_tree, reorder
from splitter.tree.collection import LXC, Collection, from_layout, neighbours
from splitter.tree.guard import check_target
from splitter.tree.layers import Layer, encode
from splitter.tree.layout import Layout, order_exceptions, record_orders, record_orders_and_misfits
from splitter.tree.lock import DEFAULT_WAIT, LOCK_FILE
from splitter.tree.monolith import Monolith
from splitter.tree.files import read_file
from splitter.tree.read import Tree, read_tree
from splitter.tree.transaction import TRANSACTION, commit_files, writing
from splitter.tree.write import discard, install, stage


@dataclass
class Layers:
    base: Layer
    profiles: dict[str, Layer]
    containers: dict[str, Layer]
    layout: Layout
    globals: dict
    plan: Plan | None = None  # the plan the layers were built from, for the report's explanations
    collection: Collection = LXC


_MISSING = object()


def difference(inherited: dict, target: dict, path: tuple = ()) -> tuple[dict, list]:
    """The values and deletions a layer needs so that `inherited` becomes exactly `target`."""
    values: dict = {}
    unsets: list = []
    for key, value in target.items():
        below = inherited.get(key, _MISSING)
        if below is _MISSING:
            values[key] = value
        elif value == below and type(value) is type(below) and (
                type(value) in EQUAL_BY_VALUE or canonical(value) == canonical(below)):
            continue  # exactly_equal, written out: this runs for every key of every container
        elif type(value) is dict and type(below) is dict:
            sub, sub_unsets = difference(below, value, path + (key,))
            if sub_unsets and 1 + leaves(value) < leaves(sub) + len(sub_unsets):
                values[key] = value  # restating the object whole is shorter than patching it
                unsets.append(path + (key,))
                continue
            if sub:
                values[key] = sub
            unsets += sub_unsets
        else:
            values[key] = value
    if not inherited.keys() <= target.keys():  # one test in C first: most containers keep every inherited key
        unsets += [path + (key,) for key in inherited if key not in target]
    return values, unsets


def leaves(value: object) -> int:
    """How many path=value lines a value stands for: objects count their leaves, anything else one."""
    if type(value) is dict and value:
        return sum(leaves(child) for child in value.values())
    return 1


def build_layers(mono: Monolith, plan: Plan) -> Layers:
    """Every layer of the tree for a plan, with the layout that restores the monolith's order."""
    containers = mono.containers
    # every object's order is kept in the layout, none left to the order of keys in a file, so that
    # reformatting or sorting any tree file leaves the merge unchanged
    key_order, misfits = record_orders_and_misfits(containers.values())
    ordering = order_tree(key_order)
    collection = mono.collection
    # a list entry's id stays in its own file: it is data, and the file is named after it
    base_values = {key: value for key, value in plan.base.items() if key != collection.id_key}
    base = Layer(collection.base_file, reorder(base_values, ordering))
    profiles = {name: Layer(collection.profile_file(name), reorder(values, ordering))
                for name, values in plan.profiles.items()}
    globals_, parent_order = collection.outside(mono.doc)
    # the objects outside the collection keep their order in the layout too (the top level's, where the
    # collection's parent is the top level, is parent_order)
    globals_order = record_orders([globals_], root=len(collection.tokens) > 1)
    globals_exceptions = order_exceptions(globals_, reorder(globals_, order_tree(globals_order)))
    layout = Layout(mono.style, parent_order, list(containers), key_order, {}, globals_order, globals_exceptions)
    assembler = Assembler(base, profiles, layout)
    own = {}
    for at, (ctid, config) in enumerate(containers.items()):
        names = plan.uses.get(ctid, [])
        values, unsets = difference(assembler.inherited(tuple(names)), config)
        layer = Layer(collection.entry_file(ctid, config.get("name"), containers), values, list(names), unsets)
        own[ctid] = layer
        if at not in misfits:  # every object's order is the recorded one: no exception needed (prove checks it)
            continue
        merged = assembler.container(ctid, layer)
        if canonical(merged) != canonical(config):
            layout.exceptions[ctid] = order_exceptions(config, merged)
    return Layers(base, profiles, own, layout, globals_, plan, collection)


def layer_bytes(layer: Layer, container: bool) -> bytes:
    """A layer's file as split writes it."""
    return dumps(encode(layer, container), TREE_STYLE)


def layer_lines(layer: Layer, container: bool) -> int:
    return layer_bytes(layer, container).count(b"\n")


# one entry a line, so that git merges two branches that add containers at different places
LAYOUT_STYLE = replace(TREE_STYLE, inline_lists=0)


def layout_bytes(layout: Layout, collection) -> bytes:
    """A collection's layout file as split and update write it."""
    doc = layout.to_json()
    if collection.layout_fields():  # recorded after "format", so that a reader sees first what it is
        at = list(doc).index("format") + 1
        items = list(doc.items())
        doc = dict(items[:at] + list(collection.layout_fields().items()) + items[at:])
    return dumps(doc, LAYOUT_STYLE)


def tree_files(layers: Layers) -> dict[str, bytes]:
    collection = layers.collection
    files = {
        collection.layout_file: layout_bytes(layers.layout, collection),
        collection.globals_file: dumps(layers.globals, TREE_STYLE),
        collection.base_file: layer_bytes(layers.base, container=False),
    }
    for layer in layers.profiles.values():
        files[layer.file] = layer_bytes(layer, container=False)
    for layer in layers.containers.values():
        files[layer.file] = layer_bytes(layer, container=True)
    return files


def prove(root: Path, mono: Monolith) -> None:
    """Read the tree back from disk and check that it merges into the monolith; raise ProofFailed if not."""
    prove_tree(read_tree(root, mono.collection.folder), mono)


def prove_tree(tree: Tree, mono: Monolith, known: dict | None = None) -> None:
    """Check that a tree merges into the monolith (`known`: as assemble); raise ProofFailed if not.

    Where the monolith is byte-exact in the tree's style (writing mono.doc in it gives its bytes, as
    load_monolith saw byte for byte), the merged document's canonical bytes equal to mono.doc's prove the
    same: dumps writes values with equal canonical bytes (types, lexemes, key order, strings) alike. That
    costs a fifth of writing the monolith again, and no copy of it in memory (same_canonical)."""
    doc = assemble(tree, known)
    if mono.byte_exact and mono.doc is not None and tree.layout.style == mono.style:  # doc None: bytes only
        proven = same_canonical(doc, mono.doc)
    else:
        rebuilt = dumps(doc, tree.layout.style)
        proven = rebuilt == mono.text() or (not mono.byte_exact and canonical(
            parse(rebuilt, "(merged tree)", fast_style=mono.style)) == canonical(mono.doc))
    if not proven:
        raise ProofFailed("the new tree does not merge back into the monolith; nothing was written "
                          "(this is a bug in splitter: please report it with the input)", mono.file)


def write_tree(files: dict[str, bytes], mono: Monolith, target: Path, force: bool,
               inputs: tuple[Path, ...] = (), wait: float = DEFAULT_WAIT, keep_edits: bool = False) -> list[str]:
    """Stage the files, prove them, and only then move them into place, all or nothing.

    A new target is staged beside it and renamed into place in one step. An existing one is replaced under its
    lock (waiting up to `wait` seconds for another splitter) by one transaction.commit_files, which survives a
    cut at any point and works on a tree that is a mount point. With `force` an existing target is replaced
    only when `tree.replaceable` allows it; the monolith and `inputs` (other files the run read) are never
    inside what is replaced. The files of the other collections of target are kept byte for byte; a target
    that holds nothing else needs no --force. With `keep_edits`, a tree holding edits that are neither in the
    monolith nor committed in git is refused under the lock (splitguard.refuse_lost_edits, EditsWouldBeLost).
    Returns the ids of the entries (and `globals`) whose values the replaced tree held otherwise than the
    monolith (splitguard.replaced_values; edits git keeps, or --discard-edits dropped), [] for a new target.
    """
    inputs = (Path(mono.file), *inputs)
    held = (mono.collection.folder,)
    if target.is_dir() and not target.is_symlink():
        with writing(target, wait):
            _refuse_another_collection(target, mono.collection)
            kept, alone = neighbours(target, mono.collection)
            removed = [relative for relative in _files_in(target) if relative not in kept and relative not in files]
            # first whether target may be replaced at all (a folder that is no tree: "commit first" would mislead)
            check_target(target, force or (alone and bool(kept)), inputs, held)
            if keep_edits:
                from splitter.ops.splitguard import refuse_lost_edits

                refuse_lost_edits(target, mono, files, removed)  # under the lock: no edit can slip in between
            from splitter.ops.splitguard import replaced_values

            replaced = replaced_values(target, mono)
            commit_files(target, files, removed, lambda staging: prove(staging, mono), wait)
        return replaced
    check_target(target, force, inputs, held)
    staging = stage(target, files)
    try:
        prove(staging, mono)
        install(staging, target, force, inputs, held)
    except BaseException:
        discard(staging)
        raise
    return []


def _refuse_another_collection(target: Path, collection: Collection) -> None:
    """Raise BadInput when target holds another collection in the folder this one would be written to (folders
    are slugs: /vms and /VMs, docker_stacks and docker-stacks all come to one name), even with --force: split
    replaces its own collection and carries the others over, never drops one (MIGRATION.md)."""
    layout_file = target / collection.layout_file
    if not layout_file.is_file():
        return
    try:
        there = from_layout(collection.folder, parse(read_file(str(layout_file)), str(layout_file)), str(layout_file))
    except BadInput:
        return  # a damaged layout file: replaceable() decides whether the tree may be replaced
    if (there.pointer, there.id_key) != (collection.pointer, collection.id_key):
        raise BadInput(f"already holds the collection {there.pointer or '(the whole document)'} in {collection.folder}/, "
                       f"where {collection.pointer or '(the whole document)'} would go; name another folder with "
                       "--folder NAME; nothing was written", str(target))


def _files_in(root: Path) -> list[str]:
    """Every file under root (relative POSIX paths, sorted), splitter's own lock and staging folder aside."""
    found = []
    for folder, folders, names in os.walk(root):
        folders.sort()
        if folder == str(root):
            folders[:] = [name for name in folders if name != TRANSACTION]
            names = [name for name in names if name != LOCK_FILE]
        found += [os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/") for name in sorted(names)]
    return found
