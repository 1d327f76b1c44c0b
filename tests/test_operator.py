"""What a new operator ran into on a real monolith: each kind of mistake refused (or reported) as the guide says."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURE, run


def one_line(text: str) -> str:
    assert text.endswith("\n") and text.count("\n") == 1, text
    return text


def test_strict_without_a_schema_is_an_error(tmp_path: Path) -> None:
    """--strict promises a checked result: no schema found is exit 2 and says why, never a silent pass."""
    monolith = tmp_path / "phoenix_lxc_configs.json"
    shutil.copy(FIXTURE, monolith)  # its $schema names ./phoenix_lxc_configs.schema.json, not beside it here
    dry = run("split", monolith, "--dry-run", "--strict")
    assert dry.exit_code == 2 and dry.stdout == ""
    assert one_line(dry.stderr) == (
        f"splitter: {monolith}: --strict needs a schema and none was found: $schema names "
        f"./phoenix_lxc_configs.schema.json, which is not in {tmp_path}\n")
    assert run("split", monolith, "-o", tmp_path / "conf.d", "--strict").exit_code == 2
    assert not (tmp_path / "conf.d").exists()

    assert run("split", monolith, "-o", tmp_path / "conf.d").exit_code == 0  # without --strict: as before
    out = tmp_path / "out.json"
    merged = run("merge", tmp_path / "conf.d", "-o", out, "--strict")
    assert merged.exit_code == 2 and merged.stdout == ""
    assert "conf.d: --strict needs a schema and none was found: $schema names" in one_line(merged.stderr)
    assert not out.exists()

    # a schema found: --strict passes as before
    (tmp_path / "phoenix_lxc_configs.schema.json").write_text('{"type": "object"}')
    assert run("split", monolith, "--dry-run", "--strict").exit_code == 0
    assert run("merge", tmp_path / "conf.d", "-o", out, "--strict").exit_code == 0
    assert out.read_bytes() == monolith.read_bytes()
