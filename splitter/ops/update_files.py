"""Writing an update: the files that change, why, and moving them into the tree."""

from __future__ import annotations

import os
from pathlib import Path

from splitter.discovery.itemsets import items
from splitter.errors import BadInput
from splitter.exact.numbers import canonical_sorted
from splitter.exact.parse import parse
from splitter.exact.style import TREE_STYLE
from splitter.exact.write import dumps
from splitter.ops.changes import MISSING, FileChange, HandAdded, Update, ValueChange, same
from splitter.ops.split import layer_bytes, layout_bytes, prove_tree
from splitter.tree.layout import Layout
from splitter.tree.lock import DEFAULT_WAIT
from splitter.tree.names import DEFAULTS
from splitter.tree.files import read_file
from splitter.tree.read import DiskSource, Tree, read_layer
from splitter.tree.transaction import commit_files


def changed_files(root: Path, old: Tree, new: Tree, update: Update, why: dict[str, str], changed: list,
           added: list, removed: list, old_configs: dict, configs: dict) -> None:
    """Which files the new tree writes, keeps and drops, and why; and every value it changes."""
    def place(file: str, data: bytes, reason: str, existed: bool) -> None:
        if existed and _same_content(_disk_bytes(root, file), data, file):
            update.kept.append(file)  # as on disk, even if a formatter rewrote it (any may: README's FAQ)
            return
        update.written[file] = data
        update.files.append(FileChange(file, "rewrite" if existed else "add", reason))

    collection = new.collection
    place(collection.layout_file, layout_bytes(new.layout, collection),
          _layout_why(old.layout, new.layout, collection.plural), True)
    if same(old.globals, new.globals):
        update.kept.append(collection.globals_file)
    else:
        place(collection.globals_file, dumps(new.globals, TREE_STYLE), "top-level values changed", True)
        for key in dict.fromkeys([*old.globals, *new.globals]):
            before, after = old.globals.get(key, MISSING), new.globals.get(key, MISSING)
            if not same(before, after):
                update.values.append(ValueChange(None, (key,), before, after))
    for layer, before in [(new.base, old.base), *((layer, old.profiles.get(name))
                                                   for name, layer in new.profiles.items())]:
        if before is not None and layer is before:
            update.kept.append(layer.file)
        else:
            place(layer.file, layer_bytes(layer, container=False), why.get(layer.file, "changed"), before is not None)
    for name, layer in old.profiles.items():
        if name not in new.profiles:
            reason = why.get(layer.file, "")
            update.files.append(FileChange(layer.file, "remove", reason if reason.startswith("left empty")
                                           else f"no {collection.noun} uses it any more"))
    changed_set, added_set = set(changed), set(added)
    for ctid, layer in new.containers.items():
        before = old.containers.get(ctid)
        if before is layer:
            update.kept.append(layer.file)
            continue
        if ctid in added_set:
            reason = f"new {collection.noun}, profiles [{', '.join(layer.profiles)}]"
        elif ctid in changed_set:
            count = _value_changes(ctid, old_configs[ctid], configs[ctid], update.values, new.collection.tokens)
            reason = f"{count} value(s) changed" if count else "key order changed"
        else:
            gained = [n for n in layer.profiles if n not in before.profiles]
            lost = [n for n in before.profiles if n not in layer.profiles]
            reason = "; ".join(([f"uses the new profile(s) {', '.join(gained)}"] if gained else [])
                               + ([f"profile(s) {', '.join(lost)} emptied and removed"] if lost else []))
        if before is not None and before.file != layer.file:
            update.files.append(FileChange(before.file, "remove", f"renamed to {layer.file}"))
            place(layer.file, layer_bytes(layer, container=True), reason + "; its name changed", False)
        else:
            place(layer.file, layer_bytes(layer, container=True), reason, before is not None)
    for ctid in added:
        update.values.append(ValueChange(ctid, (), MISSING, configs[ctid], new.collection.tokens))
    for ctid in removed:
        update.files.append(FileChange(old.containers[ctid].file, "remove", "no longer in the monolith"))
        update.values.append(ValueChange(ctid, (), old_configs[ctid], MISSING, new.collection.tokens))


def _disk_bytes(root: Path, file: str) -> bytes | None:
    try:
        return read_file(os.path.join(root, file))
    except BadInput:
        return None


def _same_content(on_disk: bytes | None, data: bytes, file: str) -> bool:
    """Whether a tree file on disk holds what the update would write, but for layout and key order: each
    tree file is read as parsed JSON, and the order of its keys is recorded in layout.json, not taken from it."""
    if on_disk is None:
        return False
    if on_disk == data:
        return True
    try:
        return canonical_sorted(parse(on_disk, file)) == canonical_sorted(parse(data, file))
    except BadInput:
        return False


def _value_changes(ctid: str, old: dict, new: dict, into: list, at: tuple) -> int:
    before, after = dict(items(old)), dict(items(new))
    count = 0
    for path in dict.fromkeys([*before, *after]):
        first, second = before.get(path, MISSING), after.get(path, MISSING)
        if not same(first, second):
            into.append(ValueChange(ctid, path, first, second, at))
            count += 1
    return count


def _layout_why(old: Layout, new: Layout, plural: str = "containers") -> str:
    reasons = []
    if old.style != new.style:
        reasons.append("the monolith's style changed")
    if old.top_level != new.top_level:
        reasons.append("top-level keys changed")
    if old.containers != new.containers:
        reasons.append(f"{plural} were added, removed or moved")
    if old.key_order != new.key_order:
        reasons.append("new keys to order")
    if old.exceptions != new.exceptions:
        reasons.append(f"{plural}' own key orders changed")
    return "; ".join(reasons) or "rewritten in today's form"


# ---------------------------------------------------------------- writing

def write_update(root: Path, update: Update, wait: float = DEFAULT_WAIT) -> None:
    """Write the changed files into the tree's staging folder, read them back, prove that with the kept files
    they merge into the target, and only then commit them (transaction.commit_files: all or nothing, even
    when cut by SIGKILL or Ctrl-C). Files the update keeps are never written again, files it does not own
    never touched. The caller holds the tree's lock from reading it (lock.locked); `wait` is for taking it
    when it does not. Raises HandAdded (exit 1) when the plan lists files added by hand whose containers the
    target does not hold, ProofFailed (exit 1), WriteError or Busy (exit 2); root is then as it was."""
    if update.hand_added:
        files = ", ".join(file for _, file in update.hand_added)
        raise HandAdded(f"would delete {files}, which splitter did not write; nothing was written", str(root))
    removed = [change.file for change in update.files if change.action == "remove"]
    commit_files(root, update.written, removed, lambda staging: _prove_staged(staging, update), wait)


def _prove_staged(staging: Path, update: Update) -> None:
    """Prove that the files staged in `staging`, with the tree's files the update keeps, merge into the target."""
    source = DiskSource(staging)
    collection = update.tree.collection
    layout, globals_ = update.tree.layout, update.tree.globals
    if collection.layout_file in update.written:
        layout = Layout.from_json(source.parse(collection.layout_file), source.where(collection.layout_file))
    if collection.globals_file in update.written:
        globals_ = source.parse(collection.globals_file)
    entries = collection.folder + "/"
    written = {relative: read_layer(source, relative, container=relative.startswith(entries))
               for relative in update.written if relative.startswith((DEFAULTS + "/", entries))}
    profiles = {name: written.get(layer.file, layer) for name, layer in update.tree.profiles.items()}
    containers = {ctid: written.get(layer.file, layer) for ctid, layer in update.tree.containers.items()}
    proven = Tree(layout, globals_, written.get(collection.base_file, update.tree.base), profiles,
                  containers, update.tree.where, collection)
    prove_tree(proven, update.target, update.known)
