"""Fault tolerance: killed splits, full disks, write errors, symlinks and races never leave a half tree."""

from __future__ import annotations

import errno
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURE, ROOT, run

from splitter.tree import write as disk
from splitter.discovery.fleet import monolith_bytes


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def visible(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if not p.name.startswith("."))


def split_process(monolith: Path, out: Path, *extra: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "splitter", "split", str(monolith), "-o", str(out), *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fleet") / "fleet.json"
    path.write_bytes(monolith_bytes(1500, seed=11))  # big enough that a split takes a while
    return path


@pytest.mark.parametrize("force,kills", [
    pytest.param(False, 3, id="new"), pytest.param(True, 3, id="force"),
    pytest.param(False, 12, id="new-12", marks=pytest.mark.slow),
    pytest.param(True, 12, id="force-12", marks=pytest.mark.slow)])
def test_killed_split_leaves_no_tree_or_the_old_one(tmp_path: Path, fleet: Path, force: bool, kills: int) -> None:
    started = time.perf_counter()
    assert split_process(fleet, tmp_path / "timing").wait() == 0
    duration = time.perf_counter() - started
    shutil.rmtree(tmp_path / "timing")
    out = tmp_path / "conf.d"
    previous = None
    if force:
        assert run("split", FIXTURE, "-o", out).exit_code == 0
        previous = snapshot(out)
    rng = random.Random(4)
    outcomes = []
    for _ in range(kills):
        # --discard-edits: the tree there is another monolith's, which plain --force now refuses to replace
        process = split_process(fleet, out, *(["--force", "--discard-edits"] if force else []))
        time.sleep(rng.uniform(0.02, duration))  # anywhere from start-up to the end
        process.send_signal(signal.SIGKILL)
        process.wait()
        # a staging folder left in the tree before the commit point is the next run's to sweep
        tree = {name: data for name, data in snapshot(out).items() if not name.startswith(".splitter-txn/")} \
            if out.exists() else None
        untouched = tree == previous if force else not out.exists()
        if untouched:
            outcomes.append("killed")
        else:
            # it got as far as moving the proven tree into place (a kill may land after that):
            # then the tree is complete
            outcomes.append("finished")
            verified = run("verify", out, fleet, "--byte-exact")
            if verified.exit_code == 1 and "finished a write that was cut short first" in verified.stderr:
                verified = run("verify", out, fleet, "--byte-exact")  # killed past the commit point: now finished
            assert verified.exit_code == 0, verified.stderr
            if force:
                assert run("split", FIXTURE, "-o", out, "--force", "--discard-edits").exit_code == 0
            else:
                shutil.rmtree(out)
        assert visible(tmp_path) == (["conf.d"] if out.exists() else [])
    assert "killed" in outcomes
    # the next split sweeps the staging folders the killed ones left behind
    assert run("split", FIXTURE, "-o", out, "--force", "--discard-edits").exit_code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["conf.d"]


def limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))


def test_write_error_gives_exit_2_and_nothing_partial(tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    process = split_process(FIXTURE, out, preexec_fn=limit_file_size)
    _, stderr = process.communicate()
    assert process.returncode == 2
    assert stderr.decode().startswith(f"splitter: {out}: cannot write: File too large")
    assert stderr.decode().count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_disk_full_or_read_only_while_writing(tmp_path: Path, monkeypatch, code: int) -> None:
    real_open = os.open
    calls = {"n": 0}

    def failing_open(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            calls["n"] += 1
            if calls["n"] == 5:
                raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(disk.os, "open", failing_open)
    out = tmp_path / "conf.d"
    result = run("split", FIXTURE, "-o", out)
    assert result.exit_code == 2
    assert result.stderr == f"splitter: {out}: cannot write: {os.strerror(code)}\n"
    assert list(tmp_path.iterdir()) == []


def test_read_only_target_with_force_keeps_the_old_tree(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    before = snapshot(out)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(disk, "_renameat2", read_only)
    monkeypatch.setattr(disk.os, "rename", read_only)
    monkeypatch.setattr(disk.os, "mkdir", read_only)  # an existing tree is rewritten from a staging folder in it
    result = run("split", FIXTURE, "-o", out, "--force")
    assert result.exit_code == 2 and "Read-only file system" in result.stderr
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["conf.d"]


def test_merge_to_a_full_disk_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    target = tmp_path / "merged.json"
    target.write_text('{"old": true, "lxc_configs": {}}')  # merge replaces only a monolith
    real_replace = os.replace

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(disk.os, "replace", full)
    result = run("merge", out, "-o", target, "--discard-edits")  # its own edits: not what is tested
    monkeypatch.setattr(disk.os, "replace", real_replace)
    assert result.exit_code == 2 and "No space left on device" in result.stderr
    assert target.read_text() == '{"old": true, "lxc_configs": {}}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conf.d", "merged.json"]


def test_target_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "conf.d"
    link.symlink_to(real)
    result = run("split", FIXTURE, "-o", link, "--force")
    assert result.exit_code == 2 and "symbolic link" in result.stderr
    assert list(real.iterdir()) == []


def test_symlinks_inside_a_tree_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    outside = tmp_path / "secret.json"
    outside.write_text('{"name": "not yours"}')
    (out / "lxc" / "999_link.json").symlink_to(outside)
    for args in (["merge", out], ["verify", out, FIXTURE]):
        result = run(*args)
        assert result.exit_code == 2 and "symbolic link" in result.stderr
    assert any("999_link.json" in line and "symbolic link" in line
               for line in run("check", out).stdout.splitlines())
    (out / "lxc" / "999_link.json").unlink()
    (out / "defaults").rename(tmp_path / "defaults")
    (out / "defaults").symlink_to(tmp_path / "defaults")
    result = run("merge", out)
    assert result.exit_code == 2 and "symbolic link" in result.stderr


@pytest.mark.parametrize("size", [pytest.param(300, id="300"),
                                  pytest.param(1500, id="1500", marks=pytest.mark.slow)])
def test_racing_splits_never_mix_trees(tmp_path: Path, size: int) -> None:
    fleet, other = tmp_path / "fleet.json", tmp_path / "other.json"
    fleet.write_bytes(monolith_bytes(size, seed=11))
    other.write_bytes(monolith_bytes(size, seed=12))
    expected = {}
    for source in (fleet, other):
        reference = tmp_path / f"ref-{source.stem}"
        assert run("split", source, "-o", reference).exit_code == 0
        expected[source] = snapshot(reference)
    for force in (False, True):
        out = tmp_path / f"race-{force}"
        # --discard-edits: each tree is a fleet the other split's monolith does not hold, so --force alone
        # would (rightly) refuse the loser; this test is about the swap, not about edits
        extra = ["--force", "--discard-edits"] if force else []
        processes = [split_process(source, out, *extra) for source in (fleet, other)]
        codes = [process.wait() for process in processes]
        if force:
            assert codes == [0, 0]
        else:
            assert sorted(codes) in ([0, 2], [0, 0])  # the loser is refused, or came after the winner
        assert snapshot(out) in expected.values()
        assert [p for p in tmp_path.iterdir() if p.name.startswith(f".race-{force}")] == []


def test_stale_staging_of_a_dead_process_is_swept(tmp_path: Path) -> None:
    stale = tmp_path / ".conf.d.splitter-999999999-deadbeef"
    stale.mkdir()
    (stale / "half.json").write_text("{")
    assert run("split", FIXTURE, "-o", tmp_path / "conf.d").exit_code == 0
    assert not stale.exists()


def test_cli_never_shows_a_traceback_for_an_os_error(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder.json"
    folder.mkdir()
    result = run("split", folder, "--dry-run")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"splitter: {folder}: is a folder; a monolith is a JSON file")
    assert json.loads(json.dumps(result.stdout)) == ""


def test_split_fails_closed_when_its_proof_fails(tmp_path: Path, monkeypatch) -> None:
    """A bug that loses a value must stop the split before anything lands (lesson 1: prove, then write)."""
    from splitter.ops import split as splitting

    real = splitting.difference

    def lossy(inherited, target, path=()):
        values, unsets = real(inherited, target, path)
        values.pop("mac_address", None)
        return values, unsets

    monkeypatch.setattr(splitting, "difference", lossy)
    out = tmp_path / "conf.d"
    result = run("split", FIXTURE, "-o", out)
    assert result.exit_code == 1
    assert "does not merge back into the monolith; nothing was written" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("change", ["an integer respelled as a fraction", "a space added inside a string"])
def test_the_proof_tells_a_value_the_merge_would_change(tmp_path: Path, change: str) -> None:
    """The proof of a monolith written back byte for byte compares canonical bytes: a lexeme or a string that
    differs by one space still fails it, as the bytes would."""
    from splitter.errors import ProofFailed
    from splitter.exact.numbers import Number
    from splitter.ops.split import prove_tree
    from splitter.tree.monolith import read_monolith
    from splitter.tree.read import read_tree

    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    mono, tree = read_monolith(FIXTURE), read_tree(out)
    assert mono.byte_exact
    prove_tree(tree, mono)  # as split left it: proven
    own = next(layer for layer in tree.containers.values()
               if any(type(value) is (int if "integer" in change else str) for value in layer.values.values()))
    key, value = next((key, value) for key, value in own.values.items()
                      if type(value) is (int if "integer" in change else str))
    own.values[key] = Number(f"{value}.0") if "integer" in change else value.replace(" ", "  ", 1) + " "
    with pytest.raises(ProofFailed):
        prove_tree(tree, mono)
