"""What a plain `update` would lose: edits of the tree that are in neither the new monolith nor git."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from splitter.errors import shell_word
from splitter.exact.numbers import same_value
from splitter.merging.assemble import Assembler
from splitter.merging.threeway_json import MISSING, merge_json
from splitter.ops.gitsource import committed_tree, tree_id
from splitter.ops.instep import base_step, in_step, monolith_at
from splitter.ops.splitguard import (EditsWouldBeLost, changed_since_head, committed_unchanged, entries_named,
                                     named, same_entry)
from splitter.tree.monolith import Monolith
from splitter.tree.names import natural_key
from splitter.tree.read import Tree


def _merged(tree: Tree) -> dict:
    """Each entry's merged config, by id."""
    assembler = Assembler(tree.base, tree.profiles, tree.layout)
    return {key: assembler.container(key, own) for key, own in tree.containers.items()}


def lost_tree_edits(root: Path, tree: Tree, mono: Monolith) -> list[str]:
    """The ids of the entries (and `globals` for the rest of the document) whose edits in the tree at root a
    plain update to `mono` would undo: changed since git's HEAD (as merged configs, key order and number
    spelling aside, as verify compares) and not as `mono` holds them. [] where every file under root is
    committed unchanged, or where git holds no tree at root (outside git the tree's own edits cannot be told
    from the monolith's: MIGRATION.md section 10)."""
    committed = tree_id(root)  # first: outside git this one call is all it costs
    if committed is None:
        return []
    now = _merged(tree)
    if committed_unchanged(root):
        then = now  # the tree is HEAD's
    else:
        head = committed_tree(root, tree.collection.folder, tree=committed)
        if head is None:
            return []
        then = _merged(head)
    lost = [key for key in dict.fromkeys([*now, *then]) if not same_entry(now.get(key, MISSING), then.get(key, MISSING))
            and not _holds(mono.containers.get(key, MISSING), then.get(key, MISSING), now.get(key, MISSING))]
    if now is not then and not same_value(tree.globals, head.globals) and not _holds(
            mono.collection.outside(mono.doc)[0], head.globals, tree.globals):
        lost.append("globals")
    # the tree as HEAD has it, the monolith not: a committed edit of the tree's, or the monolith's own change
    rest = [key for key in dict.fromkeys([*now, *mono.containers]) if key not in lost
            and same_entry(now.get(key, MISSING), then.get(key, MISSING))
            and not same_entry(now.get(key, MISSING), mono.containers.get(key, MISSING))]
    return lost + _committed_edits(root, tree, mono, rest, now) if rest else lost


def _holds(monolith: Any, base: Any, tree: Any) -> bool:
    """Whether the monolith holds every change the tree made since `base`, leaf by leaf: the three-way merge of
    the two gives the monolith back, no conflict (a tree edit written into the monolith by merge -o, beside a
    script's edit of another key)."""
    merged, conflicts = merge_json(base, monolith, tree)
    return not conflicts and same_entry(merged, monolith)


def _committed_edits(root: Path, tree: Tree, mono: Monolith, keys: list[str], now: dict) -> list[str]:
    """Of `keys` (entries the tree holds as HEAD's tree does, and the monolith otherwise), those whose tree value
    holds a committed edit the monolith lacks: HEAD's monolith disagrees with the tree there (a commit of the
    tree alone, without merge -o), and the tree changed since the last commit where the two agreed (instep) in a
    way the monolith does not hold. An entry HEAD holds in step is the monolith's change: none of these."""
    output = Path(mono.file)
    committed = monolith_at(output, tree.collection, "HEAD")
    if committed is None:
        return []
    found, cache = [], {}
    for key in keys:
        if same_entry(committed.get(key), now.get(key, MISSING)):
            continue
        base = in_step(output, root, tree.collection, [key], "HEAD", cache)
        if base is None:
            continue  # beyond what git can tell here: the monolith's side, as outside git
        if not _holds(mono.containers.get(key, MISSING), base.monolith.get(key), now.get(key, MISSING)):
            found.append(key)
    return found


def refuse_lost_tree_edits(root: Path, tree: Tree, mono: Monolith) -> None:
    """Raise EditsWouldBeLost (exit 2) naming the entries whose uncommitted tree edits a plain update would undo,
    with the ways that keep them: `update --base` with the monolith last in step, or `merge -o` first where
    only the tree changed."""
    lost = lost_tree_edits(root, tree, mono)
    if not lost:
        return
    # the base must hold every entry the two sides hold differently as they last agreed on it: the monolith's
    # own committed edits come across too, in one round
    merged = _merged(tree)
    differing = [key for key in dict.fromkeys([*merged, *mono.containers]) if not same_entry(
        merged.get(key, MISSING), mono.containers.get(key, MISSING))] + (["globals"] if "globals" in lost else [])
    ordered = sorted((key for key in lost if key != "globals"), key=natural_key) + ["globals"] * ("globals" in lost)
    files = sorted(changed_since_head(root) or [])
    what = entries_named(ordered, tree.collection) + (
        f"; files changed since the last commit: {named(files)}" if files else "")
    tree_, mono_ = shell_word(root), shell_word(mono.file)  # as a shell reads them back: paths may hold spaces
    raise EditsWouldBeLost(
        f"holds edits of its own that are not in {mono.file} ({what}); update would undo them. Keep "
        f"them: where both changed, give update the monolith the tree was last in step with "
        f"({base_step(Path(mono.file), root, tree.collection, differing)} && splitter update {tree_} {mono_} "
        f"--base /tmp/last.json; then splitter merge {tree_} -o {mono_}); where only the tree changed, write "
        f"the monolith from it (splitter merge {tree_} -o {mono_}); or pass --discard-edits to undo them",
        str(root))
