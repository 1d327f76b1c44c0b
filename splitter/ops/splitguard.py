"""What `split --force` would lose: edits in the tree it replaces that are in neither the monolith nor git."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from splitter.errors import BadInput, shell_word
from splitter.exact.conflicts import UnresolvedConflict
from splitter.exact.numbers import canonical_sorted, same_value
from splitter.exact.parse import parse
from splitter.merging.assemble import assemble
from splitter.merging.threeway_json import MISSING
from splitter.ops.gitsource import _git
from splitter.tree.collection import folders
from splitter.tree.layout import FORMAT
from splitter.tree.lock import LOCK_FILE
from splitter.tree.monolith import Monolith
from splitter.tree.read import read_tree
from splitter.tree.transaction import TRANSACTION


class EditsWouldBeLost(BadInput):
    """split --force over a tree holding edits that are nowhere else (exit 2)."""


def committed_unchanged(target: Path) -> bool:
    """Every file under target is tracked by git and unchanged since HEAD (nothing untracked, staged or edited)."""
    folder = str(target.resolve())
    tracked = _git(["ls-files", "-z", "--", "."], folder, folder)
    if tracked.returncode != 0 or not tracked.stdout:
        return False
    status = _git(["status", "--porcelain", "-z", "--untracked-files=all", "--", "."], folder, folder)
    return status.returncode == 0 and not status.stdout


def _written_by_splitter(target: Path, folder: str) -> bool:
    name = "layout.json" if folder == "lxc" else f"layout_{folder}.json"
    try:
        return parse((target / name).read_bytes(), name).get("format") == FORMAT
    except (OSError, BadInput, AttributeError):
        return False


def lost_edits(target: Path, mono: Monolith) -> list[str]:
    """The ids of the entries (and `globals` for the rest of the document) whose edits in the tree at target
    a forced split from `mono` would throw away; [] when nothing would be lost.

    Nothing is lost when target holds no tree of mono's collection, when the tree merges into mono (as
    values: key order and spelling aside), or when every file under target is committed in git unchanged.
    Raises BadInput when the tree cannot be read (a merge conflict left in it, say): it may hold edits.
    """
    if mono.collection.folder not in folders(target):
        return []
    if committed_unchanged(target):
        return []
    return _differing_from(target, mono, strict=True)


def replaced_values(target: Path, mono: Monolith) -> list[str]:
    """The ids of the entries (and `globals`) the tree at target merges into otherwise than `mono` (values, key
    order and spelling aside): what a forced split replaces, edits git may hold included; [] where target holds
    no readable tree of mono's collection. Raises nothing but what reading a tree in conflict raises."""
    if mono.collection.folder not in folders(target):
        return []
    return _differing_from(target, mono, strict=False)


def _differing_from(target: Path, mono: Monolith, strict: bool) -> list[str]:
    """lost_edits' and replaced_values' comparison; `strict`: an unreadable tree is refused (it may hold edits)
    where splitter wrote it, instead of counting as nothing."""
    try:
        tree = read_tree(target, mono.collection.folder)
    except UnresolvedConflict:
        raise
    except BadInput as error:
        if not strict or not _written_by_splitter(target, mono.collection.folder):
            return []  # not a tree splitter wrote: the write's own guard refuses it, naming why
        raise EditsWouldBeLost(f"cannot be read ({error}), so the edits it may hold cannot be told apart; "
                               "fix it, or pass --discard-edits to replace it anyway", str(target)) from None
    doc = assemble(tree)
    if canonical_sorted(doc) == canonical_sorted(mono.doc):
        return []
    lost = differing_entries(mono.collection.entries(doc, str(target)), mono.containers,
                             lambda one, other: canonical_sorted(one) == canonical_sorted(other))
    return lost or ["globals"]


def differing_entries(ones: dict, others: dict, same) -> list[str]:
    """The ids of the entries two sides hold differently or one lacks, in the first side's order then the
    second's; `same(one, other)` says whether two entries' values count as equal (split --force: key order
    aside; merge -o: key order and number spelling aside, as verify compares)."""
    return [key for key in dict.fromkeys([*ones, *others])
            if key not in ones or key not in others or not same(ones[key], others[key])]


def same_entry(first: Any, second: Any) -> bool:
    """Two entries' values are the same, as verify compares them (key order and number spelling aside); MISSING
    (an entry one side lacks) is the same only as MISSING."""
    if first is MISSING or second is MISSING:
        return first is second
    return same_value(first, second)


def git_show_path(file, revision: str = "HEAD") -> str:
    """The command that prints a file's committed version from any folder: `git -C DIR show HEAD:./NAME`
    (`./`: the path is read from DIR, not from the repository's top; gitrevisions(7))."""
    path = Path(file)
    return f"git -C {shell_word(path.parent)} show {shell_word(f'{revision}:./{path.name}')}"


def named(ids: list[str]) -> str:
    """The first ten ids, comma-separated, and how many more: `914, 915 and 3 more`."""
    return ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")


def entries_named(keys: list[str], collection) -> str:
    """`containers: 103, 917`, `the top-level keys` (the key `globals`), or both, joined by "; " (named: ten ids at
    most, in the order given); "" for none."""
    ids = [key for key in keys if key != "globals"]
    parts = [f"{collection.plural}: {named(ids)}"] if ids else []
    return "; ".join(parts + (["the top-level keys"] if "globals" in keys else []))


def lost_files(target: Path, files: dict[str, bytes], removed: list[str]) -> list[str]:
    """The files under target (relative paths) holding work not committed in git that a forced split writing
    `files` and removing `removed` would throw away: a file untracked, or changed since HEAD (staged or not),
    that it removes, or writes with other values (a file the editor only reformatted is not work: compared
    as values, key order aside). [] outside git and for splitter's own lock and staging folder. A draft
    profile nobody uses yet, or a profile renamed by hand, changes no merged config but is such work.
    Source: git-diff(1) `--relative` and git-ls-files(1) `--others --exclude-standard`, both relative to target."""
    changed = changed_since_head(target)
    others = _relative_names(target, ["ls-files", "-z", "--others", "--exclude-standard", "--", "."])
    if changed is None or others is None:
        return []  # not in git, or no commit yet: nothing to tell work from
    found = []
    gone = set(removed)
    for relative in dict.fromkeys([*changed, *others]):
        if relative.split("/")[0] in (TRANSACTION, LOCK_FILE):
            continue
        try:
            data = (target / relative).read_bytes()
        except OSError:
            continue  # deleted since HEAD: the split brings back at most what git holds
        if relative in gone or (relative in files and not _same_values(data, files[relative], relative)):
            found.append(relative)
    return found


def changed_since_head(target: Path) -> list[str] | None:
    """The files under target (relative to it) that differ from HEAD, staged or not, in git's order
    (git-diff(1) `--name-only --relative`); None outside git, before the first commit, or without git."""
    return _relative_names(target, ["diff", "--name-only", "-z", "--relative", "HEAD", "--", "."])


def _relative_names(target: Path, args: list[str]) -> list[str] | None:
    """The NUL-separated file names a git command run in target prints; None where it fails."""
    folder = str(target.resolve())
    try:
        done = _git(args, folder, folder, discover=True)
    except BadInput:  # git is not installed
        return None
    return None if done.returncode else [os.fsdecode(name) for name in done.stdout.split(b"\0") if name]


def _same_values(data: bytes, other: bytes, where: str) -> bool:
    try:
        return canonical_sorted(parse(data, where)) == canonical_sorted(parse(other, where))
    except BadInput:
        return False


def refuse_lost_edits(target: Path, mono: Monolith, files: dict[str, bytes] | None = None,
                      removed: list[str] = ()) -> None:
    """Raise EditsWouldBeLost naming the entries whose edits split --force would throw away, if any; then, given
    the `files` the split writes and the files it `removed`, the files whose uncommitted work it would lose
    (lost_files).

    The message names the two ways that keep the edits: `merge -o` when the tree is the newer side, and
    `update --base` with the monolith last in step (from git) when both moved; plain `update` would undo them.
    """
    lost = lost_edits(target, mono)
    work = lost_files(target, files, removed) if files is not None and not lost else []
    if work:
        raise EditsWouldBeLost(
            f"holds work not committed in git that split --force would overwrite or remove: {named(work)}; "
            "commit it first (git add, git commit), or pass --discard-edits to replace the tree anyway", str(target))
    tree_, mono_ = shell_word(target), shell_word(mono.file)  # as a shell reads them back: paths may hold spaces
    if lost and changed_since_head(target) is None:  # outside git: nothing tells which side moved
        raise EditsWouldBeLost(
            f"differs from {mono.file} ({mono.collection.plural}: {named(lost)}), and outside git splitter cannot "
            f"tell which side changed. Where the monolith did, bring the tree to it and keep its design "
            f"(splitter update {tree_} {mono_}); where the tree did, write the monolith from it (splitter "
            f"merge {tree_} -o {mono_}); or pass --discard-edits to replace the tree anyway", str(target))
    if lost:
        last = f"{git_show_path(mono.file)} > /tmp/last.json"
        raise EditsWouldBeLost(
            f"holds edits that are not in {mono.file} nor committed in git "
            f"({mono.collection.plural}: {named(lost)}); split --force would lose them. Keep them instead: where the tree is the newer side, write the "
            f"monolith from it (splitter merge {tree_} -o {mono_}); where both changed, give update the "
            f"monolith the tree was last in step with ({last} && splitter update {tree_} {mono_} "
            f"--base /tmp/last.json, then splitter merge {tree_} -o {mono_}); or pass --discard-edits to replace the "
            "tree anyway", str(target))
