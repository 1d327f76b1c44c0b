"""The installed merge driver in real git: git's text merge, markers and all, when the splitter it names is gone;
.gitattributes lines git reads for folders whose names hold spaces or glob characters."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURE
from test_gitflow import env, ok, sh  # noqa: F401 (env: the fixture, a git that ignores the machine's config)

from splitter.ops.mergeinstall import driver_command, driver_program

TREE = "my etc/conf.d"  # a space: the .gitattributes line must be quoted, %P quoted by git
MONOLITH = "my etc/phoenix_lxc_configs.json"
OWN = f"{TREE}/lxc/950_vllm-qwen-coder.json"


def branches(tmp_path: Path, env: dict, ours: tuple[str, str], theirs: tuple[str, str]) -> Path:
    """A repository with the driver installed and the tree committed; branch a changes one line of container
    950's file (sed's from, to), branch b another; both rebuild the monolith; a is checked out."""
    repo = tmp_path / "repo"
    (repo / "my etc").mkdir(parents=True)
    ok("git init -q -b main", repo, env)
    shutil.copy(FIXTURE, repo / MONOLITH)
    ok(f"splitter split '{MONOLITH}' -o '{TREE}'", repo, env)
    ok(f"splitter install-merge-driver '{TREE}' '{MONOLITH}'", repo, env)
    ok("git add -A && git commit -qm split", repo, env)
    for branch, (old, new) in (("a", ours), ("b", theirs)):
        ok(f"git switch -q main && git switch -qc {branch} && sed -i 's/{old}/{new}/' '{OWN}' && "
           f"splitter merge '{TREE}' -o '{MONOLITH}' && git commit -qam {branch}", repo, env)
    ok("git switch -q a", repo, env)
    return repo


def test_a_driver_whose_splitter_is_gone_leaves_git_merge_files_markers(tmp_path: Path, env: dict) -> None:
    repo = branches(tmp_path, env, ('"memory_mb": 65536', '"memory_mb": 32768'), ('"cores": 8', '"cores": 16'))
    line = ok("git config merge.splitter.driver", repo, env).rstrip("\n")
    [program] = driver_program()
    assert line == driver_command([program])  # the console script of this venv, which tests run from
    moved = shlex.quote(str(tmp_path / "moved venv" / "bin" / "splitter"))  # the venv moved away
    ok(f"git config merge.splitter.driver {shlex.quote(line.replace(shlex.quote(program), moved, 1))}", repo, env)

    merged = sh("git merge --no-edit b", repo, env)
    assert merged.returncode == 1, merged.stderr
    fallbacks = [said for said in merged.stderr.splitlines() if "cannot start" in said]
    assert len(fallbacks) == 2 and "splitter: my etc/conf.d/lxc/950_vllm-qwen-coder.json: cannot start " \
        f"{tmp_path}/moved venv/bin/splitter: merged as text by git merge-file; run splitter " \
        "install-merge-driver again" in fallbacks and "not found" not in merged.stderr, merged.stderr
    conflicted = ok("git diff --name-only --diff-filter=U", repo, env).splitlines()
    assert conflicted  # neighbouring lines: a conflict for git's text merge
    for name in conflicted:  # never a conflicted file without markers
        text = (repo / name).read_text()
        assert "<<<<<<< ours" in text and "=======" in text and ">>>>>>> theirs" in text, name
        assert "32768" in text and '"cores": 16' in text, name  # both edits there to choose from
    for name in {OWN, MONOLITH} - set(conflicted):  # merged cleanly as text: both edits
        own = json.loads((repo / name).read_text())
        own = own["lxc_configs"]["950"] if name == MONOLITH else own
        assert (own["memory_mb"], own["cores"]) == (32768, 16), name


def test_the_installed_driver_is_splitter_and_its_conflicts_are_not_merged_again(tmp_path: Path, env: dict) -> None:
    repo = branches(tmp_path, env, ('"memory_mb": 65536', '"memory_mb": 32768'),
                    ('"memory_mb": 65536', '"memory_mb": 16384'))
    merged = sh("git merge --no-edit b", repo, env)
    assert merged.returncode == 1 and "cannot start" not in merged.stderr, merged.stderr
    assert f"splitter: {OWN}: conflict at" in merged.stderr and "left marked" in merged.stderr, merged.stderr
    text = (repo / OWN).read_text()
    assert text.count("<<<<<<< ours") == 1 and "||||||| base" in text  # splitter's markers, once


SCRIPTS = {"merges": "printf merged > \"$3\"", "conflicts": "printf '<<<<<<< ours\\nmarked\\n' > \"$3\"; exit 1",
           "fails": "echo 'splitter: bad input' >&2; exit 2", "crashes": "echo 'Traceback: ...' >&2; exit 1",
           "is interrupted": "exit 130"}


@pytest.mark.parametrize("case, status, result, fallback", [
    ("merges", 0, "merged", False), ("conflicts", 1, "<<<<<<< ours\nmarked\n", False),
    ("fails", 1, "<<<<<<< ours", True), ("crashes", 1, "<<<<<<< ours", True),
    ("is interrupted", 130, "a\nours\n", False), ("is missing", 1, "<<<<<<< ours", True),
    ("cannot be executed", 1, "<<<<<<< ours", True), ("has lost its interpreter", 1, "<<<<<<< ours", True)])
def test_the_driver_line_merges_as_text_only_where_splitter_did_not_start(
        tmp_path: Path, case: str, status: int, result: str, fallback: bool) -> None:
    """The line run as git runs it (sh -c, %P single-quoted, the versions in temporary files): the exit status
    is git's verdict (0 only for a clean merge), git merge-file runs only where the shell could not start it."""
    program = tmp_path / "bin dir" / "splitter"
    program.parent.mkdir()
    if case != "is missing":
        shebang = "#!/gone/python3" if case == "has lost its interpreter" else "#!/bin/sh"
        program.write_text(f"{shebang}\n{SCRIPTS.get(case, '')}\n")
        program.chmod(0o644 if case == "cannot be executed" else 0o755)
    for name, text in (("base", "a\nb\n"), ("ours", "a\nours\n"), ("theirs", "a\ntheirs\n")):
        (tmp_path / name).write_text(text)
    line = driver_command([str(program)])
    for key, value in (("%O", "base"), ("%A", "ours"), ("%B", "theirs"), ("%P", "'my etc/x.json'"), ("%L", "7")):
        line = line.replace(key, value)
    done = subprocess.run(["sh", "-c", line], cwd=tmp_path, capture_output=True, text=True)
    merged = (tmp_path / "ours").read_text()
    assert done.returncode == status and (result in merged if fallback else merged == result), done
    said = {"fails": "splitter: bad input\nsplitter: my etc/x.json: merged as text by git merge-file instead",
            "crashes": "Traceback: ...\nsplitter: my etc/x.json: failed without marking a conflict: merged as text "
                       "by git merge-file instead"}.get(
        case, f"splitter: my etc/x.json: cannot start {program}: merged as text by git merge-file")
    assert (said in done.stderr) == fallback, done.stderr
    assert done.stderr.count("\n") == (2 if case in ("has lost its interpreter", "fails", "crashes") else fallback)


def test_without_a_console_script_the_driver_runs_python_m_splitter(tmp_path: Path) -> None:
    python = str(tmp_path / "bin" / "python3")
    assert driver_program(python) == [python, "-m", "splitter"]
    assert driver_command([python, "-m", "splitter"]).startswith(
        f"p={python}; s=127; [ -x \"$p\" ] && {{ \"$p\" -m splitter merge-driver %O %A %B %P %L; s=$?; }}; ")


def test_attribute_lines_for_names_with_spaces_and_glob_characters_are_read_by_git(tmp_path: Path,
                                                                                   env: dict) -> None:
    repo = tmp_path / "repo"
    for folder in ("my etc/conf.d/lxc", "a[bc]/conf.d/lxc", "ab/conf.d/lxc", 'q"t\\s/conf.d'):
        (repo / folder).mkdir(parents=True)
    ok("git init -q", repo, env)
    (repo / "my etc" / "phoenix_lxc_configs.json").write_text("{}\n")
    old = "/my[ ]etc/conf.d/**/*.json merge=splitter"  # what splitter wrote before: git warns on every command
    (repo / ".gitattributes").write_text(f"*.sh text\n{old}\n*.md text\n")
    ok("git config merge.splitter.driver 'python3 -m splitter merge-driver %O %A %B %P %L'", repo, env)
    installed = ok(f"splitter install-merge-driver 'my etc/conf.d' 'my etc/phoenix_lxc_configs.json' "
                   f"'a[bc]/conf.d' 'q\"t\\s/conf.d'", repo, env)
    assert f".git/config: merge.splitter.driver = {driver_command(driver_program())}" in installed.splitlines()
    assert (repo / ".gitattributes").read_text() == (
        '*.sh text\n"/my etc/conf.d/**/*.json" merge=splitter\n*.md text\n'
        '"/my etc/phoenix_lxc_configs.json" merge=splitter\n/a\\[bc]/conf.d/**/*.json merge=splitter\n'
        '"/q\\"t\\\\\\\\s/conf.d/**/*.json" merge=splitter\n')
    assert ok(f"splitter install-merge-driver 'my etc/conf.d' 'a[bc]/conf.d'", repo, env) == ""
    files = ["my etc/conf.d/lxc/1_x.json", "my etc/phoenix_lxc_configs.json", "a[bc]/conf.d/lxc/1_x.json",
             "ab/conf.d/lxc/1_x.json", 'q"t\\s/conf.d/1_x.json', "my etc/x.json"]
    found = sh("git check-attr -z merge -- " + " ".join(map(shlex.quote, files)), repo, env)
    assert found.stderr == "", found.stderr  # no "is not a valid attribute name"
    values = found.stdout.split("\0")[2::3]
    assert values == ["splitter", "splitter", "splitter", "unspecified", "splitter", "unspecified"], values


def test_the_guide_shows_the_driver_line_install_writes() -> None:
    from conftest import ROOT

    assert f"```text\n{driver_command(['/path/to/.venv/bin/splitter'])}\n```" in (ROOT / "MIGRATION.md").read_text()


@pytest.mark.parametrize("script, found", [
    ("#!{bin}/python3\nimport sys\n", True),
    ("#!/bin/sh\n'''exec' '{bin}/python3' \"$0\" \"$@\"\n' '''\n", True),  # pip's form for a path with a space
    ("#!/usr/bin/python3\n", False),  # another Python's splitter
    ("#!/bin/sh\necho a shell script\n", False)])
def test_the_console_script_is_the_one_of_this_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      script: str, found: bool) -> None:
    import sysconfig

    bin_dir = tmp_path / ("my venv" if script.startswith("#!/bin/sh") else "venv") / "bin"  # #! ends at a space
    bin_dir.mkdir(parents=True)
    (bin_dir / "splitter").write_text(script.replace("{bin}", str(bin_dir)))
    (bin_dir / "splitter").chmod(0o755)
    monkeypatch.setattr(sysconfig, "get_path", lambda name, scheme=None: str(bin_dir))
    python = str(bin_dir / "python3")
    assert driver_program(python) == ([str(bin_dir / "splitter")] if found else [python, "-m", "splitter"])
