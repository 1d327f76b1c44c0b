"""Property: any tree with random redundant hand edits tidies into a tree that merges into the same bytes."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import monoliths
from test_properties import EXAMPLES, LONG, write

from splitter.discovery.itemsets import items
from splitter.discovery.mining import mine
from splitter.merging.assemble import Assembler, monolith_bytes
from splitter.merging.merge import remove
from splitter.ops.split import build_layers, layer_bytes, tree_files
from splitter.ops.tidy import plan_tidy, write_tidy
from splitter.ops.tidy_state import blocked, put
from splitter.tree.monolith import load_monolith
from splitter.tree.read import read_tree


def _edit(root: Path, draw) -> None:
    """Restate inherited leaves in random files, and give every member of a random profile the same new leaf."""
    tree = read_tree(root)
    assembler = Assembler(tree.base, tree.profiles, tree.layout)
    for ctid, own in tree.containers.items():
        inherited = assembler.inherited(tuple(own.profiles))
        for path in own.unsets:
            inherited = remove(inherited, path)
        free = [(path, value) for path, value in items(inherited) if not blocked(own.values, path)]
        chosen = draw(st.lists(st.sampled_from(free), max_size=3, unique_by=lambda pair: pair[0])) if free else []
        values = own.values
        for path, value in chosen:
            values = put(values, path, value)
        if draw(st.booleans()):
            values = put(values, ("tidy_new",), draw(st.sampled_from([True, 1, "x", [1, 2]])))
        (root / own.file).write_bytes(layer_bytes(replace(own, values=values), container=True))


@settings(max_examples=max(EXAMPLES // 8, 10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(monoliths(), st.data())
def test_tidy_keeps_the_merge_and_a_second_run_finds_nothing(raw: bytes, data) -> None:
    assert_tidy_keeps_the_merge(raw, data)


@pytest.mark.slow
@settings(max_examples=LONG, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(monoliths(), st.data())
def test_tidy_keeps_the_merge_long(raw: bytes, data) -> None:
    assert_tidy_keeps_the_merge(raw, data)


def assert_tidy_keeps_the_merge(raw: bytes, data) -> None:
    """Split, edit by hand (restated leaves, one new leaf in random files), tidy and write: the same bytes, and a
    second tidy finds nothing."""
    mono = load_monolith(raw, "random.json")
    root = Path(tempfile.mkdtemp())
    try:
        write(tree_files(build_layers(mono, mine(mono.containers))), root)
        _edit(root, data.draw)
        tree = read_tree(root)
        before = monolith_bytes(tree)
        result = plan_tidy(tree)
        if result.written or result.removed:
            write_tidy(root, result)
        tidied = read_tree(root)
        assert monolith_bytes(tidied) == before
        assert plan_tidy(tidied).proposals == []
    finally:
        shutil.rmtree(root)
