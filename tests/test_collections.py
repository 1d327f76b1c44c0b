"""Collections besides lxc_configs: a VM list, a stacks map, a top-level list and an API dump, alone and together."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, FIXTURE, FIXTURES, run

COLLECTIONS = FIXTURES / "collections"
# (fixture, split options, folder, id key, an entry's id, that entry's position or key in the collection)
CASES = [
    ("phoenix_vm_configs.json", ["--collection", "/vms", "--id-key", "vmid"], "vms", "vmid", "8003"),
    ("phoenix_stacks_config.json", ["--collection", "/docker_stacks"], "docker-stacks", None, "n8n"),
    ("cluster_resources.json", ["--collection", "", "--id-key", "vmid"], "cluster-resources", "vmid", "202"),
    ("qemu.json", ["--collection", "/data", "--id-key", "vmid"], "qemu", "vmid", "112"),
]
IDS = [case[2] for case in CASES]


def entries(doc, folder: str) -> dict:
    """The fixture's entries by id, read with the json module (the expectation, built without splitter)."""
    collection = {"vms": lambda d: d["vms"], "docker-stacks": lambda d: d["docker_stacks"],
                  "cluster-resources": lambda d: d, "qemu": lambda d: d["data"]}[folder](doc)
    if isinstance(collection, dict):
        return collection
    return {str(entry["vmid"]): entry for entry in collection}


def split(case, out: Path):
    name, options, *_ = case
    return run("split", COLLECTIONS / name, "-o", out, *options)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_split_merge_verify_check_show(case, tmp_path: Path) -> None:
    name, _, folder, id_key, ctid = case
    monolith = COLLECTIONS / name
    out = tmp_path / "conf.d"
    done = split(case, out)
    assert done.exit_code == 0, done.stderr
    assert (out / "defaults" / f"{folder}_base.json").is_file() and (out / folder).is_dir()
    assert not (out / "lxc").exists() and not (out / "layout.json").exists()
    layout = json.loads((out / f"layout_{folder}.json").read_text())
    assert layout["collection"] == case[1][1] and layout.get("id_key") == id_key
    if folder in ("vms", "docker-stacks"):  # discovery finds the GPU machines and stacks
        assert list((out / "defaults").glob(f"{folder}_profile_*.json"))

    dry = run("split", monolith, "--dry-run", *case[1])
    assert dry.exit_code == 0 and f" under defaults/ and {folder}/ (" in dry.stdout

    merged = run("merge", out)
    assert merged.exit_code == 0 and merged.stdout_bytes == monolith.read_bytes()
    assert run("verify", out, monolith, "--byte-exact").exit_code == 0
    checked = run("check", out)
    assert checked.exit_code == 0 and "0 problem(s)" in checked.stdout

    expected = entries(json.loads(monolith.read_text()), folder)
    files = [path for path in (out / folder).iterdir() if path.name.split("_")[0].removesuffix(".json") == ctid]
    assert len(files) == 1
    if id_key is not None:  # the id stays in the entry's own file: it is data
        assert json.loads(files[0].read_text())[id_key] == expected[ctid][id_key]
    shown = run("show", out, ctid)
    assert shown.exit_code == 0 and json.loads(shown.stdout) == expected[ctid]
    explained = json.loads(run("show", out, ctid, "--explain", "--format", "json").stdout)
    assert explained["layers"][0] == f"defaults/{folder}_base.json"
    assert explained["layers"][-1] == f"{folder}/{files[0].name}"
    assert {value["pointer"].split("/")[1] for value in explained["values"]} == set(expected[ctid])
    text = run("show", out, ctid, "--explain")
    assert text.stdout.startswith(f"entry {ctid}: defaults/{folder}_base.json")

    # an edit: verify finds it, in that entry and that file
    own = json.loads(files[0].read_text())
    own["edited"] = True
    files[0].write_text(json.dumps(own))
    verified = run("verify", out, monolith, "--format", "json")
    assert verified.exit_code == 1
    report = json.loads(verified.stdout)
    assert [(d["container"], d["kind"], d["file"]) for d in report["differences"]] == \
        [(ctid, "added", f"{folder}/{files[0].name}")]


@pytest.mark.parametrize("bad, message", [
    ([{"vmid": 1, "name": "a"}, {"name": "b"}], 'entry 1 of "/vms" has no "vmid"'),
    ([{"vmid": 1}, {"vmid": 2}, {"vmid": "1"}], 'entry 2 of "/vms" has "vmid" 1, like entry 0'),
    ([{"vmid": 1}, {"vmid": None}], 'entry 1 of "/vms" has "vmid": null; an id is a string or an integer'),
    ([{"vmid": 1}, {"vmid": 1.5}], 'entry 1 of "/vms" has "vmid": 1.5'),
    ([{"vmid": {"a": 1}}], 'entry 0 of "/vms" has "vmid": {'),
    ([{"vmid": ""}], 'entry 0 of "/vms": the id is empty'),
    ([{"vmid": "x" * 300}], 'entry 0 of "/vms": id'),
    (["a vm"], 'entry 0 of "/vms" must be a JSON object'),
    ({"a": {"vmid": 1}}, '"/vms" must be a list of entries for --id-key'),
    ([{"vmid": "web"}, {"vmid": "WEB"}], 'entry ids "web" and "WEB" differ only in letter case'),
], ids=["missing", "duplicate", "null", "float", "object", "empty", "too-long", "not-object", "a-map", "case"])
def test_bad_list_entries_are_refused_and_nothing_written(bad, message: str, tmp_path: Path) -> None:
    monolith = tmp_path / "vms.json"
    monolith.write_text(json.dumps({"vm_defaults": {}, "vms": bad}, indent=2))
    out = tmp_path / "conf.d"
    done = run("split", monolith, "-o", out, "--collection", "/vms", "--id-key", "vmid")
    assert done.exit_code == 2
    assert done.stderr.startswith(f"splitter: {monolith}: {message}") and done.stderr.count("\n") == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["vms.json"]


def test_bad_choices_are_refused(tmp_path: Path) -> None:
    vms = COLLECTIONS / "phoenix_vm_configs.json"
    for options, message in [
        (["--collection", "vms"], "a JSON pointer is empty or starts with '/'"),
        (["--collection", "/vms"], '"/vms" must be an object of entries (it is a list: name the key'),
        (["--collection", "/nothing"], 'has no "/nothing" object'),
        (["--collection", "/vms", "--id-key", "vmid", "--folder", "defaults"], "--folder 'defaults'"),
        (["--collection", "/vms", "--id-key", "vmid", "--folder", "my_vms"], "--folder 'my_vms'"),
    ]:
        done = run("split", vms, "-o", tmp_path / "conf.d", *options)
        assert done.exit_code == 2 and message in done.stderr, (options, done.stderr)
    top = run("split", COLLECTIONS / "cluster_resources.json", "-o", tmp_path / "conf.d")
    assert top.exit_code == 2 and 'use --collection "" --id-key KEY' in top.stderr
    assert not (tmp_path / "conf.d").exists()


def test_collections_side_by_side(tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    lxc_files = {path.relative_to(out): path.read_bytes() for path in out.rglob("*") if path.is_file()}
    for case in CASES:  # no --force needed: the folder holds other collections only
        assert split(case, out).exit_code == 0
    for case in CASES:
        merged = run("merge", out, "--collection", case[2])
        assert merged.exit_code == 0 and merged.stdout_bytes == (COLLECTIONS / case[0]).read_bytes()
    # the lxc tree is exactly as it was, and reads as before
    assert all((out / relative).read_bytes() == data for relative, data in lxc_files.items())
    assert run("merge", out, "--collection", "lxc").stdout_bytes == FIXTURE.read_bytes()
    assert run("merge", out, "--collection", "/lxc_configs").stdout_bytes == FIXTURE.read_bytes()

    # without --collection, commands work on lxc as they always did
    assert run("merge", out).stdout_bytes == FIXTURE.read_bytes()
    assert run("verify", out, FIXTURE, "--byte-exact").exit_code == 0
    assert run("show", out, "8003").stderr == f"splitter: {out}: no container '8003' in the tree\n"
    assert run("show", out, "8003", "--collection", "/vms").exit_code == 0
    assert run("verify", out, COLLECTIONS / "qemu.json", "--collection", "qemu", "--byte-exact").exit_code == 0
    assert run("merge", out, "--collection", "nothing").exit_code == 2
    checked = run("check", out)  # every collection, and no file of one is a stray of another
    assert checked.exit_code == 0 and "0 problem(s)" in checked.stdout

    # split --force of one collection replaces that one only
    (out / "vms" / "8003_ubuntu-gpu-worker.json").unlink()
    refused = split(CASES[0], out)
    assert refused.exit_code == 2 and "use --force" in refused.stderr
    before = {path.relative_to(out): path.read_bytes() for path in out.rglob("*")
              if path.is_file() and not path.relative_to(out).as_posix().startswith(("vms/", "layout_vms"))}
    lost = run("split", COLLECTIONS / CASES[0][0], "-o", out, "--force", *CASES[0][1])
    assert lost.exit_code == 2 and "8003" in lost.stderr  # the deletion is an edit --force would lose
    assert run("split", COLLECTIONS / CASES[0][0], "-o", out, "--force", "--discard-edits", *CASES[0][1]).exit_code == 0
    assert (out / "vms" / "8003_ubuntu-gpu-worker.json").is_file()
    assert all((out / relative).read_bytes() == data for relative, data in before.items()
               if not relative.as_posix().startswith("defaults/vms_"))
    assert run("check", out).exit_code == 0


def test_lxc_tree_is_the_same_with_the_default_spelled_out(tmp_path: Path) -> None:
    plain, spelled = tmp_path / "a", tmp_path / "b"
    assert run("split", FIXTURE, "-o", plain).exit_code == 0
    assert run("split", FIXTURE, "-o", spelled, "--collection", "/lxc_configs").exit_code == 0
    files = sorted(path.relative_to(plain) for path in plain.rglob("*") if path.is_file())
    assert files == sorted(path.relative_to(spelled) for path in spelled.rglob("*") if path.is_file())
    assert all((plain / f).read_bytes() == (spelled / f).read_bytes() for f in files)
    assert "collection" not in json.loads((plain / "layout.json").read_text())


def test_list_entry_id_must_agree_with_its_file(tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    assert split(CASES[0], out).exit_code == 0
    shutil.copy(out / "vms" / "8005_ubuntu-dev.json", out / "vms" / "8007_ubuntu-dev.json")
    merged = run("merge", out)
    assert merged.exit_code == 2 and merged.stdout == ""
    assert merged.stderr == (f'splitter: {out}/vms/8007_ubuntu-dev.json: entry 8007 has "vmid": 8005; the id and '
                             'the file name must agree\n')
    checked = run("check", out)
    assert checked.exit_code == 1
    assert 'vms/8007_ubuntu-dev.json: $.vmid: "vmid" is not 8007, which its file name says' in checked.stdout


def test_schema_of_a_list_collection(tmp_path: Path) -> None:
    shutil.copy(COLLECTIONS / "phoenix_vm_configs.schema.json", tmp_path)
    out = tmp_path / "conf.d"
    assert split(CASES[0], out).exit_code == 0
    clean = run("check", out, "--format", "json")
    assert clean.exit_code == 0 and json.loads(clean.stdout)["schema"].endswith("phoenix_vm_configs.schema.json")
    own = out / "vms" / "8002_windows-gaming.json"
    own.write_text(own.read_text().replace('"cores": 12', '"cores": 100'))
    problems = json.loads(run("check", out, "--format", "json").stdout)["problems"]
    assert [(p["file"], p["path"]) for p in problems] == [("vms/8002_windows-gaming.json", "$.cores")]
    # what only the merged entry shows: a required key gone, pinned on the file that removed it
    values = json.loads(own.read_text())
    del values["name"]
    own.write_text(json.dumps(values))
    problems = json.loads(run("check", out, "--format", "json").stdout)["problems"]
    assert ("vms/8002_windows-gaming.json", "$.vms['8002']", "'name' is a required property") in \
        {(p["file"], p["path"], p["message"]) for p in problems}


def test_a_tree_without_lxc_and_several_collections_needs_a_choice(tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    assert split(CASES[0], out).exit_code == 0 and split(CASES[3], out).exit_code == 0
    several = run("merge", out)
    assert several.exit_code == 2 and several.stdout == ""
    assert several.stderr == f"splitter: {out}: holds 2 collections (qemu, vms); choose one with --collection\n"
    assert run("show", out, "112").exit_code == 2
    assert run("show", out, "112", "--collection", "/data").exit_code == 0
    unknown = run("merge", out, "--collection", "/nothing")
    assert unknown.exit_code == 2 and "has no collection at '/nothing' (it holds qemu, vms)" in unknown.stderr
    assert run("check", out).exit_code == 0


@pytest.mark.parametrize("doc, pointer, folder", [
    ({"100": {"cores": 2, "name": "a"}, "101": {"cores": 2, "name": "b"}}, "", "inventory"),
    ({"z": 1, "cluster": {"nodes/ct": {"7": {"x": [1]}, "3": {"x": [2]}}, "k": None}, "a": {}}, "/cluster/nodes~1ct",
     "nodes-ct"),
], ids=["top-level-map", "escaped-nested-map"])
def test_maps_anywhere(doc, pointer: str, folder: str, tmp_path: Path) -> None:
    monolith = tmp_path / "inventory.json"
    monolith.write_text(json.dumps(doc, indent=3) + "\n")
    out = tmp_path / "conf.d"
    done = run("split", monolith, "-o", out, "--collection", pointer)
    assert done.exit_code == 0, done.stderr
    assert (out / folder).is_dir() and json.loads((out / f"layout_{folder}.json").read_text())["collection"] == pointer
    assert run("merge", out).stdout_bytes == monolith.read_bytes()
    assert run("check", out).exit_code == 0


def test_latest_corpus_containers_as_a_list(tmp_path: Path) -> None:
    """The real containers, written as a list keyed by ctid: the same tree layers, the same bytes back."""
    latest = CORPUS / "testing-ideas" / "067_2b02afc.json"
    if not latest.exists():
        pytest.skip("../shared/corpus is not beside the project")
    doc = json.loads(latest.read_text())
    listed = [{"ctid": int(ctid), **config} for ctid, config in doc.pop("lxc_configs").items()]
    monolith = tmp_path / "phoenix_lxc_list.json"
    monolith.write_text(json.dumps({**doc, "containers": listed}, indent=4, ensure_ascii=False) + "\n")
    out = tmp_path / "conf.d"
    done = run("split", monolith, "-o", out, "--collection", "/containers", "--id-key", "ctid")
    assert done.exit_code == 0, done.stderr
    assert run("merge", out).stdout_bytes == monolith.read_bytes()
    assert run("verify", out, monolith, "--byte-exact").exit_code == 0
    mapped = tmp_path / "mapped"
    assert run("split", latest, "-o", mapped).exit_code == 0
    profiles = sorted(path.name.removeprefix("profile_") for path in (mapped / "defaults").glob("profile_*"))
    assert sorted(path.name.removeprefix("containers_profile_")
                  for path in (out / "defaults").glob("containers_profile_*")) == profiles


def test_globals_must_not_hold_the_collection(tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    assert split(CASES[2], out).exit_code == 0  # the top-level list: nothing is outside it
    (out / "globals_cluster-resources.json").write_text('{"x": 1}')
    merged = run("merge", out)
    assert merged.exit_code == 2
    assert merged.stderr == (f"splitter: {out}/globals_cluster-resources.json: must hold {{}}: the whole document "
                             "is the collection\n")


def test_what_a_tree_of_several_collections_holds(tmp_path: Path) -> None:
    from splitter.tree.guard import tree_holds

    both = ("lxc", "vms")
    for held in ["layout_vms.json", "globals_vms.json", "defaults/vms_base.json", "defaults/vms_profile_gpu.json",
                 "vms/", "vms/8001_ubuntu.json", "layout.json", "lxc/950_x.json", "defaults/profile_gpu.json"]:
        assert tree_holds(held, both), held
    for foreign in ["vms/.8001.json", "vms/sub/8001.json", "vms/notes.txt", "layout_qemu.json", "qemu/1.json",
                    "defaults/qemu_base.json"]:
        assert not tree_holds(foreign, both), foreign
    assert not tree_holds("vms/8001_ubuntu.json") and not tree_holds("layout_vms.json")
    # --force replaces only what a tree of these collections holds
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0 and split(CASES[0], out).exit_code == 0
    (out / "vms" / "notes.txt").write_text("mine")
    forced = run("split", COLLECTIONS / CASES[0][0], "-o", out, "--force", *CASES[0][1])
    assert forced.exit_code == 2 and "holds vms/notes.txt, which a tree does not hold" in forced.stderr
    assert (out / "vms" / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_update_follows_the_monolith_and_keeps_tree_edits(case, tmp_path: Path) -> None:
    """update (with and without --base) works on every collection: the new entry gets its file, a value
    changed in the monolith lands, and with --base an edit made only in the tree is kept."""
    from splitter.tree.names import encode_id

    name, _, folder, id_key, _ = case
    out = tmp_path / "conf.d"
    assert split(case, out).exit_code == 0
    old = json.loads((COLLECTIONS / name).read_text())
    new = json.loads((COLLECTIONS / name).read_text())
    by_id = entries(new, folder)
    first, last = list(by_id)[0], list(by_id)[-1]
    by_id[first]["note"] = "from the monolith"
    added = dict(by_id[last], **({id_key: 99999} if id_key else {}), name="added-later")
    holder = new if folder == "cluster-resources" else new[{"vms": "vms", "docker-stacks": "docker_stacks",
                                                             "qemu": "data"}[folder]]
    if isinstance(holder, dict):
        holder["added-later"] = added
    else:
        holder.append(added)
    monolith = tmp_path / "new.json"
    monolith.write_text(json.dumps(new, indent=4))
    base = tmp_path / "old.json"
    base.write_text(json.dumps(old, indent=4))

    # an edit made in the tree only, to the last entry's own file
    (own,) = [path for path in (out / folder).iterdir() if path.name.removesuffix(".json").split("_")[0] == encode_id(last)]
    layer = json.loads(own.read_text())
    layer["comment"] = "tree edit"
    own.write_text(json.dumps(layer, indent=2))

    result = run("update", out, monolith, "--base", base)
    assert result.exit_code == 0, result.stderr
    merged = json.loads(run("merge", out).stdout)
    expected = entries(new, folder)
    expected[last]["comment"] = "tree edit"
    assert entries(merged, folder) == expected
    assert run("check", out).exit_code == 0

    # without --base the tree's own edit is undone, and the tree merges into the monolith byte for byte
    result = run("update", out, monolith)
    assert result.exit_code == 0, result.stderr
    assert run("verify", out, monolith, "--byte-exact").exit_code == 0
