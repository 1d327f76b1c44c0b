"""Tidy's leaf moves: restated values removed, shared leaves moved into a profile or the base, base values flipped."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from functools import partial
from typing import Callable, Iterator

from splitter.discovery.blocks import identity_like
from splitter.exact.numbers import canonical
from splitter.exact.pointer import NOTHING, Path, pointer
from splitter.ops.tidy_state import State, blocked, drop, get, put, touches_unset
from splitter.tree.layers import Layer

Edit = tuple  # (slot, function of the slot's current Layer or None -> new Layer or None)


@dataclass
class Move:
    """One proposal as tidy found it: what it is, why, the layers it changes and the entries it may change."""

    kind: str
    key: tuple  # names the proposal across rounds (a refused one is not tried again)
    why: str
    edits: list[Edit]
    affected: list[str]  # entry ids whose merge the edits could change


def _without(paths: list[Path]) -> Callable[[Layer], Layer]:
    def edit(layer: Layer) -> Layer:
        values = layer.values
        for path in paths:
            values = drop(values, path)
        return replace(layer, values=values)
    return edit


def _with(path: Path, value) -> Callable[[Layer], Layer]:
    return lambda layer: replace(layer, values=put(layer.values, path, value))


def restated(state: State) -> Iterator[Move]:
    """Leaves a file sets to exactly what its lower layers give (canonical bytes: type and spelling alike)."""
    find = partial(_restated, state)
    for ctid, own in list(state.own.items()):
        same = state.memo("restated", own, state.inherited(own.profiles), find)
        if same:
            yield Move("restated", ("restated", own.file, *same), _said(same, "already given by its base and "
                       "profiles"), [(("entry", ctid), _without(same))], [ctid])
    for name, profile in list(state.profiles.items()):
        users = state.members(name)
        if not users:
            continue
        # members with the same profiles before this one lie on the same values: each such stack is looked at once
        belows = [state.inherited(stack) for stack in dict.fromkeys(
            tuple(own.profiles[:own.profiles.index(name)]) for own in map(state.own.get, users))]
        same = [path for path, text in state.leaves(profile).items()
                if all((value := get(below, path)) is not NOTHING and canonical(value) == text for below in belows)]
        if same:
            yield Move("restated", ("restated", profile.file, *same), _said(same, "already given by the base (and "
                       "the profiles before it) to every member"), [(("profile", name), _without(same))], users)


def _restated(state: State, own: Layer, _) -> list[Path]:
    """The paths of an entry's leaves that its base and profiles give alike, in the order items() gives them."""
    same: list[Path] = []
    _alike(own.values, state.below(own), (), same)
    return same


def _alike(values: dict, below: dict, path: Path, into: list[Path]) -> None:
    """Into `into`, the paths of the leaves of `values` that `below` holds alike at the same path: one walk of
    both (what items() and get() give path by path: an object in `values` is looked into only where `below`
    holds an object too)."""
    for key, value in values.items():
        under = below.get(key, NOTHING)
        if under is NOTHING:
            continue
        if type(value) is dict and value:
            if type(under) is dict:
                _alike(value, under, path + (key,), into)
        elif type(under) is type(value) and canonical(under) == canonical(value):
            into.append(path + (key,))


def _said(paths: list[Path], why: str) -> str:
    shown = ", ".join(pointer(path) for path in paths[:4]) + (f" and {len(paths) - 4} more" if len(paths) > 4 else "")
    return f"{shown}: {why}"


def _shared(state: State, ctids: list[str], id_key: str | None) -> dict[Path, bytes]:
    """The leaves every one of the entries sets alike in its own file (none of the id key)."""
    common = {path: text for path, text in state.leaves(state.own[ctids[0]]).items() if path != (id_key,)}
    for ctid in ctids[1:]:
        own = state.own[ctid]
        common = {path: text for path, text in common.items() if state.leaf(own, path) == text}
        if not common:
            return {}
    return common


def to_base(state: State, id_key: str | None) -> Iterator[Move]:
    """A leaf every entry (two or more) sets alike in its own file, that no profile in use sets: into the base."""
    ctids = list(state.own)
    if len(ctids) < 2:
        return
    used = {name for own in state.own.values() for name in own.profiles}
    for path in sorted(_shared(state, ctids, id_key)):
        if any(blocked(state.profiles[name].values, path) for name in sorted(used)) or \
                any(touches_unset(state.own[ctid], path) for ctid in ctids) or _scalar_above(state.base.values, path):
            continue
        value = get(state.own[ctids[0]].values, path)
        yield Move("to_base", ("to_base", path), f"{pointer(path)}: every {state.tree.collection.noun} sets it alike",
                   [(("base",), _with(path, value))] + [(("entry", ctid), _without([path])) for ctid in ctids], ctids)


def _scalar_above(values: dict, path: Path) -> bool:
    node = values
    for key in path[:-1]:
        node = node.get(key, NOTHING) if type(node) is dict else None
        if node is NOTHING:
            return False
        if type(node) is not dict:
            return True
    return False


def majority(state: State) -> Iterator[Move]:
    """A base leaf that a strict majority of entries override alike in their own files: the base takes their
    value; the entries that took the old one from the base get it as their own (the rule discovery's base
    follows: a newcomer inherits what most hold, never a minority value)."""
    total = len(state.own)
    base = state.base
    overrides = _votes(state, base)
    for path, text in sorted(state.leaves(base).items()):
        votes = overrides.get(path)
        if not votes:
            continue
        (winner, count), = sorted(votes.items(), key=lambda pair: (-pair[1], pair[0]))[:1]
        if 2 * count <= total:
            continue
        holders = [ctid for ctid, own in state.own.items() if state.leaf(own, path) == winner]
        new = get(state.own[holders[0]].values, path)
        old = get(state.base.values, path)
        held = set(holders)
        keep = [ctid for ctid, own in state.own.items() if ctid not in held and _from_base(state, own, path)]
        edits = [(("base",), _with(path, new))] + [(("entry", ctid), _without([path])) for ctid in holders]
        edits += [(("entry", ctid), _with(path, old)) for ctid in keep]
        yield Move("base_majority", ("base_majority", path), f"{pointer(path)}: {count} of {total} "
                   f"{state.tree.collection.plural} set {winner.decode()} over the base's {text.decode()}",
                   edits, list(state.own))
        overrides = _votes(state, base)  # the move may have been applied: the entries' values as they are now


def _votes(state: State, base: Layer) -> dict[Path, Counter]:
    """Per leaf of `base`, the other values the entries set there in their own files, and how many."""
    votes: dict[Path, Counter] = {}
    for own in state.own.values():
        for path, mine in state.memo("overrides", own, base, _base_overrides):
            votes.setdefault(path, Counter())[mine] += 1
    return votes


def _base_overrides(own: Layer, base: Layer) -> list[tuple[Path, bytes]]:
    return _overrides(own.values, base.values)


def _overrides(values: dict, base: dict, path: Path = ()) -> list[tuple[Path, bytes]]:
    """(path, canonical bytes) of the leaves `values` sets where the base's values `base` hold a leaf with other
    bytes: what State.leaf gives path by path, in one walk of the keys both hold."""
    found = []
    for key, value in values.items():
        under = base.get(key, NOTHING)
        if under is NOTHING:
            continue
        if type(value) is dict and value:
            if type(under) is dict and under:
                found += _overrides(value, under, path + (key,))
        elif not (type(under) is dict and under) and (mine := canonical(value)) != canonical(under):
            found.append((path + (key,), mine))
    return found


def _from_base(state: State, own: Layer, path: Path) -> bool:
    """Whether the entry's value at path comes from the base: no profile of it, nor its own file, sets it."""
    if blocked(own.values, path) or touches_unset(own, path):
        return False
    return not any(blocked(state.profiles[name].values, path) for name in own.profiles)


def to_profile(state: State, id_key: str | None) -> Iterator[Move]:
    """A leaf every member (two or more) of a profile sets alike in its own file: into the profile, where no
    profile stacked above it in a member shadows it. Broad profiles first, so that a leaf of all of a profile's
    members goes to it rather than to a narrower profile some of them also use."""
    for name in sorted(state.profiles, key=lambda name: (-len(state.members(name)), name)):
        users = state.members(name)
        if len(users) < 2:
            continue
        for path in sorted(_shared(state, users, id_key)):
            if _scalar_above(state.profiles[name].values, path) or any(
                    touches_unset(state.own[ctid], path) or any(
                        blocked(state.profiles[above].values, path)
                        for above in state.own[ctid].profiles[state.own[ctid].profiles.index(name) + 1:])
                    for ctid in users):
                continue
            if identity_like(path, state.leaf(state.own[users[0]], path), _values(state, path)):
                continue
            value = get(state.own[users[0]].values, path)
            yield Move("to_profile", ("to_profile", name, path), f"{pointer(path)}: every member of {name} sets "
                       "it alike", [(("profile", name), _with(path, value))]
                       + [(("entry", ctid), _without([path])) for ctid in users], users)


def _values(state: State, path: Path) -> Iterator[bytes]:
    """The values entries set at path in their own files (canonical text)."""
    for own in state.own.values():
        if (text := state.leaf(own, path)) is not None:
            yield text
