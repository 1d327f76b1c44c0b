"""`splitter tidy` and check's half-object warning, as a user meets them: exit codes, reports, files on disk."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT, run

from splitter.api import merge, read_tree
from splitter.exact.parse import parse
from splitter.exact.style import TREE_STYLE
from splitter.exact.write import dumps
from splitter.merging.assemble import monolith_bytes
from splitter.ops import tidy as tidy_module
from splitter.ops.tidy import plan_tidy
from splitter.ops.tidy_moves import Move
from splitter.ops.tidy_state import put


def _files(root: Path) -> dict:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))
            if p.is_file()}


def _restate(root: Path) -> tuple[str, str]:
    """A container file writes again a top-level value its base gives it; (file, key)."""
    tree = read_tree(root)
    key, value = next((k, v) for k, v in tree.base.values.items() if type(v) not in (dict, list))
    own = next(layer for layer in tree.containers.values() if key not in layer.values
               and not any(key in tree.profiles[name].values for name in layer.profiles))
    doc = parse((root / own.file).read_bytes(), own.file)
    doc[key] = value
    (root / own.file).write_bytes(dumps(doc, TREE_STYLE))
    return own.file, key


def test_tidy_dry_run_exits_1_writes_nothing_then_tidy_removes_the_restated_value(fixture_tree: Path) -> None:
    run("tidy", fixture_tree)  # the tree as split may already offer proposals: start from a tidy tree
    file, key = _restate(fixture_tree)
    before, files = merge(fixture_tree), _files(fixture_tree)
    dry = run("tidy", fixture_tree, "--dry-run")
    assert dry.exit_code == 1
    assert f"restated: /{key}" in dry.stdout and file in dry.stdout
    assert _files(fixture_tree) == files
    done = run("tidy", fixture_tree)
    assert done.exit_code == 0 and "tidied" in done.stderr
    assert merge(fixture_tree) == before
    assert key not in json.loads((fixture_tree / file).read_text())
    changed = [name for name, (data, _) in _files(fixture_tree).items() if files.get(name, (None,))[0] != data]
    assert changed == [file]  # only the file it changed was written
    again = run("tidy", fixture_tree, "--dry-run")
    assert again.exit_code == 0 and "is tidy" in again.stdout


def test_tidy_reports_in_json_and_markdown_on_stdout(fixture_tree: Path) -> None:
    run("tidy", fixture_tree)
    _restate(fixture_tree)
    report = json.loads(run("tidy", fixture_tree, "--dry-run", "--format", "json").stdout)
    assert report["format"] == "splitter-tidy/1" and report["by_kind"] == {"restated": 1}
    assert report["lines_saved"] == 1 and not report["tidy"]
    markdown = run("tidy", fixture_tree, "--dry-run", "--format", "markdown")
    assert markdown.exit_code == 1 and markdown.stdout.startswith("### tidy") and "| restated |" in markdown.stdout


def test_a_proposal_that_would_change_a_byte_is_refused(fixture_tree: Path, monkeypatch) -> None:
    def wrong(state):
        ctid = next(iter(state.own))
        yield Move("restated", ("wrong",), "a bug's proposal", [(("entry", ctid), lambda layer: layer.__class__(
            layer.file, put(layer.values, ("cores",), 999), layer.profiles, layer.unsets))], [ctid])

    monkeypatch.setattr(tidy_module, "restated", wrong)
    result = plan_tidy(read_tree(fixture_tree))
    assert [p.why for p in result.refused] == ["a bug's proposal"]
    assert all(p.why != "a bug's proposal" for p in result.proposals)
    assert monolith_bytes(result.tree) == merge(fixture_tree)


def test_tidy_of_a_missing_tree_is_one_line_exit_2(tmp_path: Path) -> None:
    result = run("tidy", tmp_path / "nothing")
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1


def _web_fleet(root: Path) -> Path:
    configs = {str(100 + n): {"name": f"web{n}", "features": ["web"], "memory_mb": 2048, "cores": 2,
                              "traefik_service": {"port": 8000, "host": f"web{n}.local"}} for n in range(4)}
    configs |= {str(200 + n): {"name": f"db{n}", "features": ["db"], "memory_mb": 8192, "cores": 4} for n in range(4)}
    monolith = root / "fleet.json"
    monolith.write_text(json.dumps({"lxc_configs": configs}, indent=4))
    return monolith


def test_check_warns_of_an_object_a_profile_gives_only_in_part(tmp_path: Path) -> None:
    tree = tmp_path / "conf.d"
    assert run("split", _web_fleet(tmp_path), "-o", tree).exit_code == 0
    assert run("check", tree).exit_code == 0
    copy = next(iter(sorted((tree / "lxc").iterdir())))
    doc = json.loads(copy.read_text())
    assert doc.pop("traefik_service")["host"]
    copy.write_text(json.dumps(doc))
    result = run("check", tree)
    assert result.exit_code == 1
    warning = [line for line in result.stdout.splitlines() if "warning:" in line]
    assert len(warning) == 1 and warning[0].startswith(f"lxc/{copy.name}: $.traefik_service")
    assert "host" in warning[0]


def test_the_tidy_hook_as_pre_commit_runs_it(fixture_tree: Path) -> None:
    """The hook's entry and args, with no file names: green on a tidy tree, red after a restated value."""
    import subprocess
    import sys

    import yaml

    hook = next(hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
                if hook["id"] == "splitter-tidy")
    assert hook["pass_filenames"] is False and hook["always_run"] is True
    command = [str(Path(sys.executable).parent / "splitter"), *hook["entry"].split()[1:], *hook["args"]]
    run("tidy", fixture_tree)
    assert subprocess.run(command, cwd=fixture_tree.parent, capture_output=True).returncode == 0
    _restate(fixture_tree)
    assert subprocess.run(command, cwd=fixture_tree.parent, capture_output=True).returncode == 1
