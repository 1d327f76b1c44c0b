"""Why a role group gets no profile, in words the plan prints beside the profiles."""

from __future__ import annotations

from collections import Counter

from splitter.discovery.candidates import Candidate, Options
from splitter.discovery.itemsets import Fleet
from splitter.discovery.roles import Role, describe
from splitter.exact.pointer import pointer

GIVEN = "what they share beyond the base, the profiles chosen before give them already"
CLASH = "the profile given with --profile sets the same keys otherwise for most of them"
SHOWN = 3  # values named in a reason; the rest are counted


def _values(fleet: Fleet, candidate: Candidate) -> str:
    """`/is_template = true`, `/boot_order = 0` and 2 more."""
    shown = []
    for item in candidate.items[:SHOWN]:
        path, text = fleet.keys[item]
        value = text.decode()
        shown.append(f"`{pointer(path)} = {value if len(value) <= 40 else value[:37] + '...'}`")
    more = len(candidate.items) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def too_little(fleet: Fleet, candidate: Candidate, options: Options) -> str:
    """A role whose holders share nothing, or too little, beyond the base."""
    if len(candidate.members) < options.min_members:
        return "too few of them agree on what they share"
    if not candidate.items:
        return "they share nothing beyond the base"
    return f"they share only {_values(fleet, candidate)} beyond the base, too little for a profile"


def no_room(count: Counter, profiles: int, members: list[int], options: Options) -> str:
    """A role left out by the limits (--max-profiles, profiles per container, on average)."""
    if profiles >= options.max_profiles:
        return f"--max-profiles {options.max_profiles} was reached by profiles that save more lines"
    full = sum(count[member] >= options.per_container for member in members)
    if full:
        return (f"{full} of them already {'uses' if full == 1 else 'use'} {options.per_container} profiles, "
                "the most one uses")
    return f"the fleet would use more than {options.average:g} profiles a container on average"


def cloned(name: str) -> str:
    return f"all they share beyond the base is the template they are cloned from, which profile {name} gives"


def thin_reason(fleet: Fleet, candidate: Candidate) -> str:
    return f"they share only {_values(fleet, candidate)} beyond the base: as a profile it saves at most 2 lines"


def saves_nothing(fleet: Fleet, candidate: Candidate, figure: int) -> str:
    said = "save no lines" if figure == 0 else f"cost {-figure} line{'s' if figure < -1 else ''} more than it saves"
    return f"a profile of what they share beyond the base ({_values(fleet, candidate)}) would {said}"


def unprofiled_groups(reasons: list[tuple[Role, str]], ids: list[str], noun: tuple) -> list[dict]:
    """One entry per group of holders and reason: {"role": the holders in words, "members": ids, "reason"}.
    Roles with the same holders and reason are said together; largest groups first, then by words."""
    grouped: dict[tuple, list[Role]] = {}
    for role, reason in reasons:
        grouped.setdefault((role.members, reason), []).append(role)
    result = [{"role": describe(roles, len(members), None, noun), "members": [ids[m] for m in members],
               "reason": reason} for (members, reason), roles in grouped.items()]
    return sorted(result, key=lambda entry: (-len(entry["members"]), entry["role"], entry["reason"]))
