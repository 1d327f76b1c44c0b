"""The tree wired into what reads the monolith: the guide's two ways for scripts, its CI hooks, diff from a subfolder."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE, ROOT, run
from merge_scenarios import ENV, git

CONSUMER = ROOT / "fixtures" / "consumer" / "traefik_routes.sh"
GUIDE = (ROOT / "MIGRATION.md").read_text()
PATH_ENV = dict(ENV, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
DAILY = ('"name": "nginx-gateway",', '"name": "nginx-gateway",\n  "traefik_service": {"name": "nginx", "port": 443},')


def routes(monolith: Path) -> list[str]:
    done = subprocess.run([str(CONSUMER), str(monolith)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def repo_with_tree(tmp_path: Path, commit_monolith: bool) -> Path:
    repo = tmp_path / "repo"
    (repo / "etc").mkdir(parents=True)
    shutil.copy(FIXTURE, repo / "etc" / "phoenix_lxc_configs.json")
    assert run("split", repo / "etc" / "phoenix_lxc_configs.json", "-o", repo / "etc" / "conf.d").exit_code == 0
    git(repo, "init", "-q", "-b", "main")
    if not commit_monolith:
        (repo / "etc" / "phoenix_lxc_configs.json").unlink()
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "tree")
    return repo


def daily_edit(repo: Path) -> None:
    """Give the nginx gateway a route, in its own file of the tree, on a branch."""
    git(repo, "checkout", "-qb", "edit")
    file = repo / "etc" / "conf.d" / "lxc" / "101_nginx-gateway.json"
    file.write_text(file.read_text().replace(*DAILY))
    git(repo, "commit", "-qam", "route for nginx")
    git(repo, "checkout", "-q", "main")


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_the_scripts_read_the_same_routes_either_way(tmp_path: Path) -> None:
    before = routes(FIXTURE)
    assert before == ["traefik -> http://10.1.0.12:8080"]
    # (a) the monolith committed, kept in step with merge -o and guarded by verify
    committed = repo_with_tree(tmp_path / "a", commit_monolith=True)
    daily_edit(committed)
    git(committed, "merge", "-q", "edit")
    monolith = committed / "etc" / "phoenix_lxc_configs.json"
    assert run("verify", committed / "etc" / "conf.d", monolith, "--byte-exact").exit_code == 1  # the hook says so
    assert run("merge", committed / "etc" / "conf.d", "-o", monolith).exit_code == 0
    assert run("verify", committed / "etc" / "conf.d", monolith, "--byte-exact").exit_code == 0
    way_a = routes(monolith)
    # (b) only the tree committed; the guide's post-merge hook builds the monolith where the scripts run
    built = repo_with_tree(tmp_path / "b", commit_monolith=False)
    hook = re.search(r"```shell\n(#!/bin/sh\n# post-merge.*?)```", GUIDE, re.S).group(1)
    for name in ("post-merge", "post-checkout"):
        path = built / ".git" / "hooks" / name
        path.write_text(hook)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    target = tmp_path / "deploy" / "phoenix_lxc_configs.json"
    target.parent.mkdir()
    daily_edit(built)
    subprocess.run(["git", "merge", "-q", "edit"], cwd=built, env=dict(PATH_ENV, PHOENIX_MONOLITH=str(target)),
                   check=True, capture_output=True)
    way_b = routes(target)
    assert way_a == way_b == ["nginx -> http://10.1.0.11:443", *before]  # 101 comes before 102
    assert target.read_bytes() == monolith.read_bytes()


def test_the_guides_local_hooks_run_from_the_top_with_the_tree_under_etc(tmp_path: Path) -> None:
    import yaml

    config = yaml.safe_load(re.search(r"```yaml\n([^`]*?repos:\n  - repo: local.*?)```", GUIDE, re.S).group(1))
    assert config["default_install_hook_types"] == ["pre-commit", "pre-merge-commit"]  # merges are checked too
    hooks = config["repos"][0]["hooks"]
    repo = repo_with_tree(tmp_path, commit_monolith=True)
    vms = ROOT / "fixtures" / "collections" / "phoenix_vm_configs.json"
    shutil.copy(vms, repo / "etc")
    assert run("split", repo / "etc" / "phoenix_vm_configs.json", "--collection", "/vms", "--id-key", "vmid",
               "-o", repo / "etc" / "conf.d").exit_code == 0
    for hook in hooks:  # as pre-commit runs a local system hook: its entry, from the top, no file names
        assert hook["language"] == "system" and hook["pass_filenames"] is False and hook["always_run"] is True
        done = subprocess.run(["bash", "-c", hook["entry"]], cwd=repo, env=PATH_ENV, capture_output=True, text=True)
        assert done.returncode == 0, (hook["id"], done.stderr)
    assert [hook["id"] for hook in hooks] == ["splitter-verify", "splitter-verify-vms", "splitter-check", "splitter-tidy"]


def test_diff_head_from_the_folder_that_holds_the_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = repo_with_tree(tmp_path, commit_monolith=True)
    file = repo / "etc" / "conf.d" / "lxc" / "101_nginx-gateway.json"
    file.write_text(file.read_text().replace(*DAILY))
    monkeypatch.chdir(repo / "etc")
    here = run("diff", "HEAD")
    assert here.exit_code == 1 and "101" in here.stdout and "traefik_service" in here.stdout
    top = run("diff", "HEAD:conf.d", "conf.d")
    assert top.exit_code == 2 and "HEAD:./conf.d" in top.stderr  # the path is from the top: the hint says so
    monkeypatch.chdir(repo)  # trial 14: from the repository's top, its only tree is the one meant
    from_top = run("diff", "HEAD")
    assert from_top.exit_code == 1 and from_top.stdout == here.stdout
