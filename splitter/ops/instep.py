"""The last commit where the monolith and the tree agreed on some entries: the base `update --base` needs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from splitter.errors import BadInput, shell_word
from splitter.exact.parse import parse
from splitter.merging.assemble import Assembler
from splitter.merging.threeway_json import MISSING
from splitter.ops.gitsource import _git, committed_tree
from splitter.ops.splitguard import same_entry
from splitter.tree.collection import Collection


def quick_loads(raw: bytes, where: str) -> Any:
    """A monolith's document, by orjson where it can read it (a guard's comparison), else by the exact parse."""
    try:  # orjson's parse, 20 times the exact one's speed; two fractions that round to one double (0.1,
        # 0.10000000000000001) look the same to it: an edit of that kind would go by
        return orjson.loads(raw)
    except orjson.JSONDecodeError:  # integers beyond 64 bits, a byte order mark: the exact parse
        return parse(raw, where)


LIMIT = 100  # commits that changed the monolith or the tree, looked through for one where the two agreed


class Parts:
    """A monolith document taken apart once: its entries by id, and `globals`, the rest of it."""

    def __init__(self, doc: Any, collection: Collection, where: str):
        self.entries = collection.entries(doc, where)
        self.globals = collection.outside(doc)[0]

    def get(self, key: str) -> Any:
        """An entry by id, `globals` for the rest; MISSING for an id the document lacks."""
        return self.globals if key == "globals" else self.entries.get(key, MISSING)


class Snapshot:
    """The monolith, taken apart, and the tree at one commit: each entry (or `globals`) as the monolith holds it
    (`monolith.get`) and as the tree merges it (`entry`)."""

    def __init__(self, revision: str, monolith: Parts, tree):
        self.revision = revision
        self.monolith = monolith
        self.tree = tree
        self.assembler = Assembler(tree.base, tree.profiles, tree.layout)

    def entry(self, key: str) -> Any:
        """The tree's merged config of an entry (MISSING where it has none), or its `globals`."""
        if key == "globals":
            return self.tree.globals
        own = self.tree.containers.get(key)
        return MISSING if own is None else self.assembler.container(key, own)

    def agrees(self, key: str) -> bool:
        return same_entry(self.monolith.get(key), self.entry(key))


def monolith_at(output: Path, collection: Collection, revision: str) -> Parts | None:
    """The monolith at output as `revision` holds it, taken apart (`git show REV:./NAME` from its folder); None
    where git cannot give or read it (not in git, no such commit, conflict markers, another collection)."""
    try:
        shown = _git(["show", f"{revision}:./{output.name}"], str(output), str(output.resolve().parent),
                     discover=True)
        if shown.returncode:
            return None
        where = f"{revision}:{output.name}"
        return Parts(quick_loads(shown.stdout, where), collection, where)
    except BadInput:
        return None


def snapshot(output: Path, root: Path, collection: Collection, revision: str) -> Snapshot | None:
    """The monolith at output and the tree at root as `revision` holds them; None where git cannot give or read
    either (monolith_at, gitsource.committed_tree)."""
    monolith = monolith_at(output, collection, revision)
    tree = committed_tree(root, collection.folder, revision) if monolith is not None else None
    return None if tree is None else Snapshot(revision, monolith, tree)


def in_step(output: Path, root: Path, collection: Collection, keys: list[str], start: str = "HEAD",
            cache: dict | None = None, limit: int | None = None) -> Snapshot | None:
    """The most recent commit reachable from `start` that changed the monolith or the tree, where the committed
    monolith holds each of `keys` as the committed tree merges it; None where none of the last `limit` such
    commits does, or git cannot tell. `cache` (revision -> Snapshot or None) spares reading a commit twice.

    Commits are taken in git-rev-list(1) `--topo-order` (none before all its children), so on a merge the
    branch that still agreed is found as well as the one that did not. Each commit costs a read of the
    monolith and the tree there: this runs only where a guard is about to refuse, or to name the way out.
    """
    cache = {} if cache is None else cache
    limit = LIMIT if limit is None else limit
    here = output.resolve().parent
    try:
        found = _git(["rev-list", "--topo-order", "-n", str(limit), start, "--", output.name,
                      os.path.relpath(root.resolve(), here)], str(output), str(here), discover=True)
    except BadInput:
        return None
    if found.returncode:
        return None
    for commit in found.stdout.decode().split():
        if commit not in cache:
            cache[commit] = snapshot(output, root, collection, commit)
        snap = cache[commit]
        if snap is not None and all(snap.agrees(key) for key in keys):
            return snap
    return None


def last_in_step(output: Path, root: Path, collection: Collection, keys: list[str]) -> str | None:
    """The revision whose monolith to give update --base for these entries (in_step from HEAD): `HEAD` where
    HEAD holds them as that commit does, else the commit's id, abbreviated; None where no commit of the last
    LIMIT agreed on them, or git cannot tell."""
    found = in_step(output, root, collection, keys)
    if found is None:
        return None
    try:
        same = _git(["merge-base", "--is-ancestor", "HEAD", found.revision], str(output),
                    str(output.resolve().parent), discover=True).returncode == 0
    except BadInput:
        return None
    return "HEAD" if same else found.revision[:12]


def base_step(output: Path, root: Path, collection: Collection, keys: list[str]) -> str:
    """The advice's words for the base of update --base: `git -C DIR show REV:./NAME > /tmp/last.json` with the
    revision last_in_step names, or, where none of the last LIMIT commits agreed, how to find one by hand."""
    from splitter.ops.splitguard import git_show_path

    revision = last_in_step(output, root, collection, keys)
    if revision is None:
        return (f"{git_show_path(output, 'COMMIT')} > /tmp/last.json, COMMIT being the last one where the "
                f"monolith and the tree agreed (none of the last {LIMIT} did; git log -- {shell_word(output.name)} "
                "lists them)")
    return f"{git_show_path(output, revision)} > /tmp/last.json"
