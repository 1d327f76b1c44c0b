"""Profile discovery: profiles that follow the roles, deterministic and idempotent, named as a person would."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import CORPUS, FIXTURE, ROOT, corpus_files, run

from splitter.ops.check import check_tree
from splitter.exact.numbers import canonical
from splitter.discovery.fleet import hidden_members
from splitter.discovery.fleet import monolith as fleet_monolith
from splitter.discovery.itemsets import items
from splitter.exact.pointer import pointer
from splitter.discovery.candidates import Options
from splitter.discovery.mining import mine
from splitter.tree.monolith import load_monolith
from splitter.reports.plan import plan_summary
from splitter.discovery.plan import Plan
from splitter.ops.split import build_layers, tree_files

LATEST = CORPUS / "testing-ideas" / "067_2b02afc.json"
needs_corpus = pytest.mark.skipif(not LATEST.exists(), reason="../shared/corpus is not beside the project")


def summary_of(raw: bytes, options: Options | None = None) -> dict:
    mono = load_monolith(raw, "m.json")
    layers = build_layers(mono, mine(mono.containers, options or Options()))
    return plan_summary(mono, layers, tree_files(layers))


def tree_bytes(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def role_groups(containers: dict) -> list[set[str]]:
    """The role groups as the issue names them, found independently of splitter.roles: holders of each word
    of `features`, of each `application_script`, and the templates (named in `clone_from_ctid`, or holding
    `template_snapshot_name`)."""
    groups: dict[tuple, set[str]] = {}
    for ctid, config in containers.items():
        features = config.get("features")
        for word in features if type(features) is list else ():
            groups.setdefault(("features", word), set()).add(ctid)
        if type(config.get("application_script")) is str:
            groups.setdefault(("script", config["application_script"]), set()).add(ctid)
        if "template_snapshot_name" in config:
            groups.setdefault(("template",), set()).add(ctid)
        if str(config.get("clone_from_ctid")) in containers:
            groups.setdefault(("template",), set()).add(str(config["clone_from_ctid"]))
    return [members for _, members in sorted(groups.items())]


def pairs_of(config: dict) -> set[tuple]:
    return {(path, canonical(value)) for path, value in items(config)}


def members_of(plan) -> dict[str, set[str]]:
    members: dict[str, set[str]] = {name: set() for name in plan.profiles}
    for ctid, names in plan.uses.items():
        for name in names:
            members[name].add(ctid)
    return members


@needs_corpus
def test_corpus_figures(tmp_path: Path) -> None:
    """The figures the issue asks for, over every corpus version; printed, and failing when they fall short.
    Discovery was tuned on the older versions: the newest is printed apart, as the figure it was not tuned on."""
    matched = groups = inside = profiles = 0
    parts = {"older": Counter(), "newest": Counter()}
    worst_average = worst_max = 0.0
    failures = []
    for number, path in enumerate(corpus_files()):
        mono = load_monolith(path.read_bytes(), path.name)
        plan = mine(mono.containers)
        counts = [len(plan.uses.get(ctid, [])) for ctid in mono.containers]
        worst_max = max(worst_max, max(counts))
        worst_average = max(worst_average, sum(counts) / len(counts))
        failures += [f"{path.name}: {name} has a hash suffix or a counter" for name in plan.profiles
                     if re.search(r"_[0-9a-f]*[0-9][0-9a-f]*$", name)]
        root = tmp_path / str(number)
        for relative, data in tree_files(build_layers(mono, plan)).items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(data)
        problems, schema = check_tree(root)  # no schema beside the tree: every problem is structural
        assert schema is None
        failures += [f"{path.name}: {problem}" for problem in problems]
        members = members_of(plan)
        found = role_groups(mono.containers)
        pairs = {ctid: pairs_of(config) for ctid, config in mono.containers.items()}
        for leaf in pairs_of(plan.base):  # the base holds no minority value
            if 2 * sum(leaf in held for held in pairs.values()) <= len(pairs):
                failures.append(f"{path.name}: the base holds the minority value {leaf}")
        # every profile follows a role or is a large block: none is made of coincidences
        failures += [f"{path.name}: profile {name} has no role" for name in plan.profiles if not plan.roles[name]]
        everywhere = set.intersection(*pairs.values())
        part = parts["newest" if path == LATEST else "older"]
        for group in found:
            if len(group) >= 3 and len(set.intersection(*(pairs[ctid] for ctid in group)) - everywhere) >= 3:
                groups += 1
                hit = any(len(group & m) / len(group | m) >= 0.75 for m in members.values())
                matched += hit
                part.update(groups=1, matched=hit)
        for name, m in members.items():
            profiles += 1
            hit = any(len(m & group) >= 0.8 * len(m) for group in found)
            inside += hit
            part.update(profiles=1, inside=hit)
    print(f"\ncorpus: {len(corpus_files())} versions; profiles per container at most {worst_max:.0f}, "
          f"on average at most {worst_average:.2f} (worst file); role groups matched {matched}/{groups} "
          f"= {matched / groups:.3f}; profiles inside one role group {inside}/{profiles} = {inside / profiles:.3f}")
    for name, part in parts.items():
        print(f"{name}: role groups matched {part['matched']}/{part['groups']}, profiles inside one role group "
              f"{part['inside']}/{part['profiles']}")
    assert not failures, failures[:10]
    assert worst_max <= 3 and worst_average <= 2.0
    assert matched >= 0.9 * groups and inside >= 0.9 * profiles


@needs_corpus
def test_latest_corpus_targets() -> None:
    summary = summary_of(LATEST.read_bytes())
    totals = summary["totals"]
    containers = json.loads(LATEST.read_bytes())["lxc_configs"]
    vllm = {"910", "911", "912", "801", "802"}
    assert [set(p["members"]) for p in summary["profiles"] if "vllm" in p["keys"] or p["name"] == "vllm"] == [vllm]
    for profile in summary["profiles"]:  # no profile of sizes and counts alone
        assert not all(type(value) in (int, float) for _, value in items(profile["values"])), profile
    for path, value in items(summary["base"]["values"]):  # the base holds no minority value
        holders = sum(1 for config in containers.values() if (path, canonical(value)) in pairs_of(config))
        assert 2 * holders > len(containers), (path, value)
    assert totals["monolith_lines"] == 915
    print(f"\n067: {totals['tree_lines']} lines under defaults/ and lxc/ = {totals['ratio']} of the monolith; "
          f"profiles {[(p['name'], len(p['members'])) for p in summary['profiles']]}")
    assert totals["tree_lines"] <= 0.72 * 915
    features = {ctid: config.get("features", []) for ctid, config in containers.items()}
    for profile in summary["profiles"]:  # the name is the role's word, or the template the members are cloned from
        words = {word for ctid in profile["members"] for word in features[ctid]}
        block = "that share the same" in profile["role"]  # a block beside the roles: a role word of its members
        assert profile["name"] in {"template", "vllm_gpu0_clones"} | {word for words in features.values()
                                                                       for word in words} or (
            block and any(profile["name"].startswith(word) for word in words)), profile["name"]
    # 801 and 802, both cloned from 911, share a profile; no profile says "nvidia" for a clone key alone
    assert {"801", "802"} in [set(p["members"]) for p in summary["profiles"]]
    for profile in summary["profiles"]:
        assert len(profile["keys"]) > 1 or len(profile["members"]) > 5, profile["name"]


@needs_corpus
def test_repetition_counts_as_the_issue_counts_it() -> None:
    mono = load_monolith(LATEST.read_bytes(), "067.json")
    layers = build_layers(mono, Plan({}))  # no base, no profiles: every container file holds it all
    assert plan_summary(mono, layers, tree_files(layers))["totals"]["repeated_pairs"] == 274


@needs_corpus
def test_no_profiles_leaves_the_repetition() -> None:
    plain = summary_of(LATEST.read_bytes(), Options(profiles=False))
    mined = summary_of(LATEST.read_bytes())
    assert plain["profiles"] == []
    assert plain["totals"]["repeated_pairs"] > mined["totals"]["repeated_pairs"]
    assert plain["totals"]["tree_lines"] > mined["totals"]["tree_lines"]


@pytest.mark.parametrize("count", [300, 3000])
def test_synthetic_fleet_finds_the_hidden_profiles(count: int) -> None:
    doc = fleet_monolith(count, seed=3)
    plan = mine(doc["lxc_configs"])
    members = members_of(plan)
    scores = {}
    for name, hidden in hidden_members(doc).items():
        scores[name] = max(len(hidden & m) / len(hidden | m) for m in members.values())
        assert name in plan.profiles  # named by its role
    average = sum(scores.values()) / len(scores)
    print(f"\n{count} containers: hidden profiles found with member Jaccard {scores}, on average {average:.3f}")
    assert average >= 0.9


def test_a_small_change_keeps_the_other_containers_profiles() -> None:
    """What `splitter update` relies on: two versions that differ in a few containers give the same profile
    names and memberships for the containers that did not change."""
    doc = fleet_monolith(300, seed=4)
    changed = json.loads(json.dumps(doc))
    configs = changed["lxc_configs"]
    del configs["1003"]
    configs["1010"]["cores"] = 16
    configs["1020"]["features"] = ["docker"]
    configs["2000"] = dict(doc["lxc_configs"]["1001"], name="newcomer")
    before, after = mine(doc["lxc_configs"]).uses, mine(configs).uses
    for ctid in set(doc["lxc_configs"]) - {"1003", "1010", "1020"}:
        assert before.get(ctid) == after.get(ctid), ctid


def test_limits_are_kept() -> None:
    raw = json.dumps(fleet_monolith(300, seed=1), indent=4).encode()
    for options in (Options(max_profiles=2), Options(min_keys=9), Options(min_members=80)):
        summary = summary_of(raw, options)
        assert len(summary["profiles"]) <= options.max_profiles
        for profile in summary["profiles"]:
            assert len(profile["keys"]) >= (options.min_keys or 1)
            assert len(profile["members"]) >= options.min_members
    assert summary_of(raw, Options(max_profiles=0))["profiles"] == []
    for limit in range(1, 8):
        assert len(summary_of(FIXTURE.read_bytes(), Options(max_profiles=limit))["profiles"]) <= limit


def test_names_are_slugs_unique_and_never_numbered(tmp_path: Path) -> None:
    for raw in (FIXTURE.read_bytes(), json.dumps(fleet_monolith(200, seed=5), indent=4).encode()):
        names = [p["name"] for p in summary_of(raw)["profiles"]]
        assert len(names) == len(set(names))
        for name in names:
            assert name.replace("_", "").replace("-", "").isalnum() and name == name.lower()
            assert not name.startswith("profile")


def test_same_profiles_whatever_the_container_order() -> None:
    doc = json.loads(FIXTURE.read_text())
    items = list(doc["lxc_configs"].items())
    random.Random(7).shuffle(items)
    shuffled = dict(doc, lxc_configs=dict(items))
    first = summary_of(FIXTURE.read_bytes())
    second = summary_of(json.dumps(shuffled, indent=4, ensure_ascii=False).encode())

    def profiles(summary):
        return {p["name"]: (sorted(p["keys"]), sorted(p["members"])) for p in summary["profiles"]}
    assert profiles(first) == profiles(second)
    assert first["base"]["keys"] == second["base"]["keys"]


@pytest.mark.parametrize("monolith", [FIXTURE, pytest.param(LATEST, marks=needs_corpus)], ids=["fixture", "067"])
def test_deterministic_across_hash_seeds(tmp_path: Path, monolith: Path) -> None:
    trees = []
    for seed in ("0", "1", "12345"):
        out = tmp_path / f"tree-{seed}"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "splitter", "split", str(monolith), "-o", str(out)],
                       check=True, env=env, cwd=ROOT, capture_output=True)
        trees.append(tree_bytes(out))
    assert trees[0] == trees[1] == trees[2]


def test_idempotent(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert run("split", FIXTURE, "-o", first).exit_code == 0
    merged = tmp_path / "merged.json"
    assert run("merge", first, "-o", merged).exit_code == 0
    assert run("split", merged, "-o", second).exit_code == 0
    assert tree_bytes(first) == tree_bytes(second)


def test_rename_and_no_profiles(tmp_path: Path) -> None:
    out = tmp_path / "renamed"
    assert run("split", FIXTURE, "-o", out, "--name", "nvidia=gpu").exit_code == 0
    assert (out / "defaults" / "profile_gpu.json").exists()
    assert not (out / "defaults" / "profile_nvidia.json").exists()
    assert run("merge", out).stdout_bytes == FIXTURE.read_bytes()
    bare = tmp_path / "bare"
    assert run("split", FIXTURE, "-o", bare, "--no-profiles").exit_code == 0
    assert sorted(p.name for p in (bare / "defaults").iterdir()) == ["lxc_base.json"]
    clash = run("split", FIXTURE, "--dry-run", "--name", "nvidia=vllm")
    assert clash.exit_code == 2 and "two profiles one name" in clash.stderr
    bad = run("split", FIXTURE, "--dry-run", "--name", "nvidia")
    assert bad.exit_code == 2 and "OLD=NEW" in bad.stderr


def test_forced_profile_from_a_file(tmp_path: Path) -> None:
    forced = tmp_path / "profile_gpu_host.json"
    forced.write_text(json.dumps({"gpu_assignment": "0", "features": ["nvidia", "vllm"],
                                  "application_script": "phoenix_lxc_vllm.sh", "clone_from_ctid": "9001"}))
    out = tmp_path / "conf.d"
    result = run("split", FIXTURE, "-o", out, "--profile", forced)
    assert result.exit_code == 0, result.stderr
    assert json.loads((out / "defaults" / "profile_gpu_host.json").read_text())["gpu_assignment"] == "0"
    users = [p.name for p in (out / "lxc").iterdir() if "gpu_host" in json.loads(p.read_text()).get("$profiles", [])]
    assert sorted(users) == sorted(p.name for p in (out / "lxc").glob("95*.json"))
    first = json.loads(next((out / "lxc").glob("950_*.json")).read_text())
    assert first["$profiles"][0] == "gpu_host"  # operator's profiles come first
    assert run("merge", out).stdout_bytes == FIXTURE.read_bytes()


def test_dry_run_writes_nothing_and_reports_in_three_formats(tmp_path: Path) -> None:
    text = run("split", FIXTURE, "--dry-run", "-o", tmp_path / "out")
    assert text.exit_code == 0 and text.stderr == ""
    assert "profile vllm" in text.stdout and "lines:" in text.stdout
    assert not (tmp_path / "out").exists()

    data = json.loads(run("split", FIXTURE, "--dry-run", "--format", "json").stdout)
    assert data["format"] == "splitter-plan/1"
    assert set(data) == {"format", "monolith", "base", "profiles", "containers", "totals", "schema", "noun",
                         "unprofiled"}
    assert data["noun"] == {"singular": "container", "plural": "containers"}
    assert data["totals"]["tree_lines"] < data["totals"]["monolith_lines"]
    assert {c["id"] for c in data["containers"]} == set(json.loads(FIXTURE.read_text())["lxc_configs"])
    names = {ctid: config["name"] for ctid, config in json.loads(FIXTURE.read_text())["lxc_configs"].items()}
    for profile in data["profiles"]:  # splitter-plan/1 keeps its fields and adds the explanations
        assert set(profile) == {"name", "file", "keys", "members", "lines", "lines_saved", "role", "member_names",
                                "left_out", "values"}
        assert profile["keys"] == [pointer(path) for path, _ in items(profile["values"])]
        assert profile["member_names"] == [names[ctid] for ctid in profile["members"]]
        holders = len(profile["members"]) + len(profile["left_out"])
        some = f"{len(profile['members'])} of " if profile["left_out"] else ""
        assert profile["role"].startswith(f"{some}the {holders} containers ")
    vllm = next(profile for profile in data["profiles"] if profile["name"] == "vllm")
    assert "`features` include `vllm`" in vllm["role"]
    assert data["base"]["keys"] == [pointer(path) for path, _ in items(data["base"]["values"])]
    for container in data["containers"]:
        assert container["name"] == names[container["id"]]
        assert list(container["why"]) == container["profiles"]
    assert next(c for c in data["containers"] if c["id"] == "950")["why"]["vllm"] == "its `features` include `vllm`"
    assert "members: 950 (vllm-qwen-coder)" in text.stdout

    markdown = run("split", FIXTURE, "--dry-run", "--format", "markdown")
    assert markdown.exit_code == 0
    assert markdown.stdout.startswith("## splitter plan")
    assert "```mermaid\ngraph LR\n" in markdown.stdout
    assert "| `vllm` | the 5 containers whose `features` include `vllm`" in markdown.stdout
    assert "### Profile `vllm`: `defaults/profile_vllm.json`" in markdown.stdout
    assert "<details>\n<summary>" in markdown.stdout and '```json\n{\n  "' in markdown.stdout
    assert "### Base: `defaults/lxc_base.json`" in markdown.stdout
    assert markdown.stderr == ""


def test_forced_profile_nobody_needs_is_refused(tmp_path: Path) -> None:
    useless = tmp_path / "profile_useless.json"
    useless.write_text('{"nothing": "matches", "in": "any", "container": true}')
    out = tmp_path / "conf.d"
    result = run("split", FIXTURE, "-o", out, "--profile", useless)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (f"splitter: {useless}: profile useless saves 0 lines net (over 0 containers using it, "
                             "counting its own file); a --profile must save more than 0: change it or leave it out\n")
    assert not out.exists()


def test_forced_profile_that_costs_lines_is_refused(tmp_path: Path) -> None:
    """A profile equal to the base is taken by containers but saves nothing: its own file makes it cost lines."""
    tree = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", tree).exit_code == 0
    same = tmp_path / "profile_same.json"
    same.write_bytes((tree / "defaults" / "lxc_base.json").read_bytes())
    result = run("split", FIXTURE, "--dry-run", "--profile", same)
    assert result.exit_code == 2 and result.stdout == "" and result.stderr.count("\n") == 1
    figure = re.match(rf"splitter: {re.escape(str(same))}: profile same saves (-\d+) lines net \(over (\d+) "
                      r"containers using it, counting its own file\); a --profile must save more than 0: change it "
                      r"or leave it out\n$", result.stderr)
    assert figure and int(figure.group(1)) < 0 and int(figure.group(2)) > 0, result.stderr
    # a profile that does save lines passes, and the plan gives the same figure the rule uses
    good = tmp_path / "profile_myvllm.json"
    good.write_bytes((tree / "defaults" / "profile_vllm.json").read_bytes())
    result = run("split", FIXTURE, "--dry-run", "--format", "json", "--profile", good)
    assert result.exit_code == 0, result.stderr
    mine = next(p for p in json.loads(result.stdout)["profiles"] if p["name"] == "myvllm")
    assert mine["lines_saved"] > 0


def test_forced_profile_rule_is_written_alike_in_help_readme_and_guide() -> None:
    rule = ("it must save more than 0 lines net over all its users, counting its own file (else exit 2, naming the "
            "file and the figure)")
    texts = [run("split", "--help").stdout, (ROOT / "README.md").read_text(), (ROOT / "MIGRATION.md").read_text()]
    for text in texts:
        assert rule in " ".join(text.split()), text[:200]


@pytest.mark.parametrize("name", ["gpu.json", "op1-profile_foo.json", "profile_gpu.txt"])
def test_forced_profile_file_must_be_named_profile_name_json(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text('{"cores": 4}')
    result = run("split", FIXTURE, "--dry-run", "--profile", path)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (f"splitter: {path}: a profile file is named profile_<name>.json, <name> in lower-case "
                             "letters, digits, '-' and '_'\n")


def test_two_roles_with_one_word_get_two_names(tmp_path: Path) -> None:
    """Issue 8: two profiles wanting one name get a second meaningful word, never a hash, and split does not
    stop with "--name would give two profiles one name" when --name was not given."""
    def config(index: int, **extra) -> dict:
        return {"name": f"box-{index}", "memory_mb": 2048, "cores": 2, **extra}
    web = {"features": ["web"], "firewall": {"enabled": True}, "ports": ["80:80"], "swap_mb": 512}
    script = {"application_script": "phoenix_lxc_web.sh", "cores": 4, "storage_size_gb": 64, "swap_mb": 1024}
    configs = {str(100 + i): config(i, **web) for i in range(3)}
    configs.update({str(200 + i): config(i + 3, **script) for i in range(3)})
    monolith = tmp_path / "m.json"
    monolith.write_text(json.dumps({"lxc_configs": configs}, indent=4))
    for extra in ([], ["--min-keys", "1"]):
        result = run("split", monolith, "--dry-run", "--format", "json", *extra)
        assert result.exit_code == 0, result.stderr
        names = sorted(p["name"] for p in json.loads(result.stdout)["profiles"])
        assert names == ["web", "web_script"]


@needs_corpus
def test_min_keys_one_and_max_profiles_four_on_the_latest_version() -> None:
    result = run("split", LATEST, "--dry-run", "--format", "json", "--min-keys", "1")
    assert result.exit_code == 0, result.stderr
    names = [p["name"] for p in json.loads(result.stdout)["profiles"]]
    assert len(names) == len(set(names))
    four = summary_of(LATEST.read_bytes(), Options(max_profiles=4))
    assert len(four["profiles"]) <= 4
    vllm = [p for p in four["profiles"] if "/vllm_engine_config/ServerConfig/port" in p["keys"]]
    assert [set(p["members"]) for p in vllm] == [{"910", "911", "912", "801", "802"}]


def test_clones_of_a_template_share_a_profile_named_after_it(tmp_path: Path) -> None:
    """Being cloned from one template is a role: two clones of "Tpl-Embed" that share a block get the profile
    `embed_clones`; a `gpu` role whose only shared value is the clone key is no `gpu` profile, and a one-value
    profile that saves at most 2 lines is left out."""
    def config(index: int, **extra) -> dict:
        return {"name": f"box-{index}", "memory_mb": 2048, "cores": 2, "unprivileged": True, **extra}
    configs = {"500": config(0, name="Tpl-Cuda", features=["gpu", "cuda"], template_snapshot_name="s"),
               "501": config(1, name="Tpl-Embed", template_snapshot_name="s")}
    configs.update({str(510 + i): config(10 + i, features=["gpu", f"w{i}"], clone_from_ctid="500", cores=2 + i)
                    for i in range(4)})
    shared = {"boot_order": 6, "zfs_volumes": [{"name": "models", "size_gb": 50}], "dependencies": ["1002"],
              "trigger_sync_on_completion": True}
    configs.update({str(520 + i): config(20 + i, clone_from_ctid="501", **shared) for i in range(2)})
    monolith = tmp_path / "m.json"
    monolith.write_text(json.dumps({"lxc_configs": configs}, indent=4))
    result = run("split", monolith, "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.stderr
    profiles = {p["name"]: p for p in json.loads(result.stdout)["profiles"]}
    assert set(profiles) == {"embed_clones"}
    assert profiles["embed_clones"]["members"] == ["520", "521"]
    assert profiles["embed_clones"]["role"] == "the 2 containers whose `clone_from_ctid` is 501 (Tpl-Embed)"
    # with --min-keys 1 the thin profile would cost a line (4 lines less in the members, 4 $profiles lines and
    # its own one-line file): it is still left out, and the plan says why, for the clones and for `gpu`
    result = run("split", monolith, "--dry-run", "--format", "json", "--min-keys", "1")
    plan = json.loads(result.stdout)
    assert [p["name"] for p in plan["profiles"]] == ["embed_clones"]
    reasons = {entry["role"]: entry["reason"] for entry in plan["unprofiled"]}
    assert reasons["the 4 containers whose `clone_from_ctid` is 500 (Tpl-Cuda)"] == (
        'a profile of what they share beyond the base (`/clone_from_ctid = "500"`) would cost 1 line more than it saves')
    assert reasons["the 5 containers whose `features` include `gpu`"] == reasons[
        "the 4 containers whose `clone_from_ctid` is 500 (Tpl-Cuda)"]


def test_markdown_plan_says_who_is_left_out_and_draws_the_base() -> None:
    result = run("split", FIXTURE, "--dry-run", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    assert ("| `nvidia` | 7 of the 8 containers whose `features` include `nvidia`: those whose `clone_from_ctid` "
            "is 9001 (Template-CUDA) | 950, 951, 952, 953, 954, 960, 961 (9001 left out: shares little) |"
            in result.stdout)
    nodes = re.findall(r"^  (p\d+)\[", result.stdout, re.M)
    assert nodes and all(f"  base --> {node}\n" in result.stdout for node in nodes)
    assert '  base["lxc_base: every container"]' in result.stdout
