"""Each collection its own schema in check, its own nouns in the plan and reports; show refuses a stale $unset."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import FIXTURE, FIXTURES, run

VMS = FIXTURES / "collections" / "phoenix_vm_configs.json"
VM_SCHEMA = FIXTURES / "collections" / "phoenix_vm_configs.schema.json"


def two_collections(tmp_path: Path) -> Path:
    """An lxc tree and a vms tree in one conf.d; the lxc $schema names a file that does not exist."""
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    assert run("split", VMS, "-o", out, "--collection", "/vms", "--id-key", "vmid").exit_code == 0
    return out


def test_check_reads_each_collections_own_schema(tmp_path: Path) -> None:
    out = two_collections(tmp_path)
    # no VM schema beside the tree: the reason names the VM schema, not the lxc monolith's
    vms = run("check", out, "--collection", "vms")
    assert vms.exit_code == 0
    assert vms.stdout.splitlines()[-1] == (f"0 problem(s); schema: none found ($schema names "
                                           f"phoenix_vm_configs.schema.json, which is not in {tmp_path})")
    shutil.copy(VM_SCHEMA, tmp_path)
    both = run("check", out)
    assert both.exit_code == 0
    assert both.stdout.splitlines()[-3:] == [
        "0 problem(s)",
        f"schema of lxc/: none found ($schema names ./phoenix_lxc_configs.schema.json, which is not in {tmp_path})",
        f"schema of vms/: {tmp_path / 'phoenix_vm_configs.schema.json'}"]
    doc = json.loads(run("check", out, "--format", "json").stdout)
    assert "schema" not in doc and doc["problems"] == []
    assert doc["schemas"] == [
        {"collection": "/lxc_configs", "folder": "lxc", "schema": None,
         "schema_reason": f"none found ($schema names ./phoenix_lxc_configs.schema.json, which is not in {tmp_path})"},
        {"collection": "/vms", "folder": "vms", "schema": str(tmp_path / "phoenix_vm_configs.schema.json")}]
    # one collection checked: the fields existing users read are still there
    one = json.loads(run("check", out, "--collection", "/vms", "--format", "json").stdout)
    assert one["schema"] == str(tmp_path / "phoenix_vm_configs.schema.json") and len(one["schemas"]) == 1
    alone = json.loads(run("check", out, "--collection", "lxc", "--format", "json").stdout)
    assert alone["schema"] is None and "phoenix_lxc_configs.schema.json" in alone["schema_reason"]


def test_show_refuses_an_unset_that_deletes_nothing_as_merge_does(tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    own = out / "lxc" / "960_ollama-gpu1.json"
    assert '"$unset": ["/firewall"]' in own.read_text()
    own.write_text(own.read_text().replace('"$unset": ["/firewall"]', '"$unset": ["/firewal"]'))
    line = (f"{own}: $unset /firewal deletes nothing: no base or profile of this container sets it\n")
    merged = run("merge", out)
    assert merged.exit_code == 2 and merged.stderr == f"splitter: {line}"
    shown = run("show", out, "960")
    assert shown.exit_code == 2 and shown.stdout == "" and shown.stderr == merged.stderr
    for format in ("text", "json"):  # explain is how one finds out why: it goes on, and warns
        explained = run("show", out, "960", "--explain", "--format", format)
        assert explained.exit_code == 0 and explained.stderr == f"splitter: warning: {line}"
        assert "firewall" in explained.stdout
    assert run("show", out, "961").exit_code == 0  # another container's file is not read


def test_plan_verify_and_update_speak_of_entries_on_a_vm_list(tmp_path: Path) -> None:
    options = ["--collection", "/vms", "--id-key", "vmid"]
    said = []
    for format in ("text", "markdown"):
        plan = run("split", VMS, *options, "--dry-run", "--format", format)
        assert plan.exit_code == 0
        said.append(plan.stdout)
    assert said[0].startswith(f"plan for {VMS}: 6 entries, 2 profiles, 11 files\n")
    assert "the 3 entries whose `tags` include `gpu`" in said[0] and "the values most entries hold" in said[0]
    assert "### Entries" in said[1] and "| entry | file |" in said[1]
    plan = json.loads(run("split", VMS, *options, "--dry-run", "--format", "json").stdout)
    assert plan["noun"] == {"singular": "entry", "plural": "entries"} and len(plan["containers"]) == 6

    out = tmp_path / "conf.d"
    assert run("split", VMS, "-o", out, *options).exit_code == 0
    own = out / "vms" / "8005_ubuntu-dev.json"
    assert '"cores": 4,' in own.read_text()
    own.write_text(own.read_text().replace('"cores": 4,', '"cores": 5,'))
    verified = run("verify", out, VMS)
    assert verified.exit_code == 1 and "difference(s) in 1 entry\n" in verified.stdout
    said.append(verified.stdout)
    doc = json.loads(VMS.read_text())
    doc["vms"].append(dict(doc["vms"][0], vmid=8100, name="Ubuntu-New"))
    del doc["vms"][1]
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(doc, indent=4))
    for format in ("text", "markdown"):
        updated = run("update", out, newer, "--dry-run", "--format", format)
        assert updated.exit_code == 0, updated.stderr
        said.append(updated.stdout)
    assert "new entry, profiles" in said[-2] and "| entry | path | tree | monolith |" in said[-1]
    assert all("container" not in text.lower() for text in said), [t for t in said if "container" in t.lower()]
