"""What a change does to every container: the final configs of two sides compared leaf by leaf, with the cause."""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from splitter.discovery.itemsets import items
from splitter.exact.numbers import canonical, canonical_sorted, canonical_value, same_value
from splitter.exact.parse import parse
from splitter.ops.explain import setter
from splitter.ops.sides import Side
from splitter.ops.verify import ABSENT
from splitter.tree.collection import LXC as LXC_COLLECTION
from splitter.tree.collection import Collection


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
    formatting: list[str]  # files whose bytes changed but not their content (formatting, key order, number
    # spelling, layout)
    unchanged: int  # containers on both sides with the same final config
    collection: Collection = LXC_COLLECTION  # the new side's: its pointer, and the noun the reports use
    respelled: list[str] = field(default_factory=list)  # ids whose final config changed only in how numbers
    # are spelled (0.50 as 0.5), key order aside: the same value, as same_value says
    no_effect: list[tuple[str, str, str]] = field(default_factory=list)  # (file, changed | added | removed,
    # why): files whose document changed but that changed no final config (a profile every member overrides)
    new_files: set[str] = field(default_factory=set)  # tree files only the new side has
    gone_files: set[str] = field(default_factory=set)  # tree files only the old side has
    renamed: dict[str, str] = field(default_factory=dict)  # new file -> old file of a container on both sides

    def how(self, file: str) -> str:
        """How a file of the report came to differ: added, removed, changed, or `renamed from OLD`."""
        if file in self.renamed:
            return f"renamed from {self.renamed[file]}"
        return "added" if file in self.new_files else "removed" if file in self.gone_files else "changed"

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


def _layer_name(file: str, collection: Collection) -> str:
    if file == collection.base_file:
        return "base"
    name, prefix = file.rsplit("/", 1)[-1], collection.profile_prefix
    if file.startswith("defaults/") and name.startswith(prefix):
        return "profile " + name[len(prefix): -len(".json")]
    if file.startswith(collection.folder + "/"):
        return "container"  # the layer's name in splitter-diff/1, whatever the collection
    return "globals" if file == collection.globals_file else "monolith"


def _origin(side: Side, ctid: str | None, path: tuple) -> tuple[str, str] | None:
    """(file, layer) that gives (or removes) a path on one side; None when no layer of a tree does."""
    if side.layers is None:
        return side.name, "monolith"
    if ctid is None:
        return side.collection.globals_file, "globals"
    layer = setter(side.layers[ctid], path)
    return (layer.file, _layer_name(layer.file, side.collection)) if layer is not None else None


def _list_changes(old: list, new: list) -> list:
    """Elements removed ("-", old index) and added ("+", new index), as difflib's SequenceMatcher aligns them;
    an element only respelled (0.50 as 0.5) is the same element."""
    before, after = ([canonical_value(value, sort_keys=True) for value in values] for values in (old, new))
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
        elif not same_value(was, now):  # key order and number spelling aside
            into.append((where, was, now))
    for key, was in old.items():
        if key not in new:
            into += [(leaf, value, ABSENT) for leaf, value in _leaves(was, path + (key,))]


def leaf_changes(old: dict, new: dict, old_side: Side, new_side: Side, ctid: str | None) -> list[Change]:
    """Every leaf (items() paths: they stop at scalars, lists and empty objects) that differs; key order and
    number spelling aside."""
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
    """Files on both sides whose bytes differ although their documents are the same but for key order and
    number spelling (same_value), and layout.json (a record of formatting)."""
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
        if name == new.collection.layout_file or same_value(parse(before, name),
                                                            parse(data, name)):
            found.append(name)
    return found


def _members(side: Side, file: str) -> list[str]:
    """Ids of the containers that have `file` among their layers, in the side's order."""
    if side.layers is None:
        return []
    return [ctid for ctid in side.ids if any(layer.file == file for layer in side.layers[ctid])]


def _why_no_effect(old: Side, new: Side, file: str) -> str:
    """Why a file whose document changed changed no container's final config: nobody uses it, every member
    sets each changed value in a higher layer (explain.setter), or the members get the same values elsewhere."""
    noun = new.collection.noun
    if file.startswith(new.collection.folder + "/"):
        return f"its {noun}'s final config is the same"
    members = {side: _members(side, file) for side in (old, new)}
    if not members[old] and not members[new]:
        return f"no {noun} uses it"
    docs = [parse(side.files[file], file) if file in side.files else {} for side in (old, new)]
    found: list = []
    _differing(docs[0] if type(docs[0]) is dict else {}, docs[1] if type(docs[1]) is dict else {}, (), found)
    if found and all(setter(side.layers[ctid], path) is not None and setter(side.layers[ctid], path).file != file
                     for side in (old, new) for ctid in members[side] for path, _, _ in found):
        return "every member overrides it"
    return "its members' final configs are the same"


def _no_effect(old: Side, new: Side, changed: set[str], formatting: list[str], shown: set[str]) -> list:
    """(file, how, why) for tree files whose document changed (not formatting alone) that changed no final
    config and are named nowhere else in the report; a renamed container file (same bytes) is no change."""
    if old.layers is None or new.layers is None:
        return []
    skip = {*formatting, *shown, new.collection.layout_file, new.collection.globals_file}
    found = []
    for file in sorted(changed - skip):
        how = "added" if file not in old.files else "removed" if file not in new.files else "changed"
        if how != "changed" and file.startswith(new.collection.folder + "/"):
            continue  # a container's own file added or removed: the container is, or it was renamed
        found.append((file, how, _why_no_effect(old, new, file)))
    return found


def compare(old: Side, new: Side) -> Report:
    """Compare the final config of every container, and the globals, of two sides."""
    containers, reordered, respelled, unchanged = [], [], [], 0
    folders = (old.collection.folder + "/", new.collection.folder + "/")
    shared_changes = {file for file in {*old.files, *new.files} if not file.startswith(folders)
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
        if canonical(before) == canonical(config):
            unchanged += 1
        elif canonical_sorted(before) == canonical_sorted(config):
            reordered.append(ctid)
        else:
            changes = leaf_changes(before, config, old, new, ctid)
            if changes:
                containers.append(ContainerDiff(ctid, "changed", config.get("name"), new.container_file(ctid),
                                                changes))
            else:  # no leaf differs but in number spelling (and key order)
                respelled.append(ctid)
    present = set(new.ids)
    for ctid in old.ids:
        if ctid not in present:
            containers.append(ContainerDiff(ctid, "removed", old.config(ctid).get("name"), old.container_file(ctid)))
    global_changes = leaf_changes(old.globals, new.globals, old, new, None) \
        if not same_value(old.globals, new.globals) else []
    report = Report(old.name, new.name, containers, global_changes, reordered, _formatting(old, new), unchanged,
                    new.collection, respelled)
    files_changed = {file for file in {*old.files, *new.files} if old.files.get(file) != new.files.get(file)}
    shown = {file for file, _ in report.by_file()} | {c.file for c in containers}
    if new.layers is not None:  # an added container's profiles are in the report through it
        shown |= {layer.file for c in containers if c.status == "added" for layer in new.layers.get(c.id, [])}
    report.no_effect = _no_effect(old, new, files_changed, report.formatting, shown)
    if old.layers is not None and new.layers is not None:
        report.new_files = {file for file in new.files if file not in old.files}
        report.gone_files = {file for file in old.files if file not in new.files}
        before = set(old.ids)
        report.renamed = {new.container_file(ctid): old.container_file(ctid) for ctid in new.ids
                          if ctid in before and new.container_file(ctid) != old.container_file(ctid)}
    return report
