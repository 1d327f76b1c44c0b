"""Profile discovery: which path=value items go into the base and into named profiles.

Each container is a set of items (path, exact value); paths stop at scalars,
lists and empty objects. The base takes, path by path, the value whose
sharing saves more lines than the deletion markers it forces. The rest is
mined greedily: candidate profiles are the residual item sets of containers
and their pairwise intersections, scored by the lines they save a person.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from dataclasses import dataclass

from .errors import BadInput
from .exactjson import canonical
from .itemsets import Fleet, items
from .layers import Layer
from .merge import missing, value_at
from .naming import name_profiles
from .polish import POLISH_LIMIT, polish
from .split import Plan


@dataclass(frozen=True)
class Options:
    min_members: int = 2
    min_keys: int = 3
    max_profiles: int = 12
    unset_cost: float = 2.0  # a deletion marker costs a reader this many lines
    candidates: int = 400  # residual signatures whose pairwise intersections are tried
    profiles: bool = True  # False: base only
    forced: tuple = ()  # (name, values) profiles the operator wrote, applied before the mined ones
    rename: tuple = ()  # (old, new) names for mined profiles


def choose_base(fleet: Fleet, options: Options, count: Counter | None = None, majority: bool = True,
                taken: set[tuple] | None = None) -> set[int]:
    """Items for the base: per path the most common value, where sharing it beats the deletions it forces.

    `count` says how many containers would write each item themselves (all
    that hold it, before profiles are chosen); `taken` are paths already in the base.
    """
    total = len(fleet.rows)
    best: dict[tuple, int] = {}
    pairs = enumerate(fleet.count) if count is None else count.items()
    count = fleet.count if count is None else count
    for item, number in pairs:
        if not number:
            continue
        path = fleet.path(item)
        other = best.get(path)
        # the most common value wins; on a tie, the smaller canonical text (never the order of input)
        if other is None or (-number, fleet.keys[item][1]) < (-count[other], fleet.keys[other][1]):
            best[path] = item
    holders = _holders(fleet, set(best))
    scored = []
    for path, item in best.items():
        gain = count[item] - 1 - options.unset_cost * (total - holders[path])
        # a default that most containers override misleads the reader: first the majority values only
        if gain > 0 and (not majority or 2 * fleet.count[item] > total):
            scored.append((-gain, path, item))
    chosen: set[int] = set()
    taken = set() if taken is None else set(taken)
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
    shapes = Counter(tuple(sorted({fleet.path(item) for item in row})) for row in fleet.rows)
    held = Counter()
    for shape, count in shapes.items():
        leaves = set(shape)
        nodes = {path[:depth] for path in shape for depth in range(1, len(path) + 1)}
        for path in paths:
            if path in nodes or any(path[:depth] in leaves for depth in range(1, len(path))):
                held[path] += count
    return held


@dataclass
class _Signature:
    items: int  # bitmask of residual items the containers share: not yet given by a profile
    have: int  # bitmask of all mined items the containers hold
    paths: int  # bitmask of mined paths the containers hold, with any value
    members: list[int]
    named: bool = False  # the containers already list a profile, so naming one more costs no line


def saving(shared: int, overrides: int, absent: int, named: bool, options: Options) -> float:
    """Lines a container saves by using a profile: the values it need not write, less the overrides and
    deletion markers the profile forces on it, less the $profiles line when it is its first profile."""
    return shared - overrides - options.unset_cost * absent - (0 if named else 1)


@dataclass
class _Forced:
    """A profile the operator wrote, with the containers it saves lines and its items the fleet knows."""

    name: str
    layer: Layer
    members: list[int]
    items: list[int]


def mine(containers: dict, options: Options = Options()) -> Plan:
    """The plan: base, profiles in the order they apply, and which containers use which."""
    fleet = Fleet(containers)
    base_items = choose_base(fleet, options)
    if not options.profiles or len(fleet.rows) < options.min_members:
        _rename([], options)  # a --name then names no profile: say so
        return Plan(fleet.nest(base_items))
    # an operator's profile that saves no container a line is left out: a profile nobody uses fails `check`
    forced = [profile for profile in _adopt_forced(fleet, containers, options) if profile.members]
    given: dict[int, set[int]] = {}
    for profile in forced:
        for member in profile.members:
            given.setdefault(member, set()).update(set(profile.items) & set(fleet.rows[member]))
    chosen = _hoist(_mine_profiles(fleet, base_items, options, given), options)
    # refit: what containers still write themselves may now be worth a default
    written = Counter({item: number for item, number in enumerate(fleet.count) if number > 1})
    for items_, members in chosen:
        for member in members:
            for item in set(items_) & set(fleet.rows[member]):
                written[item] -= 1
    for items_ in given.values():
        for item in items_:
            written[item] -= 1
    for item in base_items:
        written.pop(item, None)
    base_items |= choose_base(fleet, options, +written, majority=False,
                              taken={fleet.path(item) for item in base_items})
    fixed = [(profile.layer, set(profile.members)) for profile in forced]
    if len(fleet.rows) <= POLISH_LIMIT:
        base_items, chosen = polish(fleet, containers, base_items, chosen, fixed, options)
    names = _rename(name_profiles(fleet, chosen, containers, taken={profile.name for profile in forced}), options)
    profiles = {profile.name: profile.layer.values for profile in forced}
    profiles.update((name, fleet.nest(items_)) for name, (items_, _) in zip(names, chosen, strict=True))
    uses: dict[str, list[str]] = {}
    for name, members in [(profile.name, profile.members) for profile in forced] + [
            (name, members) for name, (_, members) in zip(names, chosen, strict=True)]:
        for member in members:
            uses.setdefault(fleet.ids[member], []).append(name)
    return Plan(fleet.nest(base_items), profiles, uses)


def _adopt_forced(fleet: Fleet, containers: dict, options: Options) -> list[_Forced]:
    """Operator-written profiles, each used by the containers it saves lines."""
    ids = {key: item for item, key in enumerate(fleet.keys)} if options.forced else {}
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
        known = [ids[leaf] for leaf in leaves if leaf in ids]
        result.append(_Forced(name, Layer(f"profile {name}", values), members, known))
    return result


def _rename(names: list[str], options: Options) -> list[str]:
    mapping = dict(options.rename)
    for old, new in options.rename:
        if old not in names:  # a typo must not pass silently
            raise BadInput(f"--name {old}={new}: no discovered profile is named {old}; the discovered profiles "
                           f"are: {', '.join(names) or '(none)'}")
    renamed = [mapping.get(name, name) for name in names]
    if len(set(renamed)) != len(renamed):
        raise BadInput(f"--name would give two profiles one name: {sorted(renamed)}")
    return renamed


def _mine_profiles(fleet: Fleet, base_items: set[int], options: Options,
                   given: dict[int, set[int]]) -> list[tuple[list[int], list[int]]]:
    mined = [item for item, count in enumerate(fleet.count) if count >= options.min_members and item not in base_items]
    bit = {item: position for position, item in enumerate(mined)}
    path_ids: dict[tuple, int] = {}
    for item in mined:
        path_ids.setdefault(fleet.path(item), len(path_ids))
    path_bit = [1 << path_ids[fleet.path(item)] for item in mined]
    groups: dict[tuple[int, int], list[int]] = {}
    for member, row in enumerate(fleet.rows):
        items_mask = paths_mask = 0
        taken = given.get(member, ())
        for item in row:
            position = bit.get(item)
            if position is not None and item not in taken:
                items_mask |= 1 << position
            path = path_ids.get(fleet.path(item))
            if path is not None:
                paths_mask |= 1 << path
        groups.setdefault((items_mask, paths_mask), []).append(member)
    signatures = [_Signature(i, i, p, m) for (i, p), m in groups.items()]

    def score(candidate: int) -> tuple[float, list[_Signature]]:
        size = candidate.bit_count()
        candidate_paths = 0
        for position in _bits(candidate):
            candidate_paths |= path_bit[position]
        saved = 0.0
        adopters = []
        for signature in signatures:
            shared = (candidate & signature.items).bit_count()
            if not shared:
                continue
            given = (candidate & signature.have).bit_count() - shared  # already from an earlier profile
            absent = (candidate_paths & ~signature.paths).bit_count()
            saves = saving(shared, size - shared - given - absent, absent, signature.named, options)
            if saves > 0:
                saved += saves * len(signature.members)
                adopters.append(signature)
        return saved - size - 2, adopters  # 2: the profile file's braces

    heap: list = []
    seen: set[int] = set()

    def offer(candidate: int) -> None:
        if candidate in seen or candidate.bit_count() < options.min_keys:
            return
        seen.add(candidate)
        gain, adopters = score(candidate)
        if gain > 0 and sum(len(s.members) for s in adopters) >= options.min_members:
            heapq.heappush(heap, (-gain, _digest(candidate), candidate))

    for candidate in _candidates(signatures, options):
        offer(candidate)
    chosen: list[tuple[list[int], list[int]]] = []
    while heap and len(chosen) < options.max_profiles:
        _, digest, candidate = heapq.heappop(heap)
        gain, adopters = score(candidate)
        users = sum(len(s.members) for s in adopters)
        if gain <= 0 or users < options.min_members:
            continue
        if heap and gain < -heap[0][0]:
            heapq.heappush(heap, (-gain, digest, candidate))  # stale: others may now be better
            continue
        members = sorted(member for signature in adopters for member in signature.members)
        chosen.append(([mined[position] for position in _bits(candidate)], members))
        merged: dict[tuple[int, int, int, bool], list[int]] = {}
        adopting = {id(signature) for signature in adopters}
        for signature in signatures:
            if id(signature) in adopting:
                key = (signature.items & ~candidate, signature.have, signature.paths, True)
            else:
                key = (signature.items, signature.have, signature.paths, signature.named)
            merged.setdefault(key, []).extend(signature.members)
        signatures = [_Signature(i, h, p, m, named) for (i, h, p, named), m in merged.items()]
        # what the others share besides the profile just taken may still be worth a profile
        for _, _, other in list(heap):
            offer(other & ~candidate)
    return chosen


def _hoist(chosen: list[tuple[list[int], list[int]]], options: Options) -> list[tuple[list[int], list[int]]]:
    """Where two profiles share enough items, those items become a profile of their own used by both.

    The greedy search prefers the larger set of fewer containers (three vLLM
    servers with all they share) over the smaller set of more (all five); this
    gives the five their common profile back, and saves the lines written twice.
    """
    profiles = [(set(items), set(members)) for items, members in chosen]
    while True:
        best = None
        for first in range(len(profiles)):
            for second in range(first + 1, len(profiles)):
                common = profiles[first][0] & profiles[second][0]
                if len(common) < options.min_keys or (best is not None and len(common) <= len(best[2])):
                    continue
                # what is left of the two stays a profile only while it still pays for itself
                rest = [(items - common, members) for items, members in (profiles[first], profiles[second])
                        if len(items - common) >= options.min_keys]
                if len(profiles) - 1 + len(rest) <= options.max_profiles:
                    best = (first, second, common, rest)
        if best is None:
            break
        first, second, common, rest = best
        hoisted = (common, profiles[first][1] | profiles[second][1])
        kept = [profile for index, profile in enumerate(profiles) if index not in (first, second)]
        profiles = kept[:first] + [hoisted] + kept[first:] + rest
    return [(sorted(items), sorted(members)) for items, members in profiles]


def _bits(mask: int) -> list[int]:
    result = []
    while mask:
        low = mask & -mask
        result.append(low.bit_length() - 1)
        mask ^= low
    return result


def _digest(mask: int) -> bytes:
    return hashlib.blake2b(mask.to_bytes((mask.bit_length() + 7) // 8 or 1, "little"), digest_size=8).digest()


def _candidates(signatures: list[_Signature], options: Options) -> list[int]:
    """Residual item sets of the most common signatures, and their pairwise intersections."""
    top = sorted(signatures, key=lambda s: (-len(s.members), _digest(s.items)))[: options.candidates]
    masks = sorted({s.items for s in top if s.items.bit_count() >= options.min_keys}, key=_digest)
    found = set(masks)
    for index, first in enumerate(masks):
        for second in masks[index + 1:]:
            common = first & second
            if common.bit_count() >= options.min_keys:
                found.add(common)
    return sorted(found, key=_digest)
