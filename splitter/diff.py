"""What a change does to every container: the final configs of two sides compared leaf by leaf, with the cause."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from . import exactjson
from .exactjson import canonical_sorted
from .assemble import CONTAINERS_KEY, Assembler
from .errors import BadInput
from .explain import setter
from .itemsets import items
from .layers import Layer
from .monolith import load_monolith, read_bytes
from .tree import BASE, GLOBALS, LAYOUT, LXC, PROFILE_PREFIX, DiskSource, Tree, read_source, read_tree_checks
from .verify import ABSENT


class Side:
    """One side of a diff: its containers' final configs (merged on demand), and the layers that set each path."""

    def __init__(self, name: str, globals_: dict, configs: dict[str, dict] | None = None, tree: Tree | None = None,
                 files: dict[str, bytes] | None = None):
        self.name = name  # as the user gave it: a folder, a file or REV:PATH
        self.globals = globals_  # the monolith's other top-level keys
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
        if self.layers is None or other.layers is None or LAYOUT in changed:
            return False
        mine, theirs = self.layers[ctid], other.layers[ctid]
        return (len(mine) == len(theirs) and self.files[mine[-1].file] == other.files[theirs[-1].file]
                and all(a.file == b.file and a.file not in changed for a, b in zip(mine[:-1], theirs[:-1])))

    def container_file(self, ctid: str) -> str:
        return self.layers[ctid][-1].file if self.layers is not None else self.name


@dataclass
class Change:
    path: tuple  # object keys from the container's top level (or the document's, for globals)
    kind: str  # added | removed | changed
    old: Any  # ABSENT when added
    new: Any  # ABSENT when removed
    file: str  # the file that caused it: relative to its tree, or the monolith as given
    layer: str  # base | profile NAME | container | globals | monolith
    side: str  # new | old: the side `file` is on (old only for a value that is gone)
    list_changes: list = field(default_factory=list)  # lists on both sides: ("-" | "+", index, element)


@dataclass
class ContainerDiff:
    id: str
    status: str  # changed | added | removed
    name: Any  # its "name" value (the new side's, or the old one's when removed)
    file: str  # its own file (new side; old side when removed)
    changes: list[Change] = field(default_factory=list)


@dataclass
class Report:
    old: str
    new: str
    containers: list[ContainerDiff]  # changed, added and removed, in the new side's order then the removed
    globals: list[Change]
    reordered: list[str]  # ids whose final config changed only in key order
    formatting: list[str]  # files whose bytes changed but not their content (formatting, key order, layout)
    unchanged: int  # containers on both sides with the same final config

    @property
    def changed(self) -> bool:
        return bool(self.containers or self.globals)

    def by_file(self) -> list[tuple[str, list[str]]]:
        """(file, ids of the containers it changed), most containers first."""
        found: dict[str, list[str]] = {}
        for container in self.containers:
            files = [change.file for change in container.changes] or [container.file]
            for file in dict.fromkeys(files):
                found.setdefault(file, []).append(container.id)
        for change in self.globals:
            found.setdefault(change.file, [])
        return sorted(found.items(), key=lambda pair: -len(pair[1]))


# ---------------------------------------------------------------- reading a side

class _Recorded:
    """A source that keeps the bytes it served (to tell formatting-only changes apart) and parses each distinct
    content once: a file the same on both sides is one document, so unchanged values are the same objects."""

    def __init__(self, source, parsed: dict[bytes, object]):
        self.source = source
        self.files: dict[str, bytes] = {}
        self.parsed = parsed

    def where(self, relative: str) -> str:
        return self.source.where(relative)

    def names(self, folder: str) -> list[str]:
        return self.source.names(folder)

    def read(self, relative: str) -> bytes:
        data = self.files[relative] = self.source.read(relative)
        return data

    def parse(self, relative: str) -> object:
        data = self.read(relative)
        doc = self.parsed.get(data)
        if doc is None:
            doc = self.parsed[data] = exactjson.parse(data, self.where(relative))
        return doc


def _from_tree(name: str, source, parsed: dict) -> Side:
    recorded = _Recorded(source, parsed)
    tree = read_source(recorded)
    if CONTAINERS_KEY in tree.globals:
        raise BadInput(f"must not hold \"{CONTAINERS_KEY}\": containers live under lxc/", source.where(GLOBALS))
    return Side(name, tree.globals, tree=tree, files=recorded.files)


def _from_monolith(name: str, raw: bytes) -> Side:
    mono = load_monolith(raw, name)
    others = {key: value for key, value in mono.doc.items() if key != CONTAINERS_KEY}
    return Side(name, others, configs=mono.containers, files={name: raw})


def load_side(spec: str, cwd: str | None = None, blobs: dict | None = None, parsed: dict | None = None) -> Side:
    """A side from a conf.d folder, a monolith file, or `REV:PATH` of either in the git repository at cwd.

    A path that exists on disk wins over a revision. `blobs` (object id -> bytes) and `parsed` (file bytes ->
    document) may be shared by both sides, so that what is the same on both is read and parsed once.
    Raises BadInput with one line naming the file or revision.
    """
    local = Path(cwd or ".") / spec
    if os.path.lexists(local) or ":" not in spec:
        if not os.path.lexists(local):
            raise BadInput("no such file or folder (a git revision is written REV:PATH)", spec)
        if local.is_dir():
            read_tree_checks(local)
            return _from_tree(spec, DiskSource(local), {} if parsed is None else parsed)
        return _from_monolith(spec, read_bytes(local))
    from .gitsource import cat_files, resolve, tree_source

    kind, sha = resolve(spec, cwd)
    if kind == "tree":
        return _from_tree(spec, tree_source(spec, sha, cwd, blobs), {} if parsed is None else parsed)
    return _from_monolith(spec, cat_files([sha], spec, cwd)[sha])


# ---------------------------------------------------------------- comparing

def _layer_name(file: str) -> str:
    if file == BASE:
        return "base"
    name = file.rsplit("/", 1)[-1]
    if file.startswith("defaults/") and name.startswith(PROFILE_PREFIX):
        return "profile " + name[len(PROFILE_PREFIX): -len(".json")]
    return "container" if file.startswith(LXC + "/") else "globals" if file == GLOBALS else "monolith"


def _origin(side: Side, ctid: str | None, path: tuple) -> tuple[str, str] | None:
    """(file, layer) that gives (or removes) a path on one side; None when no layer of a tree does."""
    if side.layers is None:
        return side.name, "monolith"
    if ctid is None:
        return GLOBALS, "globals"
    layer = setter(side.layers[ctid], path)
    return (layer.file, _layer_name(layer.file)) if layer is not None else None


def _list_changes(old: list, new: list) -> list:
    """Elements removed ("-", old index) and added ("+", new index), as difflib's SequenceMatcher aligns them."""
    before, after = [canonical_sorted(value) for value in old], [canonical_sorted(value) for value in new]
    found = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag != "equal":
            found += [("-", index, old[index]) for index in range(i1, i2)]
            found += [("+", index, new[index]) for index in range(j1, j2)]
    return found


def _leaves(value: Any, path: tuple) -> list[tuple[tuple, Any]]:
    return list(items(value, path)) if type(value) is dict and value else [(path, value)]


def _differing(old: dict, new: dict, path: tuple, into: list) -> None:
    """(path, old, new) of every leaf that differs, as items() cuts leaves; the new side's order, then the gone.

    Objects shared by both sides (a file parsed once) are skipped whole: only what changed is walked.
    """
    for key, now in new.items():
        was = old.get(key, ABSENT) if key in old else ABSENT
        if was is now:
            continue
        where = path + (key,)
        if was is ABSENT:
            into += [(leaf, ABSENT, value) for leaf, value in _leaves(now, where)]
        elif type(was) is dict and was and type(now) is dict and now:
            _differing(was, now, where, into)
        elif (type(was) is dict and was) or (type(now) is dict and now):  # an object on one side only
            into += [(leaf, value, ABSENT) for leaf, value in _leaves(was, where)]
            into += [(leaf, ABSENT, value) for leaf, value in _leaves(now, where)]
        elif canonical_sorted(was) != canonical_sorted(now):
            into.append((where, was, now))
    for key, was in old.items():
        if key not in new:
            into += [(leaf, value, ABSENT) for leaf, value in _leaves(was, path + (key,))]


def leaf_changes(old: dict, new: dict, old_side: Side, new_side: Side, ctid: str | None) -> list[Change]:
    """Every leaf (items() paths: they stop at scalars, lists and empty objects) that differs; key order aside."""
    found: list = []
    _differing(old, new, (), found)
    changes = []
    for path, was, now in found:
        origin, side = _origin(new_side, ctid, path), "new"
        if now is ABSENT and new_side.layers is not None and ctid is not None and origin is None:
            origin, side = _origin(old_side, ctid, path), "old"  # a value gone with the layer that gave it
        if origin is None:
            origin = ((new_side if side == "new" else old_side).container_file(ctid), "container")
        kind = "added" if was is ABSENT else "removed" if now is ABSENT else "changed"
        lists = _list_changes(was, now) if type(was) is list and type(now) is list else []
        changes.append(Change(path, kind, was, now, origin[0], origin[1], side, lists))
    return changes


def _formatting(old: Side, new: Side) -> list[str]:
    """Files on both sides whose bytes differ although their documents are the same but for key order."""
    if (old.layers is None) != (new.layers is None):
        return []
    found = []
    for name, data in new.files.items():
        if old.layers is None:
            name, before = new.name, next(iter(old.files.values()))
        else:
            before = old.files.get(name)
        if before is None or before == data:
            continue
        if name == LAYOUT or (canonical_sorted(exactjson.parse(before, name))
                              == canonical_sorted(exactjson.parse(data, name))):
            found.append(name)
    return found


def compare(old: Side, new: Side) -> Report:
    """Compare the final config of every container, and the globals, of two sides."""
    containers, reordered, unchanged = [], [], 0
    shared_changes = {file for file in {*old.files, *new.files} if not file.startswith(LXC + "/")
                      and old.files.get(file) != new.files.get(file)}
    known = set(old.ids)
    for ctid in new.ids:
        if ctid not in known:
            config = new.config(ctid)
            containers.append(ContainerDiff(ctid, "added", config.get("name"), new.container_file(ctid)))
            continue
        if new.same_layers(old, ctid, shared_changes):
            unchanged += 1  # the same bytes in every layer: the same final config, no need to merge it
            continue
        before, config = old.config(ctid), new.config(ctid)
        if exactjson.canonical(before) == exactjson.canonical(config):
            unchanged += 1
        elif canonical_sorted(before) == canonical_sorted(config):
            reordered.append(ctid)
        else:
            changes = leaf_changes(before, config, old, new, ctid)
            if changes:
                containers.append(ContainerDiff(ctid, "changed", config.get("name"), new.container_file(ctid),
                                                changes))
            else:  # lists of objects whose keys moved
                reordered.append(ctid)
    present = set(new.ids)
    for ctid in old.ids:
        if ctid not in present:
            containers.append(ContainerDiff(ctid, "removed", old.config(ctid).get("name"), old.container_file(ctid)))
    global_changes = leaf_changes(old.globals, new.globals, old, new, None) \
        if canonical_sorted(old.globals) != canonical_sorted(new.globals) else []
    return Report(old.name, new.name, containers, global_changes, reordered, _formatting(old, new), unchanged)
