"""Profile discovery: a smaller tree, deterministic and idempotent, with names a person would give."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, FIXTURE, ROOT, run

from splitter.fleet import monolith as fleet_monolith
from splitter.mining import Options, mine
from splitter.monolith import load_monolith
from splitter.report import plan_summary
from splitter.split import Plan, build_layers, tree_files

LATEST = CORPUS / "testing-ideas" / "067_2b02afc.json"
needs_corpus = pytest.mark.skipif(not LATEST.exists(), reason="../shared/corpus is not beside the project")


def summary_of(raw: bytes, options: Options | None = None) -> dict:
    mono = load_monolith(raw, "m.json")
    layers = build_layers(mono, mine(mono.containers, options or Options()))
    return plan_summary(mono, layers, tree_files(layers))


def tree_bytes(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@needs_corpus
def test_latest_corpus_targets() -> None:
    summary = summary_of(LATEST.read_bytes())
    totals = summary["totals"]
    assert totals["monolith_lines"] == 915
    assert totals["tree_lines"] <= 0.70 * 915
    assert totals["repeated_pairs"] <= 60
    vllm = {"910", "911", "912", "801", "802"}
    assert any("vllm" in p["name"] and vllm <= set(p["members"]) for p in summary["profiles"])


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
    assert plain["totals"]["repeated_pairs"] > 5 * mined["totals"]["repeated_pairs"]
    assert plain["totals"]["tree_lines"] > mined["totals"]["tree_lines"]


def test_synthetic_fleet_finds_the_hidden_profiles() -> None:
    raw = json.dumps(fleet_monolith(600, seed=3), indent=4).encode()
    summary = summary_of(raw)
    assert summary["totals"]["tree_lines"] <= 0.35 * summary["totals"]["monolith_lines"]
    names = {p["name"] for p in summary["profiles"]}
    assert {"vllm", "docker", "nvidia"} <= names
    vllm = next(p for p in summary["profiles"] if p["name"] == "vllm")
    config = fleet_monolith(600, seed=3)["lxc_configs"]
    assert set(vllm["members"]) == {ctid for ctid, c in config.items() if "vllm_engine_config" in c}


def test_limits_are_kept() -> None:
    raw = json.dumps(fleet_monolith(300, seed=1), indent=4).encode()
    for options in (Options(max_profiles=2), Options(min_keys=9), Options(min_members=80)):
        summary = summary_of(raw, options)
        assert len(summary["profiles"]) <= options.max_profiles
        for profile in summary["profiles"]:
            assert len(profile["keys"]) >= options.min_keys
            assert len(profile["members"]) >= options.min_members
    assert summary_of(raw, Options(max_profiles=0))["profiles"] == []
    for limit in range(1, 8):  # hoisting shared cores into profiles of their own never goes past the limit
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
    assert set(data) == {"format", "monolith", "base", "profiles", "containers", "totals", "schema"}
    assert data["totals"]["tree_lines"] < data["totals"]["monolith_lines"]
    assert {c["id"] for c in data["containers"]} == set(json.loads(FIXTURE.read_text())["lxc_configs"])
    for profile in data["profiles"]:
        assert set(profile) == {"name", "file", "keys", "members", "lines", "lines_saved"}
        assert profile["lines_saved"] > 0

    markdown = run("split", FIXTURE, "--dry-run", "--format", "markdown")
    assert markdown.exit_code == 0
    assert markdown.stdout.startswith("## splitter plan")
    assert "```mermaid\ngraph LR\n" in markdown.stdout
    assert "| `vllm` |" in markdown.stdout
    assert markdown.stderr == ""


def test_forced_profile_nobody_needs_is_refused(tmp_path: Path) -> None:
    useless = tmp_path / "profile_useless.json"
    useless.write_text('{"nothing": "matches", "in": "any", "container": true}')
    out = tmp_path / "conf.d"
    result = run("split", FIXTURE, "-o", out, "--profile", useless)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"splitter: {useless}: profile useless saves no container a line; change it or leave it out\n"
    assert not out.exists()
