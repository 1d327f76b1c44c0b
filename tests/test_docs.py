"""The docs are tested: every command in MIGRATION.md runs as written, and every command is documented."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, FIXTURE, ROOT, run

COMMANDS = ["split", "merge", "verify", "show", "check", "update", "diff"]


def shell_lines(markdown: str) -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", markdown, re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


LATEST = CORPUS / "testing-ideas" / "067_2b02afc.json"  # the latest version of the monolith the guide is for


def _latest_corpus_file() -> Path:
    if not LATEST.exists():
        pytest.skip(f"no {LATEST}")
    return LATEST


@pytest.mark.parametrize("monolith", ["fixture", pytest.param("latest corpus file", marks=pytest.mark.slow)])  # +14 s
def test_every_command_in_the_guide_runs(tmp_path: Path, monolith: str) -> None:
    """The guide's commands run on the fixture and on the latest real monolith: its examples name only what
    both hold; what it quotes (review.txt) is checked on the fixture, as the guide says."""
    source = FIXTURE if monolith == "fixture" else _latest_corpus_file()
    work = tmp_path / "repo"
    work.mkdir()
    shutil.copy(source, work / "phoenix_lxc_configs.json")
    shutil.copy(ROOT / "fixtures" / "collections" / "phoenix_vm_configs.json", work)  # the guide's VM section
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.invalid")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=work, check=True, env=env)  # the guide names main
    guide = (ROOT / "MIGRATION.md").read_text()
    # the CI example's steps run last, on the tree the guide leaves behind
    ci_steps = re.findall(r"^\s*- run: (splitter .*)$", guide, re.M)
    assert len(ci_steps) == 2
    # trial 11: the CI jobs used conf.d at the top and pinned a tag, where section 7 has etc/ and no tags
    assert all(" etc/conf.d" in step for step in ci_steps) and not re.search(r"splitter@v\d", guide)
    lines = shell_lines(guide) + ci_steps
    assert sum(line.startswith("splitter ") for line in lines) >= 10
    for index, line in enumerate(lines):
        if index == len(lines) - len(ci_steps):  # section 7's CI keeps the tree under etc/, as its hooks do
            (work / "etc").mkdir()
            shutil.copytree(work / "conf.d", work / "etc" / "conf.d")
            shutil.copy(work / "phoenix_lxc_configs.json", work / "etc")
        edited = work / line.split()[-1] if line.startswith("sed -i ") else None
        before = edited.read_bytes() if edited else None
        done = subprocess.run(["bash", "-c", line], cwd=work, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{line}\n{done.stderr}"
        assert not edited or edited.read_bytes() != before, f"{line}: changes nothing"  # a recipe that does nothing
    # what the guide promises along the way
    assert (work / "plan.md").read_text().startswith("## splitter plan")
    assert (work / "conf.d" / "lxc").is_dir()
    assert '"955": {' in (work / "phoenix_lxc_configs.json").read_text()  # the container added by hand
    assert (work / "conf.d" / "vms").is_dir() and (work / "conf.d" / "layout_vms.json").is_file()  # kept by --force
    if monolith != "fixture":
        return
    # the diff the guide shows is the one its recipe gives
    shown = re.search(r"`review.txt` then reads.*?```text\n(.*?)```", guide, re.S).group(1)
    assert (work / "review.txt").read_text() == shown
    assert (work / "review.md").read_text().count("<details>") == 5
    # the .gitignore line keeps a killed split's staging folder, and merge -o's hidden file, out of git
    assert (work / ".gitignore").read_text() == ".*.splitter-*\n.splitter-txn/\n.splitter.lock\n"
    for leftover in (".conf.d.splitter-4242-0badcafe/lxc/1.json", ".phoenix_lxc_configs.json.splitter-4242-00ff00ff",
                     "conf.d/.splitter-txn/new/lxc/1.json", "conf.d/.splitter.lock", "etc/conf.d/.splitter.lock"):
        ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", leftover], cwd=work, env=env)
        assert ignored.returncode == 0, leftover


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example_and_is_documented(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example: splitter " + command in result.stdout
    guide = (ROOT / "MIGRATION.md").read_text()
    readme = (ROOT / "README.md").read_text()
    assert f"splitter {command}" in guide and f"splitter {command}" in readme


def test_version() -> None:
    from splitter import __version__
    result = run("--version")
    assert result.exit_code == 0 and result.stdout == f"splitter {__version__}\n"


def test_python_dash_m(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "splitter", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("splitter ")
