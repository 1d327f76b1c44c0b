"""`tidy`: proposals that put a tree back in shape, each proven to leave the merge byte for byte the same."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from splitter.merging.assemble import Assembler, monolith_bytes
from splitter.ops.changes import FileChange, Update
from splitter.ops.split import layer_bytes, layout_bytes
from splitter.ops.tidy_moves import Move, majority, restated, to_base, to_profile
from splitter.ops.tidy_profiles import folds, new_profiles
from splitter.ops.tidy_state import State
from splitter.ops.update_files import write_update
from splitter.tree.monolith import Monolith
from splitter.tree.read import Tree, gc_paused

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
    for _ in range(ROUNDS):
        count = len(result.proposals)
        for finder in (lambda: restated(state), lambda: folds(state), lambda: to_base(state, id_key),
                       lambda: majority(state), lambda: to_profile(state, id_key), lambda: new_profiles(state),
                       lambda: restated(state)):
            for move in finder():
                if move.key not in tried:
                    tried.add(move.key)
                    _apply(state, move, result)
        if len(result.proposals) == count:
            break
    _finish(state, result)
    return result


def _apply(state: State, move: Move, result: Tidy) -> None:
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
        return
    if proposal.saved <= 0:  # a change that costs lines, or saves none, is no tidying: dropped, not listed
        state.restore(saved_state)
        return
    result.proposals.append(proposal)


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
            result.written[layer.file] = layer_bytes(layer, container)
    if state.exceptions != old.layout.exceptions:
        result.written[old.collection.layout_file] = layout_bytes(layout, old.collection)
    result.removed = [layer.file for name, layer in old.profiles.items() if name not in state.profiles]
    result.tree = new


def write_tidy(root: Path, result: Tidy) -> None:
    """Write the changed files the way update writes its own (update_files.write_update: staged beside the tree,
    read back, proven to merge into the same bytes, then moved in; the tree as it was when a step fails).
    Raises ProofFailed (exit 1) or WriteError (exit 2)."""
    old, new = result.original, result.tree
    assembler = Assembler(old.base, old.profiles, old.layout)
    merged = {ctid: result.merged.get(ctid) or assembler.container(ctid, own) for ctid, own in old.containers.items()}
    # an entry all of whose layers and key orders tidy kept merges as before: the proof takes it as known
    known = {ctid: merged[ctid] for ctid, own in new.containers.items() if new.base is old.base
             and own is old.containers[ctid] and new.layout.exceptions.get(ctid) == old.layout.exceptions.get(ctid)
             and all(new.profiles.get(name) is old.profiles.get(name) for name in own.profiles)}
    target = Monolith(str(root), monolith_bytes(old, merged), None, new.layout.style, True, {}, new.collection)
    files = [FileChange(file, "rewrite", "tidy") for file in result.written]
    files += [FileChange(file, "remove", "folded into its members") for file in result.removed]
    write_update(root, Update(target, dict(result.written), [], new, files, known=known))
