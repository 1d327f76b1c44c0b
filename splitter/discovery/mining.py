"""Profile discovery: the base holds true defaults, each profile follows a role the operators wrote down."""

# Each container is a set of items (path, exact value); paths stop at scalars,
# lists and empty objects. The base takes, path by path, the value most
# containers hold, where sharing it saves more lines than the deletion markers it
# forces. Profiles start from role markers (roles.py): the holders of a role are
# its members (less the few that disagree on most of it), and the profile holds
# what the members share beyond the base. Large identical subtrees without a
# role (blocks) come last. Roles are chosen by the lines they save, within a cap
# of profiles per container and on average, and stack broad before narrow; a
# profile of one value that saves at most 2 lines is left out (_drop_thin).


from __future__ import annotations

import gc
from collections import Counter

from splitter.discovery.blocks import block_worth, find_blocks, find_together, shared_holders
from splitter.discovery.candidates import (
    PAIR_KEYS,
    ROLE_MEMBERS,
    Candidate,
    Options,
    Stack,
    adopt_forced,
    choose_base,
    fit_role,
)
from splitter.discovery.itemsets import Fleet
from splitter.discovery.naming import block_words, name_words, unique_names
from splitter.discovery.plan import Plan
from splitter.discovery.savings import forced_conflicts, prune
from splitter.discovery.unprofiled import (
    CLASH,
    GIVEN,
    cloned,
    no_room,
    saves_nothing,
    thin_reason,
    too_little,
    unprofiled_groups,
)
from splitter.discovery.roles import Role, describe, find_roles, item_weights
from splitter.errors import BadInput


def _candidates(fleet: Fleet, roles: list[Role], base: set[int], options: Options,
                weights: list[int], why: dict | None = None) -> list[Candidate]:
    """One candidate per set of members: roles with the same members become one profile (named by the
    first role: a list word before a template before a clone role before a script; but a clone role takes
    the profile when all the others share is its clone key)."""
    fitted: dict[tuple, Candidate] = {}
    why = {} if why is None else why
    for role in roles:
        if len(role.members) < options.min_members:
            why[role] = f"--min-members asks for {options.min_members}"
            continue
        candidate = fit_role(fleet, role, base, options)
        if len(candidate.members) < options.min_members or not _enough(fleet, candidate, options, weights):
            why[role] = too_little(fleet, candidate, options)
            continue
        key = tuple(candidate.members)
        if key in fitted and role.kind == "clone" and all(
                fleet.path(item) == (role.key,) for item in fitted[key].items):
            # all the other roles share is the clone key: the clone role explains the whole profile, which
            # says "cloned from 901", not "nvidia" (and holders of the other role left out do not apply)
            why.update((other, role) for other in fitted[key].roles)  # the clone role's fate is theirs
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
    forced = [profile for profile in adopt_forced(fleet, containers, options) if profile.members]
    # the discovered profiles are chosen as if no --profile were given, so that the containers an operator's
    # profile does not touch keep the profiles they would have had; its members leave a profile it clashes with
    stack = Stack(fleet, options, [])
    why: dict[Role, str] = {}
    total = len(fleet.rows)
    weights = item_weights(fleet)
    roles = _candidates(fleet, found, base_items, options, weights, why)
    # the roles that save most lines are chosen first; then they stack broad before narrow
    picked: list[Candidate] = []
    count: Counter = Counter()
    for candidate in sorted(roles, key=lambda c: (-c.gain(), c.order())):
        if _room(count, len(picked), candidate.members, options, total):
            picked.append(candidate)
            count.update(candidate.members)
        else:
            why.update((role, no_room(count, len(picked), candidate.members, options)) for role in candidate.roles)
    whole = {}  # content before trimming, per id() of a candidate: a profile dropped later gives nothing
    for candidate in sorted(picked, key=Candidate.order):
        candidate.whole = len(candidate.items)
        whole[id(candidate)] = candidate.items
        candidate.items = stack.trim(candidate)
        if _enough(fleet, candidate, options, weights):
            stack.add(candidate)
        else:
            why.update((role, GIVEN) for role in candidate.roles)
    # large identical blocks without a role, where containers still have room for a profile
    holders = shared_holders(fleet, base_items, options.min_members)
    # (a block may stand beside a role: its holders' roles keep priority and the room left decides)
    blocks = _candidates(fleet, find_blocks(fleet, options.min_members, weights)
                         + find_together(fleet, holders, weights, found),
                         base_items, options, weights)
    whole.update((id(candidate), candidate.items) for candidate in blocks)
    _add_blocks(stack, blocks, options, weights, total)
    chosen = _drop_thin(stack, weights, options, why)
    if len(chosen) < len(stack.chosen):
        # a thin role dropped gives its members nothing: the profiles kept are trimmed again without it
        # (else a value it gave, `memory_mb` of the vLLM clones, is in no profile), and the room it held
        # is open to the blocks refused for it (911 and 912's engine config), so that the tree `split`
        # writes is one `tidy` leaves alone
        kept = {id(candidate) for candidate in chosen}
        stack = Stack(fleet, options, [])
        for candidate in chosen:
            candidate.items = whole[id(candidate)]
            candidate.items = stack.trim(candidate)
            stack.add(candidate)
        refused = [candidate for candidate in blocks if id(candidate) not in kept]
        for candidate in refused:
            candidate.items = whole[id(candidate)]
        _add_blocks(stack, refused, options, weights, total)
        chosen = stack.chosen
    chosen = _settle(fleet, chosen, forced, holders, options, why)
    names = _rename(_names(chosen, configs, fleet.ids, {profile.name for profile in forced}, found), options)
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
    covered = {role: name for name, candidate in zip(names, chosen, strict=True) for role in candidate.roles}
    said = []
    for role, reason in why.items():
        if role in covered or role.kind == "block":
            continue
        if isinstance(reason, Role):  # all the role shares is its clone key: a clone role took its place
            reason = cloned(covered[reason]) if reason in covered else why.get(reason, "")
        said.append((role, reason))
    unprofiled = unprofiled_groups(said, fleet.ids, options.noun)
    return Plan(fleet.nest(base_items), profiles, uses, roles_said, reasons, left_out, unprofiled)


def _settle(fleet: Fleet, chosen: list[Candidate], forced: list, holders: dict, options: Options,
            why: dict) -> list[Candidate]:
    """The chosen profiles less those that save no lines, judged first as if no --profile were given (an
    operator's profile neither adds nor removes a profile for the containers it does not touch); then the
    operator's profiles take their members out of the profiles they clash with, and only those profiles are
    judged again."""
    def pruned(candidates: list[Candidate], given: list, only: set[int] | None) -> list[Candidate]:
        def rebuild(kept: list[Candidate]) -> Stack:
            rebuilt = Stack(fleet, options, given)
            for candidate in kept:
                rebuilt.add(candidate)
            return rebuilt
        kept, figures = prune(fleet, candidates, holders, rebuild, only)
        for candidate in candidates:
            if id(candidate) in figures:
                why.update((role, saves_nothing(fleet, candidate, figures[id(candidate)])) for role in candidate.roles)
        return kept

    chosen = pruned(chosen, [], None)
    if not forced:
        return chosen
    changed = forced_conflicts(fleet, chosen, [(profile.layer, profile.members) for profile in forced])
    for candidate in chosen:
        if len(candidate.members) < options.min_members:
            why.update((role, CLASH) for role in candidate.roles)
    chosen = [candidate for candidate in chosen if len(candidate.members) >= options.min_members]
    return pruned(chosen, forced, changed)


def _add_blocks(stack: Stack, blocks: list[Candidate], options: Options, weights: list[int], total: int) -> None:
    """Blocks without a role, most lines saved first, each less what the stack gives its members already,
    where it is still enough and its members have room."""
    for candidate in sorted(blocks, key=lambda c: (-c.gain(), c.order())):
        candidate.items = stack.trim(candidate)
        if _enough(stack.fleet, candidate, options, weights) and _room(
                stack.count, len(stack.chosen), candidate.members, options, total):
            stack.add(candidate)


def _enough(fleet: Fleet, candidate: Candidate, options: Options, weights: list[int]) -> bool:
    """Whether a profile has the keys it needs: --min-keys when given; else a role of ROLE_MEMBERS or more
    holders is worth its name as soon as they share one value beyond the base, and a pair needs PAIR_KEYS.
    A block without a role is a profile only when the values of the block itself (under its path) are worth
    one by blocks.block_worth, the rule `tidy` uses too."""
    if candidate.role.kind == "block":
        depth = len(candidate.role.path)
        inside = [item for item in candidate.items if fleet.path(item)[:depth] == candidate.role.path]
        return (len(candidate.items) >= (options.min_keys or 1)
                and block_worth(len(candidate.members), sum(weights[item] for item in inside)))
    needs = options.min_keys or (1 if len(candidate.members) >= ROLE_MEMBERS else PAIR_KEYS)
    return len(candidate.items) >= needs


LARGE_ROLE = 10  # a role of this many holders keeps a one-value profile when that value is all they share


def _drop_thin(stack: Stack, weights: list[int], options: Options, why: dict) -> list[Candidate]:
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
            why.update((role, thin_reason(stack.fleet, candidate)) for role in candidate.roles)
        else:
            kept.append(candidate)
    return kept[::-1]


def _room(count: Counter, profiles: int, members: list[int], options: Options, total: int) -> bool:
    """Whether one more profile fits: under --max-profiles, under the cap per container for every member,
    and under the average over the fleet. count: profiles per container so far."""
    return (profiles < options.max_profiles and all(count[m] < options.per_container for m in members)
            and sum(count.values()) + len(members) <= options.average * total)


def _said(candidate: Candidate, noun: tuple = ("container", "containers")) -> str:
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
    if not role.path:
        return f"it holds the same values under {role.keys_said()} as the others"
    return f"it holds the same `{role.key}` block as the others"


def _names(chosen: list[Candidate], configs: list[dict], ids: list[str], taken: set[str],
           roles: list[Role] = ()) -> list[str]:
    """Names from the roles; on a clash the broader profile keeps the plain word and the other gets a second
    word: another marker all its members share, a word all their names share, the marker's key, its ids.
    A block's profile takes its members' role word, else its key (naming.block_words, as `tidy` names one)."""
    markers = sorted({candidate.role.key for candidate in chosen if candidate.role.kind == "list"})
    words_of = name_words(configs)
    proposals = []
    for candidate in chosen:
        role = candidate.role
        words = [w for key in markers for w in _listed_by_all(configs, candidate.members, key)]
        seconds = [role.kind if role.kind != "list" else ""] + words + words_of(candidate.members)
        seconds += [role.key.replace("/", "_"), ids[candidate.members[0]], ids[candidate.members[-1]], role.value]
        first = role.name
        if role.kind == "block":
            first, before = block_words(roles, candidate.members, role.name, [])
            seconds = before + seconds[1:]
        proposals.append((first, [w for w in seconds if w]))
    order = sorted(range(len(chosen)), key=lambda index: chosen[index].order())
    ordered = unique_names([proposals[index] for index in order], taken)
    names = [""] * len(chosen)
    for index, name in zip(order, ordered):
        names[index] = name
    return names


def _listed_by_all(configs: list[dict], members: list[int], key: str) -> list[str]:
    """The words every member lists under a marker key, sorted; the first member that shares none ends it."""
    common: set | None = None
    for member in members:
        value = configs[member].get(key)
        common = (set(value) if type(value) is list else set()) if common is None else common.intersection(
            value if type(value) is list else ())
        if not common:
            return []
    return sorted(common or ())


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
