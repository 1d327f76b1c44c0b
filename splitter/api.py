"""The Python face of splitter: read a tree, merge it, one entry's final config, verify, diff."""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

from splitter.merging.assemble import Assembler, assemble, monolith_bytes, stale_unset
from splitter.ops.diff import Report
from splitter.ops.diff import compare as compare_sides
from splitter.ops.sides import load_sides
from splitter.ops.verify import Verdict, compare
from splitter.tree.monolith import read_bytes
from splitter.tree.read import Tree, read_container
from splitter.tree.read import read_tree as _read_tree


def read_tree(root: str | PathLike, collection: str | None = None) -> Tree:
    """Every layer file of the conf.d tree at `root`, checked (profiles exist, one file per id, `layout.json` read).

    `collection` chooses by folder (`vms`) or RFC 6901 pointer (`/vms`); default `lxc`, else the tree's only one.
    Raises `splitter.errors.BadInput` (exit code 2) naming the file, and line:column for bad JSON.
    """
    return _read_tree(Path(root), collection)


def merge(tree: Tree | str | PathLike, collection: str | None = None) -> bytes:
    """The monolith a tree gives back: its bytes, in the style `layout.json` recorded (as `splitter merge` writes).

    Takes a `Tree` from `read_tree` or a folder. Raises `BadInput` as `read_tree` does, or for a `$unset` that
    deletes nothing.
    """
    loaded = tree if isinstance(tree, Tree) else read_tree(tree, collection)
    return monolith_bytes(loaded)


def document(tree: Tree | str | PathLike, collection: str | None = None) -> Any:
    """The monolith a tree gives back as exact JSON values: dicts in key order, `splitter.exact.numbers.Number`
    for every number (its lexeme kept), so `1`, `1.0` and `true` stay apart."""
    loaded = tree if isinstance(tree, Tree) else read_tree(tree, collection)
    return assemble(loaded)


def entry(root: str | PathLike, entry_id: str, collection: str | None = None) -> dict:
    """One entry's final config (base, then its profiles in order, then its own file), reading only its files.

    Values are exact (see `document`). Raises `BadInput` for an unknown id, a missing profile or a stale `$unset`.
    """
    loaded = read_container(Path(root), str(entry_id), collection)
    assembler = Assembler(loaded.base, loaded.profiles, loaded.layout)
    own = loaded.containers[str(entry_id)]
    stale_unset(assembler, own, loaded.where)
    return assembler.container(str(entry_id), own)


def verify(tree: Tree | str | PathLike, monolith: str | PathLike, collection: str | None = None) -> Verdict:
    """Whether a tree merges into a monolith: `Verdict.same_document` (values, types, key order), `same_bytes`,
    and every difference by entry, JSON path and file. Raises `BadInput` for an unreadable tree or monolith."""
    loaded = tree if isinstance(tree, Tree) else read_tree(tree, collection)
    return compare(loaded, read_bytes(monolith), str(monolith))


def diff(old: str, new: str, collection: str | None = None, id_key: str | None = None) -> Report:
    """What a change does to every entry's final config: each side a tree folder, a monolith file or `REV:PATH`
    in the git repository of the current folder. `Report.containers` lists each changed entry's leaf changes
    with the file that caused them; `Report.changed` is False when no final config changed."""
    return compare_sides(*load_sides(str(old), str(new), collection, id_key))


__all__ = ["read_tree", "merge", "document", "entry", "verify", "diff"]
