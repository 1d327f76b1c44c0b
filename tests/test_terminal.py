"""On a terminal: a progress line on stderr, colours only without NO_COLOR, none of it with --format json."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from splitter.discovery.fleet import monolith_bytes

COLOUR = re.compile(rb"\x1b\[[0-9;]*3[0-9]m")  # a foreground colour


def on_terminal(args: list[str], **env: str) -> tuple[int, bytes, bytes]:
    """Run splitter with its stderr on a pseudo-terminal: exit code, stdout, what the terminal showed."""
    master, slave = pty.openpty()
    stdout = tempfile.TemporaryFile()  # a pipe could fill up while we read the terminal
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS")}
    environment.update(TERM="xterm-256color", **env)
    process = subprocess.Popen([sys.executable, "-m", "splitter", *args], stdin=subprocess.DEVNULL,
                               stdout=stdout, stderr=slave, env=environment)
    os.close(slave)
    shown = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        elif process.poll() is not None:
            break
    os.close(master)
    code = process.wait()
    stdout.seek(0)
    return code, stdout.read(), shown


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("terminal") / "fleet.json"
    path.write_bytes(monolith_bytes(1500, seed=2))
    return path


def test_progress_on_a_terminal_with_colour(fleet: Path) -> None:
    code, out, shown = on_terminal(["split", str(fleet), "--dry-run"])
    assert code == 0
    assert f"reading {fleet}".encode() in shown  # the first step shows at once
    assert COLOUR.search(shown)
    assert out.startswith(b"plan for") and b"plan for" not in shown  # the report itself goes to stdout


def test_no_colour_with_no_color(fleet: Path) -> None:
    code, _, shown = on_terminal(["split", str(fleet), "--dry-run"], NO_COLOR="1")
    assert code == 0 and f"reading {fleet}".encode() in shown
    assert not COLOUR.search(shown)


def test_no_progress_in_json_mode(fleet: Path) -> None:
    code, out, shown = on_terminal(["split", str(fleet), "--dry-run", "--format", "json"])
    assert code == 0 and out.startswith(b"{")
    assert shown == b""
