"""split's fast paths outside discovery give what the plain rule gives: order exceptions only where merging each
container and comparing it with its config finds one; ids taken whole where each one would be checked alone;
short lists drawn onto one line where the plain search of each marker would draw them."""

from __future__ import annotations

import json
import random
import re

import orjson

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from splitter.discovery.mining import mine
from splitter.exact.numbers import canonical
from splitter.exact.write import _LIST, _ONE_KEY, _inline_lists
from splitter.merging.assemble import Assembler
from splitter.ops.split import build_layers
from splitter.tree.layout import order_exceptions, record_orders_and_misfits
from splitter.tree.collection import _digits_only, _no_folded_ids
from splitter.tree.monolith import load_monolith
from splitter.tree.names import encode_id

KEYS = ["a", "b", "c", "*"]  # "*" also names every item of a list in a key-order pattern
SCALARS = st.sampled_from([1, 1.0, True, "1", None, "x"])


def shuffled(value, rng: random.Random, odds: float):
    """The value with the keys of some objects (in lists too) put in another order, at any depth."""
    if type(value) is dict:
        pairs = [(key, shuffled(child, rng, odds)) for key, child in value.items()]
        if rng.random() < odds:
            rng.shuffle(pairs)
        return dict(pairs)
    if type(value) is list:
        return [shuffled(item, rng, odds) for item in value]
    return value


objects = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)),
                       max_leaves=10)
configs = st.dictionaries(st.sampled_from(KEYS), objects, min_size=1, max_size=4)


def plain_exceptions(layers, containers: dict) -> dict:
    """The plain rule: merge each container from its layers and record where its order differs from its config."""
    assembler = Assembler(layers.base, layers.profiles, layers.layout.__class__(
        layers.layout.style, layers.layout.top_level, layers.layout.containers, layers.layout.key_order))
    found = {}
    for ctid, config in containers.items():
        merged = assembler.container(ctid, layers.containers[ctid])
        if canonical(merged) != canonical(config):
            found[ctid] = order_exceptions(config, merged)
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(configs, min_size=1, max_size=6), st.integers(0, 2 ** 32), st.sampled_from([0.0, 0.2, 1.0]))
def test_order_exceptions_are_those_the_plain_rule_finds(drawn: list, seed: int, odds: float) -> None:
    rng = random.Random(seed)
    containers = {str(100 + at): shuffled(config, rng, odds) for at, config in enumerate(drawn + drawn)}
    mono = load_monolith(json.dumps({"lxc_configs": containers}, indent=4).encode(), "m.json")
    layers = build_layers(mono, mine(mono.containers))
    assert layers.layout.exceptions == plain_exceptions(layers, mono.containers)
    assembler = Assembler(layers.base, layers.profiles, layers.layout)  # with the exceptions: each config back
    for ctid, config in mono.containers.items():
        assert canonical(assembler.container(ctid, layers.containers[ctid])) == canonical(config)


def test_misfits_are_the_documents_holding_an_object_out_of_the_recorded_order() -> None:
    same = [{"a": 1, "b": {"x": 1, "y": 2}}, {"a": 2, "c": 3, "b": {"y": 1}}]
    assert record_orders_and_misfits(same)[1] == set()
    swapped = [{"a": 1, "b": {"x": 1, "y": 2}}, {"a": 2, "b": {"x": 2, "y": 1}}, {"a": 3, "b": {"y": 1, "x": 2}}]
    assert record_orders_and_misfits(swapped)[1] == {2}
    in_a_list = [{"r": [{"p": 1, "q": 2}]}, {"r": [{"p": 1, "q": 2}, {"q": 1, "p": 2}]}]
    assert record_orders_and_misfits(in_a_list)[1] == {1}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.from_regex(r"[0-9]{1,4}", fullmatch=True), st.sampled_from(["", "0" * 251, "0" * 250, "1a",
                                                                                       "\u0661", "1.0", "-1"])),
                max_size=5))
def test_digit_ids_are_taken_whole_only_where_each_is_its_own_file_name(ids: list) -> None:
    ids = dict.fromkeys(ids, {})
    if _digits_only(ids):
        assert all(encode_id(ctid) == ctid for ctid in ids)
        _no_folded_ids(ids, "container", "m.json")  # raises nothing
    else:
        assert any(not (ctid.isascii() and ctid.isdigit() and len(ctid) <= 250) for ctid in ids) or not ids


def plain_collapse(out: bytes, marker: bytes, pattern: re.Pattern, render, width: int) -> bytes:
    """The plain rule: at each marker, left to right, the pattern drawn onto one line where it fits."""
    parts, last, at = [], 0, out.find(marker)
    while at != -1:
        match = pattern.match(out, at)
        if match:
            short = render(match)
            if at - (out.rfind(b"\n", 0, at) + 1) + len(short) <= width:
                parts += [out[last:at], short]
                last = match.end()
                at = out.find(marker, last)
                continue
        at = out.find(marker, at + 1)
    return b"".join(parts) + out[last:] if parts else out


def plain_inline_lists(out: bytes, width: int) -> bytes:
    out = plain_collapse(out, b"[\n", re.compile(_LIST), lambda m: b"[" + b", ".join(
        part.strip() for part in m.group(1).split(b",\n")) + b"]", width)
    return plain_collapse(out, b"{\n", re.compile(_ONE_KEY), lambda m: b"{" + m.group(1) + b"}", width)


TEXTS = st.text(st.sampled_from('ab ,[]{}":\\\n\t\u00e9'), max_size=6)
documents = st.recursive(st.one_of(SCALARS, TEXTS, st.integers(-5, 5)),
                         lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                 st.dictionaries(TEXTS, inner, max_size=3)), max_leaves=16)


@settings(max_examples=500, deadline=None)
@given(documents, st.integers(0, 40))
def test_short_lists_go_on_one_line_as_the_plain_search_puts_them(doc, width: int) -> None:
    out = orjson.dumps(doc, option=orjson.OPT_INDENT_2)
    assert _inline_lists(out, width) == plain_inline_lists(out, width)
