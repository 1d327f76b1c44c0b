"""merge -o replaces only a monolith of the tree's collection; copies of a file under another name are refused."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from conftest import FIXTURE, FIXTURES, run


def one_line(text: str) -> str:
    assert text.endswith("\n") and text.count("\n") == 1, text
    return text


def test_strict_without_a_schema_is_an_error(tmp_path: Path) -> None:
    """--strict promises a checked result: no schema found is exit 2 and says why, never a silent pass."""
    monolith = tmp_path / "phoenix_lxc_configs.json"
    shutil.copy(FIXTURE, monolith)  # its $schema names ./phoenix_lxc_configs.schema.json, not beside it here
    dry = run("split", monolith, "--dry-run", "--strict")
    assert dry.exit_code == 2 and dry.stdout == ""
    assert one_line(dry.stderr) == (
        f"splitter: {monolith}: --strict needs a schema and none was found: $schema names "
        f"./phoenix_lxc_configs.schema.json, which is not in {tmp_path}\n")
    assert run("split", monolith, "-o", tmp_path / "conf.d", "--strict").exit_code == 2
    assert not (tmp_path / "conf.d").exists()

    assert run("split", monolith, "-o", tmp_path / "conf.d").exit_code == 0  # without --strict: as before
    out = tmp_path / "out.json"
    merged = run("merge", tmp_path / "conf.d", "-o", out, "--strict")
    assert merged.exit_code == 2 and merged.stdout == ""
    assert "conf.d: --strict needs a schema and none was found: $schema names" in one_line(merged.stderr)
    assert not out.exists()

    # a schema found: --strict passes as before
    (tmp_path / "phoenix_lxc_configs.schema.json").write_text('{"type": "object"}')
    assert run("split", monolith, "--dry-run", "--strict").exit_code == 0
    assert run("merge", tmp_path / "conf.d", "-o", out, "--strict").exit_code == 0
    assert out.read_bytes() == monolith.read_bytes()


def test_merge_replaces_only_a_monolith_of_the_trees_collection(fixture_tree: Path) -> None:
    """A plan, any JSON object, a container file: refused, one line saying what it holds, left as it was."""
    work = fixture_tree.parent
    plan = run("split", FIXTURE, "--dry-run", "--format", "json")
    assert plan.exit_code == 0
    container = next((fixture_tree / "lxc").glob("950_*.json")).read_bytes()
    holds = {
        "plan.json": (plan.stdout_bytes, "a JSON object without /lxc_configs"),
        "a.json": (b'{"a":1}', "a JSON object without /lxc_configs"),
        "copy.json": (container, "a JSON object without /lxc_configs"),
        "list.json": (b'{"lxc_configs": []}', "a JSON object whose /lxc_configs is a JSON array"),
        "array.json": (b"[1, 2]", "a JSON array"),
        "notes.json": (b"my notes\n", "text that is not JSON"),
    }
    for name, (data, what) in holds.items():
        target = work / name
        target.write_bytes(data)
        done = run("merge", fixture_tree, "-o", target)
        assert done.exit_code == 2 and done.stdout == "", name
        assert one_line(done.stderr) == (
            f"splitter: {target}: exists and holds {what}, not a monolith of this tree (an object of containers "
            "at /lxc_configs); merge does not replace it\n")
        assert target.read_bytes() == data
    assert not [path for path in work.iterdir() if path.name.startswith(".")]  # no staging file left


def test_merge_keeps_the_replaced_monoliths_permission_bits(fixture_tree: Path) -> None:
    target = fixture_tree.parent / "phoenix_lxc_configs.json"
    target.write_bytes(FIXTURE.read_bytes().replace(b'"cores": 4', b'"cores": 5', 1))
    target.chmod(0o444)
    done = run("merge", fixture_tree, "-o", target, "--discard-edits")  # its edit (test_merge_guard): told to go
    assert done.exit_code == 0 and done.stdout == "" and done.stderr == ""
    assert target.read_bytes() == FIXTURE.read_bytes()
    assert target.stat().st_mode & 0o777 == 0o444
    target.chmod(0o640)
    assert run("merge", fixture_tree, "-o", target).exit_code == 0 and target.stat().st_mode & 0o777 == 0o640
    new = fixture_tree.parent / "new.json"  # a new file: as open(2) makes it (0666 less the umask)
    assert run("merge", fixture_tree, "-o", new).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask


def test_merge_of_a_list_collection_replaces_its_monolith_only(tmp_path: Path) -> None:
    vms = FIXTURES / "collections" / "phoenix_vm_configs.json"
    monolith = tmp_path / "phoenix_vm_configs.json"
    shutil.copy(vms, monolith)
    assert run("split", monolith, "--collection", "/vms", "--id-key", "vmid", "-o", tmp_path / "conf.d").exit_code == 0
    assert run("merge", tmp_path / "conf.d", "-o", monolith).exit_code == 0
    assert monolith.read_bytes() == vms.read_bytes()
    lxc = tmp_path / "phoenix_lxc_configs.json"
    shutil.copy(FIXTURE, lxc)  # a monolith, of another collection
    done = run("merge", tmp_path / "conf.d", "-o", lxc)
    assert done.exit_code == 2 and one_line(done.stderr) == (
        f"splitter: {lxc}: exists and holds a JSON object without /vms, not a monolith of this tree (a list of "
        "entries at /vms); merge does not replace it\n")
    assert lxc.read_bytes() == FIXTURE.read_bytes()


def test_a_copy_saved_under_another_name_is_refused_everywhere_the_tree_is_read(fixture_tree: Path) -> None:
    """`914 (copy).json` is id "914 (copy)" only to a reader that does not know how splitter writes ids: refused."""
    work = fixture_tree.parent
    monolith = work / "phoenix_lxc_configs.json"
    shutil.copy(FIXTURE, monolith)
    original = next((fixture_tree / "lxc").glob("960_*.json"))
    copy = fixture_tree / "lxc" / "960 (copy).json"
    shutil.copy(original, copy)
    advice = ("its name does not write the id the way splitter does (container id '960 (copy)' would be in "
              "lxc/960%20%28copy%29.json; this looks like a copy of a container file): give it a new id, first in "
              "its name, or move it out of lxc/")
    for command in (["merge", fixture_tree], ["verify", fixture_tree, monolith], ["show", fixture_tree, "960 (copy)"],
                    ["update", fixture_tree, monolith], ["merge", fixture_tree, "-o", work / "out.json"]):
        done = run(*command)
        assert done.exit_code == 2 and done.stdout == "", command
        assert one_line(done.stderr) == f"splitter: {copy}: {advice}\n", command
    assert not (work / "out.json").exists() and copy.exists() and monolith.read_bytes() == FIXTURE.read_bytes()
    checked = run("check", fixture_tree)
    assert checked.exit_code == 1
    assert f"lxc/960 (copy).json: $: {advice}\n" in checked.stdout
    assert "lxc/960 (copy).json: $.name: sets the same name 'ollama-gpu1' as lxc/960_ollama-gpu1.json" in checked.stdout

    # the id written another way, %-encoded: the advice names the file already there, never as a new name
    copy.unlink()
    spelled = fixture_tree / "lxc" / "%39%36%30_ollama-gpu1.json"
    shutil.copy(original, spelled)
    taken = ("its name does not write the id the way splitter does (lxc/960_ollama-gpu1.json is already there: this "
             "looks like a copy of it): give it a new id, first in its name, or move it out of lxc/")
    done = run("merge", fixture_tree)
    assert done.exit_code == 2 and one_line(done.stderr) == f"splitter: {spelled}: {taken}\n"
    checked = run("check", fixture_tree)
    assert checked.exit_code == 1 and f"lxc/%39%36%30_ollama-gpu1.json: $: {taken}\n" in checked.stdout
    spelled.unlink()
    assert run("check", fixture_tree).exit_code == 0


def test_a_copy_under_a_valid_new_id_is_merged_and_check_calls_it_a_likely_copy(fixture_tree: Path) -> None:
    original = next((fixture_tree / "lxc").glob("960_*.json"))
    copy = fixture_tree / "lxc" / "0960_ollama-gpu1.json"  # "0960" is an id of its own, written as splitter would
    shutil.copy(original, copy)
    merged = run("merge", fixture_tree)
    assert merged.exit_code == 0 and merged.stderr == "" and '"0960": {' in merged.stdout
    checked = run("check", fixture_tree)
    assert checked.exit_code == 1
    assert checked.stdout.splitlines()[:-1] == [
        "lxc/0960_ollama-gpu1.json: $.name: sets the same name 'ollama-gpu1' as lxc/960_ollama-gpu1.json: a copy of "
        "that container? give it its own name, or delete it"]
