"""Fuzzing: damaged real files and random monoliths give exit 0 or 2, never a traceback.

The default run keeps a small budget; `pytest -m slow` runs the full one (10,000 examples each).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import FIXTURE, corpus_files, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import monoliths
from test_properties import assert_round_trip

from splitter.exact.numbers import canonical
from splitter.exact.parse import parse

SOURCES = [path.read_bytes() for path in corpus_files()[-8:]] or [FIXTURE.read_bytes()]


@st.composite
def damaged(draw) -> bytes:
    raw = bytearray(draw(st.sampled_from(SOURCES)))
    if draw(st.booleans()):
        raw = raw[: draw(st.integers(min_value=0, max_value=len(raw)))]
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        if raw:
            raw[draw(st.integers(min_value=0, max_value=len(raw) - 1))] = draw(st.integers(0, 255))
    return bytes(raw)


def split_damaged(raw: bytes) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        monolith = folder / "m.json"
        monolith.write_bytes(raw)
        result = run("split", monolith, "-o", folder / "conf.d", "--no-profiles")
        assert result.exit_code in (0, 2), result.stderr
        assert "Traceback" not in result.stderr
        if result.exit_code == 2:
            assert result.stderr.startswith(f"splitter: {monolith}") and result.stderr.count("\n") == 1
            assert not (folder / "conf.d").exists()
        else:
            merged = run("merge", folder / "conf.d").stdout_bytes
            if "byte for byte" in result.stderr:
                assert merged == raw
            else:  # a damaged layout (a tab among spaces, say): the same document, other bytes
                assert canonical(parse(merged, "merged")) == canonical(parse(raw, "raw"))
    finally:
        shutil.rmtree(folder)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_corpus_files(raw: bytes) -> None:
    split_damaged(raw)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_corpus_files_long(raw: bytes) -> None:
    split_damaged(raw)


@st.composite
def damaged_tree_file(draw) -> tuple[str, int, int]:
    return draw(st.sampled_from(["layout.json", "globals.json", "defaults/lxc_base.json", "lxc/950"])), \
        draw(st.integers(min_value=0, max_value=4000)), draw(st.integers(min_value=0, max_value=255))


@pytest.fixture(scope="module")
def fixture_tree(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tree") / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damaged_tree_file())
def test_damaged_tree_files(fixture_tree: Path, case: tuple[str, int, int]) -> None:
    damage_tree_file(fixture_tree, case)


@pytest.mark.slow
@settings(max_examples=2_000, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(damaged_tree_file())
def test_damaged_tree_files_long(fixture_tree: Path, case: tuple[str, int, int]) -> None:
    damage_tree_file(fixture_tree, case)


def damage_tree_file(fixture_tree: Path, case: tuple[str, int, int]) -> None:
    name, position, byte = case
    path = next(fixture_tree.glob(name + "*")) if name.startswith("lxc/") else fixture_tree / name
    original = path.read_bytes()
    raw = bytearray(original)
    raw[position % len(raw)] = byte
    path.write_bytes(bytes(raw))
    try:
        for args in (["merge", fixture_tree], ["verify", fixture_tree, FIXTURE], ["check", fixture_tree]):
            result = run(*args)
            assert result.exit_code in (0, 1, 2) and "Traceback" not in result.stderr
            if args[0] == "merge":
                assert result.exit_code in (0, 2)
    finally:
        path.write_bytes(original)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(monoliths())
def test_round_trip_long(raw: bytes) -> None:
    assert_round_trip(raw)
