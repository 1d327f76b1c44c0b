"""What `merge -o` would lose: edits in the monolith it replaces that are in neither the tree nor git."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from splitter.errors import BadInput, shell_word
from splitter.exact.conflicts import conflict_line
from splitter.exact.numbers import same_value
from splitter.exact.pointer import differing_paths, value_at
from splitter.merging.assemble import Assembler
from splitter.merging.threeway_json import MISSING, merge_json
from splitter.ops.gitsource import _git, committed_tree
from splitter.ops.instep import Parts, Snapshot, base_step, in_step, monolith_at, quick_loads
from splitter.ops.splitguard import EditsWouldBeLost, differing_entries, entries_named, same_entry
from splitter.tree.layers import Layer
from splitter.tree.read import Tree
from splitter.tree.write import stamped

def _git_says_yes(output: Path, *args: str) -> bool:
    """Whether a git command asked in output's folder (its own repository, whatever a hook exported) exits 0;
    False outside a repository or without git."""
    try:
        return _git(list(args), str(output), str(output.resolve().parent), discover=True).returncode == 0
    except BadInput:  # git is not installed
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


def _differing(first: Parts, second: Parts) -> list[str]:
    """The ids of the entries two monoliths hold differently (or one lacks), and `globals` if the rest differs;
    values compared as verify compares them (same_value: key order and number spelling aside)."""
    differing = differing_entries(first.entries, second.entries, same_value)
    if not same_value(first.globals, second.globals):
        differing.append("globals")
    return differing


def lost_monolith_edits(output: Path, tree: Tree, doc: Any, data: bytes, root: Path,
                        differing_out: list | None = None, paths_out: dict | None = None) -> list[str]:
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
    monolith edit the tree lacks would be reverted by the next commit. Outside git, each value the two hold
    differently counts by the file that gives it, and a base's or profile's value only where every entry taking
    it held another, alike (_tree_newer); limit: a monolith edit of an entry's own value made before a later
    edit of that entry's file is not seen; there `paths_out` gets, per entry, the paths the monolith changed
    with its values there: {key: [(path, value)]}.
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
    if stamped(output, raw):  # merge -o wrote these very bytes: nobody edited the monolith since
        return []
    mine = Parts(doc, tree.collection, "(the tree)")
    current = Parts(quick_loads(raw, str(output)), tree.collection, str(output))
    differing = _differing(mine, current)
    if differing_out is not None:  # every entry the two sides hold differently, for the advice's base
        differing_out += differing
    if differing and _merging(output) and _staged_as_is(output):  # as git merged it: the tree is the truth
        parents = [_at_head(output, root, tree, revision) for revision in ("HEAD", "MERGE_HEAD")]  # (section 13)
        return [key for key in differing if _parent_held_edit(key, mine, parents, tree)]
    written = os.stat(output).st_mtime_ns
    head = _at_head(output, root, tree) if differing else None
    if head is None:  # not in git: file times, and which entries a base or profile edit would change
        shared: dict = {}
        found = {key: _monolith_paths(key, tree, root, written, mine, current, shared) for key in differing}
        if paths_out is not None:
            paths_out.update((key, [(path, value_at(current.get(key), path)) for path in paths])
                             for key, paths in found.items() if paths)
        return [key for key, paths in found.items() if paths]
    return [key for key in differing if _monolith_holds_edit(key, mine, current, head, tree)]


class _Head(Snapshot):
    """The monolith and the tree at a revision (HEAD, or a merge's other parent), with what the guard reads of
    the history around it, once."""

    def __init__(self, revision: str, monolith: Parts, tree: Tree, root: Path, output: Path):
        super().__init__(revision, monolith, tree)
        self.root = root
        self.output = output
        self.before: dict[str, tuple | None] = {}  # commit -> (tree, assembler) of its parent
        self.snapshots: dict = {}  # revision -> instep.Snapshot (or None)


def _at_head(output: Path, root: Path, tree: Tree, revision: str = "HEAD") -> _Head | None:
    """The monolith and tree at a revision, HEAD by default (`git show`, `git ls-tree` and `git cat-file` from
    their own folders); None where git does not track output, has no such commit, or cannot read either (then
    file times decide)."""
    if not _in_git(output):
        return None
    monolith = monolith_at(output, tree.collection, revision)
    committed = committed_tree(root, tree.collection.folder, revision) if monolith is not None else None
    return None if committed is None else _Head(revision, monolith, committed, root, output)


def _tree_before(head: _Head, files: list[str], collection: str) -> Any:
    """An entry's merged config just before the last commit that changed one of its files (relative to the
    tree), by that commit's parent (git-rev-list(1)); None where there is no such commit or parent, or git
    cannot read it."""
    root = str(head.root)
    found = _git(["rev-list", "-1", head.revision, "--", *files], root, root, discover=True)
    commit = found.stdout.strip().decode() if found.returncode == 0 else ""
    if not commit:
        return None
    if commit not in head.before:
        tree = committed_tree(head.root, collection, f"{commit}~1")
        head.before[commit] = None if tree is None else (tree, Assembler(tree.base, tree.profiles, tree.layout))
    return head.before[commit]


def _stale(key: str, committed_monolith: Any, head: _Head, tree: Tree) -> bool:
    """Whether the committed monolith holds an entry as the tree merged it just before the tree's last commit of
    that entry's files: the monolith was not brought in step with that commit (a branch that changed only the
    tree), which is no edit of the monolith's. A script's commit of the monolith gives a value no such tree had."""
    before = _tree_before(head, _files_of(key, tree, with_folder=False), tree.collection.folder)
    if before is None or key == "globals":
        return False
    old_tree, assembler = before
    own = old_tree.containers.get(key)
    return same_entry(committed_monolith, MISSING if own is None else assembler.container(key, own))


def _parent_held_edit(key: str, mine: Parts, parents: list[_Head | None], tree: Tree) -> bool:
    """During a merge, with the monolith as git merged it: whether a parent (HEAD or MERGE_HEAD) committed a monolith
    edit of the entry that its own tree lacked (a script's commit on one branch) and that the merged tree does
    not hold (_held). A parent that held the entry in step with its tree, or left its monolith behind by a
    commit of the tree alone (_stale), holds no such edit: the merged tree is the truth (MIGRATION.md section 13)."""
    ours = mine.get(key)
    for parent in parents:
        if parent is None:
            continue
        theirs = parent.monolith.get(key)
        if same_entry(theirs, parent.entry(key)) or _stale(key, theirs, parent, tree):
            continue
        if not _held(key, ours, theirs, parent, tree):
            return True
    return False


def _monolith_holds_edit(key: str, mine: Parts, current: Parts, head: _Head, tree: Tree) -> bool:
    """Whether merge -o would lose the monolith's edit of an entry (or `globals`) where git has a commit.

    Each side is compared with its own version at HEAD, as configs (so a file saved unchanged, reformatted or
    tidied is no edit; no file time counts): the side that moved alone holds the edit. Where both moved, every
    leaf the monolith changed since HEAD must be changed alike in the tree's merge (a three-way merge gives it
    back without conflict); a leaf each changed its own way is the monolith's edit (merge -o's own earlier
    output never gets here: see tree.write.stamped). And the commit itself must not hold a monolith edit the
    tree lacks: its monolith and tree agree on the entry, or its monolith holds the entry as the tree did just
    before the tree's last commit of it (_stale: a commit of the tree alone). Anything else keeps the
    monolith's."""
    ours, theirs = mine.get(key), current.get(key)
    committed_tree, committed_monolith = head.entry(key), head.monolith.get(key)
    tree_moved = not same_entry(ours, committed_tree)
    monolith_moved = not same_entry(theirs, committed_monolith)
    if monolith_moved and not tree_moved:
        return True
    if monolith_moved:  # both: every change the monolith made since the commit must be the tree's too
        merged, conflicts = merge_json(committed_monolith, ours, theirs)  # ours (the tree) where both changed
        if conflicts or not same_entry(merged, ours):  # a leaf both changed, each its own way: not settled
            return True
    # what the commit itself holds: in step, or a monolith left behind by a commit of the tree's files, or an
    # edit of the monolith's that the tree now holds (brought in step by update --base after that commit)
    return not (same_entry(committed_monolith, committed_tree) or _stale(key, committed_monolith, head, tree)
                or _held(key, ours, committed_monolith, head, tree))


def _held(key: str, ours: Any, committed_monolith: Any, head: _Head, tree: Tree) -> bool:
    """Whether the tree's merge of an entry (`ours`) holds every change the committed monolith made to it since the
    last commit before `head` where monolith and tree agreed on it (instep.in_step): a three-way merge gives the
    tree back, no conflict (a tree brought in step by update --base after a script's commit)."""
    base = in_step(head.output, head.root, tree.collection, [key], head.revision, head.snapshots)
    if base is None:
        return False
    merged, conflicts = merge_json(base.monolith.get(key), ours, committed_monolith)
    return not conflicts and same_entry(merged, ours)


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


def _monolith_paths(key: str, tree: Tree, root: Path, written: int, mine: Parts, current: Parts,
                    shared: dict | None = None) -> list[tuple]:
    """The paths of an entry (or `globals`) where the monolith holds the later edit, [] where the tree's side is
    the later one: for an entry both sides hold, each value they hold differently (`mine` the tree's merge,
    `current` the monolith) is the tree's only as a later edit of the tree file that gives it (explain.giver:
    the layer that gives or removes it, else the entry's own file), so a later edit of another key of a base
    does not hide an older value the monolith changed since; a value a base or profile gives must also be new
    there (_shared_value_new; `shared` caches its verdicts). Otherwise the whole entry, `[()]`, unless a file
    it is made of was modified after the monolith."""
    ours, theirs = mine.get(key), current.get(key)
    if key == "globals" or key not in tree.containers or MISSING in (ours, theirs):
        return [] if any(_modified_after(root / file, written) for file in _files_of(key, tree)) else [()]
    from splitter.ops.explain import giver

    layers = tree.layers_of(key)
    verdicts = {} if shared is None else shared
    found = []
    for path in differing_paths(ours, theirs, same_value):  # key order and number spelling aside
        layer = giver(layers, path)
        if layer is not layers[-1] and (layer.file, path) not in verdicts:
            verdicts[layer.file, path] = _shared_value_new(layer, path, tree, mine, current)
        if not _modified_after(root / layer.file, written) or (layer is not layers[-1]
                                                                and not verdicts[layer.file, path]):
            found.append(path)
    return found


def _shared_value_new(layer: Layer, path: tuple, tree: Tree, mine: Parts, current: Parts) -> bool:
    """Whether the value a base or profile `layer` gives at `path` is an edit made since the monolith was written:
    every entry taking it from there holds it otherwise in the monolith, and all alike (the old value). Where one
    entry holds it as the tree does, the layer gave it before, and another entry's difference there is the
    monolith's own edit; where their old values differ, one of them is (outside git the two cannot be told
    apart: merge -o keeps the monolith's, MIGRATION.md section 13)."""
    from splitter.ops.explain import giver

    olds: list = []
    for other in tree.containers:
        if giver(tree.layers_of(other), path) is not layer:
            continue
        old = value_at(current.get(other), path)
        if _same(value_at(mine.get(other), path), old):
            return False  # the layer gave this value when the monolith was written
        if olds and not _same(olds[0], old):
            return False  # the takers held it apart: one of them is the monolith's own edit
        olds.append(old)
    return True


def _same(first: Any, second: Any) -> bool:
    """same_value, where either may be MISSING (a key one side lacks)."""
    return first is second if MISSING in (first, second) else same_value(first, second)


def _modified_after(file: Path, written: int) -> bool:
    try:
        return os.stat(file).st_mtime_ns > written
    except OSError:
        return False


def refuse_lost_monolith_edits(output: Path, tree: Tree, doc: Any, data: bytes, root: Path) -> None:
    """Raise EditsWouldBeLost (exit 2) naming the entries whose monolith edits merge -o would throw away, if any."""
    differing: list[str] = []
    paths: dict[str, list[tuple]] = {}  # outside git: where the monolith changed each entry
    lost = lost_monolith_edits(output, tree, doc, data, root, differing, paths)
    if not lost:
        return
    tree_, mono_ = shell_word(root), shell_word(output)  # as a shell reads them back: paths may hold spaces
    if _in_git(output):
        step = (f"{base_step(output, root, tree.collection, differing)} && splitter update {tree_} {mono_} "
                "--base /tmp/last.json")
    else:  # no history to take the last monolith in step from: the user's own copy, or the edits by hand
        step = (f"copy them into the tree, each into its own {tree.collection.noun}'s file ({_where(paths, tree)}), "
                f"or with a copy of the monolith the tree was last in step with, splitter update {tree_} {mono_} "
                "--base COPY")
    raise EditsWouldBeLost(
        f"holds edits that are not in {root} ({entries_named(lost, tree.collection)}); merge -o would lose them. "
        f"Bring the tree in step first: {step}, then run this merge again (or pass --discard-edits to replace it "
        "anyway)", str(output))


def _where(paths: dict[str, list[tuple]], tree: Tree) -> str:
    """`103 /boot_delay 9 in lxc/103_step-ca.json, ... and 2 more`: the first five places the monolith changed,
    each with the monolith's value there (`(none)` where it dropped it; a whole entry or the top-level keys
    where their values were not told apart) and the file it goes into: the entry's own (a value it took from a
    base or profile becomes its own: changing the base would change every other entry too), globals.json."""
    from splitter.exact.pointer import pointer
    from splitter.ops.mergedriver import shown

    places = [(key, path, value) for key, found in paths.items() for path, value in found]
    said = [("the top-level keys" if key == "globals" else key) + (f" {pointer(path)} {shown(value)}" if path else "")
            + f" in {_own_file(key, tree)}" for key, path, value in places[:5]]
    return ", ".join(said) + (f" and {len(places) - 5} more" if len(places) > 5 else "")


def _own_file(key: str, tree: Tree) -> str:
    """The file an entry's own values go in (its collection's folder for one the tree lacks), globals.json."""
    if key == "globals":
        return tree.collection.globals_file
    return tree.containers[key].file if key in tree.containers else f"{tree.collection.folder}/"



