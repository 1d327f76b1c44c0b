"""Discovery's fast paths give what the plain, exact path gives: items numbered column by column, tallies per
distinct row; drawn with look-alike values (1, 1.0, true, "1", -0, 0.50, 1E3, [1] and [true], key order)."""

from __future__ import annotations

import math
from collections import Counter
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from splitter.discovery import blocks
from splitter.discovery.blocks import find_blocks
from splitter.discovery.candidates import AGREE, MOST, NEAR_ALL, Candidate, Options, choose_base, fit_role
from splitter.discovery.itemsets import Fleet, items
from splitter.discovery.mining import _listed_by_all
from splitter.discovery.roles import Role, find_roles, item_weights
from splitter.exact.numbers import canonical
from splitter.exact.parse import parse

# JSON texts that Python's == or a careless mark would take for one another
LOOKALIKES = ["1", "1.0", "true", '"1"', "-0", "0", "-0.0", "0.0", "0.50", "0.5", "1E3", "1000", "1000.0", "null",
              "false", '""', "[1]", "[true]", "[1.0]", "[]", "{}", '{"a":1,"b":2}', '{"b":2,"a":1}', '" "', '"!"',
              '"a\\"b"', '"\\u0000"', '"é"', "123456789012345678901234567890", '["x","y"]', '["y","x"]']
KEYS = ["a", "b", "c", "name", "", "a b", "é"]

leaves = st.sampled_from(LOOKALIKES)
texts = st.recursive(leaves, lambda inner: st.dictionaries(st.sampled_from(KEYS), inner, max_size=4).map(
    lambda pairs: "{" + ",".join(f'"{key}":{value}' for key, value in pairs.items()) + "}"), max_leaves=12)
configs = st.dictionaries(st.sampled_from(KEYS), texts, max_size=5).map(
    lambda pairs: "{" + ",".join(f'"{key}":{value}' for key, value in pairs.items()) + "}")


def exact_fleet(containers: dict) -> tuple[list, list, list]:
    """The rule, written plainly: items are (path, canonical text), numbered in sorted order; a row holds its
    container's item ids ascending; the count of an item is its holders."""
    leaves_of = [{(path, canonical(value)) for path, value in items(config)} for config in containers.values()]
    keys = sorted(set().union(*leaves_of))
    number = {key: place for place, key in enumerate(keys)}
    rows = [sorted(number[key] for key in found) for found in leaves_of]
    count = Counter(item for row in rows for item in row)
    return keys, rows, [count[item] for item in range(len(keys))]


@given(st.lists(configs, max_size=14))
def test_items_are_numbered_as_the_exact_rule_numbers_them(documents: list[str]) -> None:
    containers = {str(place): parse(text.encode(), "(drawn)") for place, text in enumerate(documents)}
    fleet = Fleet(containers)
    keys, rows, count = exact_fleet(containers)
    assert fleet.keys == keys
    assert [list(row) for row in fleet.rows] == rows
    assert list(fleet.count) == count
    assert fleet.lone == {item: place for place, row in enumerate(rows) for item in row if count[item] == 1}
    of, grouped, members = fleet.groups
    assert [grouped[group] for group in of] == [tuple(item for item in row if count[item] > 1) for row in rows]
    assert len(set(grouped)) == len(grouped)
    assert [place for group in members for place in group] == sorted(range(len(rows)), key=of.__getitem__)


# fleets of alike containers: a few variants per key, some values one container alone holds (a name, an address,
# an odd size), objects two keys deep (find_blocks' prefixes), lists of objects (weighed by their leaves)
VARIANTS = {
    "cores": ["2", "4", "4.0", '"4"', "true"],
    "features": ['["web"]', '["web","db"]', '["db"]', "[]"],
    "net": ['{"bridge":"vmbr0","gw":"10.0.0.1","mtu":1500}', '{"bridge":"vmbr1","gw":"10.0.0.1","mtu":1500}',
            '{"gw":"10.0.0.1","bridge":"vmbr0","mtu":1500}'],
    "engine": ['{"model":{"dtype":"auto","len":8192,"trust":true},"cache":{"swap":4,"block":16,"util":0.9}}',
               '{"model":{"dtype":"auto","len":8192,"trust":true},"cache":{"swap":4,"block":16,"util":0.90}}',
               '{"model":{"dtype":"auto","len":4096,"trust":true}}'],
    "rules": ['[{"port":22,"proto":"tcp"},{"port":80,"proto":"tcp"}]', '[{"port":22,"proto":"tcp"}]',
              '[{"proto":"tcp","port":22},{"port":80,"proto":"tcp"}]'],
}
LONE_PATHS = [("name",), ("cores",), ("net", "ip"), ("net", "mtu"), ("engine", "model", "served"), ("engine", "x")]


@st.composite
def alike_fleets(draw) -> dict:
    count = draw(st.integers(min_value=0, max_value=24))
    containers = {}
    for place in range(count):
        config = {key: parse(choices[draw(st.integers(0, len(choices) - 1))].encode(), "(drawn)")
                  for key, choices in VARIANTS.items() if draw(st.integers(0, 5))}
        for path in draw(st.lists(st.sampled_from(LONE_PATHS), max_size=2)):  # values this container alone holds
            node = config
            for key in path[:-1]:
                node = node[key] if type(node.get(key)) is dict else node.setdefault(key, {})
                if type(node) is not dict:
                    break
            else:
                node[path[-1]] = f"lone-{place}"
        containers[f"{place}"] = config
    return containers


def plain_fit_role(fleet: Fleet, role: Role, base: set[int], options: Options) -> Candidate:
    """fit_role's rule written plainly, container by container, with sets: no tally, no groups."""
    rows = {member: set(fleet.rows[member]) - base for member in role.members}

    def held(item: int, members: list[int]) -> int:
        return sum(item in rows[member] for member in members)

    holders = members = list(role.members)
    dropped: list[int] = []
    if len(holders) >= 3:
        inside = {item for member in holders for item in rows[member]
                  if fleet.path(item)[:len(role.path)] == role.path}
        most = {item for item in inside if held(item, holders) >= MOST * len(holders)}
        agree = [member for member in holders if len(most & rows[member]) >= AGREE * len(most)]
        if len(agree) < len(holders) and len(agree) >= max(options.min_members, math.ceil(MOST * len(holders))):
            members, dropped = agree, [member for member in holders if member not in agree]
    size = len(members)
    every = set().union(*(rows[member] for member in members))
    content = {item for item in every if held(item, members) == size}
    if size >= 10:  # nearly all hold it, and every member holds some value beyond the base at its path
        content |= {item for item in every if NEAR_ALL * size <= held(item, members) < size and all(
            any(fleet.path(other) == fleet.path(item) for other in rows[member]) for member in members)}
    return Candidate([role], members, dropped, sorted(content))


@settings(max_examples=100)
@given(alike_fleets(), st.data())
def test_tallies_fits_and_blocks_per_group_match_the_row_by_row_path(containers: dict, data) -> None:
    fleet = Fleet(containers)
    total = len(fleet.rows)
    members = sorted(data.draw(st.sets(st.integers(0, max(total - 1, 0)), max_size=total)) if total else [])
    several = Counter(item for member in members for item in fleet.rows[member] if fleet.count[item] > 1)
    assert fleet.tally(members) == several
    wanted = set(data.draw(st.sets(st.integers(0, len(fleet.keys) - 1), max_size=8))) if fleet.keys else set()
    assert fleet.holders(wanted) == {item: [place for place, row in enumerate(fleet.rows) if item in row]
                                     for item in wanted}
    weights = item_weights(fleet)
    row_by_row = blocks._alike_rows(fleet, 1)  # what find_blocks looks at when one holder is enough
    for min_members in (2, 3):
        fast = find_blocks(fleet, min_members, weights)
        with patch.object(blocks, "_alike_rows", lambda *_: row_by_row):
            assert fast == find_blocks(fleet, min_members, weights)
    options = Options(min_members=data.draw(st.integers(1, 3)))
    bases = [set(), choose_base(fleet, options),
             set(data.draw(st.sets(st.integers(0, max(len(fleet.keys) - 1, 0)), max_size=6)))]
    roles = find_roles(fleet) + find_blocks(fleet, 1, weights)
    roles += [Role("list", "features", "drawn", "drawn", tuple(members))] if members else []
    roles += [Role("block", "engine/model", "drawn", "model", tuple(members), ("engine", "model"))] if members else []
    for role in roles:
        for base in bases:
            assert fit_role(fleet, role, base, options) == plain_fit_role(fleet, role, base, options)


@given(st.lists(st.one_of(st.lists(st.sampled_from(["web", "db", "gpu"]), max_size=3), st.none(), st.just("web"),
                          st.just({})), min_size=1, max_size=8))
def test_words_every_member_lists_are_the_intersection(lists: list) -> None:
    configs = [{"features": value} if value is not None else {} for value in lists]
    every = set.intersection(*(set(config["features"]) if type(config.get("features")) is list else set()
                               for config in configs))
    assert _listed_by_all(configs, list(range(len(configs))), "features") == sorted(every)
