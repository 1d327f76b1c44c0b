"""Blocks without a role: values that always stand together, in the same containers, whatever else they hold."""

from __future__ import annotations

import re
from array import array
from collections import Counter
from itertools import groupby
from typing import Iterable

from splitter.discovery.candidates import PAIR_KEYS, ROLE_MEMBERS
from splitter.discovery.itemsets import Fleet
from splitter.discovery.roles import BLOCK_DEPTH, BLOCK_LEAVES, Role, slug


def block_worth(members: int, values: int) -> bool:
    """The one rule for when a block without a role is worth a profile, in `split` and in `tidy` alike: it
    stands for BLOCK_LEAVES values or more, or ROLE_MEMBERS or more containers hold PAIR_KEYS values or more
    of it (the thresholds a role needs: issue 19's "three-leaf block added to four containers")."""
    return values >= BLOCK_LEAVES or (members >= ROLE_MEMBERS and values >= PAIR_KEYS)


# a MAC (EUI-48, IEEE 802: six hex pairs), or an IPv4 or IPv6 address with an optional /prefix (RFC 4632, RFC 4291)
_ADDRESS = re.compile(rb'"(?:[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}|\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?'
                      rb'|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:/\d{1,3})?)"')
HOST_KEYS = {"hostname", "name", "fqdn"}  # keys whose string value names one machine


def identity_like(path: tuple, text: bytes, values: Iterable[bytes]) -> bool:
    """Whether a leaf is an identity value, one only one container should have (mining.md: names, IPs, MACs never
    join a profile), even where copied containers still share it: its value is a MAC or an IP address, or a
    string under a hostname-like key (HOST_KEYS), and most of the entries that hold the path (more than half)
    hold a value no other entry holds (a gateway or DNS server most share is no identity; nor is one a few share
    where nothing says the key is per entry).
    path: the leaf's keys; text: its canonical JSON; values: the canonical texts of every entry holding the path,
    these included. The one rule for `split`'s blocks and `tidy`'s moves."""
    if not (_ADDRESS.fullmatch(text) or (text[:1] == b'"' and path and path[-1] in HOST_KEYS)):
        return False
    seen = Counter(values)
    return 2 * sum(1 for count in seen.values() if count == 1) > sum(seen.values())


def identity_items(fleet: Fleet) -> set[int]:
    """The items of a fleet that are identity_like and held by several: one pass over the items (sorted by path);
    the rule runs only for paths where a value is shared."""
    found = set()
    for _, group in groupby(range(len(fleet.keys)), lambda item: fleet.keys[item][0]):
        group = list(group)
        shared = [item for item in group if fleet.count[item] > 1]
        if not shared or 2 * (len(group) - len(shared)) <= sum(fleet.count[item] for item in group):
            continue  # most holders share their value: no identity (identity_like's count, without the texts)
        values = [fleet.keys[item][1] for item in group for _ in range(fleet.count[item])]
        found.update(item for item in shared if identity_like(fleet.keys[item][0], fleet.keys[item][1], values))
    return found


def _numeric(text: bytes) -> bool:
    return text[:1] in b"-0123456789"


def shared_holders(fleet: Fleet, base: set[int], min_members: int) -> dict[int, array]:
    """Per value beyond the base that `min_members` containers or more hold: their indexes, ascending.
    One look at each group of alike rows (Fleet.holders); a profile's values are all among them."""
    wanted = {item for item, count in enumerate(fleet.count) if count >= min_members and item not in base}
    # compact: 4 bytes a holder at 100,000 containers
    return {item: array("I", found) for item, found in fleet.holders(wanted).items()}


def find_together(fleet: Fleet, holders: dict[int, array], weights: list[int],
                  roles: list[Role] = ()) -> list[Role]:
    """Sets of values beyond the base that exactly the same containers hold (the same holders, value for
    value), standing for BLOCK_LEAVES values or more, not sizes and counts alone: a web block of firewall
    rules and a `traefik_service` in containers that list no word for it.

    holders: shared_holders(). Values held by all are left out, and so are sets whose holders are exactly those of
    one of `roles` (that role's profile holds them), and so are identity values (identity_items). Holders of
    such a set are a role of kind "block" with path () (its content is fitted as a role's: what the holders
    share); key names the set's top-level keys, heaviest first, joined by ", "; its name is the heaviest key.
    Cost: one pass over the rows.
    Returns the roles sorted by members, then key (never by hash order).
    """
    total = len(fleet.rows)
    groups: dict[tuple[int, ...], list[int]] = {}
    identities = identity_items(fleet)
    for item in sorted(holders):
        if len(holders[item]) == total or item in identities:
            continue
        groups.setdefault(tuple(holders[item]), []).append(item)
    known = {role.members for role in roles}
    found = []
    for members, group in groups.items():
        if members in known:
            continue
        size = sum(weights[item] for item in group)
        # values under several keys are no object of their own: block_worth's smaller threshold for many
        # holders is left out, as three equal values in three containers are as likely a coincidence (mining.md)
        if size < BLOCK_LEAVES or len(group) < 2 or all(_numeric(fleet.keys[item][1]) for item in group):
            continue
        heft: dict[str, int] = {}
        for item in group:
            key = fleet.path(item)[0]
            heft[key] = heft.get(key, 0) + weights[item]
        keys = sorted(heft, key=lambda key: (-heft[key], key))
        found.append(Role("block", ", ".join(keys), f"{size} values", slug(keys[0]) or "block", members))
    return sorted(found, key=lambda role: (role.members, role.key))


def find_blocks(fleet: Fleet, min_members: int, weights: list[int]) -> list[Role]:
    """Object subtrees, or lists of objects such as firewall rule sets, that `min_members` containers or more
    hold value for value at the same path, at most BLOCK_DEPTH keys deep, worth a profile by block_worth
    (values counted by weights: see roles.item_weights); of nested ones with the same holders only the outer
    one. A block that holds an identity value (identity_items) is none: a copy's MAC or IP is not shared.
    Returns roles of kind "block", key = the path joined by '/', members indexing into fleet.rows."""
    holders: dict[tuple, list[int]] = {}
    keyers = [[path[:depth] if len(path) > depth else None for path, _ in fleet.keys].__getitem__
              for depth in range(1, BLOCK_DEPTH + 1)]
    heavy = {item for item, weight in enumerate(weights)
             if weight >= PAIR_KEYS and len(fleet.keys[item][0]) <= BLOCK_DEPTH}
    identities = identity_items(fleet)
    for row, members, poisoned in _alike_rows(fleet, min_members):
        # rows are sorted by path: the leaves under one object come one after the other
        for keyer in keyers:
            for prefix, group in groupby(row, keyer):
                if prefix is None or prefix in poisoned:
                    continue
                group = tuple(group)
                if identities.intersection(group):
                    continue
                if len(group) >= PAIR_KEYS or sum(weights[i] for i in group) >= PAIR_KEYS:
                    holders.setdefault((prefix, group), []).extend(members)
        for item in heavy.intersection(row):
            holders.setdefault((fleet.keys[item][0], (item,)), []).extend(members)
    shared = {entry: tuple(sorted(members)) for entry, members in holders.items() if len(members) >= min_members
              and block_worth(len(members), sum(weights[i] for i in entry[1]))}
    by_path: dict[tuple, set] = {}
    for (path, _), members in shared.items():
        by_path.setdefault(path, set()).add(members)
    roles = []
    for (path, group), members in shared.items():
        if members in by_path.get(path[:-1], ()):  # the whole parent is shared by the same containers
            continue
        roles.append(Role("block", "/".join(path), f"{sum(weights[i] for i in group)} values",
                          slug(path[-1]) or "block", members, path))
    return sorted(roles, key=lambda role: (role.path, role.members))


def _alike_rows(fleet: Fleet, min_members: int) -> list[tuple[tuple[int, ...], list[int], frozenset]]:
    """The rows as find_blocks needs them: (items, the rows that hold them, prefixes to pass over). An object
    that holds an item one container alone holds (an address, a name) is held by that container alone: with
    `min_members` 2 or more it is no block, so alike rows less such items (Fleet.groups) are looked at once,
    passing over the prefixes (BLOCK_DEPTH keys at most) of their own items; else each row on its own."""
    if min_members < 2:
        return [(row, [index], frozenset()) for index, row in enumerate(fleet.rows)]
    of, rows, _ = fleet.groups
    prefixes: dict[tuple, frozenset] = {}
    poisoned: dict[int, frozenset] = {}
    for item, place in fleet.lone.items():
        path = fleet.keys[item][0]
        if path not in prefixes:
            prefixes[path] = frozenset(path[:depth] for depth in range(1, min(len(path), BLOCK_DEPTH + 1)))
        poisoned[place] = poisoned.get(place, frozenset()) | prefixes[path]
    units: dict[tuple[int, frozenset], list[int]] = {}
    for place, group in enumerate(of):
        units.setdefault((group, poisoned.get(place, frozenset())), []).append(place)
    return [(rows[group], members, skip) for (group, skip), members in units.items()]
