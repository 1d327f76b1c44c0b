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
from splitter.merging.assemble import Assembler
from splitter.merging.threeway_json import MISSING, merge_json
from splitter.ops.gitsource import _git, tree_source
from splitter.ops.splitguard import EditsWouldBeLost, differing_entries, git_show_path, named
from splitter.tree.read import Tree, read_source
from splitter.tree.write import STAMP

def _git_says_yes(output: Path, *args: str) -> bool:
    """Whether a git command asked in output's folder (its own repository, whatever a hook exported) exits 0;
    False outside a repository or without git."""
    try:
        return _git(list(args), str(output), str(output.resolve().parent), discover=True).returncode == 0
    except BadInput:  # git is not installed
        return False


def _own_output(output: Path, raw: bytes) -> bool:
    """Whether output holds the very bytes merge -o last wrote to it (its stamp; a script that rewrites the file
    drops it or changes the bytes)."""
    import hashlib

    try:
        return os.getxattr(output, STAMP) == hashlib.sha256(raw).hexdigest().encode()
    except (OSError, AttributeError):
        return False


def _staged_as_is(output: Path) -> bool:
    """Whether the monolith on disk is the one git's index holds (git diff --quiet: no change since git merged
    or staged it)."""
    return _git_says_yes(output, "diff", "--quiet", "--", output.name)


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
    spelling. Else, where git tracks the monolith and its repository has a commit, each entry that differs is
    compared on each side with that side's version at HEAD, as merged configs (_monolith_holds_edit: a file
    saved unchanged, reformatted or tidied is no edit; an edit of the base counts only for the entries whose
    config it changes), and outside git the later side by file times is the edit (merge -o's own earlier output
    is older than the tree edits made since). Being in git does not count as kept: a staged or committed
    monolith edit the tree lacks would be reverted by the next commit. Limit, outside git only: a monolith edit
    made before a later edit of a file of the same entry is not seen.
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
    if _own_output(output, raw):  # merge -o wrote these very bytes: nobody edited the monolith since
        return []
    if _merging(output) and _staged_as_is(output):  # git merged it from two sides each in step with its tree,
        return []  # and nothing changed it since: the tree is the truth (section 13)
    current = _loads(raw, str(output))
    differing = _differing(doc, current, tree, str(output))
    written = os.stat(output).st_mtime_ns
    head = _at_head(output, root, tree) if differing else None
    if head is None:  # not in git: file times alone
        return [key for key in differing if not _tree_newer(key, tree, root, written)]
    return [key for key in differing if _monolith_holds_edit(key, doc, current, head, tree, root, output, written)]


def _loads(raw: bytes, where: str) -> Any:
    try:  # orjson's parse, 20 times the exact one's speed; two fractions that round to one double (0.1,
        # 0.10000000000000001) look the same to it: an edit of that kind would go by
        return orjson.loads(raw)
    except orjson.JSONDecodeError:  # integers beyond 64 bits, a byte order mark: the exact parse
        return parse(raw, where)


class _Head:
    """The last commit's monolith and tree."""

    def __init__(self, monolith: Any, tree: Tree):
        self.monolith = monolith
        self.tree = tree
        self.assembler = Assembler(tree.base, tree.profiles, tree.layout)

    def entry(self, ctid: str) -> Any:
        own = self.tree.containers.get(ctid)
        return MISSING if own is None else self.assembler.container(ctid, own)


def _at_head(output: Path, root: Path, tree: Tree) -> _Head | None:
    """HEAD's monolith and tree (`git show`, `git ls-tree` and `git cat-file` from their own folders); None where
    git does not track output, has no commit, or cannot read either (then file times decide)."""
    if not _in_git(output):
        return None
    try:
        shown = _git(["show", f"HEAD:./{output.name}"], str(output), str(output.resolve().parent), discover=True)
        found = _git(["rev-parse", "--verify", "--quiet", "HEAD:./"], str(root), str(root), discover=True)
        if shown.returncode or found.returncode:
            return None
        monolith = _loads(shown.stdout, f"HEAD:{output.name}")
        committed = read_source(tree_source(f"HEAD:{root}", found.stdout.strip(), str(root)),
                                tree.collection.folder)
    except BadInput:  # git is not installed; HEAD's monolith or tree cannot be read (conflict markers)
        return None
    return _Head(monolith, committed)


def _changed_last(output: Path, root: Path, files: list[str]) -> str | None:
    """Which of the monolith and an entry's files (relative to root) the history changed last: "monolith" or
    "tree" when the last commit that touched one is an ancestor of the last that touched the other
    (git-rev-list(1), git-merge-base(1) --is-ancestor); None when one commit touched both, neither is an ancestor
    of the other (two branches merged), or git cannot tell."""
    last = []
    for paths, cwd in (([output.name], output.resolve().parent), (files, root)):
        done = _git(["rev-list", "-1", "HEAD", "--", *paths], str(output), str(cwd), discover=True)
        last.append(done.stdout.strip().decode() if done.returncode == 0 else "")
    if not all(last) or last[0] == last[1]:
        return None
    for first, second, later in ((last[0], last[1], "tree"), (last[1], last[0], "monolith")):
        if _git_says_yes(output, "merge-base", "--is-ancestor", first, second):
            return later
    return None


def _monolith_holds_edit(key: str, doc: Any, current: Any, head: _Head, tree: Tree, root: Path, output: Path,
                         written: int) -> bool:
    """Whether merge -o would lose the monolith's edit of an entry (or `globals`) where git has a commit.

    Each side is compared with its own version at HEAD, as configs (so a file saved unchanged, reformatted or
    tidied is no edit; no file time counts): the side that moved alone holds the edit. Where both moved, every
    leaf the monolith changed since HEAD must be changed alike in the tree's merge (a three-way merge gives it
    back without conflict); a leaf each changed its own way is the monolith's edit (merge -o's own earlier
    output never gets here: see _own_output). Where neither moved, the commit itself disagrees: the monolith
    holds the edit unless the history changed the entry's files after it (a branch merged that changed only
    the tree); where it cannot tell (one commit, or two branches), the monolith's edit is kept."""
    where = str(output)
    try:
        if key == "globals":
            mine, theirs = tree.collection.outside(doc)[0], tree.collection.outside(current)[0]
            committed_tree, committed_monolith = head.tree.globals, tree.collection.outside(head.monolith)[0]
        else:
            mine = tree.collection.entries(doc, where).get(key, MISSING)
            theirs = tree.collection.entries(current, where).get(key, MISSING)
            committed_tree = head.entry(key)
            committed_monolith = tree.collection.entries(head.monolith, where).get(key, MISSING)
    except BadInput:  # HEAD's monolith is not of this collection: file times
        return not _tree_newer(key, tree, root, written)
    tree_moved = not _same(mine, committed_tree)
    monolith_moved = not _same(theirs, committed_monolith)
    if monolith_moved and not tree_moved:
        return True
    if tree_moved and not monolith_moved:
        return False
    if tree_moved:  # both: every change the monolith made since the commit must be the tree's too
        merged, conflicts = merge_json(committed_monolith, mine, theirs)  # ours (the tree) where both changed
        return bool(conflicts) or not _same(merged, mine)  # a leaf both changed, each its own way: not settled
    return _changed_last(output, root, _files_of(key, tree, with_folder=False)) != "tree"


def _same(first: Any, second: Any) -> bool:
    if first is MISSING or second is MISSING:
        return first is second
    return same_value(first, second)


def _files_of(key: str, tree: Tree, with_folder: bool = True) -> list[str]:
    """The tree's files (relative paths) an entry, or `globals`, is made of; for an entry the tree lacks, its
    collection's folder (a file deleted there; for git, its layout file alone without `with_folder`)."""
    layer = tree.containers.get(key)
    if key == "globals":
        return [tree.collection.globals_file, tree.collection.layout_file]
    if layer is None:
        return [tree.collection.folder, tree.collection.layout_file] if with_folder else [
            tree.collection.folder + "/", tree.collection.layout_file]
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
    last = f"{git_show_path(output)} > /tmp/last.json, then " if in_git else ""
    raise EditsWouldBeLost(
        f"holds edits that are not in {root} ({_what(lost, tree)}); merge -o would lose "
        f"them. Bring the tree in step first: {last}splitter update {root} {output} --base "
        f"{'/tmp/last.json' if in_git else 'LAST (the monolith the tree was last in step with)'}, then run this merge "
        "again (or pass --discard-edits to replace it anyway)", str(output))


def _what(lost: list[str], tree: Tree) -> str:
    """`containers: 103, 917`, `the top-level keys`, or both."""
    ids = [key for key in lost if key != "globals"]
    parts = [f"{tree.collection.plural}: {named(ids)}"] if ids else []
    return "; ".join(parts + (["the top-level keys"] if "globals" in lost else []))
