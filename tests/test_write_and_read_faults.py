"""Faults of the machine under a command: a result that cannot be written, tree files that are not regular files,
names that are not UTF-8, OS errors anywhere: exit 2 and one line naming the file, never a hang or a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE, run

SPLITTER = [sys.executable, "-m", "splitter"]


def files_of(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr and stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    return stderr.rstrip("\n")


def cli(*args: object, stdout=subprocess.PIPE, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*SPLITTER, *map(str, args)], stdout=stdout, stderr=subprocess.PIPE, text=True,
                          timeout=timeout)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("args", [["merge", "{tree}"], ["split", FIXTURE, "--dry-run", "--format", "json"],
                                  ["verify", "{tree}", FIXTURE], ["check", "{tree}", "--format", "json"]],
                         ids=["merge", "split --dry-run json", "verify", "check json"])
def test_a_result_that_cannot_be_written_to_stdout_is_exit_2_and_one_line(fixture_tree: Path, args) -> None:
    with open("/dev/full", "wb") as full:
        result = cli(*(str(arg).replace("{tree}", str(fixture_tree)) for arg in args), stdout=full)
    assert result.returncode == 2
    assert one_line(result.stderr) == "splitter: stdout: cannot write the result: No space left on device"


def test_a_closed_pipe_stays_quiet(fixture_tree: Path) -> None:
    process = subprocess.Popen([*SPLITTER, "merge", fixture_tree], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before the first byte (`| head -c0`)
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) in (0, 1) and stderr == ""


@pytest.fixture()
def small_fs(tmp_path: Path):
    """A 64 KiB tmpfs (root and a kernel that lets us mount one), unmounted afterwards."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def _fill(mount: Path) -> None:
    try:
        with open(mount / "filler", "wb", buffering=0) as handle:
            while True:
                handle.write(b"\0" * 4096)
    except OSError:  # full
        pass


def test_a_full_file_system_is_exit_2_for_stdout_and_for_output(fixture_tree: Path, small_fs: Path) -> None:
    _fill(small_fs)
    with open(small_fs / "merged.json", "wb") as target:
        result = cli("merge", fixture_tree, stdout=target)
    assert result.returncode == 2, result.stderr
    assert one_line(result.stderr) == "splitter: stdout: cannot write the result: No space left on device"
    result = cli("merge", fixture_tree, "-o", small_fs / "out.json")
    assert result.returncode == 2
    assert one_line(result.stderr) == f"splitter: {small_fs / 'out.json'}: cannot write: No space left on device"
    assert sorted(path.name for path in small_fs.iterdir()) == ["filler", "merged.json"]  # no temporary left


def test_merge_output_on_a_read_only_file_system_is_one_line(fixture_tree: Path, small_fs: Path) -> None:
    (small_fs / "out.json").write_bytes(FIXTURE.read_bytes())  # a monolith: merge -o may replace it
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    result = cli("merge", fixture_tree, "-o", small_fs / "out.json")
    assert result.returncode == 2
    assert one_line(result.stderr) == f"splitter: {small_fs / 'out.json'}: cannot write: Read-only file system"
    assert files_of(small_fs) == {"out.json": FIXTURE.read_bytes()}


def _special(kind: str, path: Path) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    else:
        try:
            os.mknod(path, 0o644 | __import__("stat").S_IFCHR, os.makedev(1, 3))  # as /dev/null
        except PermissionError:
            pytest.skip("making a device needs root")


@pytest.mark.parametrize("kind", ["fifo", "device"])
@pytest.mark.parametrize("relative", ["lxc/999_x.json", "defaults/profile_zz.json"])
def test_a_tree_file_that_is_not_a_regular_file_is_refused_without_blocking(fixture_tree: Path, kind: str,
                                                                            relative: str) -> None:
    _special(kind, fixture_tree / relative)
    what = "a FIFO (named pipe)" if kind == "fifo" else "a character device"
    line = f"{fixture_tree / relative}: is {what}, not a regular file; a tree holds plain files only"
    commands = [["merge", fixture_tree], ["verify", fixture_tree, FIXTURE], ["diff", fixture_tree, FIXTURE],
                ["update", fixture_tree, FIXTURE, "--dry-run"], ["show", fixture_tree, "999"]]
    if (kind, relative) != ("fifo", "lxc/999_x.json"):
        commands = commands[:1]  # every command reads through one function: the other cases need not run them all
    for args in commands:
        result = cli(*args, timeout=30)  # a FIFO opened for reading would block for ever
        assert result.returncode == 2, args
        assert one_line(result.stderr) == f"splitter: {line}", args
    result = cli("check", fixture_tree, timeout=30)
    assert result.returncode == 1
    assert f"{relative}: $: is {what}, not a regular file; a tree holds plain files only" in result.stdout
    assert "Traceback" not in result.stderr


def test_an_os_error_anywhere_is_one_line_naming_the_file(fixture_tree: Path, monkeypatch) -> None:
    unreadable = fixture_tree / "layout.json"
    real = Path.exists

    def exists(self: Path, *args, **kwargs) -> bool:  # as for a folder the user may not search (root may)
        if self == unreadable:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "exists", exists)
    result = run("check", fixture_tree)
    assert result.exit_code == 2
    assert one_line(result.stderr) == f"splitter: {unreadable}: Permission denied"


def test_a_folder_where_a_tree_file_is_expected_is_one_line(fixture_tree: Path) -> None:
    base = fixture_tree / "defaults" / "lxc_base.json"
    base.unlink()
    base.mkdir()
    result = run("merge", fixture_tree)
    assert result.exit_code == 2
    assert one_line(result.stderr) == f"splitter: {base}: is a folder, not a regular file; a tree holds plain " \
                                      "files only"


def test_names_that_are_not_utf8_are_shown_escaped(fixture_tree: Path) -> None:
    folder = os.fsencode(fixture_tree / "lxc")
    os.rename(folder + b"/101_nginx-gateway.json", folder + b"/999_caf\xe9.json")
    for args in (["check", fixture_tree], ["verify", fixture_tree, FIXTURE], ["diff", FIXTURE, fixture_tree],
                 ["update", fixture_tree, FIXTURE, "--dry-run"]):
        for format in (["text", "json", "markdown"] if args[0] in ("diff", "update") else ["text", "json"]):
            result = run(*args, "--format", format)
            assert result.exit_code in (1, 2), (args, format)  # a difference, or the hand-added file it refuses
            shown = json.dumps(json.loads(result.stdout)) if format == "json" else result.stdout
            assert "lxc/999_caf\\351.json" in (shown + result.stderr).replace("\\\\", "\\"), (args, format)


def test_an_error_quoting_data_is_one_line(fixture_tree: Path) -> None:
    own = fixture_tree / "lxc" / "101_nginx-gateway.json"
    doc = json.loads(own.read_bytes())
    doc["$profiles"] = ["x\n\x1b[2Jforged: ok"]
    own.write_text(json.dumps(doc))
    result = run("merge", fixture_tree)
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert "\x1b" not in line and "x\\n\\033[2Jforged" in line
