"""A tree fresh from `split` is already tidy: the `splitter-tidy` pre-commit hook passes right after a migration."""

from __future__ import annotations

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
