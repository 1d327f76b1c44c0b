"""Start-up: merge and verify import only what they need (no pydantic, deepdiff, rich or jsonschema when
nothing calls for them), so that a hook run on every commit feels instant. Time itself is measured by
splitter/bench.py, never here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE

HEAVY = ("pydantic", "deepdiff", "rich", "jsonschema", "hypothesis")
PROBE = """
import sys
from splitter.cli.app import app
sys.argv = ["splitter", *sys.argv[1:]]
try:
    app()
except SystemExit as done:
    code = done.code
print(code, *sorted(name for name in {heavy!r} if name in sys.modules), file=sys.stderr)
"""


def loaded(*args: object) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *map(str, args)],
                          capture_output=True, text=True)
    last = done.stderr.splitlines()[-1].split()
    assert last[0] in ("0", "None"), done.stderr
    return last[1:]


@pytest.mark.parametrize("command", ["merge", "verify", "show"])
def test_commands_import_only_what_they_need(fixture_tree: Path, command: str) -> None:
    args = {"merge": ["merge", fixture_tree, "-o", fixture_tree.parent / "out.json"],
            "verify": ["verify", fixture_tree, FIXTURE, "--byte-exact"],
            "show": ["show", fixture_tree, "950"]}[command]
    assert loaded(*args) == []
