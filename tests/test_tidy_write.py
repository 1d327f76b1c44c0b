"""tidy's write: the staged files are read back and proven to merge as before, or nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run
from test_tidy import _files, _restate

from splitter.api import merge, read_tree
from splitter.errors import ProofFailed
from splitter.ops.tidy import plan_tidy, write_tidy


def _planned(root: Path):
    run("tidy", root)
    file, _ = _restate(root)
    result = plan_tidy(read_tree(root))
    assert file in result.written
    return file, result


def test_a_staged_entry_that_merges_otherwise_is_refused_and_nothing_written(fixture_tree: Path) -> None:
    file, result = _planned(fixture_tree)
    before, files = merge(fixture_tree), _files(fixture_tree)
    doc = json.loads(result.written[file])
    doc["cores"] = 999  # what a bug in tidy's writer would stage
    result.written[file] = json.dumps(doc).encode()
    with pytest.raises(ProofFailed) as failed:
        write_tidy(fixture_tree, result)
    assert failed.value.file.endswith(file)
    assert _files(fixture_tree) == files and merge(fixture_tree) == before


def test_a_staged_layout_of_another_style_is_proven_byte_for_byte_and_refused(fixture_tree: Path) -> None:
    file, result = _planned(fixture_tree)
    files = _files(fixture_tree)
    layout = json.loads((fixture_tree / "layout.json").read_text())
    layout["style"]["indent"] = "\t" if layout["style"]["indent"] != "\t" else "  "
    result.written["layout.json"] = json.dumps(layout).encode()
    with pytest.raises(ProofFailed):
        write_tidy(fixture_tree, result)
    assert _files(fixture_tree) == files


def test_the_proven_write_changes_only_the_planned_files(fixture_tree: Path) -> None:
    file, result = _planned(fixture_tree)
    before, files = merge(fixture_tree), _files(fixture_tree)
    write_tidy(fixture_tree, result)
    assert merge(fixture_tree) == before
    assert [name for name, (data, _) in _files(fixture_tree).items() if files[name][0] != data] == [file]
