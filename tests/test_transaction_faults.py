"""The faults around a write: leftovers of killed runs, trees that cannot be written, mount points, colliding
collections, hash seeds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURE, run
from test_transactions import fixture_trees, no_sync, snapshot, write_doc  # noqa: F401 - fixtures used by name


def test_leftovers_of_killed_runs_are_swept_by_the_lock_not_by_the_pid(tmp_path: Path) -> None:
    import fcntl

    out = tmp_path / "out.json"
    dead_temp = tmp_path / ".out.json.splitter-1-0123abcd"  # pid 1 is alive here: a pid proves nothing
    live_temp = tmp_path / ".out.json.splitter-999999-89abcdef"  # no such pid, but a live run holds its lock
    stranger = tmp_path / ".out.json.splitter-notes"  # not a name splitter gives
    dead_stage = tmp_path / ".conf.d.splitter-1-00000000"
    live_stage = tmp_path / ".conf.d.splitter-999999-11111111"
    for path in (dead_temp, live_temp, stranger):
        path.write_text("partial")
    for path in (dead_stage, live_stage):
        (path / "lxc").mkdir(parents=True)
    holders = [os.open(live_temp, os.O_RDONLY), os.open(live_stage, os.O_RDONLY)]
    for fd in holders:
        fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        assert run("split", FIXTURE, "-o", tmp_path / "conf.d").exit_code == 0
        assert run("merge", tmp_path / "conf.d", "-o", out).exit_code == 0
    finally:
        for fd in holders:
            os.close(fd)
    assert out.read_bytes() == FIXTURE.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".conf.d.splitter-999999-11111111", ".out.json.splitter-999999-89abcdef", ".out.json.splitter-notes",
         "conf.d", "out.json"])


def test_update_writes_nothing_beside_the_tree_and_names_it_when_it_cannot_write(tmp_path: Path, fixture_trees,
                                                                                 monkeypatch) -> None:
    import errno

    tree, _, new_mono = fixture_trees
    before, parent = snapshot(tree), os.stat(tree.parent).st_mtime_ns

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    with monkeypatch.context() as patch:
        patch.setattr(os, "mkdir", read_only)
        refused = run("update", tree, new_mono)
    assert refused.exit_code == 2
    assert refused.stderr == f"splitter: {tree}: cannot write into the tree: Read-only file system; nothing was " \
                             "changed\n"
    assert snapshot(tree) == before
    assert run("update", tree, new_mono).exit_code == 0
    # a tree whose parent folder is not writable, or that is a mount point, is updated all the same
    assert os.stat(tree.parent).st_mtime_ns == parent
    assert run("verify", tree, new_mono).exit_code == 0


def test_update_with_base_after_a_new_default_gives_the_same_bytes_under_every_hash_seed(tmp_path: Path) -> None:
    """The guide's "move a key into the base" (here a new default every container takes), then the monolith
    changes some containers (other values, new keys before and after the others): update --base proves its
    tree, and writes the same bytes whatever PYTHONHASHSEED (key orders were once taken from a set of ids)."""
    tree = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", tree).exit_code == 0
    base_file = tree / "defaults" / "lxc_base.json"
    base_file.write_text(json.dumps({"new_default": "x", **json.loads(base_file.read_text())}, indent=2) + "\n")
    doc = json.loads(FIXTURE.read_bytes())
    configs = doc["lxc_configs"]
    for index in (1, 4, 7, 9):
        ctid = list(configs)[index]
        changed = dict(configs[ctid], cores=configs[ctid].get("cores", 1) + 1)
        configs[ctid] = {f"zz{index}": 1, **changed} if index % 2 else {**changed, f"aa{index}": 2}
    new = write_doc(tmp_path / "new.json", doc)
    results = []
    for seed in ("0", "1", "2"):
        copy_ = tmp_path / f"seed{seed}"
        shutil.copytree(tree, copy_)
        done = subprocess.run([sys.executable, "-m", "splitter", "update", str(copy_), str(new), "--base", str(FIXTURE)],
                              env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        results.append(snapshot(copy_))
    assert results[0] == results[1] == results[2]
    merged = json.loads(run("merge", tmp_path / "seed0").stdout)["lxc_configs"]  # both sides' edits kept
    assert merged == {ctid: {**config, "new_default": "x"} for ctid, config in configs.items()}


@pytest.mark.parametrize("source, pointer, renamed, id_key", [
    ("phoenix_vm_configs.json", "/vms", "VMs", "vmid"),
    ("phoenix_stacks_config.json", "/docker_stacks", "docker-stacks", None)])
def test_a_collection_whose_folder_collides_with_another_is_refused_even_with_force(
        tmp_path: Path, source: str, pointer: str, renamed: str, id_key: str | None) -> None:
    first = FIXTURE.parent / "collections" / source
    ids = ["--id-key", id_key] if id_key else []
    tree = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", tree).exit_code == 0
    assert run("split", first, "--collection", pointer, *ids, "-o", tree).exit_code == 0
    doc = json.loads(first.read_bytes())
    doc = {(renamed if key == pointer[1:] else key): value for key, value in doc.items()}
    second = tmp_path / "second.json"
    second.write_text(json.dumps(doc, indent=2))
    before = snapshot(tree)
    folder = pointer[1:].lower().replace("_", "-")
    for force in ([], ["--force"]):
        refused = run("split", second, "--collection", "/" + renamed, *ids, "-o", tree, *force)
        assert refused.exit_code == 2
        assert refused.stderr == (f"splitter: {tree}: already holds the collection {pointer} in {folder}/, where "
                                  f"/{renamed} would go; name another folder with --folder NAME; nothing was written\n")
        assert snapshot(tree) == before
    way_out = run("split", second, "--collection", "/" + renamed, *ids, "-o", tree, "--folder", "second")
    assert way_out.exit_code == 0, way_out.stderr
    assert run("verify", tree, first, "--collection", folder).exit_code == 0
    assert run("verify", tree, second, "--collection", "second").exit_code == 0
    assert run("verify", tree, FIXTURE).exit_code == 0


def test_a_tree_that_is_a_mount_point_is_split_and_updated_and_a_mounted_subfolder_refused(
        tmp_path: Path, fixture_trees) -> None:
    """In a private mount namespace (unshare -m; skipped where it is not allowed): tmpfs mounted on the tree."""
    _, _, new_mono = fixture_trees
    tree = tmp_path / "mounted"
    tree.mkdir()
    splitter = f"{sys.executable} -m splitter"
    script = f"""set -e
mount -t tmpfs none {tree}
{splitter} split {FIXTURE} -o {tree}
{splitter} update {tree} {new_mono}
{splitter} verify {tree} {new_mono}
{splitter} split {FIXTURE} -o {tree} --force --discard-edits
mkdir -p {tmp_path}/lxc-elsewhere && cp {tree}/lxc/* {tmp_path}/lxc-elsewhere/
mount -t tmpfs none {tree}/lxc && cp {tmp_path}/lxc-elsewhere/* {tree}/lxc/
{splitter} update {tree} {new_mono} || echo "refused: $?"
{splitter} verify {tree} {FIXTURE}
ls -A {tree}
"""
    if subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs none {tree}"],
                      capture_output=True).returncode != 0:
        pytest.skip("no private mount namespace here")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "refused: 2" in lines and f"{tree} merges into the same document as {FIXTURE}" in lines
    assert f"splitter: {tree}: cannot write into the tree: lxc/ is another file system than the tree's top " \
           "folder; nothing was changed" in done.stderr
    assert lines[-4:] == ["defaults", "globals.json", "layout.json", "lxc"]  # nothing stray, no lock file
    assert not any(tree.iterdir())  # all of it was on the mounts


def test_a_full_disk_when_the_journal_is_written_changes_nothing(tmp_path: Path, fixture_trees,
                                                                 monkeypatch) -> None:
    import errno

    from splitter.tree import transaction

    tree, _, new_mono = fixture_trees
    before = snapshot(tree)
    real_open = open

    def full(path, *args, **kwargs):
        if str(path).endswith("journal.json.part"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(transaction, "open", full, raising=False)
    result = run("update", tree, new_mono)
    assert result.exit_code == 2
    assert result.stderr == f"splitter: {tree}: cannot write into the tree: No space left on device; nothing was " \
                            "changed\n"
    assert snapshot(tree) == before
