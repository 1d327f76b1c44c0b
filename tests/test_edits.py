"""After the split people edit the tree: their edits land where a reader expects them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURE, run


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    return out


def container_file(tree: Path, ctid: str) -> Path:
    (path,) = (tree / "lxc").glob(f"{ctid}_*.json")
    return path


def edit(path: Path, change) -> None:
    layer = json.loads(path.read_text())
    change(layer)
    path.write_text(json.dumps(layer, indent=2, ensure_ascii=False) + "\n")


def merged(tree: Path) -> dict:
    result = run("merge", tree)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_edited_value_appears_in_place(tree: Path) -> None:
    before = json.loads(FIXTURE.read_text())
    edit(container_file(tree, "951"), lambda layer: layer.update(memory_mb=99999))
    after = merged(tree)
    assert after["lxc_configs"]["951"]["memory_mb"] == 99999
    assert list(after["lxc_configs"]["951"]) == list(before["lxc_configs"]["951"])
    before["lxc_configs"]["951"]["memory_mb"] = 99999
    assert after == before


def test_inherited_value_overridden_in_container_file(tree: Path) -> None:
    before = json.loads(FIXTURE.read_text())
    edit(container_file(tree, "101"), lambda layer: layer.update(template_snapshot_name="hand"))
    after = merged(tree)
    assert after["lxc_configs"]["101"]["template_snapshot_name"] == "hand"
    assert list(after["lxc_configs"]["101"]) == list(before["lxc_configs"]["101"])


def test_key_added_by_hand_comes_after_remembered_keys(tree: Path) -> None:
    edit(container_file(tree, "103"), lambda layer: layer.update(added_by_hand=True))
    keys = list(merged(tree)["lxc_configs"]["103"])
    assert keys[-1] == "added_by_hand"
    before = json.loads(FIXTURE.read_text())
    assert keys[:-1] == list(before["lxc_configs"]["103"])


def test_nested_key_added_by_hand_comes_last_in_its_object(tree: Path) -> None:
    def add(layer):
        layer.setdefault("network_config", {})["mtu"] = 9000
    edit(container_file(tree, "103"), add)
    network = merged(tree)["lxc_configs"]["103"]["network_config"]
    assert list(network)[-1] == "mtu"
    before = json.loads(FIXTURE.read_text())["lxc_configs"]["103"]["network_config"]
    assert list(network)[:-1] == list(before)


def test_container_added_by_hand_comes_after_known_ones(tree: Path) -> None:
    source = container_file(tree, "103")
    (tree / "lxc" / "20_added.json").write_bytes(source.read_bytes())
    (tree / "lxc" / "1000_added.json").write_bytes(source.read_bytes())
    ids = list(merged(tree)["lxc_configs"])
    before = list(json.loads(FIXTURE.read_text())["lxc_configs"])
    assert ids == before + ["20", "1000"]  # known order first, then new ids in natural order


def test_container_removed_by_hand_is_gone(tree: Path) -> None:
    container_file(tree, "960").unlink()
    ids = list(merged(tree)["lxc_configs"])
    before = list(json.loads(FIXTURE.read_text())["lxc_configs"])
    assert ids == [ctid for ctid in before if ctid != "960"]
    result = run("verify", tree, FIXTURE)
    assert result.exit_code == 1 and "$.lxc_configs['960']  (removed)" in result.stdout


def test_global_edit(tree: Path) -> None:
    edit(tree / "globals.json", lambda doc: doc.update(nvidia_driver_version="999.1"))
    result = run("verify", tree, FIXTURE, "--format", "json")
    assert result.exit_code == 1
    (difference,) = json.loads(result.stdout)["differences"]
    assert difference == {"container": None, "path": "$.nvidia_driver_version", "kind": "changed",
                          "monolith": "580.76.05", "conf_d": "999.1", "file": "globals.json"}
