"""What a new operator runs into: each collection's own schema, problems on the file at fault and no cascades,
list changes shown where they differ, layout.json errors naming the field, a BOM, a hint for --collection, and the
guide's `sed` safe on the real files."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import CORPUS, FIXTURE, FIXTURES, ROOT, corpus_files, run

VMS = FIXTURES / "collections" / "phoenix_vm_configs.json"
STACKS = FIXTURES / "collections" / "phoenix_stacks_config.json"


def files_of(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr and stderr.count("\n") == 1, stderr
    return stderr.rstrip("\n")


def two_collections(tmp_path: Path) -> Path:
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    assert run("split", VMS, "-o", out, "--collection", "/vms", "--id-key", "vmid").exit_code == 0
    return out


def write_json(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return path


def test_check_schema_of_a_tree_of_several_collections_applies_to_its_own_collection(tmp_path: Path) -> None:
    tree = two_collections(tmp_path)
    # an LXC schema that every VM monolith breaks at its top (no lxc_configs) and no container breaks
    schema = write_json(tmp_path / "lxc.schema.json", {"type": "object", "required": ["lxc_configs"],
                                                       "properties": {"lxc_configs": {"type": "object"}}})
    result = run("check", tree, "--schema", schema)
    assert result.exit_code == 0, result.stdout
    assert f"schema of lxc/: {schema}" in result.stdout.splitlines()
    assert any(line.startswith("schema of vms/: none found") for line in result.stdout.splitlines())
    # a schema of neither collection is refused, not silently unused
    other = write_json(tmp_path / "other.schema.json", {"type": "object", "properties": {"stacks": {}}})
    refused = run("check", tree, "--schema", other)
    assert refused.exit_code == 2
    assert one_line(refused.stderr).startswith(f"splitter: {other}: describes none of the collections of the tree "
                                               "(/lxc_configs, /vms)")


def test_whole_container_schema_errors_are_pinned_to_the_file_that_holds_the_key(fixture_tree: Path,
                                                                                 tmp_path: Path) -> None:
    # every container's own file sets "name" (never the base); the base sets "template" for every container
    base = json.loads((fixture_tree / "defaults" / "lxc_base.json").read_text())
    assert "name" not in base and "template" in base
    def problems(rule: dict) -> list[dict]:
        schema = write_json(tmp_path / "s.json", {"properties": {"lxc_configs": {"additionalProperties": rule}}})
        result = run("check", fixture_tree, "--schema", schema, "--format", "json")
        assert result.exit_code == 1
        return json.loads(result.stdout)["problems"]

    needs = problems({"dependencies": {"name": ["ticket"]}})
    assert all("'ticket' is a dependency of 'name'" in p["message"] for p in needs)
    assert sorted(p["file"] for p in needs) == sorted(f"lxc/{path.name}" for path in (fixture_tree / "lxc").iterdir())
    names = problems({"propertyNames": {"not": {"const": "template"}}})
    assert [p["file"] for p in names] == ["defaults/lxc_base.json"]  # said once, on the base that holds the key


def test_a_broken_profile_is_reported_once_on_its_own_file(fixture_tree: Path) -> None:
    (fixture_tree / "defaults" / "profile_docker.json").write_text('{"docker": tru')
    result = run("check", fixture_tree)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()[:-1]  # not "unknown profile" on each of its members, nor their $unset
    assert len(lines) == 1 and lines[0].startswith("defaults/profile_docker.json: $: cannot be read at 1:12: ")


def test_update_shows_a_changed_list_by_the_element_that_differs(fixture_tree: Path, tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text())
    vlans = [f"vmbr0.{number}" for number in range(1, 11)] + ["vmbr0.10"]
    doc["lxc_configs"]["101"]["bridges"] = vlans
    write_json(tmp_path / "old.json", doc)
    tree = tmp_path / "tree"
    assert run("split", tmp_path / "old.json", "-o", tree).exit_code == 0
    doc["lxc_configs"]["101"]["bridges"] = vlans[:-1] + ["vmbr0.20"]
    write_json(tmp_path / "new.json", doc)
    for format in ("text", "markdown"):
        result = run("update", tree, tmp_path / "new.json", "--dry-run", "--format", format)
        assert result.exit_code == 0
        line = next(line for line in result.stdout.splitlines() if "bridges" in line)
        assert '"vmbr0.10"]' in line and '"vmbr0.20"]' in line, line


@pytest.mark.parametrize(("style", "said"), [
    (5, '"style" must be an object with the fields indent, '),
    ({"indent": 5}, '"style".indent cannot be 5: undo the hand edit'),
    ({"indnt": "  "}, "\"style\" has no field 'indnt' (its fields: indent, "),
])
def test_a_bad_field_of_layout_json_is_named(fixture_tree: Path, style, said: str) -> None:
    layout = json.loads((fixture_tree / "layout.json").read_text())
    layout["style"] = style if not isinstance(style, dict) else {**layout["style"], **style}
    if isinstance(style, dict) and "indnt" in style:
        layout["style"] = style
    write_json(fixture_tree / "layout.json", layout)
    before = files_of(fixture_tree)
    result = run("merge", fixture_tree)
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith(f"splitter: {fixture_tree / 'layout.json'}: {said}")
    assert files_of(fixture_tree) == before


def test_a_tree_file_with_a_byte_order_mark_is_read_and_the_mark_never_written(fixture_tree: Path) -> None:
    for relative in ("lxc/101_nginx-gateway.json", "defaults/lxc_base.json", "layout.json", "globals.json"):
        path = fixture_tree / relative
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    merged = run("merge", fixture_tree)
    assert merged.exit_code == 0 and merged.stdout_bytes == FIXTURE.read_bytes()
    assert run("verify", fixture_tree, FIXTURE, "--byte-exact").exit_code == 0
    assert run("check", fixture_tree).exit_code == 0
    assert run("diff", FIXTURE, fixture_tree).exit_code == 0
    assert run("show", fixture_tree, "101").exit_code == 0


def test_update_of_another_collections_monolith_hints_collection(tmp_path: Path) -> None:
    tree = two_collections(tmp_path)
    before = files_of(tree)
    for command in ("update", "verify"):
        result = run(command, tree, VMS)
        assert result.exit_code == 2
        assert one_line(result.stderr) == (f"splitter: {VMS}: has no \"lxc_configs\" object (the tree's collection "
                                           "vms is there: add --collection vms)")
    assert files_of(tree) == before


def _guide_sed() -> str:
    guide = (ROOT / "MIGRATION.md").read_text()
    return re.search(r"^sed -i .*\"name\".* conf\.d/lxc/955_traefik-internal-2\.json$", guide, re.M).group(0)


@pytest.mark.parametrize("monolith", [FIXTURE, *corpus_files()[-1:]], ids=lambda path: path.name)
def test_the_guides_rename_changes_only_the_containers_own_name(tmp_path: Path, monolith: Path) -> None:
    doc = json.loads(monolith.read_text())
    for ctid, config in doc["lxc_configs"].items():  # interfaces named as on the real 101: eth0, eth1
        config["interfaces"] = [{"name": "eth0", "bridge": "vmbr0"}, {"name": "eth1", "bridge": f"vmbr0.{ctid}"}]
    write_json(tmp_path / "m.json", doc)
    assert run("split", tmp_path / "m.json", "-o", tmp_path / "conf.d").exit_code == 0
    files = sorted((tmp_path / "conf.d" / "lxc").iterdir(), key=lambda path: -path.read_text().count('"name"'))
    for source in files[:3]:
        shutil.copy(source, tmp_path / "conf.d" / "lxc" / "955_traefik-internal-2.json")
        before = json.loads(source.read_text())
        subprocess.run(["bash", "-c", _guide_sed()], cwd=tmp_path, check=True)
        after = json.loads((tmp_path / "conf.d" / "lxc" / "955_traefik-internal-2.json").read_text())
        assert "eth1" in json.dumps(before), source.name
        if "name" in before:
            expected = {**before, "name": before["name"] + "-2"}
            # the recipe gives the copy its own addresses too (MIGRATION §8): a MAC and an `ip`, nothing else
            if "mac_address" in before:
                expected["mac_address"] = "52:54:00:AA:BB:55"
            if "ip" in before.get("network_config", {}):
                expected["network_config"] = {**before["network_config"], "ip": "10.0.0.55/24"}
            assert after == expected, source.name  # eth1 stays eth1


def test_stack_file_names_encode_only_what_a_file_system_needs_and_old_names_still_read(tmp_path: Path) -> None:
    tree = tmp_path / "conf.d"
    assert run("split", STACKS, "-o", tree, "--collection", "/docker_stacks").exit_code == 0
    names = sorted(path.name for path in (tree / "docker-stacks").iterdir())
    assert "thinkheads_ai_app.json" in names and not any("%" in name for name in names)
    assert run("verify", tree, STACKS, "--byte-exact").exit_code == 0
    assert json.loads(run("show", tree, "thinkheads_ai_app").stdout) == \
        json.loads(STACKS.read_text())["docker_stacks"]["thinkheads_ai_app"]
    # a tree written before spelled '_' as %5F: it reads, checks and updates as it is
    (tree / "docker-stacks" / "thinkheads_ai_app.json").rename(tree / "docker-stacks" / "thinkheads%5Fai%5Fapp.json")
    before = files_of(tree)
    assert run("merge", tree).stdout_bytes == STACKS.read_bytes()
    assert run("check", tree).exit_code == 0
    assert run("update", tree, STACKS).exit_code == 0 and files_of(tree) == before


def test_an_id_named_like_another_ids_file_gets_a_file_of_its_own(tmp_path: Path) -> None:
    monolith = write_json(tmp_path / "m.json", {"lxc_configs": {"a": {"name": "b"}, "a_b": {"cores": 1}}})
    assert run("split", monolith, "-o", tmp_path / "conf.d").exit_code == 0
    assert sorted(path.name for path in (tmp_path / "conf.d" / "lxc").iterdir()) == ["a.json", "a_b.json"]
    assert run("verify", tmp_path / "conf.d", monolith, "--byte-exact").exit_code == 0
