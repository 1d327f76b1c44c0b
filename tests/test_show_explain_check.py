"""Living with the tree: show, --explain and check, on the corpus and on small trees of our own."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, FIXTURE, corpus_params, run

from splitter.merging.assemble import Assembler
from splitter.exact.numbers import canonical
from splitter.ops.explain import explain
from splitter.discovery.itemsets import items
from splitter.tree.monolith import read_monolith
from splitter.tree.read import read_tree


def schema_of(monolith: Path) -> Path | None:
    with open(CORPUS / "manifest.tsv", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if CORPUS / row["config"] == monolith and row["schema"]:
                return CORPUS / row["schema"]
    return None


@pytest.mark.parametrize("monolith", corpus_params())
def test_corpus_show_explain_check(monolith: Path, tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    assert run("split", monolith, "-o", out).exit_code == 0
    mono = read_monolith(monolith)
    tree = read_tree(out)
    assembler = Assembler(tree.base, tree.profiles, tree.layout)
    for ctid, config in mono.containers.items():
        merged = assembler.container(ctid, tree.containers[ctid])
        assert canonical(merged) == canonical(config)
        origins, _ = explain(tree.layers_of(ctid), merged)
        assert [o.path for o in origins] == [path for path, _ in items(config)]
        assert all(o.set_by for o in origins)
    first = next(iter(mono.containers))
    shown = run("show", out, first)
    assert shown.exit_code == 0 and canonical(json.loads(shown.stdout)) == canonical(json.loads(
        json.dumps(mono.containers[first], default=str)))
    explained = json.loads(run("show", out, first, "--explain", "--format", "json").stdout)
    assert len(explained["values"]) == len(list(items(mono.containers[first])))

    schema = schema_of(monolith)
    if schema is None:
        return
    checked = run("check", out, "--schema", schema, "--format", "json")
    assert checked.exit_code == 1  # not one corpus version meets its own schema
    report = json.loads(checked.stdout)
    assert report["schema"] == str(schema) and report["problems"]
    for problem in report["problems"]:
        assert problem["file"] == "globals.json" or (out / problem["file"]).is_file()
        assert problem["path"].startswith("$") and problem["message"]
    text = run("check", out, "--schema", schema)
    assert text.exit_code == 1 and f"{len(report['problems'])} problem(s)" in text.stdout and text.stderr == ""


def test_explain_names_setter_overridden_and_deleted(tmp_path: Path) -> None:
    monolith = tmp_path / "m.json"
    base = {"cores": 2, "memory": 1024, "disk": 8, "swap": 0, "net": {"gw": "10.0.0.1", "dns": "1.1.1.1"}}
    containers = {str(n): dict(base, name=f"c{n}") for n in range(5)}
    containers["7"] = {"name": "big", "cores": 16, "memory": 1024, "disk": 8, "net": {"gw": "10.0.0.1"}}
    monolith.write_text(json.dumps({"lxc_configs": containers}, indent=2))
    out = tmp_path / "conf.d"
    assert run("split", monolith, "-o", out, "--no-profiles").exit_code == 0
    data = json.loads(run("show", out, "7", "--explain", "--format", "json").stdout)
    values = {v["path"]: v for v in data["values"]}
    assert values["$.cores"]["set_by"] == "lxc/7_big.json"
    assert values["$.cores"]["overrides"] == [{"file": "defaults/lxc_base.json", "value": 2}]
    assert values["$.memory"]["set_by"] == "defaults/lxc_base.json" and values["$.memory"]["overrides"] == []
    deleted = {d["pointer"]: d for d in data["deleted"]}
    assert deleted["/swap"]["deleted_by"] == "lxc/7_big.json"
    assert deleted["/swap"]["was_set_by"] == ["defaults/lxc_base.json"]
    assert deleted["/net/dns"]["was_set_by"] == ["defaults/lxc_base.json"]
    text = run("show", out, "7", "--explain")
    assert "$.cores = 16\n    set by lxc/7_big.json\n    overrides defaults/lxc_base.json: 2" in text.stdout
    assert "$.swap deleted by lxc/7_big.json; was set by defaults/lxc_base.json" in text.stdout
    assert run("show", out, "99").exit_code == 2


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    assert run("check", out).exit_code == 0, run("check", out).stderr
    return out


def container(tree: Path, ctid: str) -> Path:
    return next((tree / "lxc").glob(f"{ctid}_*.json"))


def rewrite(path: Path, change) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def problems(tree: Path) -> list[str]:
    result = run("check", tree, "--format", "json")
    assert result.exit_code == 1, result.stderr
    return [f"{p['file']}: {p['path']}: {p['message']}" for p in json.loads(result.stdout)["problems"]]


def test_check_unknown_profile(tree: Path) -> None:
    rewrite(container(tree, "950"), lambda d: d["$profiles"].append("nope"))
    assert any("unknown profile \"nope\"" in p and p.startswith("lxc/950_") for p in problems(tree))


def test_check_profile_listed_twice(tree: Path) -> None:
    rewrite(container(tree, "950"), lambda d: d["$profiles"].append(d["$profiles"][0]))
    assert any("names a profile twice" in p for p in problems(tree))


def test_check_duplicate_container_id(tree: Path) -> None:
    shutil.copy(container(tree, "950"), tree / "lxc" / "950_again.json")
    assert any("container 950 has another file" in p for p in problems(tree))


def test_check_file_name_disagrees_with_its_place(tree: Path) -> None:
    shutil.move(container(tree, "103"), tree / "defaults" / "103_step-ca.json")
    shutil.copy(tree / "defaults" / "profile_vllm.json", tree / "lxc" / "profile_vllm.json")
    found = problems(tree)
    assert any(p.startswith("defaults/103_step-ca.json") and "belongs in lxc/" in p for p in found)
    assert any(p.startswith("lxc/profile_vllm.json") and "belongs in defaults/" in p for p in found)


def test_check_name_not_following_container(tree: Path) -> None:
    rewrite(container(tree, "103"), lambda d: d.update(name="ca-new"))
    assert any("rename it 103_ca-new.json" in p for p in problems(tree))


def test_check_unparsable_file(tree: Path) -> None:
    container(tree, "101").write_text('{"name": "x",,}')
    assert any(p.startswith("lxc/101_") and "cannot be read at 1:14" in p for p in problems(tree))


@pytest.mark.parametrize("name", ["lxc/950_vllm.json~", "lxc/950_vllm.json.orig", "lxc/950_vllm.json.rej",
                                  "defaults/.#profile_vllm.json", "notes.txt", "lxc/README.md"])
def test_check_stray_files(tree: Path, name: str) -> None:
    (tree / name).write_text("{}")
    assert any(p.startswith(name + ":") for p in problems(tree))
    assert run("merge", tree).stdout_bytes == FIXTURE.read_bytes()  # merge itself ignores them


def test_check_unused_profile(tree: Path) -> None:
    (tree / "defaults" / "profile_spare.json").write_text('{"a": 1}\n')
    assert "defaults/profile_spare.json: $: no container uses this profile" in problems(tree)


def test_check_profiles_that_disagree(tree: Path) -> None:
    (tree / "defaults" / "profile_big.json").write_text('{"storage_size_gb": 1}\n')
    rewrite(container(tree, "950"), lambda d: d["$profiles"].insert(0, "big"))
    rewrite(container(tree, "951"), lambda d: d["$profiles"].append("big"))
    found = sorted(p for p in problems(tree) if "set /storage_size_gb to different values" in p)
    assert [p.split("_")[0] for p in found] == ["lxc/950", "lxc/951"]
    assert found[0].endswith("profiles big and vllm set /storage_size_gb to different values; vllm wins")
    assert found[1].endswith("profiles vllm and big set /storage_size_gb to different values; big wins")


def test_check_stale_deletion(tree: Path) -> None:
    rewrite(container(tree, "101"), lambda d: d.setdefault("$unset", []).append("/no_such_key"))
    assert any("$unset /no_such_key deletes nothing: no base or profile of this container sets it" in p for p in problems(tree))


def test_check_schema_pins_the_file(tree: Path, tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({
        "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
        "properties": {"lxc_configs": {"type": "object", "patternProperties": {"^[0-9]+$": {
            "type": "object", "required": ["name", "memory_mb"],
            "properties": {"cores": {"type": "integer", "maximum": 32}, "name": {"type": "string"}}}}}}}))
    assert run("check", tree, "--schema", schema).exit_code == 0
    rewrite(container(tree, "953"), lambda d: d.update(cores=64))
    # 960 loses memory_mb: from its own file, or by a deletion marker where a profile gives it
    rewrite(container(tree, "960"), lambda d: d.pop("memory_mb") if "memory_mb" in d
            else d.setdefault("$unset", []).append("/memory_mb"))
    result = run("check", tree, "--schema", schema, "--format", "json")
    assert result.exit_code == 1
    found = {(p["file"].split("_")[0], p["path"], p["message"]) for p in json.loads(result.stdout)["problems"]}
    assert ("lxc/953", "$.cores", "64 is greater than the maximum of 32") in found
    assert ("lxc/960", "$.lxc_configs['960']", "'memory_mb' is a required property") in found
    assert len(found) == 2
