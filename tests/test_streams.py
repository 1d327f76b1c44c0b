"""The result a command exists to produce goes to stdout in every format; progress, warnings and errors to stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE, run


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("streams") / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    return out


def is_json(text: str) -> bool:
    return type(json.loads(text)) is dict


# (arguments after the command, what stdout starts with or a check of it, what stderr holds)
CASES = {
    "split plan text": (["split", FIXTURE, "--dry-run"], "plan for ", ""),
    "split plan text, named": (["split", FIXTURE, "--dry-run", "--format", "text"], "plan for ", ""),
    "split plan json": (["split", FIXTURE, "--dry-run", "--format", "json"], is_json, ""),
    "split plan markdown": (["split", FIXTURE, "--dry-run", "--format", "markdown"], "## splitter plan", ""),
    "split writes, quiet": (["split", FIXTURE, "-o", "{new}"], "", "wrote {new}: "),
    "split writes, plan text": (["split", FIXTURE, "-o", "{new}", "--format", "text"], "plan for ", "wrote {new}: "),
    "split writes, plan json": (["split", FIXTURE, "-o", "{new}", "--format", "json"], is_json, "wrote {new}: "),
    "split writes, plan markdown": (["split", FIXTURE, "-o", "{new}", "--format", "markdown"], "## splitter plan",
                                    "wrote {new}: "),
    "merge": (["merge", "{tree}"], lambda out: out == FIXTURE.read_text(), ""),
    "merge -o": (["merge", "{tree}", "-o", "{new}"], "", ""),
    "verify text": (["verify", "{tree}", FIXTURE], "{tree} merges into the same document", ""),
    "verify json": (["verify", "{tree}", FIXTURE, "--format", "json"], is_json, ""),
    "show": (["show", "{tree}", "950"], is_json, ""),
    "show --explain text": (["show", "{tree}", "950", "--explain"], "container 950: defaults/lxc_base.json", ""),
    "show --explain json": (["show", "{tree}", "950", "--explain", "--format", "json"], is_json, ""),
    "check text": (["check", "{tree}"], "0 problem(s); schema: none found ($schema names "
                                         "./phoenix_lxc_configs.schema.json, which is not in", ""),
    "check json": (["check", "{tree}", "--format", "json"], is_json, ""),
    "diff text": (["diff", "{tree}", FIXTURE], lambda out: "final config changes (0 container(s)" in out, ""),
    "diff json": (["diff", "{tree}", FIXTURE, "--format", "json"], is_json, ""),
    "update dry run text": (["update", "{tree}", FIXTURE, "--dry-run"], "{tree} would change 0 file(s)", ""),
    "update dry run json": (["update", "{tree}", FIXTURE, "--dry-run", "--format", "json"], is_json, ""),
    "update dry run markdown": (["update", "{tree}", FIXTURE, "--dry-run", "--format", "markdown"],
                                "## splitter update", ""),
    "update, quiet": (["update", "{tree}", FIXTURE], "", "updated {tree}: "),
    "update, report json": (["update", "{tree}", FIXTURE, "--format", "json"], is_json, "updated {tree}: "),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_result_on_stdout_and_only_diagnostics_on_stderr(tree: Path, tmp_path: Path, case: str) -> None:
    args, stdout, stderr = CASES[case]
    new = tmp_path / "new"
    fill = {"tree": tree, "new": new}
    result = run(*[str(arg).format(**fill) for arg in args])
    assert result.exit_code == 0, result.stderr
    if callable(stdout):
        assert stdout(result.stdout), result.stdout
    elif stdout:
        assert result.stdout.startswith(stdout.format(**fill)), result.stdout[:200]
    else:
        assert result.stdout == ""
    if stderr:
        assert result.stderr.startswith(stderr.format(**fill)) and result.stderr.count("\n") == 1, result.stderr
    else:
        assert result.stderr == ""


def test_a_dry_run_redirected_to_a_file_fills_it(tmp_path: Path) -> None:
    """The issue's own check: `split --dry-run > plan.txt`, and `show --explain | grep`, in a real process."""
    plan = subprocess.run([sys.executable, "-m", "splitter", "split", str(FIXTURE), "--dry-run"],
                          capture_output=True, text=True)
    assert plan.returncode == 0 and plan.stdout.startswith("plan for ") and plan.stderr == ""
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    explained = subprocess.run([sys.executable, "-m", "splitter", "show", str(out), "950", "--explain"],
                               capture_output=True, text=True)
    assert explained.returncode == 0 and "$.name = " in explained.stdout and explained.stderr == ""


def test_errors_stay_on_stderr(tmp_path: Path) -> None:
    for args in (["split", tmp_path / "missing.json", "--dry-run"], ["verify", tmp_path, FIXTURE],
                 ["show", tmp_path, "1", "--explain"], ["check", tmp_path]):
        result = run(*args)
        assert result.exit_code == 2 and result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
