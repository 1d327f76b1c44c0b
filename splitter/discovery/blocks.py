"""Blocks without a role: values that always stand together, in the same containers, whatever else they hold."""

from __future__ import annotations

from array import array

from splitter.discovery.itemsets import Fleet
from splitter.discovery.roles import BLOCK_LEAVES, Role, slug


def _numeric(text: bytes) -> bool:
    return text[:1] in b"-0123456789"


def shared_holders(fleet: Fleet, base: set[int], min_members: int) -> dict[int, array]:
    """Per value beyond the base that `min_members` containers or more hold: their indexes, ascending.
    One pass over the rows; a profile's values are all among them."""
    wanted = [count >= min_members and item not in base for item, count in enumerate(fleet.count)]
    holders: dict[int, array] = {}
    for index, row in enumerate(fleet.rows):
        for item in row:
            if wanted[item]:
                found = holders.get(item)
                if found is None:
                    found = holders[item] = array("I")  # compact: 4 bytes a holder at 100,000 containers
                found.append(index)
    return holders


def find_together(fleet: Fleet, holders: dict[int, array], weights: list[int],
                  roles: list[Role] = ()) -> list[Role]:
    """Sets of values beyond the base that exactly the same containers hold (the same holders, value for
    value), standing for BLOCK_LEAVES values or more, not sizes and counts alone: a web block of firewall
    rules and a `traefik_service` in containers that list no word for it.

    holders: shared_holders(). Values held by all are left out, and so are sets whose holders are exactly those of
    one of `roles` (that role's profile holds them). Holders of such a set are a role of kind "block"
    with path () (its content is fitted as a role's: what the holders share); key names the set's top-level
    keys, heaviest first, joined by ", "; its name is the heaviest key. Cost: one pass over the rows.
    Returns the roles sorted by members, then key (never by hash order).
    """
    total = len(fleet.rows)
    groups: dict[tuple[int, ...], list[int]] = {}
    for item in sorted(holders):
        if len(holders[item]) == total:
            continue
        groups.setdefault(tuple(holders[item]), []).append(item)
    known = {role.members for role in roles}
    found = []
    for members, group in groups.items():
        if members in known:
            continue
        size = sum(weights[item] for item in group)
        if size < BLOCK_LEAVES or len(group) < 2 or all(_numeric(fleet.keys[item][1]) for item in group):
            continue
        heft: dict[str, int] = {}
        for item in group:
            key = fleet.path(item)[0]
            heft[key] = heft.get(key, 0) + weights[item]
        keys = sorted(heft, key=lambda key: (-heft[key], key))
        found.append(Role("block", ", ".join(keys), f"{size} values", slug(keys[0]) or "block", members))
    return sorted(found, key=lambda role: (role.members, role.key))
