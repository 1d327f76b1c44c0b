"""`splitter update`: a tree follows its monolith and keeps its design, its files and people's edits."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import monoliths
from conftest import CORPUS, FIXTURE, run
from test_edits import edit, tree  # noqa: F401 (tree: the split fixture, a pytest fixture)

from splitter.merging.assemble import Assembler, monolith_bytes
from splitter.ops.check import check_tree
from splitter.exact.numbers import canonical
from splitter.exact.write import dumps
from splitter.discovery.mining import mine
from splitter.tree.monolith import load_monolith, read_monolith
from splitter.discovery.itemsets import Fleet
from splitter.discovery.roles import find_roles
from splitter.ops.split import build_layers, tree_files, write_tree
from splitter.tree.read import read_tree
from splitter.ops.update import plan_update
from splitter.ops.update_files import write_update


def files_of(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def fixture_doc() -> dict:
    return copy.deepcopy(read_monolith(FIXTURE).doc)


def write_doc(path: Path, doc: dict) -> Path:
    path.write_bytes(dumps(doc, read_monolith(FIXTURE).style))
    return path


def verify(root: Path, monolith: Path) -> None:
    result = run("verify", root, monolith, "--byte-exact")
    assert result.exit_code == 0, result.stderr


# ---------------------------------------------------------------- the corpus chain

def test_the_corpus_chain_stays_put(tmp_path: Path) -> None:
    """Split the first testing-ideas version, then update it to each next one, and count what changed."""
    versions = sorted((CORPUS / "testing-ideas").glob("*.json"))
    if len(versions) < 2:
        pytest.skip("../shared/corpus is not beside the project")
    root = tmp_path / "conf.d"
    first = read_monolith(versions[0])
    write_tree(tree_files(build_layers(first, mine(first.containers))), first, root, False)
    within = renames = 0
    files_changed: dict[str, int] = {"layout.json": 0, "defaults/lxc_base.json": 0, "defaults/profile_*": 0}
    changed_total = []
    for version in versions[1:]:
        before = files_of(root)
        old_tree = read_tree(root)
        assembler = Assembler(old_tree.base, old_tree.profiles, old_tree.layout)
        old = {ctid: assembler.container(ctid, own) for ctid, own in old_tree.containers.items()}
        mono = read_monolith(version)
        update = plan_update(root, old_tree, mono)
        if update.files:
            write_update(root, update)
        after = files_of(root)
        new_tree = read_tree(root)
        assert monolith_bytes(new_tree) == mono.text(), version.name
        problems, schema = check_tree(root)
        assert schema is None and problems == [], (version.name, problems)  # no schema beside tmp: structure only
        for path, keys in old_tree.layout.key_order.items():  # the order record grows, never reshuffles
            assert [key for key in new_tree.layout.key_order[path] if key in keys] == keys, version.name
        new = mono.containers
        touched = [ctid for ctid in new if ctid not in old or canonical(old[ctid]) != canonical(new[ctid])]
        touched += [ctid for ctid in old if ctid not in new]
        changed = {file for file in before.keys() | after.keys() if before.get(file) != after.get(file)}
        unchanged_files = {old_tree.containers[ctid].file for ctid in new if ctid not in touched}
        assert not changed & unchanged_files, version.name
        within += len(changed) <= len(touched) + 2
        for file in {"defaults/profile_*" if file.startswith("defaults/profile_") else file for file in changed}:
            if file in files_changed:
                files_changed[file] += 1
        changed_total.append(len(changed))
        roles_before = {(role.kind, role.key, role.value) for role in find_roles(Fleet(old))}
        roles_after = {(role.kind, role.key, role.value) for role in find_roles(Fleet(new))}
        if set(old_tree.profiles) != set(new_tree.profiles):
            renames += 1
            # a new name only with a new role; a name goes only with its role, or when its last user left
            assert set(new_tree.profiles) <= set(old_tree.profiles) or roles_after - roles_before, version.name
            for name in set(old_tree.profiles) - set(new_tree.profiles):
                users = [ctid for ctid, own in old_tree.containers.items() if name in own.profiles]
                assert roles_before - roles_after or all(ctid in touched for ctid in users), (version.name, name)
    pairs = len(versions) - 1
    changed_total.sort()
    print(f"\nupdate chain over {pairs} pairs: changed files <= changed containers + 2 in {within} "
          f"({within / pairs:.0%}); median {changed_total[pairs // 2]} files, max {changed_total[-1]}; "
          f"profile set changed in {renames} pairs, each with a role appearing or disappearing or a profile's "
          f"last user leaving; pairs that "
          f"changed " + ", ".join(f"{file}: {count}" for file, count in files_changed.items()))
    assert within >= 0.95 * pairs


# ---------------------------------------------------------------- the design survives

def update_one_container(tree: Path, tmp_path: Path):
    """Give container 952 more cores in the monolith and update: the run, and the tree's files before and after."""
    before = files_of(tree)
    doc = fixture_doc()
    doc["lxc_configs"]["952"]["cores"] = 12
    result = run("update", tree, write_doc(tmp_path / "new.json", doc), "--format", "text")
    assert result.exit_code == 0, result.stderr
    after = files_of(tree)
    assert {file for file in after if after[file] != before.get(file)} == {"lxc/952_vllm-embed.json"}
    assert after.keys() == before.keys()
    return result


def test_unchanged_files_and_a_reformatted_file_are_kept(tree: Path, tmp_path: Path) -> None:
    reformatted = tree / "lxc" / "101_nginx-gateway.json"
    reformatted.write_bytes(json.dumps(json.loads(reformatted.read_bytes()), indent=8).encode())
    (tree / "NOTES.txt").write_bytes(b"a file splitter did not write\n")
    result = update_one_container(tree, tmp_path)
    assert "lxc/952_vllm-embed.json: 1 value(s) changed" in result.stdout
    verify(tree, tmp_path / "new.json")


def test_update_says_when_the_monolith_is_now_written_another_way(tree: Path, tmp_path: Path) -> None:
    """Trial 13: a jq script changed one value and rewrote every line (two spaces, a final newline); update says
    so on stderr, beside its one line, and a plain update of an unchanged style says nothing of it."""
    doc = json.loads(FIXTURE.read_bytes())
    doc["lxc_configs"]["103"]["memory_mb"] = 4096
    (tmp_path / "jq.json").write_bytes(json.dumps(doc, indent=2, ensure_ascii=False).encode() + b"\n")
    done = run("update", tree, tmp_path / "jq.json")
    assert done.exit_code == 0, done.stderr
    assert 'is now written another way (indent "    " -> "  ", trailer "" -> "\\n")' in done.stderr, done.stderr
    again = run("update", tree, tmp_path / "jq.json")
    assert again.exit_code == 0 and "written another way" not in again.stderr
    verify(tree, tmp_path / "jq.json")


def test_a_hand_renamed_profile_is_kept(tree: Path, tmp_path: Path) -> None:
    names = sorted(path.name.replace("_vllm.", "_inference.") for path in (tree / "defaults").iterdir())
    (tree / "defaults" / "profile_vllm.json").rename(tree / "defaults" / "profile_inference.json")
    for path in (tree / "lxc").iterdir():
        text = path.read_text()
        path.write_text(text.replace('"vllm"]', '"inference"]'))
    doc = fixture_doc()
    doc["lxc_configs"]["950"]["cores"] = 2
    doc["lxc_configs"]["9999"] = dict(copy.deepcopy(doc["lxc_configs"]["951"]), name="vllm-new",
                                      mac_address="52:54:00:10:00:99")
    result = run("update", tree, write_doc(tmp_path / "new.json", doc))
    assert result.exit_code == 0, result.stderr
    assert sorted(path.name for path in (tree / "defaults").iterdir()) == names
    assert "profile_inference.json" in names
    assert read_tree(tree).containers["9999"].profiles == ["nvidia", "inference"]  # as its siblings
    verify(tree, tmp_path / "new.json")


def small_vllm(doc: dict) -> dict:
    """A new vLLM container that keeps half the vllm profile's values and has base_setup's cores, disk and GPU."""
    config = dict(copy.deepcopy(doc["lxc_configs"]["951"]), name="vllm-tiny", mac_address="52:54:00:10:00:99",
                  cores=2, storage_size_gb=16, gpu_assignment="none")
    config["vllm_engine_config"] = {"ModelConfig": {"model": "tiny", "dtype": "auto", "trust_remote_code": True},
                                    "CacheConfig": {"swap_space": 4}}
    del config["health_check"]
    return config


@pytest.mark.parametrize("name", ["vllm", "llm_server"])
def test_a_new_container_takes_the_profiles_of_its_roles(tree: Path, tmp_path: Path, name: str) -> None:
    """Its `features` include vllm: it gets the vllm profile (or the one it was renamed to by hand), not
    base_setup, whose role it does not hold, though base_setup would save its file one more line."""
    if name != "vllm":
        (tree / "defaults" / "profile_vllm.json").rename(tree / "defaults" / f"profile_{name}.json")
        for path in (tree / "lxc").iterdir():
            path.write_text(path.read_text().replace('"vllm"]', f'"{name}"]'))
    doc = fixture_doc()
    doc["lxc_configs"]["956"] = small_vllm(doc)
    result = run("update", tree, write_doc(tmp_path / "new.json", doc), "--format", "text")
    assert result.exit_code == 0, result.stderr
    assert f"add      lxc/956_vllm-tiny.json: new container, profiles [nvidia, {name}]" in result.stdout
    new_tree = read_tree(tree)
    assert new_tree.containers["956"].profiles == ["nvidia", name]
    verify(tree, tmp_path / "new.json")
    # what a rule of saved lines alone would have chosen instead
    from splitter.tree.layers import Layer
    from splitter.ops.split import difference, layer_lines

    assembler = Assembler(new_tree.base, new_tree.profiles, new_tree.layout)
    def lines(names: list[str]) -> int:
        values, unsets = difference(assembler.inherited(tuple(names)), doc["lxc_configs"]["956"])
        return layer_lines(Layer("956", values, names, unsets), container=True)
    assert lines(["base_setup", "nvidia"]) == lines(["nvidia", name]) - 1


def test_a_profile_follows_what_all_its_members_changed(tree: Path, tmp_path: Path) -> None:
    doc = fixture_doc()
    members = [ctid for ctid, own in read_tree(tree).containers.items() if "vllm" in own.profiles]
    for ctid in members:
        doc["lxc_configs"][ctid]["vllm_engine_config"]["ModelConfig"]["dtype"] = "bfloat16"
    result = run("update", tree, write_doc(tmp_path / "new.json", doc), "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    profile = next(f for f in report["files"] if f["file"] == "defaults/profile_vllm.json")
    assert profile["action"] == "rewrite" and "ModelConfig.dtype" in profile["why"]
    assert b'"dtype": "bfloat16"' in (tree / "defaults" / "profile_vllm.json").read_bytes()
    verify(tree, tmp_path / "new.json")


def test_removed_container_goes_and_unused_profile_goes(tree: Path, tmp_path: Path) -> None:
    doc = fixture_doc()
    users = [ctid for ctid, own in read_tree(tree).containers.items() if "docker" in own.profiles]
    for ctid in users:
        del doc["lxc_configs"][ctid]
    result = run("update", tree, write_doc(tmp_path / "new.json", doc), "--format", "text")
    assert result.exit_code == 0, result.stderr
    assert not (tree / "defaults" / "profile_docker.json").exists()
    assert "remove   defaults/profile_docker.json: no container uses it any more" in result.stdout
    verify(tree, tmp_path / "new.json")


def test_a_new_role_becomes_a_profile_named_after_it(tree: Path, tmp_path: Path) -> None:
    doc = fixture_doc()
    for number in (1, 2, 3):
        doc["lxc_configs"][f"70{number}"] = {
            "name": f"minio-{number}", "features": ["minio"], "memory_mb": 4096, "cores": 2,
            "minio_config": {"root_user": "admin", "volumes": "/data", "console_port": 9001, "region": "home"},
            "mac_address": f"52:54:00:70:00:0{number}"}
    result = run("update", tree, write_doc(tmp_path / "new.json", doc), "--format", "text")
    assert result.exit_code == 0, result.stderr
    assert (tree / "defaults" / "profile_minio.json").exists()
    assert "new role 'minio'" in result.stdout
    assert read_tree(tree).containers["701"].profiles[-1] == "minio"
    verify(tree, tmp_path / "new.json")


def test_dry_run_lists_every_value_it_changes_and_writes_nothing(tree: Path, tmp_path: Path) -> None:
    before = files_of(tree)
    doc = fixture_doc()
    doc["lxc_configs"]["101"]["cores"] = 16
    del doc["lxc_configs"]["102"]
    result = run("update", tree, write_doc(tmp_path / "new.json", doc), "--dry-run", "--format", "json")
    assert result.exit_code == 0 and files_of(tree) == before
    report = json.loads(result.stdout)
    assert report["dry_run"] is True
    assert {"container": "101", "path": "$.lxc_configs['101'].cores", "tree": {"value": 2},
            "monolith": {"value": 16}} in report["values"] or any(
        v["path"] == "$.lxc_configs['101'].cores" and v["monolith"] == {"value": 16} for v in report["values"])
    assert any(v["container"] == "102" and v["monolith"] == {} for v in report["values"])
    markdown = run("update", tree, tmp_path / "new.json", "--dry-run", "--format", "markdown")
    assert markdown.exit_code == 0 and markdown.stdout.startswith("## splitter update")
    assert files_of(tree) == before


def test_a_failed_proof_leaves_the_tree_as_it_was(tree: Path, tmp_path: Path, monkeypatch) -> None:
    from splitter.ops import update_files as module
    from splitter.errors import ProofFailed

    before = files_of(tree)
    doc = fixture_doc()
    doc["lxc_configs"]["101"]["cores"] = 16
    write_doc(tmp_path / "new.json", doc)
    def failing(new_tree, mono, known):
        raise ProofFailed("the new tree does not merge back (simulated)", "x")

    monkeypatch.setattr(module, "prove_tree", failing)
    result = run("update", tree, tmp_path / "new.json")
    assert result.exit_code == 1 and files_of(tree) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".conf.d.splitter")]


# ---------------------------------------------------------------- --base: a three-way merge

def test_base_keeps_edits_to_different_leaves_on_both_sides(tree: Path, tmp_path: Path) -> None:
    edit(tree / "lxc/101_nginx-gateway.json", lambda doc: doc.__setitem__("cores", 6))
    edit(tree / "lxc/102_traefik-internal.json", lambda doc: doc.__setitem__("cores", 5))  # in the tree only
    doc = fixture_doc()
    doc["lxc_configs"]["101"]["memory_mb"] = 3072
    doc["lxc_configs"]["952"]["cores"] = 12
    result = run("update", tree, write_doc(tmp_path / "new.json", doc), "--base", FIXTURE, "--format", "text")
    assert result.exit_code == 0, result.stderr
    assert "the tree's own edits since the base, kept" in result.stdout
    assert "102  $.lxc_configs['102'].cores: 2 -> 5" in result.stdout
    merged = json.loads(run("merge", tree).stdout)["lxc_configs"]
    assert (merged["101"]["cores"], merged["101"]["memory_mb"], merged["952"]["cores"]) == (6, 3072, 12)
    assert merged["102"]["cores"] == 5


def test_base_lists_a_leaf_changed_differently_on_both_sides_as_a_conflict(tree: Path, tmp_path: Path) -> None:
    edit(tree / "lxc/101_nginx-gateway.json", lambda doc: doc.__setitem__("cores", 6))
    before = files_of(tree)
    doc = fixture_doc()
    doc["lxc_configs"]["101"]["cores"] = 8
    doc["lxc_configs"]["952"]["cores"] = 12
    for format in ("json", "text"):
        result = run("update", tree, write_doc(tmp_path / "new.json", doc), "--base", FIXTURE, "--format", format)
        assert result.exit_code == 1 and files_of(tree) == before
        assert "nothing was written" in result.stderr
    report = json.loads(run("update", tree, tmp_path / "new.json", "--base", FIXTURE, "--format", "json").stdout)
    base_cores = read_monolith(FIXTURE).containers["101"]["cores"]
    assert report["conflicts"] == [{"container": "101", "path": "$.lxc_configs['101'].cores",
                                    "base": {"value": base_cores}, "tree": {"value": 6}, "monolith": {"value": 8},
                                    "tree_file": "lxc/101_nginx-gateway.json"}]


def test_a_container_added_by_hand_is_kept(tree: Path, tmp_path: Path) -> None:
    hand = tree / "lxc" / "990_my-box.json"
    hand.write_text('{"$profiles": ["docker"],\n "name": "my-box", "cores": 3, "mac_address": "52:54:00:99:00:00"}\n')
    doc = fixture_doc()
    doc["lxc_configs"]["952"]["cores"] = 12
    result = run("update", tree, write_doc(tmp_path / "new.json", doc), "--base", FIXTURE)
    assert result.exit_code == 0, result.stderr
    assert hand.read_text().startswith('{"$profiles": ["docker"],\n "name": "my-box"')
    merged = json.loads(run("merge", tree).stdout)["lxc_configs"]
    assert merged["990"]["cores"] == 3 and merged["952"]["cores"] == 12
    # once the monolith has it too (upstream took the tree's merge), a plain update keeps it byte for byte
    run("merge", tree, "-o", tmp_path / "taken.json")
    kept = hand.read_bytes()
    assert run("update", tree, tmp_path / "taken.json").exit_code == 0
    assert hand.read_bytes() == kept
    verify(tree, tmp_path / "taken.json")


def test_a_container_added_by_hand_is_never_deleted(tree: Path, tmp_path: Path) -> None:
    """Without --base the monolith lacks it, but splitter did not write it: exit 1, nothing written, ways out."""
    hand = tree / "lxc" / "990_my-box.json"
    hand.write_text('{"$profiles": ["docker"], "name": "my-box", "cores": 3}\n')
    before = files_of(tree)
    doc = fixture_doc()
    doc["lxc_configs"]["952"]["cores"] = 12
    del doc["lxc_configs"]["102"]  # a container splitter wrote, gone from the monolith: its file would go
    write_doc(tmp_path / "new.json", doc)
    for args in ([], ["--dry-run"], ["--format", "markdown"]):
        result = run("update", tree, tmp_path / "new.json", *args)
        assert result.exit_code == 1 and files_of(tree) == before
        assert "lxc/990_my-box.json" in result.stdout and "lxc/990_my-box.json" in result.stderr
        assert "nothing was written" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    text = run("update", tree, tmp_path / "new.json", "--dry-run").stdout
    assert "  lxc/990_my-box.json  (container 990)" in text
    assert "either add each container to" in text and "or delete its file yourself" in text and "--base" in text
    assert "  remove   lxc/102_traefik-internal.json: no longer in the monolith" in text
    assert "990" not in text.split("would change")[1]  # the plan itself neither removes nor lists it
    report = json.loads(run("update", tree, tmp_path / "new.json", "--format", "json").stdout)
    assert report["hand_added"] == [{"container": "990", "file": "lxc/990_my-box.json"}]
    # the ways out: delete it yourself (then the update goes through), or --base keeps it
    assert run("update", tree, tmp_path / "new.json", "--base", FIXTURE).exit_code == 0
    assert hand.exists() and not (tree / "lxc" / "102_traefik-internal.json").exists()
    hand.unlink()
    assert run("update", tree, tmp_path / "new.json").exit_code == 0
    verify(tree, tmp_path / "new.json")


# ---------------------------------------------------------------- git

def git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_two_branches_adding_containers_merge_in_git(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "t")
    git(repo, "config", "user.email", "t@example.invalid")
    shutil.copy(FIXTURE, repo / "phoenix_lxc_configs.json")
    assert run("split", repo / "phoenix_lxc_configs.json", "-o", repo / "conf.d").exit_code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "split")

    def with_container(doc: dict, after: str, ctid: str, name: str) -> dict:
        containers = {}
        for key, value in doc["lxc_configs"].items():
            containers[key] = value
            if key == after:
                containers[ctid] = dict(copy.deepcopy(value), name=name, mac_address=f"52:54:00:{ctid[:2]}:00:01")
        return dict(doc, lxc_configs=containers)

    one = with_container(fixture_doc(), "951", "9511", "vllm-second-granite")
    two = with_container(fixture_doc(), "104", "1041", "portainer-two")
    both = with_container(one, "104", "1041", "portainer-two")
    for branch, doc in (("one", one), ("two", two)):
        git(repo, "checkout", "-q", "-b", branch, "main")
        write_doc(repo / "phoenix_lxc_configs.json", doc)
        result = run("update", repo / "conf.d", repo / "phoenix_lxc_configs.json")
        assert result.exit_code == 0, result.stderr
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"add a container on {branch}")
    changed = git(repo, "diff", "--name-only", "main", "one").stdout.split()
    assert sorted(changed) == ["conf.d/layout.json", "conf.d/lxc/9511_vllm-second-granite.json",
                               "phoenix_lxc_configs.json"]
    git(repo, "checkout", "-q", "one")
    merged = subprocess.run(["git", "merge", "--no-edit", "two"], cwd=repo, capture_output=True, text=True)
    assert merged.returncode == 0, merged.stdout + merged.stderr  # no conflict, in the tree nor the monolith
    write_doc(tmp_path / "expected.json", both)
    assert (repo / "phoenix_lxc_configs.json").read_bytes() == (tmp_path / "expected.json").read_bytes()
    verify(repo / "conf.d", tmp_path / "expected.json")


# ---------------------------------------------------------------- any two monoliths

@settings(max_examples=max(10, int(os.environ.get("SPLITTER_EXAMPLES", "2000")) // 100), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(first=monoliths(), second=monoliths())
def test_update_from_any_monolith_to_any_other_is_byte_identical(first: bytes, second: bytes) -> None:
    """Whatever the two monoliths share, the updated tree, read back from disk, merges into the second."""
    old, new = load_monolith(first, "first.json"), load_monolith(second, "second.json")
    root = Path(tempfile.mkdtemp()) / "conf.d"
    try:
        write_tree(tree_files(build_layers(old, mine(old.containers))), old, root, False)
        update = plan_update(root, read_tree(root), new)
        if update.files:
            write_update(root, update)
        assert monolith_bytes(read_tree(root)) == second
    finally:
        shutil.rmtree(root.parent)


def test_keys_moved_between_layers_stay_moved(tree: Path, tmp_path: Path) -> None:
    """A person moved `application_script` out of the vllm profile into each member's own file."""
    members = [ctid for ctid, own in read_tree(tree).containers.items() if "vllm" in own.profiles]
    line = '  "application_script": "phoenix_lxc_vllm.sh",\n'
    profile_file = tree / "defaults" / "profile_vllm.json"
    profile_file.write_text(profile_file.read_text().replace(line, ""))
    for path in (tree / "lxc").iterdir():  # as text: json.loads would lose the lexeme of 0.90
        if path.name.split("_")[0] in members:
            path.write_text(path.read_text().replace('\n  "name": ', "\n" + line + '  "name": '))
    verify(tree, FIXTURE)  # the same monolith as before
    profile = (tree / "defaults" / "profile_vllm.json").read_bytes()
    doc = fixture_doc()
    doc["lxc_configs"][members[0]]["cores"] = 3
    result = run("update", tree, write_doc(tmp_path / "new.json", doc))
    assert result.exit_code == 0, result.stderr
    assert (tree / "defaults" / "profile_vllm.json").read_bytes() == profile
    changed = next((tree / "lxc").glob(f"{members[0]}_*.json")).read_text()
    assert '"application_script": "phoenix_lxc_vllm.sh"' in changed and '"cores": 3' in changed
    verify(tree, tmp_path / "new.json")


def test_bad_input_is_one_line_and_exit_2(tree: Path, tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"lxc_configs": {')
    for args in ([tmp_path / "nowhere", FIXTURE], [tree, tmp_path / "broken.json"],
                 [tree, FIXTURE, "--base", tmp_path / "broken.json"]):
        result = run("update", *args)
        assert result.exit_code == 2 and result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("splitter: ")


def test_a_profile_nobody_used_yet_is_not_deleted(tree: Path, tmp_path: Path) -> None:
    draft = tree / "defaults" / "profile_draft.json"
    draft.write_text('{"cores": 4}\n')
    doc = fixture_doc()
    doc["lxc_configs"]["952"]["cores"] = 12
    assert run("update", tree, write_doc(tmp_path / "new.json", doc)).exit_code == 0
    assert draft.read_text() == '{"cores": 4}\n'
    verify(tree, tmp_path / "new.json")


@settings(max_examples=max(10, int(os.environ.get("SPLITTER_EXAMPLES", "2000")) // 100), deadline=None)
@given(first=monoliths(), second=monoliths())
def test_three_way_keeps_both_sides_edits_and_finds_every_clash(first: bytes, second: bytes) -> None:
    from splitter.ops.threeway import three_way

    a, b = load_monolith(first, "a.json").doc, load_monolith(second, "b.json").doc
    for base, tree_side, monolith_side in ((a, a, b), (a, b, a), (a, b, b)):
        merged, conflicts, _ = three_way(base, tree_side, monolith_side)
        assert conflicts == [] and canonical(merged) == canonical(b)
    # inside containers: the tree edits each one's first key, the monolith its last one
    ours, theirs = copy.deepcopy(a), copy.deepcopy(a)
    wide = [ctid for ctid, config in a["lxc_configs"].items() if len(config) >= 2]
    for ctid in wide:
        ours["lxc_configs"][ctid][next(iter(a["lxc_configs"][ctid]))] = "tree edit"
        theirs["lxc_configs"][ctid][list(a["lxc_configs"][ctid])[-1]] = "monolith edit"
    merged, conflicts, kept = three_way(a, ours, theirs)
    assert conflicts == [] and len(kept) == len(wide)
    for ctid in wide:
        values = list(merged["lxc_configs"][ctid].values())
        assert (values[0], values[-1]) == ("tree edit", "monolith edit")
    # the same leaves edited on both sides, differently: one conflict each
    _, conflicts, _ = three_way(a, ours, {**ours, "lxc_configs": {
        ctid: {key: ("other edit" if value == "tree edit" else value) for key, value in config.items()}
        for ctid, config in ours["lxc_configs"].items()}})
    assert sorted(conflict.container for conflict in conflicts) == sorted(wide)


def test_three_way_keeps_a_key_order_only_one_side_changed() -> None:
    """A side that only reordered keys changed the order (hypothesis found the tree's order winning over the
    monolith's): the side that reordered wins, also beside a value the other side changed, at any depth."""
    from splitter.ops.threeway import three_way

    base = {"lxc_configs": {"1": {"a": 1, "b": {"x": 1, "y": 2}, "c": 3}}}
    moved = {"lxc_configs": {"1": {"c": 3, "a": 1, "b": {"y": 2, "x": 1}}}}
    edited = {"lxc_configs": {"1": {"a": 1, "b": {"x": 1, "y": 5}, "c": 4}}}
    for tree, monolith, want in ((base, moved, moved), (moved, base, moved),
                                 (edited, moved, {"lxc_configs": {"1": {"c": 4, "a": 1, "b": {"y": 5, "x": 1}}}}),
                                 (moved, edited, {"lxc_configs": {"1": {"c": 4, "a": 1, "b": {"y": 5, "x": 1}}}})):
        merged, conflicts, _ = three_way(base, tree, monolith)
        assert conflicts == [] and canonical(merged) == canonical(want), (tree, monolith, merged)


def test_a_move_that_fails_part_way_puts_every_file_back(tree: Path, tmp_path: Path, monkeypatch) -> None:
    from splitter.tree import write as disk

    before = files_of(tree)
    doc = fixture_doc()
    doc["lxc_configs"]["101"]["cores"] = 16
    doc["lxc_configs"]["952"]["cores"] = 12
    del doc["lxc_configs"]["103"]
    real, moves = os.replace, []

    def flaky(source, target):
        if ".splitter-txn" not in str(target):  # a file moved into the tree, not the journal
            moves.append(target)
        if len(moves) == 2 and ".splitter-txn" not in str(target):  # the second file moved into the tree
            raise OSError(28, "No space left on device")
        return real(source, target)

    monkeypatch.setattr(disk.os, "replace", flaky)
    result = run("update", tree, write_doc(tmp_path / "new.json", doc))
    assert result.exit_code == 2 and "put back as it was" in result.stderr
    assert files_of(tree) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".conf.d.splitter")]
