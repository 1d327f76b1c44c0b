"""Candidate profiles: the base by majority, each role's fit, and the stack of chosen profiles."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from itertools import chain, compress

from splitter.discovery.itemsets import Fleet, items
from splitter.discovery.roles import KIND_RANK, Role
from splitter.exact.numbers import canonical
from splitter.exact.pointer import missing, value_at
from splitter.tree.layers import Layer

AGREE = 0.5  # a holder that has less than this share of what most of its role share is left out of the profile
MOST = 0.75  # "most of the role": the share of holders an item needs to count as the role's
ROLE_MEMBERS = 3  # a role held by this many containers becomes a profile even when they share little
PAIR_KEYS = 3  # a role of fewer holders needs this many keys
NEAR_ALL = 0.9  # in a role of 10 or more, an item this share holds is the role's; the rest override it


@dataclass(frozen=True)
class Options:
    min_members: int = 2
    min_keys: int | None = None  # None: 1 for a role of ROLE_MEMBERS or more holders, PAIR_KEYS for others
    max_profiles: int = 12
    unset_cost: float = 2.0  # a deletion marker costs a reader this many lines
    per_container: int = 3  # profiles one container uses at most (its operator's own come on top)
    average: float = 2.0  # profiles a container uses on average at most
    profiles: bool = True  # False: base only
    forced: tuple = ()  # (name, values) profiles the operator wrote, applied before the mined ones
    rename: tuple = ()  # (old, new) names for mined profiles
    noun: tuple = ("container", "containers")  # what the role sentences call an entry (Collection.noun, .plural)


def choose_base(fleet: Fleet, options: Options, markers: set[tuple] = frozenset()) -> set[int]:
    """Items for the base: per path the value most containers hold (a strict majority), where sharing it
    saves more lines than the deletion markers it forces on the containers without the path.

    A minority value never goes into the base: a newcomer would silently inherit it. Nor does a role
    marker (`markers`: the paths of `features`-like lists and shared scripts) that not every container
    holds: a newcomer is not a vLLM server because most containers are.
    """
    total = len(fleet.rows)
    # the value most containers hold at its path, where it is a strict majority: no other can tie with it
    best = {fleet.path(item): item for item in compress(range(len(fleet.count)), map((total // 2).__lt__, fleet.count))}
    holders = _holders(fleet, set(best))
    scored = []
    for path, item in best.items():
        gain = fleet.count[item] - 1 - options.unset_cost * (total - holders[path])
        if gain > 0 and (path not in markers or fleet.count[item] == total):
            scored.append((-gain, path, item))
    chosen: set[int] = set()
    taken: set[tuple] = set()
    for _, path, item in sorted(scored):
        # a path and one of its prefixes cannot both be in one layer
        if any(path[:depth] in taken for depth in range(1, len(path))) or any(
                other[: len(path)] == path for other in taken):
            continue
        taken.add(path)
        chosen.add(item)
    return chosen


def _holders(fleet: Fleet, paths: set[tuple]) -> dict[tuple, int]:
    """For each path, how many containers hold it, or hold a prefix of it as a value, or objects under it.

    Those containers need at most an override for a base value there; the others need a deletion marker.
    """
    path_of = [path for path, _ in fleet.keys].__getitem__
    # rows are sorted by (path, value) and hold one value per path: their paths come sorted and unique
    shapes = Counter(tuple(map(path_of, row)) for row in fleet.rows)
    held: Counter = Counter()
    for shape, count in shapes.items():
        leaves = set(shape)
        nodes = {path[:depth] for path in shape for depth in range(1, len(path) + 1)}
        for path in paths:
            if path in nodes or any(path[:depth] in leaves for depth in range(1, len(path))):
                held[path] += count
    return held


def saving(shared: int, overrides: int, absent: int, named: bool, options: Options) -> float:
    """Lines a container saves by using a profile: the values it need not write, less the overrides and
    deletion markers the profile forces on it, less the $profiles line when it is its first profile."""
    return shared - overrides - options.unset_cost * absent - (0 if named else 1)


@dataclass
class _Forced:
    """A profile the operator wrote, with the containers it saves lines."""

    name: str
    layer: Layer
    members: list[int]


@dataclass
class Candidate:
    """A role made a profile: its roles (same holders), members, holders left out, and content."""

    roles: list[Role]
    members: list[int]
    dropped: list[int]
    items: list[int]
    whole: int = 0  # the content's size before trimming what earlier profiles give

    @property
    def role(self) -> Role:
        return self.roles[0]

    def gain(self) -> int:
        """Lines saved: each member writes the content once less, plus its $profiles entry; the file costs
        its content and braces."""
        return len(self.members) * (len(self.items) - 1) - len(self.items) - 2

    def order(self) -> tuple:
        """Broad before narrow: more members first, then kind of role, then name; then the content (item ids
        follow the values' canonical text), never the order of the containers."""
        return (-len(self.members), KIND_RANK[self.role.kind], self.role.name, self.role.key, self.role.value,
                tuple(self.items))


def fit_role(fleet: Fleet, role: Role, base: set[int], options: Options) -> Candidate:
    """Members and content of a role: drop the few holders that disagree on most of what the role shares,
    then keep what all members share (in roles of 10 or more: what nearly all share, the rest holding the
    path and overriding it). A block's holders are chosen on the block alone, and its profile holds all
    they share, as a role's does (else `tidy` would move the rest in right after `split`)."""
    holders = list(role.members)
    # an item one container alone holds counts only in a role of one holder, and in the paths below
    one = len(holders) < 2

    def tally(members: list[int]) -> Counter:
        counts = Counter(chain.from_iterable([fleet.rows[member] for member in members])) if one \
            else fleet.tally(members)
        return Counter({item: count for item, count in counts.items() if item not in base})

    everything = tally(holders)
    depth = len(role.path)
    counts = Counter({item: count for item, count in everything.items() if fleet.path(item)[:depth] == role.path}
                     ) if depth else everything
    members, dropped = holders, []
    if len(holders) >= 3:
        most = {item for item, count in counts.items() if count >= MOST * len(holders)}  # held by 3 or more
        of, rows, _ = fleet.groups  # alike rows agree alike: each group is looked at once
        agrees = {group: len(most.intersection(rows[group])) >= AGREE * len(most) for group in set(map(
            of.__getitem__, holders))}
        agree = [m for m in holders if agrees[of[m]]]
        if len(agree) < len(holders) and len(agree) >= max(options.min_members, math.ceil(MOST * len(holders))):
            kept = set(agree)
            members, dropped = agree, [m for m in holders if m not in kept]
    counts = everything if members is holders else tally(members)  # most often no holder is left out
    size = len(members)
    content = [item for item, count in counts.items() if count == size]
    near = [item for item, count in counts.items() if NEAR_ALL * size <= count < size] if size >= 10 else []
    if near:
        # members that hold a value beyond the base at the path: all of them, or the item is left out
        wanted = {fleet.path(item) for item in near}
        paths: Counter = Counter()
        for item, count in counts.items():
            if fleet.path(item) in wanted:
                paths[fleet.path(item)] += count
        kept = set(members)
        for path in wanted:  # items one container alone holds are not in counts (size > 1)
            paths[path] += sum(1 for item in fleet.span(path) if fleet.count[item] == 1 and item not in base
                               and fleet.lone[item] in kept)
        content += [item for item in near if paths[fleet.path(item)] == size]
    return Candidate([role], members, dropped, sorted(content))


def adopt_forced(fleet: Fleet, containers: dict, options: Options) -> list[_Forced]:
    """Operator-written profiles, each used by the containers it saves lines."""
    result = []
    for name, values in options.forced:
        leaves = [(path, canonical(value)) for path, value in items(values)]
        members = []
        for member, config in enumerate(containers.values()):
            shared = absent = 0
            for path, text in leaves:
                value = value_at(config, path)
                if missing(value):
                    absent += 1
                elif canonical(value) == text:
                    shared += 1
            if saving(shared, len(leaves) - shared - absent, absent, False, options) > 0:
                members.append(member)
        result.append(_Forced(name, Layer(f"profile {name}", values), members))
    return result


class Stack:
    """What each container inherits so far, path by path, as profiles are added in order.

    Containers with the same list of profiles inherit the same: the paths are
    kept once per list, so checking a profile of 10,000 members costs a few lists.
    """

    def __init__(self, fleet: Fleet, options: Options, forced: list[_Forced]):
        self.fleet = fleet
        self.options = options
        self.layers: list[dict[tuple, int | None]] = []  # path -> item (None: an operator's, any value)
        self.stack_of: dict[int, tuple[int, ...]] = {}
        self.count: Counter = Counter()  # discovered profiles per container
        self.chosen: list[Candidate] = []
        self._given: dict[tuple[int, ...], dict] = {(): {}}
        for profile in forced:
            layer: dict[tuple, int | None] = {}
            for path, _ in items(profile.layer.values):
                for depth in range(1, len(path) + 1):  # an operator's path blocks its prefixes too
                    layer[path[:depth]] = None
            self._push(layer, profile.members)

    def _push(self, layer: dict, members: list[int]) -> None:
        index = len(self.layers)
        self.layers.append(layer)
        for member in members:
            self.stack_of[member] = self.stack_of.get(member, ()) + (index,)

    def given(self, stack: tuple[int, ...]) -> dict:
        if stack not in self._given:
            merged = dict(self.given(stack[:-1]))
            merged.update(self.layers[stack[-1]])
            self._given[stack] = merged
        return self._given[stack]

    def trim(self, candidate: Candidate) -> list[int]:
        """The candidate's content less what every member already inherits and less what would conflict
        with a profile a member already uses (check: "profiles X and Y set /p to different values")."""
        gives = [self.given(stack) for stack in sorted({self.stack_of.get(m, ()) for m in candidate.members})]
        kept = []
        for item in candidate.items:
            path = self.fleet.path(item)
            found = [given.get(path, -1) for given in gives]
            if all(other == item for other in found):
                continue  # every member has it already
            if any(other is None or (other != -1 and other != item) for other in found) or any(
                    path[:depth] in given for given in gives for depth in range(1, len(path))):
                continue
            kept.append(item)
        return kept

    def add(self, candidate: Candidate) -> None:
        self.chosen.append(candidate)
        self._push({self.fleet.path(item): item for item in candidate.items}, candidate.members)
        for member in candidate.members:
            self.count[member] += 1
