"""Property tests: any monolith, in any consistent style, survives split and merge byte for byte."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import list_monoliths, monoliths

from splitter.merging.assemble import monolith_bytes
from splitter.tree.collection import LXC, for_split
from splitter.exact.numbers import canonical
from splitter.discovery.mining import mine
from splitter.tree.monolith import load_monolith
from splitter.ops.split import build_layers, tree_files
from splitter.tree.read import read_tree

# the default run draws a few hundred monoliths (every property, in seconds); the slow run
# (`-m slow`) draws 10,000 of each: test_round_trip_long in test_fuzz_damaged_input.py and the one below
EXAMPLES = int(os.environ.get("SPLITTER_EXAMPLES", "200"))
LONG = 10_000


def write(files: dict[str, bytes], root: Path) -> None:
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def assert_round_trip(raw: bytes, collection=LXC) -> None:
    """Split a monolith written in one consistent style, write the tree, read it back: the same bytes."""
    mono = load_monolith(raw, "random.json", collection)
    assert mono.byte_exact
    root = Path(tempfile.mkdtemp())
    try:
        write(tree_files(build_layers(mono, mine(mono.containers))), root)
        assert monolith_bytes(read_tree(root)) == raw
    finally:
        shutil.rmtree(root)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(monoliths())
def test_split_merge_is_byte_identical(raw: bytes) -> None:
    assert_round_trip(raw)


@settings(max_examples=EXAMPLES // 25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(list_monoliths())
def test_list_collections_split_merge_byte_identical(case: tuple) -> None:
    """Lists of entries keyed by a random id key, with random ids in random order, wherever the list stands."""
    raw, pointer, id_key = case
    assert_round_trip(raw, for_split(pointer, id_key, "vms", "random.json"))


@settings(max_examples=EXAMPLES // 4, deadline=None)
@given(monoliths())
def test_canonical_keeps_types_apart(raw: bytes) -> None:
    canonical_keeps_types_apart(raw)


@pytest.mark.slow
@settings(max_examples=LONG, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(monoliths())
def test_canonical_keeps_types_apart_long(raw: bytes) -> None:
    canonical_keeps_types_apart(raw)


def canonical_keeps_types_apart(raw: bytes) -> None:
    doc = load_monolith(raw, "random.json").doc
    # two parses of the same bytes agree, and the canonical text never merges 1, 1.0 and true
    assert canonical(load_monolith(raw, "again.json").doc) == canonical(doc)
    assert canonical([1, 1.0, True, "1", -0.0, 0.0]) == b'[1,1.0,true,"1",-0.0,0.0]'


@pytest.mark.parametrize("raw", [b"[ ]", b"[ ]\n", b"[]", b" [ ]"])
def test_an_empty_top_level_list_round_trips(raw: bytes) -> None:
    """Jackson writes an empty document as `[ ]` (found by hypothesis): it comes back byte for byte."""
    assert_round_trip(raw, for_split("", "vmid", "vms", "empty.json"))
