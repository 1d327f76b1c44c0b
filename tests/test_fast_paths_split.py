"""split's fast paths give what the plain rule gives: items numbered by canonical text, exact equality without
writing, and layers that restore each container, on values drawn to defeat them (1, 1.0, true; -0.0; [1], [true])."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_fast_paths import texts
from test_reformat import sort_keys

from splitter.discovery.itemsets import Fleet, items
from splitter.errors import BadInput
from splitter.exact.numbers import canonical, exactly_equal
from splitter.exact.parse import parse
from splitter.merging.merge import apply
from splitter.ops.split import difference
from splitter.tree.layers import Layer

# values Python's == takes for one another, whose JSON differs
LOOKALIKES = ["1", "1.0", "true", "0", "-0", "0.0", "-0.0", "false", "[1]", "[1.0]", "[true]", '{"a":1,"b":2}',
              '{"b":2,"a":1}', '{"a":true,"b":2}', "{}", "[]", "null", '"1"', "1E0", "10E-1"]


@st.composite
def objects(draw) -> dict:
    """A parsed object: drawn text (any number spelling, escapes) or look-alike values under a few keys."""
    if draw(st.booleans()):
        text = draw(texts(3))
        if text[:1] != "{":
            text = '{"x": ' + text + "}"
    else:
        keys = draw(st.lists(st.sampled_from(["a", "b", "c"]), unique=True, max_size=3))
        text = "{" + ",".join(f'"{key}": {draw(st.sampled_from(LOOKALIKES + [draw(texts(3))]))}' for key in keys) + "}"
    try:
        return parse(text.encode(), "f.json")
    except BadInput:  # a key drawn twice: refused, as the tree's reader refuses it
        assume(False)


def reference(containers: dict) -> tuple[list, list]:
    """The plain rule: items are (path, canonical text), numbered in sorted order; a row is its sorted numbers."""
    keys = sorted({(path, canonical(value)) for config in containers.values() for path, value in items(config)})
    number = {key: at for at, key in enumerate(keys)}
    rows = [sorted(number[(path, canonical(value))] for path, value in items(config)) for config in containers.values()]
    return keys, rows


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(objects(), max_size=5))
def test_fleet_numbers_items_as_the_plain_rule_does(configs: list) -> None:
    containers = {str(at): config for at, config in enumerate(configs)}
    fleet = Fleet(containers)
    keys, rows = reference(containers)
    assert fleet.keys == keys
    assert [list(row) for row in fleet.rows] == rows
    assert list(fleet.count) == [sum(item in row for row in rows) for item in range(len(keys))]


def test_exactly_equal_tells_apart_what_python_takes_for_one_another() -> None:
    values = [parse(text.encode(), "f.json") for text in LOOKALIKES]
    for one in values:
        for other in values:
            assert exactly_equal(one, other) == (canonical(one) == canonical(other)), (one, other)
            values_, unsets = difference({"k": one, "o": {"k": one}}, {"k": other, "o": {"k": other}})
            merged = apply({"k": one, "o": {"k": one}}, Layer("own", values_, [], unsets))
            # key order is the layout's work
            assert canonical(sort_keys(merged)) == canonical(sort_keys({"k": other, "o": {"k": other}})), (one, other)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(objects(), objects())
def test_exactly_equal_is_equal_canonical_text(first: dict, second: dict) -> None:
    for one, other in [(first, second), *((first[key], second[key]) for key in first if key in second)]:
        assert exactly_equal(one, other) == (canonical(one) == canonical(other))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(objects(), objects())
def test_a_layer_from_difference_restores_the_target(inherited: dict, target: dict) -> None:
    values, unsets = difference(inherited, target)
    merged = apply(apply({}, Layer("base", inherited)), Layer("own", values, [], unsets))
    # the layer restores every value; key order is the layout's work, so compare with keys sorted in both
    assert canonical(sort_keys(merged)) == canonical(sort_keys(target))

