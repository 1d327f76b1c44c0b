"""Property: tidy's fast finders (memo, one walk per entry, no Fleet where no block can be) find what the plain
definitions find, on random trees with restated leaves and blocks pasted into several entries."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import monoliths
from test_properties import EXAMPLES, write

from splitter.discovery.itemsets import items
from splitter.discovery.mining import mine
from splitter.exact.numbers import canonical
from splitter.exact.pointer import NOTHING
from splitter.ops.split import build_layers, tree_files
from splitter.ops.tidy_moves import _votes, restated
from splitter.ops.tidy_profiles import blocks, found_blocks
from splitter.ops.tidy_state import State, get, put
from splitter.tree.monolith import load_monolith
from splitter.tree.read import read_tree


def _objects(values: dict, path: tuple = ()) -> list[tuple]:
    """(path, value) of every object or list at most two keys deep: what a block can be."""
    found = []
    for key, value in values.items():
        if type(value) in (dict, list) and value:
            found.append((path + (key,), value))
        if type(value) is dict and not path:
            found += _objects(value, (key,))
    return found


def _state(raw: bytes, draw) -> State:
    """A split tree as tidy's State, with some inherited leaves restated and blocks pasted into other entries."""
    mono = load_monolith(raw, "random.json")
    root = Path(tempfile.mkdtemp())
    try:
        write(tree_files(build_layers(mono, mine(mono.containers))), root)
        state = State(read_tree(root))
    finally:
        shutil.rmtree(root)
    ctids = list(state.own)
    assume(len(ctids) >= 2)  # blocks and majorities need two entries or more
    for ctid in ctids:
        own = state.own[ctid]
        free = list(items(state.below(own)))
        for path, value in draw(st.lists(st.sampled_from(free), max_size=2)) if free else []:
            own = replace(own, values=put(own.values, path, value))
        state.set(("entry", ctid), own)
    made = st.dictionaries(st.sampled_from("abcde"), st.one_of(
        st.integers(0, 2), st.booleans(), st.lists(st.fixed_dictionaries({"p": st.integers(0, 1)}), max_size=2)),
        min_size=1, max_size=5)
    blocks_ = [pair for ctid in ctids for pair in _objects(state.own[ctid].values)]
    blocks_ += [(path, draw(made)) for path in draw(st.lists(st.sampled_from([("w",), ("n", "w"), ("a", "b")]),
                                                              max_size=2))]
    for path in draw(st.lists(st.sampled_from(sorted(state.leaves(state.base))), max_size=3)) \
            if state.leaves(state.base) else []:
        value = draw(st.sampled_from([get(state.base.values, path), 0, True, "x"]))
        for ctid in draw(st.lists(st.sampled_from(ctids), unique=True)):
            state.set(("entry", ctid), replace(state.own[ctid], values=put(state.own[ctid].values, path, value)))
    for path, value in draw(st.lists(st.sampled_from(blocks_), max_size=3)) if blocks_ else []:
        for ctid in draw(st.lists(st.sampled_from(ctids), min_size=min(2, len(ctids)), max_size=4, unique=True)):
            state.set(("entry", ctid), replace(state.own[ctid], values=put(state.own[ctid].values, path, value)))
    return state


@settings(max_examples=max(EXAMPLES // 4, 10), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(monoliths(), st.data())
def test_fast_finders_find_what_the_definitions_find(raw: bytes, data) -> None:
    state = _state(raw, data.draw)
    assert blocks(state) == found_blocks(state)
    # restated: every leaf of an entry's own file that its base and profiles give with the same bytes and type
    found = {move.key[1]: list(move.key[2:]) for move in restated(state)}
    for own in state.own.values():
        below = state.below(own)
        plain = [path for path, value in items(own.values) if (under := get(below, path)) is not NOTHING
                 and type(under) is type(value) and canonical(under) == canonical(value)]
        assert found.get(own.file, []) == plain
    # the base's overrides: per base leaf, the other values entries set there, as State.leaf gives them
    plain_votes: dict = {}
    for path, text in state.leaves(state.base).items():
        for own in state.own.values():
            mine = state.leaf(own, path)
            if mine is not None and mine != text:
                plain_votes.setdefault(path, Counter())[mine] += 1
    assert _votes(state, state.base) == plain_votes
