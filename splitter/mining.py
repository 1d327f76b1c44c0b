"""Profile discovery: the base holds true defaults, each profile follows a role the operators wrote down.

Each container is a set of items (path, exact value); paths stop at scalars,
lists and empty objects. The base takes, path by path, the value most
containers hold, where sharing it saves more lines than the deletion markers it
forces. Profiles start from role markers (roles.py): the holders of a role are
its members (less the few that disagree on most of it), and the profile holds
what the members share beyond the base. Large identical subtrees without a
role (blocks) come last. Roles are chosen by the lines they save, within a cap
of profiles per container and on average, and stack broad before narrow; a
profile of one value that saves at most 2 lines is left out (_drop_thin).
"""

from __future__ import annotations

import gc
import math
from collections import Counter
from dataclasses import dataclass

from .errors import BadInput
from .exactjson import canonical
from .itemsets import Fleet, items
from .layers import Layer
from .merge import missing, value_at
from .naming import name_words, unique_names
from .roles import BLOCK_LEAVES, KIND_RANK, Role, describe, find_blocks, find_roles, item_weights
from .split import Plan

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
    best: dict[tuple, int] = {}
    for item, number in enumerate(fleet.count):
        path = fleet.path(item)
        other = best.get(path)
        # the most common value wins; on a tie, the smaller canonical text (never the order of input)
        if other is None or (-number, fleet.keys[item][1]) < (-fleet.count[other], fleet.keys[other][1]):
            best[path] = item
    holders = _holders(fleet, set(best))
    scored = []
    for path, item in best.items():
        gain = fleet.count[item] - 1 - options.unset_cost * (total - holders[path])
        if gain > 0 and 2 * fleet.count[item] > total and (path not in markers or fleet.count[item] == total):
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
    keys = fleet.keys
    # rows are sorted by (path, value) and hold one value per path: their paths come sorted and unique
    shapes = Counter(tuple([keys[item][0] for item in row]) for row in fleet.rows)
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
class _Candidate:
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
        """Broad before narrow: more members first, then kind of role, then name."""
        return (-len(self.members), KIND_RANK[self.role.kind], self.role.name, self.role.key, self.role.value)


def _fit(fleet: Fleet, role: Role, base: set[int], options: Options) -> _Candidate:
    """Members and content of a role: drop the few holders that disagree on most of what the role shares,
    then keep what all members share (in roles of 10 or more: what nearly all share, the rest holding the
    path and overriding it)."""
    holders = list(role.members)

    def tally(members: list[int]) -> Counter:
        counts: Counter = Counter()
        for member in members:
            counts.update(fleet.rows[member])
        depth = len(role.path)
        return Counter({item: count for item, count in counts.items() if item not in base
                        and (not depth or fleet.path(item)[:depth] == role.path)})

    counts = tally(holders)
    members, dropped = holders, []
    if len(holders) >= 3:
        most = {item for item, count in counts.items() if count >= MOST * len(holders)}
        agree = [m for m in holders if len(most.intersection(fleet.rows[m])) >= AGREE * len(most)]
        if len(agree) < len(holders) and len(agree) >= max(options.min_members, math.ceil(MOST * len(holders))):
            kept = set(agree)
            members, dropped = agree, [m for m in holders if m not in kept]
            counts = tally(members)
    size = len(members)
    content = [item for item, count in counts.items() if count == size]
    if size >= 10:
        paths: Counter = Counter()
        for item, count in counts.items():
            paths[fleet.path(item)] += count
        content += [item for item, count in counts.items()
                    if NEAR_ALL * size <= count < size and paths[fleet.path(item)] == size]
    return _Candidate([role], members, dropped, sorted(content))


def _adopt_forced(fleet: Fleet, containers: dict, options: Options) -> list[_Forced]:
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


class _Stack:
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
        self.chosen: list[_Candidate] = []
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

    def trim(self, candidate: _Candidate) -> list[int]:
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

    def add(self, candidate: _Candidate) -> None:
        self.chosen.append(candidate)
        self._push({self.fleet.path(item): item for item in candidate.items}, candidate.members)
        for member in candidate.members:
            self.count[member] += 1


def _candidates(fleet: Fleet, roles: list[Role], base: set[int], options: Options,
                weights: list[int]) -> list[_Candidate]:
    """One candidate per set of members: roles with the same members become one profile (named by the
    first role: a list word before a template before a clone role before a script; but a clone role takes
    the profile when all the others share is its clone key)."""
    fitted: dict[tuple, _Candidate] = {}
    for role in roles:
        if len(role.members) < options.min_members:
            continue
        candidate = _fit(fleet, role, base, options)
        if len(candidate.members) < options.min_members or not _enough(candidate, options, weights):
            continue
        key = tuple(candidate.members)
        if key in fitted and role.kind == "clone" and all(
                fleet.path(item) == (role.key,) for item in fitted[key].items):
            # all the other roles share is the clone key: the clone role explains the whole profile, which
            # says "cloned from 901", not "nvidia" (and holders of the other role left out do not apply)
            fitted[key] = candidate
        elif key in fitted:
            fitted[key].roles.append(role)
            if role.kind == "block":  # each block brings its own values
                fitted[key].items = sorted(set(fitted[key].items) | set(candidate.items))
        else:
            fitted[key] = candidate
    return list(fitted.values())


def mine(containers: dict, options: Options = Options()) -> Plan:
    """The plan: base, profiles in the order they apply, who uses which, and why.

    containers: id -> config (parsed JSON objects). Deterministic: the result
    depends on the containers' content only, never on their order or on hashing.
    """
    # mining makes millions of small objects, none in a cycle; each collection of the oldest generation
    # would walk every parsed config again, which made 100,000 containers take 3 times 10 x 10,000
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _mine(containers, options)
    finally:
        if enabled:
            gc.enable()


def _mine(containers: dict, options: Options) -> Plan:
    fleet = Fleet(containers)
    configs = list(containers.values())
    found = find_roles(fleet)
    markers = {(role.key,) for role in found if role.kind in ("list", "script")}
    base_items = choose_base(fleet, options, markers)
    if not options.profiles or len(fleet.rows) < options.min_members:
        _rename([], options)  # a --name then names no profile: say so
        return Plan(fleet.nest(base_items))
    # an operator's profile that saves no container a line is left out: a profile nobody uses fails `check`
    forced = [profile for profile in _adopt_forced(fleet, containers, options) if profile.members]
    stack = _Stack(fleet, options, forced)
    total = len(fleet.rows)
    weights = item_weights(fleet)
    roles = _candidates(fleet, found, base_items, options, weights)
    # the roles that save most lines are chosen first; then they stack broad before narrow
    picked: list[_Candidate] = []
    count: Counter = Counter()
    for candidate in sorted(roles, key=lambda c: (-c.gain(), c.order())):
        if _room(count, len(picked), candidate.members, options, total):
            picked.append(candidate)
            count.update(candidate.members)
    for candidate in sorted(picked, key=_Candidate.order):
        candidate.whole = len(candidate.items)
        candidate.items = stack.trim(candidate)
        if _enough(candidate, options, weights):
            stack.add(candidate)
    # large identical blocks without a role, where containers still have room for a profile
    blocks = _candidates(fleet, find_blocks(fleet, options.min_members, weights), base_items, options, weights)
    # the rule: a block is for containers with no role in common; those that share one (911 and 912,
    # both vLLM templates) are already described by it, and a third profile would only stack
    held = [set(role.members) for role in found]
    blocks = [candidate for candidate in blocks if not any(held_by.issuperset(candidate.members) for held_by in held)]
    for candidate in sorted(blocks, key=lambda c: (-c.gain(), c.order())):
        candidate.items = stack.trim(candidate)
        if _enough(candidate, options, weights) and _room(
                stack.count, len(stack.chosen), candidate.members, options, total):
            stack.add(candidate)
    chosen = _drop_thin(stack, weights, options)
    names = _rename(_names(chosen, configs, fleet.ids, {profile.name for profile in forced}), options)
    profiles = {profile.name: profile.layer.values for profile in forced}
    profiles.update((name, fleet.nest(candidate.items)) for name, candidate in zip(names, chosen, strict=True))
    uses: dict[str, list[str]] = {}
    for name, members in [(profile.name, profile.members) for profile in forced] + [
            (name, candidate.members) for name, candidate in zip(names, chosen, strict=True)]:
        for member in members:
            uses.setdefault(fleet.ids[member], []).append(name)
    roles_said = {profile.name: "" for profile in forced}  # the operator's: no role of the data
    reasons = {profile.name: f"given with --profile, it saves this {options.noun[0]} lines" for profile in forced}
    left_out = {}
    for name, candidate in zip(names, chosen, strict=True):
        roles_said[name] = _said(candidate, options.noun)
        reasons[name] = _reason(candidate.role)
        if candidate.dropped:
            left_out[name] = [fleet.ids[m] for m in candidate.dropped]
    return Plan(fleet.nest(base_items), profiles, uses, roles_said, reasons, left_out)


def _enough(candidate: _Candidate, options: Options, weights: list[int]) -> bool:
    """Whether a profile has the keys it needs: --min-keys when given; else a role of ROLE_MEMBERS or more
    holders is worth its name as soon as they share one value beyond the base, and a pair needs PAIR_KEYS.
    A block without a role is a profile only when it stands for BLOCK_LEAVES values or more."""
    if candidate.role.kind == "block":
        return (len(candidate.items) >= (options.min_keys or 1)
                and sum(weights[item] for item in candidate.items) >= BLOCK_LEAVES)
    needs = options.min_keys or (1 if len(candidate.members) >= ROLE_MEMBERS else PAIR_KEYS)
    return len(candidate.items) >= needs


LARGE_ROLE = 10  # a role of this many holders keeps a one-value profile when that value is all they share


def _drop_thin(stack: _Stack, weights: list[int], options: Options) -> list[_Candidate]:
    """The chosen profiles less those too thin for a reviewer: one value of a role that saves at most 2 lines
    (each member writes one line less; the file is one line; a member with no other profile writes a
    $profiles line), unless that value is the whole content of a role of LARGE_ROLE holders or more, or
    --min-keys was given. Looked at narrow to broad, each drop counted for the next."""
    uses = Counter({member: len(stack_of) for member, stack_of in stack.stack_of.items()})
    kept = []
    for candidate in reversed(stack.chosen):
        thin = (options.min_keys is None and candidate.role.kind != "block" and len(candidate.items) == 1
                and weights[candidate.items[0]] == 1
                and not (candidate.whole == 1 and len(candidate.members) >= LARGE_ROLE))
        if thin and len(candidate.members) - sum(uses[m] == 1 for m in candidate.members) - 1 <= 2:
            uses.subtract(candidate.members)
        else:
            kept.append(candidate)
    return kept[::-1]


def _room(count: Counter, profiles: int, members: list[int], options: Options, total: int) -> bool:
    """Whether one more profile fits: under --max-profiles, under the cap per container for every member,
    and under the average over the fleet. count: profiles per container so far."""
    return (profiles < options.max_profiles and all(count[m] < options.per_container for m in members)
            and sum(count.values()) + len(members) <= options.average * total)


def _said(candidate: _Candidate, noun: tuple = ("container", "containers")) -> str:
    """The profile's role in words. Roles with as many holders as the first are said together; a role merged
    in with other holders (the clones of 9001 among the 8 `nvidia` containers) says who the members are:
    "7 of the 8 containers whose `features` include `nvidia`: those whose `clone_from_ctid` is 9001"."""
    count = len(candidate.role.members)
    alike = [role for role in candidate.roles if len(role.members) == count]
    others = [role.clause() for role in candidate.roles if len(role.members) != count]
    said = describe(alike, count, len(candidate.members), noun)
    return said + (": those " + " and ".join(others) if others else "")


def _reason(role: Role) -> str:
    """Why a member uses the profile, in words: "its `features` include `vllm`"."""
    if role.kind == "list":
        return f"its `{role.key}` include `{role.value}`"
    if role.kind == "template":
        return "it is a template"
    if role.kind == "script":
        return f"its `{role.key}` is `{role.value}`"
    if role.kind == "clone":
        return f"it is cloned from {role.value}" + (f" ({role.label})" if role.label else "")
    return f"it holds the same `{role.key}` block as the others"


def _names(chosen: list[_Candidate], configs: list[dict], ids: list[str], taken: set[str]) -> list[str]:
    """Names from the roles; on a clash the broader profile keeps the plain word and the other gets a second
    word: another marker all its members share, a word all their names share, the marker's key, its ids."""
    markers = sorted({candidate.role.key for candidate in chosen if candidate.role.kind == "list"})
    words_of = name_words(configs)
    proposals = []
    for candidate in chosen:
        role = candidate.role
        words = [w for key in markers for w in sorted(set.intersection(
            *(set(configs[m].get(key) or ()) if type(configs[m].get(key)) is list else set()
              for m in candidate.members)))]
        seconds = [role.kind if role.kind != "list" else ""] + words + words_of(candidate.members)
        seconds += [role.key.replace("/", "_"), ids[candidate.members[0]], ids[candidate.members[-1]], role.value]
        proposals.append((role.name, [w for w in seconds if w]))
    order = sorted(range(len(chosen)), key=lambda index: chosen[index].order())
    ordered = unique_names([proposals[index] for index in order], taken)
    names = [""] * len(chosen)
    for index, name in zip(order, ordered):
        names[index] = name
    return names


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
