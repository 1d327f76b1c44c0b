"""What `merge -o` settles during a git merge: the monolith's own conflicts, as the tree's merge decides them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from splitter.errors import BadInput
from splitter.exact.conflicts import conflict_line, side
from splitter.exact.pointer import pointer, value_at
from splitter.merging.threeway_json import MISSING, merge_json
from splitter.ops.gitsource import _git
from splitter.ops.instep import quick_loads


def _stage(output: Path, number: int) -> Any:
    """The monolith at an index stage of an unmerged path (1 the ancestor, 2 ours, 3 theirs; git-merge(1), "HOW
    CONFLICTS ARE PRESENTED"); None where git has no such stage or it cannot be read."""
    try:
        done = _git(["show", f":{number}:./{output.name}"], str(output), str(output.resolve().parent), discover=True)
        return quick_loads(done.stdout, f":{number}:{output.name}") if done.returncode == 0 else None
    except BadInput:
        return None


def settled_conflicts(output: Path, doc: Any) -> list[str]:
    """Where git left the monolith at `output` unmerged (a conflict in the merge under way; or staged, or copied,
    with git's conflict markers still in it: its sides read from the markers), the places where its
    two sides changed the monolith differently, each with the value `doc` (the merged tree, which merge -o
    writes) holds there: `/lxc_configs/102/firewall/rules: ours X, theirs Y; the tree's merge gives Z`.

    The tree's layers can merge cleanly where the monolith conflicts (a profile changed on one branch, a
    container's own value on the other): the tree's merge is then one answer of several, which the user must
    see. [] outside such a merge, or where git's three versions cannot be read.
    """
    versions = [_stage(output, number) for number in (1, 2, 3)]
    if any(version is None for version in versions[1:]):
        versions = _marked_sides(output)  # staged with its markers (git add), or markers from elsewhere
        if versions is None:
            return []
    base = versions[0] if versions[0] is not None else MISSING  # added on both branches: no ancestor
    _, conflicts = merge_json(base, versions[1], versions[2])
    lines = []
    for conflict in conflicts:
        given = value_at(doc, conflict.path)
        lines.append(f"{pointer(conflict.path)}: ours {_text(conflict.ours)}, theirs {_text(conflict.theirs)}; "
                     f"the tree's merge gives {_text(given)}")
    return lines


def _marked_sides(output: Path) -> list | None:
    """[ancestor or None, ours, theirs] as the conflict markers in the file give them (exact.conflicts.side); None
    where the file holds no markers or a side is not JSON."""
    try:
        raw = output.read_bytes()
        if conflict_line(raw) is None:
            return None
        texts = [side(raw, part) for part in (b"|", b"<", b"=")]
        return [None if text is None else quick_loads(text, str(output)) for text in texts]
    except (OSError, BadInput):
        return None


def _text(value: Any) -> str:
    """A value in compact JSON, cut at 80 characters; `(none)` for a missing one (mergedriver.shown)."""
    from splitter.ops.mergedriver import shown

    return shown(value, 80)
