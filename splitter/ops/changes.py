"""What an update finds: changed values and files, containers added by hand, and the plan that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from splitter.errors import SplitterError
from splitter.exact.numbers import canonical_sorted
from splitter.exact.pointer import value_at
from splitter.merging.assemble import CONTAINERS_KEY
from splitter.tree.monolith import Monolith
from splitter.tree.read import Tree

MISSING = value_at({}, ("x",))  # merge's marker for "no value here"
ROLE_MATCH = 0.5  # a profile stands for the role whose holders match its members at least this much (Jaccard)
# update refuses a monolith that shares fewer than a third of the tree's container ids: it is another fleet
# (or a far other version), and fitting it would empty the tree's design; split --force is the tool then.
# Not a half: testing-ideas 034 -> 035 renumbers 7 of 12 containers and is a real next version (5 of 12 shared).
SHARED_PART = 3  # the least share of ids: one in SHARED_PART


@dataclass
class Conflict:
    """A leaf changed on both sides since the base, to different values (MISSING where a side has none)."""

    container: str | None
    path: tuple  # from the container (or, for container None, from the document's root)
    base: Any
    tree: Any
    monolith: Any
    at: tuple = (CONTAINERS_KEY,)  # the collection's place in the monolith (its pointer's tokens)
    file: str | None = None  # the tree file that gives the tree's value (threeway.name_tree_files)
    own: str | None = None  # the entry's own file (globals.json for a top-level value)


@dataclass
class ValueChange:
    """A value of the tree that the update changes (MISSING where there is none)."""

    container: str | None  # None: a top-level value of globals.json
    path: tuple
    old: Any
    new: Any
    at: tuple = (CONTAINERS_KEY,)  # the collection's place in the monolith (its pointer's tokens)


@dataclass
class FileChange:
    file: str
    action: str  # add | rewrite | remove
    why: str


class HandAdded(SplitterError):
    """The update would delete files splitter did not write (exit 1: only a person can settle it)."""

    exit_code = 1


@dataclass
class Update:
    """What `update` would do: the new tree's files, what changes and why."""

    target: Monolith  # what the new tree merges into (the monolith, or with --base the three-way result)
    written: dict[str, bytes]  # files to write, relative to the tree
    kept: list[str]  # files of the tree kept as they are on disk
    tree: Tree  # the new tree, as read back it must be
    files: list[FileChange] = field(default_factory=list)
    values: list[ValueChange] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    kept_edits: list[ValueChange] = field(default_factory=list)  # with --base: the tree's own edits, kept
    known: dict = field(default_factory=dict)  # ctid -> merged config, for containers whose inputs all stayed
    # (ctid, file) of containers added to the tree by hand (not in layout.json) that the target does not hold:
    # the update would have to delete a file splitter did not write, so it is refused (write_update raises)
    hand_added: list[tuple[str, str]] = field(default_factory=list)
    with_base: bool = False  # set by the caller: the target is a three-way merge (for the report's advice)


def same(first: Any, second: Any) -> bool:
    """Equal values but for key order (layout.json holds the order); number lexemes and types count."""
    if first is MISSING or second is MISSING:
        return first is second
    return canonical_sorted(first) == canonical_sorted(second)
