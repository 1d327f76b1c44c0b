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
    spelling. Else, where git tracks the monolith and its repository has a commit, an entry that differs and
    moved since HEAD on one side only, by content, is that side's edit: the monolith's (lost) when its entry
    differs from HEAD's and none of the files the entry is made of (its own, the base, its profiles; for one the
    tree lacks, the collection's folder) does; the tree's when only those do. Where both moved, or neither (the
    commit itself disagrees: a branch merged that changed one of them), the later is the edit, by file times
    (merge -o's own earlier output is older than the tree edits made since; git writes the files a merge or a
    checkout changes). Outside git, file times decide alone. Being in git does not count as kept: a staged or
    committed monolith edit the tree lacks would be reverted by the next commit. Limit: where both moved, a
    monolith edit made before a later edit of a file of the same entry is not seen.
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
    current = _loads(raw, str(output))
    differing = _differing(doc, current, tree, str(output))
    written = os.stat(output).st_mtime_ns
    since_head = _since_head(output, root) if differing else None
    if since_head is None:  # not in git: file times alone
        return [key for key in differing if not _tree_newer(key, tree, root, written)]
    head, changed = since_head
    lost = []
    for key in differing:
        tree_moved = any(file == changed_file or changed_file.startswith(file + "/")
                         for file in _files_of(key, tree) for changed_file in changed)
        monolith_moved = not _same_part(key, current, head, tree, str(output))
        if tree_moved != monolith_moved:  # one side moved since the commit: that side's edit stands
            if monolith_moved:
                lost.append(key)
        elif not _tree_newer(key, tree, root, written):  # both moved, or the commit itself disagrees: file times
            lost.append(key)
    return lost


def _loads(raw: bytes, where: str) -> Any:
    try:  # orjson's parse, 20 times the exact one's speed; two fractions that round to one double (0.1,
        # 0.10000000000000001) look the same to it: an edit of that kind would go by
        return orjson.loads(raw)
    except orjson.JSONDecodeError:  # integers beyond 64 bits, a byte order mark: the exact parse
        return parse(raw, where)


def _since_head(output: Path, root: Path) -> tuple[Any, set[str]] | None:
    """(output's committed version, the tree's files that differ from HEAD by content or are new, relative to
    root); None where git does not track output or cannot tell. Content, not file times: a file an editor saved
    unchanged, or that a branch switch wrote back, is no edit (git-diff(1), git-ls-files(1))."""
    if not _in_git(output):
        return None
    try:
        shown = _git(["show", f"HEAD:./{output.name}"], str(output), str(output.resolve().parent), discover=True)
        tracked = _git(["diff", "--name-only", "--relative", "-z", "HEAD", "--", "."], str(root), str(root),
                       discover=True)
        new = _git(["ls-files", "-z", "--others", "--exclude-standard", "--", "."], str(root), str(root),
                   discover=True)
        if shown.returncode or tracked.returncode or new.returncode:
            return None
        head = _loads(shown.stdout, f"HEAD:{output.name}")
    except BadInput:  # git is not installed, or the committed version is not JSON (conflict markers)
        return None
    return head, {os.fsdecode(name) for name in (tracked.stdout + new.stdout).split(b"\0") if name}


def _same_part(key: str, current: Any, head: Any, tree: Tree, where: str) -> bool:
    """Whether the monolith holds an entry (or `globals`, the rest of the document) as its committed version
    does (same_value); False where either cannot be read as the tree's collection."""
    try:
        if key == "globals":
            return same_value(tree.collection.outside(current)[0], tree.collection.outside(head)[0])
        ours, theirs = tree.collection.entries(current, where), tree.collection.entries(head, where)
    except BadInput:
        return False
    if key not in ours or key not in theirs:
        return (key in ours) == (key in theirs)
    return same_value(ours[key], theirs[key])


def _files_of(key: str, tree: Tree) -> list[str]:
    """The tree's files (relative paths) an entry, or `globals`, is made of; for an entry the tree lacks, its
    collection's folder (a file deleted there)."""
    layer = tree.containers.get(key)
    if key == "globals":
        return [tree.collection.globals_file, tree.collection.layout_file]
    if layer is None:
        return [tree.collection.folder, tree.collection.layout_file]
    return [layer.file, tree.base.file, *(tree.profiles[name].file for name in layer.profiles if name in tree.profiles)]


def _tree_newer(key: str, tree: Tree, root: Path, written: int) -> bool:
    """Whether a file the entry (or `globals`) is made of was modified after the monolith was written."""
    for file in _files_of(key, tree):
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
