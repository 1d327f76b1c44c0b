"""The pre-commit hooks, tried for real in a scratch git repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE, ROOT, run

pytest.importorskip("pre_commit", reason="pre-commit is not installed")


def head() -> str | None:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    hooks = subprocess.run(["git", "cat-file", "-e", "HEAD:.pre-commit-hooks.yaml"], cwd=ROOT)
    return done.stdout.strip() if done.returncode == 0 and hooks.returncode == 0 else None


def test_each_hook_as_pre_commit_runs_it(tmp_path: Path) -> None:
    """The default run's check of the hooks: each entry with its args, as pre-commit calls it (no file names)."""
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[:2]  # later hooks: their own tests
    assert [hook["id"] for hook in hooks] == ["splitter-verify", "splitter-check"]
    work = tmp_path / "repo"
    work.mkdir()
    shutil.copy(FIXTURE, work / "phoenix_lxc_configs.json")
    assert run("split", work / "phoenix_lxc_configs.json", "-o", work / "conf.d").exit_code == 0
    splitter = str(Path(sys.executable).parent / "splitter")

    def call(hook: dict) -> subprocess.CompletedProcess:
        # every commit, deletion-only ones too: pre-commit passes no deleted file and skips a hook no file matches
        assert hook["pass_filenames"] is False and hook["always_run"] is True and hook["language"] == "python"
        assert "files" not in hook
        command = [splitter, *hook["entry"].split()[1:], *hook["args"]]
        return subprocess.run(command, cwd=work, capture_output=True, text=True)

    assert [call(hook).returncode for hook in hooks] == [0, 0]
    own = next((work / "conf.d" / "lxc").glob("101_*.json"))
    own.write_text(json.dumps(dict(json.loads(own.read_text()), cores=3), indent=2) + "\n")
    (work / "conf.d" / "lxc" / "101_x.json~").write_text("backup")
    verified, checked = (call(hook) for hook in hooks)
    assert verified.returncode == 1 and "differ" in verified.stdout
    assert checked.returncode == 1 and "lxc/101_x.json~: $: an editor or merge leftover" in checked.stdout


@pytest.mark.slow  # pre-commit builds the hooks' own environment: a pip install, most of a minute
def test_hooks_green_on_a_fresh_split_red_after_a_bad_edit(tmp_path: Path) -> None:
    rev = head()
    if rev is None:
        pytest.skip("the project is not a git checkout with its hooks committed")
    work = tmp_path / "repo"
    work.mkdir()
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"), GIT_AUTHOR_NAME="t",
               GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    shutil.copy(FIXTURE, work / "phoenix_lxc_configs.json")
    (work / "phoenix_lxc_configs.schema.json").write_text(json.dumps({
        "type": "object", "properties": {"lxc_configs": {"type": "object", "additionalProperties": {
            "type": "object", "properties": {"cores": {"type": "integer"}}}}}}))
    assert run("split", work / "phoenix_lxc_configs.json", "-o", work / "conf.d").exit_code == 0
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {rev}\n    hooks:\n      - id: splitter-verify\n"
        f"      - id: splitter-check\n")

    def hooks() -> subprocess.CompletedProcess:
        subprocess.run(["git", "add", "-A"], cwd=work, check=True, env=env)
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=work, env=env, capture_output=True,
                              text=True, timeout=600)

    subprocess.run(["git", "init", "-q"], cwd=work, check=True, env=env)
    green = hooks()
    assert green.returncode == 0, green.stdout + green.stderr
    assert "splitter verify" in green.stdout and "splitter check" in green.stdout

    # a commit that only deletes a container file, then one that only deletes a profile file: both hooks
    # run (pre-commit passes deleted files to no hook) and the commit is refused
    subprocess.run(["git", "commit", "-q", "-m", "split"], cwd=work, check=True, env=env)
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=work, check=True, env=env,
                   capture_output=True)
    profile = next((work / "conf.d" / "defaults").glob("profile_*.json"))
    for gone in (next((work / "conf.d" / "lxc").glob("101_*.json")), profile):
        subprocess.run(["git", "rm", "-q", str(gone.relative_to(work))], cwd=work, check=True, env=env)
        refused = subprocess.run(["git", "commit", "-m", "delete"], cwd=work, env=env, capture_output=True,
                                 text=True, timeout=600)
        said = refused.stdout + refused.stderr  # git sends a hook's stdout to its stderr
        assert refused.returncode == 1, said
        assert "Skipped" not in said and "no files to check" not in said
        lines = [line for line in said.splitlines() if line.startswith("splitter ")]
        assert len(lines) == 2 and lines[0].startswith("splitter verify") and lines[0].endswith("Failed"), lines
        assert lines[1].endswith(("Passed", "Failed")), lines  # check ran (a deleted container is no problem)
        assert not gone.exists()
        assert subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=work, capture_output=True,
                              text=True).stdout.strip() == "1"  # nothing was committed
        subprocess.run(["git", "reset", "-q", "--hard"], cwd=work, check=True, env=env)
        assert gone.exists()
    subprocess.run([sys.executable, "-m", "pre_commit", "uninstall"], cwd=work, check=True, env=env,
                   capture_output=True)

    # a hand edit that breaks the schema (the monolith is merged again, so the round trip holds)
    own = next((work / "conf.d" / "lxc").glob("101_*.json"))
    layer = json.loads(own.read_text())
    own.write_text(json.dumps(dict(layer, cores="two"), indent=2) + "\n")
    assert run("merge", work / "conf.d", "-o", work / "phoenix_lxc_configs.json").exit_code == 0
    red = hooks()
    assert red.returncode == 1
    assert "Failed" in red.stdout
    assert "'two' is not of type 'integer'" in red.stdout

    # a hand edit that breaks the round trip: the tree changes, the monolith does not
    own.write_text(json.dumps(dict(layer, cores=3), indent=2) + "\n")
    red = hooks()
    assert red.returncode == 1 and "differ" in red.stdout
