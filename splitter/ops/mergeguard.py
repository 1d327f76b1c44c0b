"""What `merge -o` would lose: edits in the monolith it replaces that are in neither the tree nor git."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from splitter.errors import BadInput
from splitter.exact.conflicts import conflict_line
from splitter.exact.numbers import same_value
from splitter.exact.parse import parse
from splitter.ops.gitsource import _git
from splitter.ops.splitguard import EditsWouldBeLost, named
from splitter.ops.threeway import three_way
from splitter.tree.read import Tree

_KEPT = "kept"  # git holds the file's bytes (committed or staged)


def _git_side(output: Path, raw: bytes) -> tuple[str, bytes | None]:
    """(_KEPT, None) when git holds raw as output's committed or staged version; ("", base) with base the staged
    (else committed) version when output is tracked but edited since; ("", None) when git has no version of it
    (not in a repository, untracked, ignored, or git missing). One `git status` in the common cases; its XY code
    is git-status(1)'s porcelain v1: X the index against HEAD, Y the work tree against the index."""
    cwd, name = str(output.resolve().parent), output.name
    try:
        status = _git(["status", "--porcelain=v1", "-z", "--ignored=matching", "--untracked-files=all",
                       "--", name], str(output), cwd, discover=True)
    except BadInput:  # git is not installed
        return "", None
    if status.returncode != 0:
        return "", None
    state = status.stdout[:2].decode("ascii", "replace")
    if not state:
        return _KEPT, None  # tracked, and unchanged since HEAD and the index
    if state in ("??", "!!"):
        return "", None
    if state[1] == " ":
        return _KEPT, None  # staged as it is
    base = None
    for spec in (f":./{name}", f"HEAD:./{name}"):  # staged, then committed: either holds these bytes?
        shown = _git(["cat-file", "blob", spec], str(output), cwd, discover=True)
        if shown.returncode == 0:
            if shown.stdout == raw:
                return _KEPT, None
            base = shown.stdout if base is None else base
    return "", base


def _differing(first: Any, second: Any, tree: Tree, where: str) -> list[str]:
    """The ids of the entries two monoliths hold differently (or one lacks), and `globals` if the rest differs;
    values compared as verify compares them (same_value: key order and number spelling aside)."""
    ones, others = tree.collection.entries(first, "(the tree)"), tree.collection.entries(second, where)
    differing = [key for key in dict.fromkeys([*ones, *others])
                 if key not in ones or key not in others or not same_value(ones[key], others[key])]
    if not same_value(tree.collection.outside(first)[0], tree.collection.outside(second)[0]):
        differing.append("globals")
    return differing


def lost_monolith_edits(output: Path, tree: Tree, doc: Any, data: bytes, root: Path) -> list[str]:
    """The ids of the entries (and `globals` for the rest of the document) of the monolith at `output` whose edits
    `merge -o` would throw away by writing `data` (the bytes of `doc`, the tree at `root` merged); [] when none.

    Nothing is lost when output does not exist; holds `data`; holds git conflict markers (merge -o settles a
    monolith git left unmerged); is committed or staged as it is; or differs from the tree's merge only in key
    order and number spelling. A monolith edited since its staged (or committed) version loses the entries
    where an edit since that version is not in the tree (the diff3 rule, ops.threeway). Outside git (no
    repository, untracked, ignored) there is no version to compare with: an entry that differs is the tree's
    edit when a file it is made of (its own, the base, its profiles) or, for one the tree lacks, the collection's
    folder was modified after the monolith (by mtime), else the monolith's own edit, which would be lost.
    Raises BadInput when output cannot be read.
    """
    try:
        raw = output.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as error:
        raise BadInput(f"cannot be read: {error.strerror or error}", str(output)) from None
    if raw == data or (b"<<<<<<<" in raw and conflict_line(raw) is not None):  # a memchr scan first
        return []
    state, base = _git_side(output, raw)
    if state == _KEPT:
        return []
    if base is None:
        try:  # orjson's parse, 20 times the exact one's speed; two fractions that round to one double (0.1,
            # 0.10000000000000001) look the same to it: an edit of that kind would go by
            differing = _differing(doc, orjson.loads(raw), tree, str(output))
        except orjson.JSONDecodeError:  # integers beyond 64 bits, a byte order mark: the exact parse
            differing = _differing(doc, parse(raw, str(output)), tree, str(output))
        written = os.stat(output).st_mtime_ns
        return [key for key in differing if not _tree_newer(key, tree, root, written)]
    theirs = parse(raw, str(output))
    differing = _differing(doc, theirs, tree, str(output))
    if differing:
        try:
            merged, conflicts, _ = three_way(parse(base, f"{output} (git)"), doc, theirs, tree.collection)
        except BadInput:  # the staged version is not a monolith: nothing to tell edits apart by
            return differing
        lost = {conflict.container or "globals" for conflict in conflicts}
        lost.update(_differing(doc, merged, tree, str(output)))  # a monolith's edit since git the tree lacks
        return [key for key in differing if key in lost]
    return []


def _tree_newer(key: str, tree: Tree, root: Path, written: int) -> bool:
    """Whether a file the entry (or `globals`) is made of was modified after the monolith was written."""
    layer = tree.containers.get(key)
    if key == "globals":
        files = [tree.collection.globals_file, tree.collection.layout_file]
    elif layer is None:
        files = [tree.collection.folder, tree.collection.layout_file]  # a file deleted changes its folder
    else:
        files = [layer.file, tree.base.file, *(tree.profiles[name].file for name in layer.profiles
                                                if name in tree.profiles)]
    for file in files:
        try:
            if os.stat(root / file).st_mtime_ns > written:
                return True
        except OSError:
            continue
    return False


def refuse_lost_monolith_edits(output: Path, tree: Tree, doc: Any, data: bytes, root: Path) -> None:
    """Raise EditsWouldBeLost (exit 2) naming the entries whose monolith edits merge -o would throw away, if any."""
    lost = lost_monolith_edits(output, tree, doc, data, root)
    if not lost:
        return
    in_git = _git_side(output, b"")[1] is not None
    last = (f"git show HEAD:./{output.name} > last.json, then " if in_git else "")
    raise EditsWouldBeLost(
        f"holds edits that are not in {root} nor in git ({tree.collection.plural}: {named(lost)}); merge -o "
        f"would lose them. Bring the tree in step first: {last}splitter update {root} {output} --base "
        f"{'last.json' if in_git else 'LAST (the monolith the tree was last in step with)'} "
        "(or pass --discard-edits to replace it anyway)", str(output))
