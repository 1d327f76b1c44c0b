"""Discovery's fast paths give what the plain, exact path gives: items numbered column by column, tallies per
distinct row; drawn with look-alike values (1, 1.0, true, "1", -0, 0.50, 1E3, [1] and [true], key order)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from splitter.discovery.itemsets import Fleet, items
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
