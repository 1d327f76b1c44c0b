"""Usage errors are one line on stderr and exit 2, in the test runner, the console script and `python -m splitter`;
help writes arguments as README does (DIR CTID), not in braces."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE, run

from splitter.cli.app import app

SCRIPT = Path(sys.executable).parent / "splitter"  # the console script pip installed beside this interpreter

MISTAKES = {
    "unknown option": (["verify", "conf.d", "x.json", "--bytes-exact"],
                       "splitter: verify: no such option --bytes-exact (did you mean --byte-exact?)"),
    "missing argument": (["show", "conf.d"], "splitter: show: missing argument CTID (see splitter show --help)"),
    "bad choice": (["diff", "HEAD", "--format", "yaml"],
                   "splitter: diff: invalid value for '--format': 'yaml' is not one of 'text', 'json', 'markdown' "
                   "(see splitter diff --help)"),
    "unknown command": (["frob"], "splitter: no such command 'frob' (see splitter --help)"),
    "unknown top option": (["--verz"], "splitter: no such option --verz (did you mean --version?)"),
    "not a number": (["split", str(FIXTURE), "--min-keys", "many"],
                     "splitter: split: invalid value for '--min-keys': 'many' is not a valid int range "
                     "(see splitter split --help)"),
}


@pytest.mark.parametrize("case", MISTAKES, ids=list(MISTAKES))
def test_usage_error_is_one_line_in_the_runner(case: str) -> None:
    args, line = MISTAKES[case]
    done = run(*args)
    assert (done.exit_code, done.stdout, done.stderr) == (2, "", line + "\n")


@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed beside this interpreter")
@pytest.mark.parametrize("case", ["unknown option", "missing argument", "unknown command"])
def test_usage_error_is_one_line_from_the_console_script(case: str) -> None:
    args, line = MISTAKES[case]
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", line + "\n")


def test_usage_error_is_one_line_from_python_dash_m() -> None:
    args, line = MISTAKES["bad choice"]
    done = subprocess.run([sys.executable, "-m", "splitter", *args], capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", line + "\n")


@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed beside this interpreter")
def test_help_version_and_bad_input_keep_their_exit_codes(tmp_path: Path) -> None:
    helped = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True)
    assert helped.returncode == 0 and helped.stdout.startswith("Usage: splitter [OPTIONS] COMMAND")
    version = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("splitter ")
    bare = subprocess.run([str(SCRIPT)], capture_output=True, text=True)  # no arguments: the help, as before
    assert bare.returncode == 2 and "Commands:" in bare.stdout + bare.stderr
    bad_input = subprocess.run([str(SCRIPT), "verify", str(tmp_path / "conf.d"), str(FIXTURE)],
                               capture_output=True, text=True)  # a command's own error: still one line, exit 2
    assert (bad_input.returncode, bad_input.stderr) == (2, f"splitter: {tmp_path / 'conf.d'}: no such conf.d folder\n")


USAGES = {"split": "MONOLITH", "merge": "DIR", "verify": "DIR MONOLITH", "show": "DIR CTID", "check": "DIR",
          "update": "DIR MONOLITH", "diff": "OLD [NEW]"}


@pytest.mark.parametrize("command", sorted(USAGES))
def test_help_writes_arguments_as_the_readme_does(command: str) -> None:
    done = run(command, "--help")
    usage = f"splitter {command} [OPTIONS] {USAGES[command]}"
    first = done.stdout.splitlines()[0].split(" ")  # the runner names the program "root"
    assert done.exit_code == 0 and first[0] == "Usage:" and " ".join(["splitter", *first[2:]]) == usage
    assert usage in (Path(__file__).resolve().parent.parent / "README.md").read_text() \
        .replace("splitter " + command + " ", "splitter " + command + " [OPTIONS] ")


def test_every_command_writes_its_arguments_without_braces() -> None:
    import typer

    group = typer.main.get_command(app)
    for name in group.list_commands(None):  # commands added later are held to the same rule
        done = run(name, "--help")
        assert done.exit_code == 0 and "{" not in done.stdout.splitlines()[0], (name, done.stdout.splitlines()[0])


@pytest.mark.parametrize("command, hint", [
    ("update", "(did you mean --discard-edits? it updates the tree even where it holds edits in neither the monolith "
               "nor git, undoing them)"),
    ("merge", "(did you mean --discard-edits? with -o it replaces the monolith even where it holds edits in neither "
              "the tree nor git)"),
    ("tidy", "(tidy needs none: it writes only changes proven to keep the merge; --dry-run shows them)"),
])
def test_force_on_a_command_without_it_points_to_what_was_meant(command: str, hint: str) -> None:
    """Trial 14: `update --force` got click's "did you mean --format?"."""
    result = run(command, "conf.d", "--force")
    assert result.exit_code == 2 and result.stderr == f"splitter: {command}: no such option --force {hint}\n"
