"""Local search on the exact line count of small fleets' trees: drop or add profiles and base items."""

from __future__ import annotations

from collections import Counter

from .exactjson import canonical
from .itemsets import Fleet, items
from .layers import Layer
from .merge import merge
from .split import difference, layer_lines

POLISH_LIMIT = 60  # fleets this small get a local search on the exact line count
POLISH_ROUNDS = 12


def _tree_lines(fleet: Fleet, containers: dict, unset_cost: float, fixed: list, base_items: set[int],
                chosen: list) -> tuple[float, list[dict]]:
    """What a person maintains for this choice: lines under defaults/ and lxc/, deletion markers weighted;
    and each container's own values."""
    base = Layer("", fleet.nest(base_items))
    profiles = [Layer("", fleet.nest(items_)) for items_, _ in chosen]
    uses: dict[int, list[int]] = {}
    for index, (_, members) in enumerate(chosen):
        for member in members:
            uses.setdefault(member, []).append(index)
    total = layer_lines(base, container=False) + sum(layer_lines(p, container=False) for p in profiles)
    inherited: dict[tuple, dict] = {}
    owns = []
    for member, config in enumerate(containers.values()):
        names = tuple(index for index, (_, members) in enumerate(fixed) if member in members)
        names = tuple(-1 - index for index in names) + tuple(uses.get(member, ()))
        if names not in inherited:
            inherited[names] = merge([base, *(fixed[-1 - index][0] if index < 0 else profiles[index]
                                              for index in names)])
        own, unsets = difference(inherited[names], config)
        total += layer_lines(Layer("", own, [str(n) for n in names], unsets), container=True)
        total += (unset_cost - 1) * len(unsets)  # a marker costs a reader more than its share of a line
        owns.append(own)
    return total, owns


def polish(fleet: Fleet, containers: dict, base_items: set[int], chosen: list, fixed: list,
            options) -> tuple[set[int], list]:
    """Local search on the exact line count: drop a profile or a base item, or add a profile that
    several containers still write out themselves, while the tree gets smaller."""
    ids = {key: item for item, key in enumerate(fleet.keys)}
    best, owns = _tree_lines(fleet, containers, options.unset_cost, fixed, base_items, chosen)
    for _ in range(POLISH_ROUNDS):
        trials = [(base_items, chosen[:index] + chosen[index + 1:]) for index in range(len(chosen))]
        trials += [(base_items - {item}, chosen) for item in sorted(base_items)]
        own_items = [{ids[(path, canonical(value))] for path, value in items(own)} for own in owns]
        written = Counter(item for mine in own_items for item in mine)
        base_paths = {fleet.path(item) for item in base_items}
        trials += [(base_items | {item}, chosen) for item in sorted(written)
                   if written[item] > 1 and not _clashes(fleet.path(item), base_paths)]
        trials += [(base_items, chosen[:index] + [(items_ + sorted(extra), members)] + chosen[index + 1:])
                   for index, (items_, members) in enumerate(chosen)
                   if (extra := set.intersection(*(own_items[m] for m in members)))
                   and not any(_clashes(fleet.path(e), {fleet.path(i) for i in items_}) for e in extra)]
        if len(chosen) < options.max_profiles:
            offered = set()
            for first in range(len(own_items)):
                for second in range(first + 1, len(own_items)):
                    common = frozenset(own_items[first] & own_items[second])
                    if len(common) < options.min_keys or common in offered:
                        continue
                    offered.add(common)
                    members = [m for m, mine in enumerate(own_items) if common <= mine]
                    trials.append((base_items, chosen + [(sorted(common), members)]))
        scored = []
        for trial in trials:
            lines, trial_owns = _tree_lines(fleet, containers, options.unset_cost, fixed, *trial)
            if lines < best:
                scored.append((lines, len(scored), trial, trial_owns))
        if not scored:
            break
        best, _, (base_items, chosen), owns = min(scored, key=lambda entry: entry[:2])
    return base_items, chosen


def _clashes(path: tuple, paths: set[tuple]) -> bool:
    """Whether a path equals, or is a prefix or an extension of, one of the paths (one layer holds one)."""
    return any(path[: len(other)] == other or other[: len(path)] == path for other in paths)
