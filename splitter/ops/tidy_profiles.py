"""Tidy's profile moves: repeated blocks become profiles; profiles that no longer pay are folded back."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Iterator

from splitter.discovery.blocks import block_worth, find_blocks
from splitter.discovery.candidates import PAIR_KEYS, Options
from splitter.discovery.itemsets import Fleet
from splitter.discovery.naming import block_words, name_words, unique_names
from splitter.discovery.roles import BLOCK_DEPTH, find_roles, item_weights
from splitter.exact.numbers import canonical, canonical_sorted
from splitter.exact.pointer import pointer
from splitter.merging.merge import apply
from splitter.ops.split import difference, layer_lines
from splitter.ops.splitguard import named
from splitter.ops.tidy_moves import Move
from splitter.ops.tidy_state import State, blocked, touches_unset
from splitter.tree.layers import Layer

PER_ENTRY = Options().per_container  # discovery's most profiles one entry uses


def blocks(state: State) -> list[tuple[tuple, list[str], int]]:
    """(path, entry ids, values) of the blocks entries repeat value for value in their own files, among entries
    with room for one more profile: found by discovery's own block finder (blocks.find_blocks: its depth, its
    thresholds blocks.block_worth), so that a tree fresh from `split` has none left to find."""
    roomy = [own for own in state.own.values() if len(own.profiles) < PER_ENTRY]
    held = Counter(key for own in roomy for key in state.memo("blocks", own, None, _block_keys))
    if not any(count >= Options().min_members for count in held.values()):
        return []  # no subtree stands alike in enough entries: find_blocks would find none (the Fleet costs)
    return found_blocks(state)


def found_blocks(state: State) -> list[tuple[tuple, list[str], int]]:
    """blocks without its shortcut: discovery's Fleet and find_blocks over every entry with room."""
    fleet = Fleet({ctid: own.values for ctid, own in state.own.items() if len(own.profiles) < PER_ENTRY})
    weights = item_weights(fleet)
    found = []
    for role in find_blocks(fleet, Options().min_members, weights):
        values = sum(weights[item] for item in fleet.rows[role.members[0]]
                     if fleet.path(item)[:len(role.path)] == role.path)
        found.append((role.path, [fleet.ids[member] for member in role.members], values))
    return sorted(found)


def _block_keys(own: Layer, _=None) -> list[tuple]:
    """What find_blocks could count alike in an entry's own file, each named by its path and its content (a
    superset: entries that hold a block alike hold the same key): (path, 1, sorted text) of each object at most
    BLOCK_DEPTH keys deep with PAIR_KEYS leaves or more or any list among them (a rule set weighs more than its
    one leaf), and (path, 0, text) of each list of objects that deep (a heavy leaf)."""
    keys: list[tuple] = []
    _walk(own.values, (), keys)
    return keys


def _walk(node: dict, path: tuple, keys: list[tuple] | None) -> tuple[int, bool]:
    """(leaves, any list among them) of a non-empty object; its block keys (_block_keys) into `keys` (None: the
    object lies deeper than blocks go)."""
    leaves, lists = 0, False
    for key, value in node.items():
        if type(value) is dict and value:
            count, listed = _walk(value, path + (key,), keys if len(path) < BLOCK_DEPTH else None)
            leaves, lists = leaves + count, lists or listed
            continue
        leaves += 1
        if type(value) is list:
            lists = True
            if keys is not None and len(path) < BLOCK_DEPTH and b"{" in (text := canonical(value)):
                keys.append((path + (key,), 0, text))
    if keys is not None and path and (leaves >= PAIR_KEYS or lists):
        keys.append((path, 1, canonical_sorted(node)))
    return leaves, lists


def new_profiles(state: State) -> Iterator[Move]:
    """A block several entries repeat: a new profile, named as discovery names one, last in their `$profiles`;
    only where it saves lines (its own file counted)."""
    roles = words_of = None
    for path, members, values in blocks(state):
        members = [ctid for ctid in members if len(state.own[ctid].profiles) < PER_ENTRY
                   and not touches_unset(state.own[ctid], path) and _holds(state.own[ctid], path)]
        if len(members) < Options().min_members or not block_worth(len(members), values):
            continue
        ids = list(state.own)
        if roles is None:
            configs = [state.before(ctid) for ctid in ids]
            roles, words_of = find_roles(Fleet(dict(zip(ids, configs)))), name_words(configs)
        indexes = [ids.index(ctid) for ctid in members]
        covered = [{ids.index(ctid) for ctid in state.members(used)} for used in state.own[members[0]].profiles
                   if all(used in state.own[ctid].profiles for ctid in members)]
        name = unique_names([block_words(roles, indexes, path[-1], members, covered, words_of(indexes))],
                            set(state.profiles))[0]
        block = _value(state.own[members[0]].values, path)
        layer = Layer(state.tree.collection.profile_file(name), _nested(path, block))
        before = sum(state.lines(("entry", ctid)) for ctid in members)
        after = [_moved(state.own[ctid], path, name) for ctid in members]
        if before - sum(layer_lines(own, True) for own in after) - layer_lines(layer, False) <= 0:
            continue
        yield Move("new_profile", ("new_profile", name, path), f"{pointer(path)}: {len(members)} "
                   f"{state.tree.collection.plural} hold the same block ({named(members)})",
                   [(("profile", name), lambda _, layer=layer: layer)]
                   + [(("entry", ctid), lambda _, own=own: own) for ctid, own in zip(members, after)],
                   members)


def _holds(own: Layer, path: tuple) -> bool:
    return _value(own.values, path) is not None


def _value(values: dict, path: tuple):
    for key in path:
        values = values.get(key) if type(values) is dict else None
    return values


def _nested(path: tuple, block) -> dict:
    for key in reversed(path):
        block = {key: block}
    return block


def _moved(own: Layer, path: tuple, name: str) -> Layer:
    values = dict(own.values)
    node = values
    for key in path[:-1]:
        node[key] = dict(node[key])
        node = node[key]
    del node[path[-1]]
    for depth in range(len(path) - 1, 0, -1):  # objects left empty go too
        parent = _value(values, path[:depth - 1]) if depth > 1 else values
        if not parent[path[depth - 1]]:
            del parent[path[depth - 1]]
    return replace(own, values=values, profiles=[*own.profiles, name])


def folds(state: State) -> Iterator[Move]:
    """A profile with one member, or one that saves no lines (its file counted against what its members would
    restate): folded back into its members, each member's file rewritten as split writes one (split.difference)."""
    for name in sorted(state.profiles):
        users = state.members(name)
        if not users:
            continue  # check reports a profile no entry uses; tidy leaves it to the operator
        profile = state.profiles[name]
        if len(users) > 1 and _pays(state, name, users, layer_lines(profile, False)):
            continue
        after = {}
        for ctid in users:
            own = state.own[ctid]
            merged = apply(state.inherited(own.profiles), own)
            rest = [other for other in own.profiles if other != name]
            values, unsets = difference(state.inherited(rest), merged)
            after[ctid] = replace(own, values=values, profiles=rest, unsets=unsets)
        saved = (layer_lines(profile, False) + sum(state.lines(("entry", ctid)) for ctid in users)
                 - sum(layer_lines(own, True) for own in after.values()))
        if len(users) > 1 and saved < 0:
            continue
        why = "only one member uses it" if len(users) == 1 else f"it saves {-saved} lines over its {len(users)} members"
        yield Move("fold", ("fold", name), f"profile {name}: {why}",
                   [(("profile", name), lambda _: None)]
                   + [(("entry", ctid), lambda _, own=own: own) for ctid, own in after.items()], users)


def _pays(state: State, name: str, users: list[str], lines: int) -> bool:
    """Whether the profile surely saves lines: its members would restate more leaves than its file holds lines.

    A lower bound, so that a large fleet is not folded in trial: each leaf a member takes from the profile costs
    a line once folded (one-key objects and lists stand on one line), less the `$profiles` and `$unset` lines the
    fold may save it (at most 3 and one a pointer). Stops as soon as the bound is passed.
    """
    paths = list(state.leaves(state.profiles[name]))
    restated = 0
    for ctid in users:
        own = state.own[ctid]
        above = [state.profiles[other].values for other in own.profiles[own.profiles.index(name) + 1:]]
        taken = sum(1 for path in paths if not blocked(own.values, path) and not touches_unset(own, path)
                    and not any(blocked(values, path) for values in above))
        restated += taken - 3 - len(own.unsets)
        if restated > lines:
            return True
    return False
