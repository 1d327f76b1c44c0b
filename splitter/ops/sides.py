"""The two sides of a diff: a tree, a monolith or a git revision, each read into final configs and causes."""

from __future__ import annotations

import os
from pathlib import Path

from splitter.errors import BadInput
from splitter.exact.parse import parse
from splitter.merging.assemble import Assembler
from splitter.tree.collection import DEFAULT_FOLDER, DEFAULT_POINTER, Collection, for_split
from splitter.tree.collection import LXC as LXC_COLLECTION
from splitter.tree.layers import Layer, decode
from splitter.tree.monolith import load_monolith, read_bytes
from splitter.tree.read import DiskSource, Tree, read_source, read_tree_checks


class Side:
    """One side of a diff: its containers' final configs (merged on demand), and the layers that set each path."""

    def __init__(self, name: str, globals_: dict, configs: dict[str, dict] | None = None, tree: Tree | None = None,
                 files: dict[str, bytes] | None = None, collection: Collection = LXC_COLLECTION):
        self.name = name  # as the user gave it: a folder, a file or REV:PATH
        self.globals = globals_  # the monolith without its collection (collection.outside)
        self.collection = tree.collection if tree is not None else collection
        self.files = files or {}  # relative path -> bytes as read (trees), or {name: bytes} (a monolith)
        self._configs = configs  # a monolith's containers
        self._tree = tree
        if tree is not None:
            self._assembler = Assembler(tree.base, tree.profiles, tree.layout)
            self.layers: dict[str, list[Layer]] | None = {ctid: tree.layers_of(ctid) for ctid in tree.containers}
        else:
            self.layers = None
        self.ids = list(tree.containers if tree is not None else configs)  # in the side's order

    def config(self, ctid: str) -> dict:
        if self._tree is None:
            return self._configs[ctid]
        return self._assembler.container(ctid, self._tree.containers[ctid])

    def same_layers(self, other: Side, ctid: str, changed: set[str]) -> bool:
        """Whether a container's layers are the same bytes on both sides (then so is its final config).

        `changed` holds the shared files (layout, base, profiles) whose bytes differ between the sides.
        """
        if self.layers is None or other.layers is None or self.collection.layout_file in changed:
            return False
        mine, theirs = self.layers[ctid], other.layers[ctid]
        return (len(mine) == len(theirs) and self.files[mine[-1].file] == other.files[theirs[-1].file]
                and all(a.file == b.file and a.file not in changed for a, b in zip(mine[:-1], theirs[:-1])))

    def container_file(self, ctid: str) -> str:
        return self.layers[ctid][-1].file if self.layers is not None else self.name


class _Recorded:
    """A source that keeps the bytes it served (to tell formatting-only changes apart) and parses each distinct
    content once: a file the same on both sides is one document, so unchanged values are the same objects."""

    def __init__(self, source, parsed: dict):
        self.source = source
        self.files: dict[str, bytes] = {}
        self.parsed = parsed  # bytes -> document, and (bytes, relative, container) -> Layer

    def where(self, relative: str) -> str:
        return self.source.where(relative)

    def names(self, folder: str) -> list[str]:
        return self.source.names(folder)

    def read(self, relative: str) -> bytes:
        data = self.files[relative] = self.source.read(relative)
        return data

    def parse(self, relative: str, data: bytes | None = None) -> object:
        data = self.read(relative) if data is None else data
        doc = self.parsed.get(data)
        if doc is None:
            doc = self.parsed[data] = parse(data, self.where(relative))
        return doc

    def layer(self, relative: str, container: bool) -> Layer:
        """The layer in a file (layers.decode), decoded once for both sides where its bytes and name are the same:
        nothing changes a Layer once read. Raises BadInput naming `relative` (read_layer names it in full)."""
        data = self.read(relative)
        key = (data, relative, container)
        layer = self.parsed.get(key)
        if layer is None:
            layer = self.parsed[key] = decode(self.parse(relative, data), relative, container)
        return layer


def _from_tree(name: str, source, parsed: dict, selector: str | None = None) -> Side:
    recorded = _Recorded(source, parsed)
    tree = read_source(recorded, selector)
    try:  # what merge refuses: globals that hold the collection, or have no object to hold it
        tree.collection.put_back(tree.globals, [], {}, {})
    except BadInput as error:
        raise BadInput(error.message, source.where(tree.collection.globals_file)) from None
    return Side(name, tree.globals, tree=tree, files=recorded.files)


def _from_monolith(name: str, raw: bytes, collection: Collection = LXC_COLLECTION) -> Side:
    mono = load_monolith(raw, name, collection)
    others = collection.outside(mono.doc)[0]
    return Side(name, others, configs=mono.containers, files={name: raw}, collection=collection)


def _open(spec: str, cwd: str | None, blobs: dict | None) -> tuple[object | None, bytes | None]:
    """A side's tree source (DiskSource or GitSource), or else its monolith's bytes; BadInput naming spec."""
    local = Path(cwd or ".") / spec
    if os.path.lexists(local) or ":" not in spec:
        if not os.path.lexists(local):
            raise BadInput("no such file or folder (a git revision is written REV:PATH)", spec)
        if local.is_dir():
            read_tree_checks(local)
            return DiskSource(local), None
        return None, read_bytes(local)
    from splitter.ops.gitsource import cat_files, resolve, tree_source

    kind, sha = resolve(spec, cwd)
    if kind == "tree":
        return tree_source(spec, sha, cwd, blobs), None
    return None, cat_files([sha], spec, cwd)[sha]


def load_side(spec: str, cwd: str | None = None, blobs: dict | None = None, parsed: dict | None = None,
              selector: str | None = None, collection: Collection = LXC_COLLECTION) -> Side:
    """A side from a conf.d folder, a monolith file, or `REV:PATH` of either in the git repository at cwd.

    A path that exists on disk wins over a revision. A tree's collection is chosen by `selector` (see
    collection.select); a monolith is read at `collection`. `blobs` (object id -> bytes) and `parsed` (file
    bytes -> document) may be shared by both sides, so that what is the same on both is read and parsed once.
    Raises BadInput with one line naming the file or revision.
    """
    source, raw = _open(spec, cwd, blobs)
    if source is not None:
        return _from_tree(spec, source, {} if parsed is None else parsed, selector)
    return _from_monolith(spec, raw, collection)


def load_sides(old: str, new: str, selector: str | None = None, id_key: str | None = None, cwd: str | None = None,
               blobs: dict | None = None, parsed: dict | None = None) -> tuple[Side, Side]:
    """Both sides of a diff, reading the same collection on each.

    Trees choose theirs by `selector` (a folder or a pointer; default lxc, else the only one, as merge does)
    and must agree on its pointer and id key; a monolith is read at the collection its tree side records, or,
    when both sides are monoliths, at the pointer `selector` (default /lxc_configs) with `id_key` for a list.
    Raises BadInput naming the side (or the option) that is wrong.
    """
    parsed = {} if parsed is None else parsed
    opened = [(spec, *_open(spec, cwd, blobs)) for spec in (old, new)]
    trees = [_from_tree(spec, source, parsed, selector) if source is not None else None
             for spec, source, _ in opened]
    read = [side for side in trees if side is not None]
    if read:
        collection = read[0].collection
        for side in read[1:]:
            if (side.collection.pointer, side.collection.id_key) != (collection.pointer, collection.id_key):
                raise BadInput(f"its collection {_described(side.collection)} is not {read[0].name}'s "
                               f"{_described(collection)}; choose one with --collection", side.name)
        if id_key is not None and id_key != collection.id_key:
            raise BadInput(f"--id-key {id_key!r}: the tree's collection is {_described(collection)} (leave "
                           "--id-key out: a tree records its own)", read[0].name)
    else:
        collection = _monoliths_collection(selector, id_key)
    return tuple(side if side is not None else _from_monolith(spec, raw, collection)
                 for side, (spec, _, raw) in zip(trees, opened))


def _described(collection: Collection) -> str:
    key = f", id key {collection.id_key}" if collection.id_key is not None else ""
    pointer = collection.pointer or '""'
    return f"{collection.folder} ({pointer}{key})"


def _monoliths_collection(selector: str | None, id_key: str | None) -> Collection:
    """The collection two monoliths are compared at: a pointer (default /lxc_configs), a folder makes no sense."""
    pointer = DEFAULT_POINTER if selector is None else selector
    if pointer != "" and not pointer.startswith("/"):
        raise BadInput(f"--collection {pointer!r}: two monoliths have no folders; give the collection's JSON "
                       "pointer (for example /vms)")
    lxc = pointer == DEFAULT_POINTER and id_key is None
    return for_split(pointer, id_key, DEFAULT_FOLDER if lxc else "entries", "")  # the folder names no file here
