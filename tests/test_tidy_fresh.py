"""A tree fresh from `split` is already tidy: the `splitter-tidy` pre-commit hook passes right after a migration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURE, corpus_params, run


def _files(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("monolith", [FIXTURE, *corpus_params()],
                         ids=lambda value: value.name if isinstance(value, Path) else None)
def test_a_fresh_split_is_tidy(tmp_path: Path, monolith: Path) -> None:
    out = tmp_path / "conf.d"
    assert run("split", monolith, "-o", out).exit_code == 0
    before = _files(out)
    result = run("tidy", out, "--dry-run")
    # split and tidy find blocks, name them and count lines by one rule (splitter.discovery.blocks): nothing to do
    assert result.exit_code == 0, result.stdout
    assert _files(out) == before


@pytest.mark.parametrize("holders, profile", [(4, True), (2, False)])
def test_split_and_tidy_take_a_small_block_by_one_rule(tmp_path: Path, holders: int, profile: bool) -> None:
    """A three-leaf block held by three or more containers is a profile of `split` (issue 19's hand edit for
    tidy); held by two it is not, for split nor for tidy (a pair needs five leaves)."""
    block = {"enabled": True, "interval_s": 30, "endpoint": "http://mon.local/health"}
    configs = {str(100 + i): {"name": f"c{i}", "cores": i + 1, "ip": f"10.0.0.{i}",
                              **({"monitoring": block} if i < holders else {})} for i in range(7)}
    monolith = tmp_path / "m.json"
    monolith.write_text(json.dumps({"lxc_configs": configs}, indent=4) + "\n")
    out = tmp_path / "conf.d"
    assert run("split", monolith, "-o", out).exit_code == 0
    assert (out / "defaults" / "profile_monitoring.json").exists() is profile
    assert run("tidy", out, "--dry-run").exit_code == 0
