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
from splitter.ops.splitguard import EditsWouldBeLost, differing_entries, git_show_path, named
from splitter.tree.read import Tree

def _git_says_yes(output: Path, *args: str) -> bool:
    """Whether a git command asked in output's folder (its own repository, whatever a hook exported) exits 0;
    False outside a repository or without git."""
    try:
        return _git(list(args), str(output), str(output.resolve().parent), discover=True).returncode == 0
    except BadInput:  # git is not installed
        return False


def _merging(output: Path) -> bool:
    """Whether output's repository is in the middle of a merge (MERGE_HEAD exists: git merged the files and a
    conflict or the pre-merge-commit hook stopped it before the commit; gitrevisions(7))."""
    return _git_says_yes(output, "rev-parse", "-q", "--verify", "MERGE_HEAD")


def _in_git(output: Path) -> bool:
    """Whether git tracks output (so that `git show HEAD:PATH` gives the version to bring the tree in step from)."""
    return _git_says_yes(output, "ls-files", "--error-unmatch", "--", output.name)


def _differing(first: Any, second: Any, tree: Tree, where: str) -> list[str]:
    """The ids of the entries two monoliths hold differently (or one lacks), and `globals` if the rest differs;
    values compared as verify compares them (same_value: key order and number spelling aside)."""
    differing = differing_entries(tree.collection.entries(first, "(the tree)"), tree.collection.entries(second, where),
                                  same_value)
    if not same_value(tree.collection.outside(first)[0], tree.collection.outside(second)[0]):
        differing.append("globals")
    return differing


def lost_monolith_edits(output: Path, tree: Tree, doc: Any, data: bytes, root: Path) -> list[str]:
    """The ids of the entries (and `globals` for the rest of the document) of the monolith at `output` whose edits
    `merge -o` would throw away by writing `data` (the bytes of `doc`, the tree at `root` merged); [] when none.

    Nothing is lost when output does not exist; holds `data`; holds git conflict markers (merge -o settles a
    monolith git left unmerged); is in a repository in the middle of a merge (git merged it file by file, the tree
    is the truth: MIGRATION.md section 13); or differs from the tree's merge only in key order and number
    spelling. Else an
    entry that differs is the tree's edit when a file it is made of (its own, the base, its profiles) or, for one
    the tree lacks, the collection's folder was modified after the monolith (by mtime: merge -o's own earlier
    output is older than the edits made since), and the monolith's own edit otherwise, which would be lost.
    Being in git does not count as kept: a staged or committed monolith edit the tree lacks would be reverted by
    the next commit. Limit: a monolith edit made before a later edit of a file of the same entry is not seen.
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
    if _merging(output):  # git merged the monolith from two sides each in step with its tree: the tree is the truth
        return []
    try:  # orjson's parse, 20 times the exact one's speed; two fractions that round to one double (0.1,
        # 0.10000000000000001) look the same to it: an edit of that kind would go by
        differing = _differing(doc, orjson.loads(raw), tree, str(output))
    except orjson.JSONDecodeError:  # integers beyond 64 bits, a byte order mark: the exact parse
        differing = _differing(doc, parse(raw, str(output)), tree, str(output))
    written = os.stat(output).st_mtime_ns
    return [key for key in differing if not _tree_newer(key, tree, root, written)]


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
    in_git = _in_git(output)
    last = f"{git_show_path(output)} > last.json, then " if in_git else ""
    raise EditsWouldBeLost(
        f"holds edits that are not in {root} ({tree.collection.plural}: {named(lost)}); merge -o would lose "
        f"them. Bring the tree in step first: {last}splitter update {root} {output} --base "
        f"{'last.json' if in_git else 'LAST (the monolith the tree was last in step with)'}, then run this merge "
        "again (or pass --discard-edits to replace it anyway)", str(output))
