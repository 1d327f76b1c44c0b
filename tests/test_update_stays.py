"""`splitter update` keeps a tree put: another fleet's monolith refused, key order and formatting not taken
for changes, a profile left empty removed."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import CORPUS, run
from test_edits import tree  # noqa: F401 (tree: the split fixture, a pytest fixture)
from test_update import files_of, fixture_doc, update_one_container, verify, write_doc

from splitter.tree.collection import LXC
from splitter.exact.style import Style
from splitter.exact.write import dumps
from splitter.exact.parse import parse
from splitter.tree.monolith import read_monolith
from splitter.tree.read import read_tree
from splitter.ops.update import check_related


def sorted_keys(value):
    """The value with every object's keys sorted, number lexemes kept (json.dumps would respell 0.50)."""
    if isinstance(value, dict):
        return {key: sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [sorted_keys(item) for item in value]
    return value


# ---------------------------------------------------------------- another fleet's monolith

def test_a_monolith_of_another_fleet_is_refused_and_nothing_written(tree: Path, tmp_path: Path) -> None:
    doc = fixture_doc()
    configs = doc["lxc_configs"]
    ids = list(configs)
    keep = ids[: len(ids) // 3 - 1]  # fewer than a third of the tree's ids stay
    doc["lxc_configs"] = {(ctid if ctid in keep else str(7000 + n)): config for n, (ctid, config)
                          in enumerate(configs.items())}
    other = write_doc(tmp_path / "other.json", doc)
    before = files_of(tree)
    for dry in ([], ["--dry-run"]):
        result = run("update", tree, other, *dry)
        assert result.exit_code == 2, result.stdout
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"splitter: {other}: ")
        assert f"shares only {len(keep)} of the tree's {len(ids)} container ids" in result.stderr
        assert f"splitter split {other} -o DIR --force" in result.stderr
        assert files_of(tree) == before


def test_a_third_of_the_ids_shared_is_enough(tree: Path, tmp_path: Path) -> None:
    doc = fixture_doc()
    configs = doc["lxc_configs"]
    keep = list(configs)[: -(-len(configs) // 3)]  # a third, rounded up
    doc["lxc_configs"] = {(ctid if ctid in keep else str(7000 + n)): config for n, (ctid, config)
                          in enumerate(configs.items())}
    result = run("update", tree, write_doc(tmp_path / "renumbered.json", doc))
    assert result.exit_code == 0, result.stderr
    verify(tree, tmp_path / "renumbered.json")


def test_every_next_corpus_version_is_related_and_another_fleet_is_not(tmp_path: Path) -> None:
    versions = sorted((CORPUS / "testing-ideas").glob("*.json"))
    others = sorted((CORPUS / "hypervisor-scripts").glob("*.json"))
    if len(versions) < 2 or not others:
        pytest.skip("../shared/corpus is not beside the project")
    monoliths = [read_monolith(version) for version in versions]
    for first, second in zip(monoliths, monoliths[1:]):
        # the tree split from `first` holds its ids; a real split of each is the chain test's (66 splits: slow)
        check_related(SimpleNamespace(containers=first.containers, collection=LXC), second, second.file)
    root = tmp_path / "conf.d"
    assert run("split", versions[-1], "-o", root).exit_code == 0
    check_related(read_tree(root), monoliths[-1], monoliths[-1].file)
    result = run("update", root, others[-1], "--dry-run")
    assert result.exit_code == 2 and "--force" in result.stderr


# ---------------------------------------------------------------- a profile left empty

def test_a_profile_the_update_leaves_empty_goes_from_disk_and_from_its_members(tree: Path, tmp_path: Path) -> None:
    doc = fixture_doc()
    members = [ctid for ctid, own in read_tree(tree).containers.items() if "base_setup" in own.profiles]
    shared = json.loads((tree / "defaults" / "profile_base_setup.json").read_bytes())
    for ctid in members:
        for key in shared:
            del doc["lxc_configs"][ctid][key]
    result = run("update", tree, write_doc(tmp_path / "new.json", doc), "--format", "text")
    assert result.exit_code == 0, result.stderr
    assert not (tree / "defaults" / "profile_base_setup.json").exists()
    assert "remove   defaults/profile_base_setup.json: left empty" in result.stdout
    after = read_tree(tree)
    assert all("base_setup" not in after.containers[ctid].profiles for ctid in members)
    assert run("check", tree).exit_code == 0
    verify(tree, tmp_path / "new.json")


def test_check_reports_an_empty_profile(tree: Path) -> None:
    (tree / "defaults" / "profile_base_setup.json").write_bytes(b"{}\n")
    result = run("check", tree)
    assert result.exit_code == 1
    assert "defaults/profile_base_setup.json" in result.stdout + result.stderr
    assert "empty profile" in result.stdout + result.stderr


# ---------------------------------------------------------------- key order is not a value

def test_a_key_order_only_change_rewrites_only_layout_json(tree: Path, tmp_path: Path) -> None:
    resorted = write_doc(tmp_path / "sorted.json", sorted_keys(fixture_doc()))
    assert resorted.read_bytes() != write_doc(tmp_path / "orig.json", fixture_doc()).read_bytes()
    dry = run("update", tree, resorted, "--dry-run", "--format", "json")
    assert dry.exit_code == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert report["values"] == []
    assert [change["file"] for change in report["files"]] == ["layout.json"]
    before = files_of(tree)
    result = run("update", tree, resorted)
    assert result.exit_code == 0, result.stderr
    after = files_of(tree)
    assert {file for file in after if after[file] != before.get(file)} == {"layout.json"}
    assert after.keys() == before.keys()
    verify(tree, resorted)


# ---------------------------------------------------------------- reformatted tree files are kept

def test_every_tree_file_reformatted_is_kept_but_the_changed_container(tree: Path, tmp_path: Path) -> None:
    for path in sorted(tree.rglob("*.json")):
        # sorted keys, 4-space indent, every list item on its own line; number lexemes kept (as any formatter)
        path.write_bytes(dumps(sorted_keys(parse(path.read_bytes(), path.name)), Style()) + b"\n")
    same = run("update", tree, write_doc(tmp_path / "same.json", fixture_doc()), "--dry-run")
    assert same.exit_code == 0 and "would change 0 file(s)" in same.stdout, same.stdout
    result = update_one_container(tree, tmp_path)  # only lxc/952's file is written
    assert "layout.json" not in result.stdout
    verify(tree, tmp_path / "new.json")
