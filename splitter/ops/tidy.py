"""`tidy`: proposals that put a tree back in shape, each proven to leave the merge byte for byte the same."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from splitter.errors import BadInput, ProofFailed
from splitter.exact.heap import gc_paused
from splitter.exact.numbers import canonical
from splitter.merging.assemble import Assembler, monolith_bytes, stale_unset
from splitter.ops.split import layout_bytes
from splitter.ops.tidy_moves import Move, majority, restated, to_base, to_profile
from splitter.ops.tidy_profiles import folds, new_profiles
from splitter.ops.tidy_state import State
from splitter.tree.layers import Layer
from splitter.tree.layout import Layout
from splitter.tree.read import DiskSource, Tree, read_layer
from splitter.tree.transaction import commit_files

ROUNDS = 4  # a move can make another possible (a fold, then a shared leaf); the moves below settle in two


@dataclass
class Proposal:
    """One proposal, applied and proven: kind, the files it touches (relative to the tree), lines saved, why."""

    kind: str  # restated | fold | to_base | base_majority | to_profile | new_profile
    files: list[str]
    saved: int  # lines of the touched files before less after (tree files as split writes them)
    why: str


@dataclass
class Tidy:
    """What tidy does to a tree: the proposals, the files it writes or removes, and the tree it leaves."""

    proposals: list[Proposal] = field(default_factory=list)
    refused: list[Proposal] = field(default_factory=list)  # would have changed a merged byte: not applied
    written: dict[str, bytes] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    tree: Tree | None = None  # the tidied tree
    original: Tree | None = None
    merged: dict = field(default_factory=dict)  # ctid -> merged config of the original, where tidy merged it

    @property
    def saved(self) -> int:
        return sum(proposal.saved for proposal in self.proposals)


def plan_tidy(tree: Tree) -> Tidy:
    """Find, apply and prove tidy's proposals on a tree read by read_tree; nothing is written. Returns a Tidy
    (proposals in the order applied, refused ones, the files to write and remove, the new tree).

    Each proposal is applied to a copy of the layers and the entries it may change are merged again: if any
    gives other values (an order alone is kept by layout.json's per-entry orders, as split records them), the
    proposal is refused and undone (fail closed); one that saves no line (or costs some) is undone and not listed,
    as tidying never grows a tree; write_tidy proves the whole tree again before moving a file.
    Rounds run until one finds nothing (at most ROUNDS), so a second tidy finds nothing. Deterministic: every
    choice follows the tree's order or sorted paths. Raises BadInput as merge does (a stale `$unset`).
    """
    with gc_paused():  # thousands of small dicts and no cycles, as in read_tree
        return _plan(tree)


def _plan(tree: Tree) -> Tidy:
    state = State(tree)
    result = Tidy(original=tree, merged=state.merged)
    id_key = tree.collection.id_key
    tried: set = set()
    # a finder's moves depend on the state alone: one that last ran on this very state (State.version) and left
    # it so would yield only moves tried already, so it is not run again (the confirming round costs nothing)
    settled: dict[str, int] = {}
    for _ in range(ROUNDS):
        count = len(result.proposals)
        for name, finder in (("restated", lambda: restated(state)), ("folds", lambda: folds(state)),
                             ("to_base", lambda: to_base(state, id_key)), ("majority", lambda: majority(state)),
                             ("to_profile", lambda: to_profile(state, id_key)),
                             ("new_profiles", lambda: new_profiles(state)), ("restated", lambda: restated(state))):
            start = state.version
            if settled.get(name) == start:
                continue
            for move in finder():
                if move.key not in tried and _apply(state, move, result):
                    tried.add(move.key)  # one that saved no line yet is tried again once other moves changed the tree
            if state.version == start:
                settled[name] = start
        if len(result.proposals) == count:
            break
    _finish(state, result)
    return result


def _apply(state: State, move: Move, result: Tidy) -> bool:
    """Apply and prove a move: True when it was kept or refused, False when it saved no line and was undone."""
    saved_state = state.snapshot()
    slots = list(dict.fromkeys(slot for slot, _ in move.edits))
    files = [_file(state, slot) for slot in slots]
    before = sum(state.lines(slot) for slot in slots)
    for slot, edit in move.edits:
        state.set(slot, edit(state.layer(slot)))
    proposal = Proposal(move.kind, files, before - sum(state.lines(slot) for slot in slots), move.why)
    if state.failing(move.affected):
        state.restore(saved_state)
        result.refused.append(proposal)
        return True
    if proposal.saved <= 0:  # a change that costs lines, or saves none, is no tidying: dropped, not listed
        state.restore(saved_state)
        return False
    result.proposals.append(proposal)
    return True


def _file(state: State, slot: tuple) -> str:
    layer = state.layer(slot)
    return layer.file if layer is not None else state.tree.collection.profile_file(slot[1])


def _finish(state: State, result: Tidy) -> None:
    old = state.tree
    layout = replace(old.layout, exceptions=state.exceptions)
    new = Tree(layout, old.globals, state.base, state.profiles, state.own, old.where, old.collection)
    layers = [(state.base, old.base, False)]
    layers += [(layer, old.profiles.get(name), False) for name, layer in state.profiles.items()]
    layers += [(layer, old.containers[ctid], True) for ctid, layer in state.own.items()]
    for layer, before, container in layers:
        if layer is not before:
            result.written[layer.file] = state.bytes(layer, container)
    if state.exceptions != old.layout.exceptions:
        result.written[old.collection.layout_file] = layout_bytes(layout, old.collection)
    result.removed = [layer.file for name, layer in old.profiles.items() if name not in state.profiles]
    result.tree = new


def write_tidy(root: Path, result: Tidy) -> None:
    """Write the changed files as update writes its own (transaction.commit_files: staged beside the tree, read
    back, proven, then moved in, all or nothing; files tidy does not change never touched).
    Raises ProofFailed (exit 1), WriteError or Busy (exit 2); the tree is then as it was."""
    with gc_paused():
        commit_files(root, result.written, result.removed, lambda staging: _prove(DiskSource(staging), result))


def _prove(source: DiskSource, result: Tidy) -> None:
    """Prove that the staged files, with the files tidy keeps, merge into the bytes the tree merged into before.

    The merge is dumps(document, style) (merging.assemble.monolith_bytes), a function of the document: where
    the staged layout.json differs from the old one in per-entry key orders alone, the same document (every
    entry's merge the same in canonical bytes: values, types, number spellings, key order) gives the same bytes.
    So each entry whose layers or key orders tidy replaced is merged from the files read back and compared with
    its merge before; one whose layers are all the very ones it had merges as before. Where the rest of the
    layout differs (never, as tidy writes it), both whole merges are written out and compared byte for byte."""
    old, new = result.original, result.tree
    staged = result.written

    def back(layer: Layer, container: bool) -> Layer:
        return read_layer(source, layer.file, container) if layer.file in staged else layer

    layout_file, layout = new.collection.layout_file, new.layout
    if layout_file in staged:
        layout = Layout.from_json(source.parse(layout_file), source.where(layout_file))
    tree = Tree(layout, old.globals, back(new.base, False), {name: back(layer, False) for name, layer
                in new.profiles.items()}, {ctid: back(layer, True) for ctid, layer in new.containers.items()},
                old.where, new.collection)
    if replace(layout, exceptions={}) != replace(old.layout, exceptions={}) or list(tree.containers) != \
            list(old.containers):
        if monolith_bytes(tree) != monolith_bytes(old, result.merged):
            raise ProofFailed(_UNPROVEN, old.where(layout_file))
        return
    assembler, original = Assembler(tree.base, tree.profiles, layout), Assembler(old.base, old.profiles, old.layout)
    for ctid, own in tree.containers.items():
        if tree.base is old.base and own is old.containers[ctid] and layout.exceptions.get(ctid) == \
                old.layout.exceptions.get(ctid) and all(tree.profiles[name] is old.profiles.get(name)
                                                        for name in own.profiles):
            continue
        before = result.merged.get(ctid) or original.container(ctid, old.containers[ctid])
        try:
            stale_unset(assembler, own)
            same = canonical(assembler.container(ctid, own)) == canonical(before)
        except BadInput:
            same = False
        if not same:
            raise ProofFailed(_UNPROVEN, old.where(own.file))


_UNPROVEN = ("the tidied tree does not merge into the same bytes; nothing was written (this is a bug in "
             "splitter: please report it with the tree)")
