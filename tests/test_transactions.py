"""All or nothing: update, tidy and split --force killed before any file-system step, two writers at once, Ctrl-C."""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import FIXTURE, run
from merge_scenarios import git
from splitter.cli.app import app
from splitter.discovery.fleet import monolith as fleet
from splitter.exact.style import Style
from splitter.exact.write import dumps
from splitter.tree import transaction

TXN = transaction.TRANSACTION


@pytest.fixture(autouse=True)
def no_sync(monkeypatch) -> None:
    """A kill is not a power cut: the tests need no data on the disk itself, and syncing a shared disk is slow."""
    monkeypatch.setenv("SPLITTER_FSYNC", "0")


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def tree_only(root: Path) -> dict[str, bytes]:
    return {name: data for name, data in snapshot(root).items() if not name.startswith(TXN + "/")}


def edited(doc: dict) -> dict:
    """The monolith changed in every way update writes: values, a rename (a new file name), removal, addition."""
    doc = copy.deepcopy(doc)
    configs = doc["lxc_configs"]
    ids = list(configs)
    configs[ids[0]]["cores"] = 77
    configs[ids[1]]["name"] = "renamed-by-the-test"
    del configs[ids[2]]
    configs["99999"] = dict(configs[ids[3]], name="added-by-the-test")
    return doc


def kill_at(step: int, args: list) -> tuple[list[str], int]:
    """Run the CLI in a forked child that SIGKILLs itself before its `step`-th file-system step (1-based; 0 runs
    it through). Returns the steps it reached ("kind relative") and its wait status."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        seen = [0]

        def hook(kind: str, relative: str = "") -> None:
            seen[0] += 1
            os.write(write, f"{kind} {relative}\n".encode())
            if seen[0] == step:
                os.kill(os.getpid(), signal.SIGKILL)

        transaction._step = hook
        code = CliRunner().invoke(app, [str(arg) for arg in args]).exit_code
        os._exit(code)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    return b"".join(chunks).decode().splitlines(), status


def write_doc(path: Path, doc: dict, style: Style = Style(indent="    ")) -> Path:
    path.write_bytes(dumps(doc, style))
    return path


def kill_every_step(tmp_path: Path, old_tree: Path, command: list, new_mono: Path, old_mono: Path,
                    sample=lambda steps: range(1, len(steps) + 1)) -> dict[str, int]:
    """Kill `command` (which writes to ./conf.d) before each sampled step on a copy of old_tree; after each
    kill the tree is the old one, the new one, or holds a journal that the next reader or run finishes; the
    run repeated ends with exactly the bytes of an uninterrupted run and nothing stray. Outcomes counted."""
    work = tmp_path / "work"
    tree = work / "conf.d"
    shutil.copytree(old_tree, tree)
    steps, status = kill_at(0, [a if a != "DIR" else tree for a in command])
    assert os.waitstatus_to_exitcode(status) == 0
    new, old = snapshot(tree), snapshot(old_tree)
    assert new != old and steps
    outcomes = {"old": 0, "new": 0, "journal": 0}
    for index in sample(steps):
        shutil.rmtree(work)
        shutil.copytree(old_tree, tree)
        reached, status = kill_at(index, [a if a != "DIR" else tree for a in command])
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, steps[index - 1]
        if (tree / TXN / "journal.json").exists():
            outcomes["journal"] += 1
            first = run("verify", tree, new_mono)  # a reader finishes the commit first, and says so
            assert first.exit_code == 1 and "finished a write that was cut short first" in first.stderr
            assert run("verify", tree, new_mono).exit_code == 0
        else:
            state = tree_only(tree)
            assert state in (old, new), f"killed before {steps[index - 1]}: a tree that is neither"
            outcomes["old" if state == old else "new"] += 1
            assert run("verify", tree, old_mono if state == old else new_mono).exit_code == 0
        again = run(*[a if a != "DIR" else tree for a in command])
        assert again.exit_code == 0, again.stderr
        assert snapshot(tree) == new, f"killed before {steps[index - 1]}: the next run did not finish it"
        assert sorted(p.name for p in work.iterdir()) == ["conf.d"]  # nothing stray beside the tree
    print(f"{command[0]}: {len(steps)} steps, {sum(outcomes.values())} kills: {outcomes}")  # for -s: the figures
    return outcomes


@pytest.fixture
def fixture_trees(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A tree split from the fixture, the fixture, and the fixture edited (in its own style)."""
    tree = tmp_path / "old" / "conf.d"
    assert run("split", FIXTURE, "-o", tree).exit_code == 0
    doc = json.loads(FIXTURE.read_bytes())
    return tree, FIXTURE, write_doc(tmp_path / "new.json", edited(doc))


def spread(steps: list[str]) -> list[int]:
    """The first and last step of each kind (1-based), where killing at every step takes too long."""
    chosen: set[int] = set()
    for kind in dict.fromkeys(step.split(" ")[0] for step in steps):
        where = [index for index, step in enumerate(steps, 1) if step.split(" ")[0] == kind]
        chosen |= {where[0], where[-1]}
    return sorted(chosen)


@pytest.mark.parametrize("every", [pytest.param(False), pytest.param(True, marks=pytest.mark.slow)])
def test_update_killed_before_any_step_leaves_the_old_or_new_tree_or_one_the_next_run_finishes(
        tmp_path: Path, fixture_trees, every: bool) -> None:
    tree, old_mono, new_mono = fixture_trees
    outcomes = kill_every_step(tmp_path, tree, ["update", "DIR", new_mono], new_mono, old_mono,
                               *(() if every else (spread,)))
    assert outcomes["old"] and outcomes["journal"] and outcomes["new"]


@pytest.mark.parametrize("every", [pytest.param(False), pytest.param(True, marks=pytest.mark.slow)])
def test_split_force_killed_before_any_step_leaves_the_old_or_new_tree(tmp_path: Path, fixture_trees,
                                                                       every: bool) -> None:
    tree, old_mono, new_mono = fixture_trees
    outcomes = kill_every_step(tmp_path, tree, ["split", new_mono, "-o", "DIR", "--force", "--discard-edits"], new_mono, old_mono,
                               *(() if every else (spread,)))
    assert outcomes["old"] and outcomes["journal"]


def restated(tree: Path) -> Path:
    """The tree with hand edits tidy undoes: every container file restates the base's scalar values."""
    base = json.loads((tree / "defaults" / "lxc_base.json").read_bytes())
    scalars = {key: value for key, value in base.items()
               if not key.startswith("$") and not isinstance(value, (dict, list))}
    for file in sorted((tree / "lxc").glob("*.json")):
        own = json.loads(file.read_bytes())
        file.write_text(json.dumps({**own, **{k: v for k, v in scalars.items() if k not in own}}, indent=4))
    return tree


@pytest.mark.parametrize("every", [pytest.param(False), pytest.param(True, marks=pytest.mark.slow)])
def test_tidy_killed_before_any_step_leaves_the_old_or_new_tree_or_one_the_next_run_finishes(
        tmp_path: Path, fixture_trees, every: bool) -> None:
    tree, old_mono, _ = fixture_trees
    restated(tree)
    assert run("verify", tree, old_mono).exit_code == 0
    outcomes = kill_every_step(tmp_path, tree, ["tidy", "DIR"], old_mono, old_mono, *(() if every else (spread,)))
    assert outcomes["old"] and outcomes["journal"]


@pytest.mark.slow
@pytest.mark.parametrize("command", ["update", "split"])
def test_a_tree_of_thousands_killed_at_each_kind_of_step(tmp_path: Path, command: str) -> None:
    doc = fleet(3000)
    old_mono = write_doc(tmp_path / "old.json", doc)
    new_mono = write_doc(tmp_path / "new.json", edited(doc))
    tree = tmp_path / "old" / "conf.d"
    assert run("split", old_mono, "-o", tree).exit_code == 0
    args = ["update", "DIR", new_mono] if command == "update" else ["split", new_mono, "-o", "DIR", "--force", "--discard-edits"]
    outcomes = kill_every_step(tmp_path, tree, args, new_mono, old_mono, spread)
    assert outcomes["old"] and outcomes["journal"]


def pause_at(kind: str, seconds: float, args: list) -> tuple[int, int]:
    """A forked writer that sleeps before its first step of `kind` (holding the tree's lock); returns its pid
    once it is there, and the read end of a pipe that closes when it ends."""
    ready_read, ready_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(ready_read)

        def hook(step: str, relative: str = "") -> None:
            if step == kind:
                os.write(ready_write, b"x")
                time.sleep(seconds)

        transaction._step = hook
        code = CliRunner().invoke(app, [str(arg) for arg in args]).exit_code
        os._exit(code)
    os.close(ready_write)
    assert os.read(ready_read, 1) == b"x"
    return pid, ready_read


def test_a_second_writer_waits_or_refuses_and_never_interleaves(tmp_path: Path, fixture_trees) -> None:
    tree, old_mono, new_mono = fixture_trees
    doc = json.loads(FIXTURE.read_bytes())
    doc["lxc_configs"][list(doc["lxc_configs"])[5]]["memory"] = 999
    other = write_doc(tmp_path / "other.json", doc)
    pid, done = pause_at("journal", 1.0, ["update", tree, new_mono])
    refused = run("update", tree, other, "--wait", "0.1")
    assert refused.exit_code == 2
    assert refused.stderr == f"splitter: {tree}: another splitter is writing {tree}; waited 0.1 s (--wait SECONDS " \
                             "waits longer)\n"
    forced = run("split", other, "-o", tree, "--force", "--discard-edits", "--wait", "0")
    assert forced.exit_code == 2 and "another splitter is writing" in forced.stderr
    merged = run("merge", tree)  # a reader waits for the writer and sees its whole tree
    assert merged.stdout_bytes.rstrip(b"\n") == new_mono.read_bytes().rstrip(b"\n")
    _, status = os.waitpid(pid, 0)
    os.close(done)
    assert os.waitstatus_to_exitcode(status) == 0
    waited = run("update", tree, other, "--wait", "5")
    assert waited.exit_code == 0
    assert run("verify", tree, other).exit_code == 0


@pytest.mark.parametrize("trials", [pytest.param(2), pytest.param(8, marks=pytest.mark.slow)])
def test_two_updates_started_at_once_leave_the_tree_of_one_of_them(tmp_path: Path, fixture_trees,
                                                                   trials: int) -> None:
    tree, _, new_mono = fixture_trees
    doc = json.loads(FIXTURE.read_bytes())
    doc["lxc_configs"][list(doc["lxc_configs"])[5]]["memory"] = 999
    other = write_doc(tmp_path / "other.json", doc)
    pristine = tmp_path / "pristine"
    shutil.copytree(tree, pristine)
    for _ in range(trials):
        shutil.rmtree(tree)
        shutil.copytree(pristine, tree)
        runs = [subprocess.Popen([sys.executable, "-m", "splitter", "update", str(tree), str(mono)],
                                 stderr=subprocess.PIPE) for mono in (new_mono, other)]
        codes = [proc.wait(60) for proc in runs]
        for proc in runs:
            proc.stderr.close()
        assert sorted(codes) in ([0, 0], [0, 2])
        verified = [run("verify", tree, mono).exit_code == 0 for mono in (new_mono, other)]
        assert any(verified[i] for i in range(2) if codes[i] == 0)
        assert not (tree / TXN).exists()


@pytest.mark.parametrize("kind, committed", [("stage", False), ("journal", False), ("move", True),
                                             ("remove", True)])
def test_ctrl_c_undoes_or_finishes_and_says_so(tmp_path: Path, fixture_trees, monkeypatch, kind: str,
                                               committed: bool) -> None:
    tree, old_mono, new_mono = fixture_trees
    before = snapshot(tree)

    def interrupt(step: str, relative: str = "") -> None:
        if step == kind:  # Ctrl-C reaches the process's one thread (under pytest-xdist a worker has others)
            signal.pthread_kill(threading.get_ident(), signal.SIGINT)

    monkeypatch.setattr(transaction, "_step", interrupt)
    result = run("update", tree, new_mono)
    assert result.exit_code == 130
    if committed:
        assert result.stderr == f"splitter: interrupted; the write was finished first: {tree} is the new tree\n"
        assert run("verify", tree, new_mono).exit_code == 0
    else:
        assert result.stderr == f"splitter: interrupted; nothing was written to {tree}\n"
        assert snapshot(tree) == before
    assert not (tree / TXN).exists()


@pytest.mark.parametrize("reader", [["check", "DIR"], ["diff", "DIR", "NEW"], ["show", "DIR", "9000"],
                                    ["show", "DIR", "9000", "--explain"], ["merge", "DIR"],
                                    ["tidy", "DIR", "--dry-run"], ["tidy", "DIR"]])
def test_every_reader_finishes_a_write_cut_after_its_commit_point(tmp_path: Path, fixture_trees,
                                                                   reader: list) -> None:
    """Trial 11: check, show, tidy --dry-run finished a killed run's write silently. Every command says the same
    one line (naming the tree and the files the cut run wrote), then does what it does on the finished tree."""
    tree, _, new_mono = fixture_trees
    shutil.copytree(tree, tmp_path / "counted")
    steps, _ = kill_at(0, ["update", tmp_path / "counted", new_mono])
    first_move = next(index for index, step in enumerate(steps, 1) if step.startswith("move"))
    _, status = kill_at(first_move + 1, ["update", tree, new_mono])
    assert os.WIFSIGNALED(status) and (tree / TXN / "journal.json").exists()
    moves = json.loads((tree / TXN / "journal.json").read_bytes())
    command = [{"DIR": tree, "NEW": new_mono}.get(arg, arg) for arg in reader]
    result = run(*command)
    assert not (tree / TXN).exists()
    assert tree_only(tree) == tree_only(tmp_path / "counted") or reader == ["tidy", "DIR"]  # it tidies further
    line = (f"splitter: {tree}: finished a write that was cut short first, so its files changed on disk: the "
            f"cut run's {len(moves['written'])} file(s) written, {len(moves['removed'])} removed")
    said = [text for text in result.stderr.splitlines() if "cut short" in text]
    assert len(said) == 1 and said[0].startswith(line), result.stderr
    if reader != ["tidy", "DIR"]:  # a reader's result is the one it gives on the finished tree
        again = run(*command)
        assert (result.exit_code, result.stdout) == (again.exit_code, again.stdout)
        assert result.stderr.replace(said[0] + "\n", "") == again.stderr
    else:
        assert result.exit_code == 0, result.stderr
    assert run("verify", tree, new_mono).exit_code == 0


def test_a_journal_is_not_replayed_over_a_tree_git_put_back(tmp_path: Path, fixture_trees) -> None:
    """An update killed half way through its moves, then the tree put back with `git checkout -- .`: the next
    command replays nothing (the journal no longer describes the tree: a moved file is not the one it moved),
    says so in one line (exit 2), and the tree stays as git left it; moving the staging folder away as the
    message says, the update runs again to the new tree."""
    tree, old_mono, new_mono = fixture_trees
    work = tmp_path / "work"
    shutil.copytree(tree.parent, work)
    root = work / "conf.d"
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "old tree")
    moves = [index for index, step in enumerate(kill_at(0, ["update", root, new_mono])[0], 1) if step.startswith("move")]
    git(work, "checkout", "-q", "--", ".")  # the run above finished: back to the old tree
    git(work, "clean", "-q", "-fd")
    assert len(moves) >= 2
    kill_at(moves[0] + 1, ["update", root, new_mono])  # killed after the first move
    git(work, "checkout", "-q", "--", ".")  # the usual way to put back the committed files
    restored = tree_only(root)
    refused = run("verify", root, old_mono)
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1
    assert "nothing was replayed" in refused.stderr and f"mv {root / '.splitter-txn'} /tmp/" in refused.stderr
    assert tree_only(root) == restored
    shutil.move(root / ".splitter-txn", tmp_path / "aside")
    assert run("verify", root, old_mono).exit_code == 0
    assert run("update", root, new_mono).exit_code == 0 and run("verify", root, new_mono).exit_code == 0


def test_a_journal_is_replayed_over_files_git_stash_wrote_back_unchanged(tmp_path: Path, fixture_trees) -> None:
    """Killed half way through its moves, then `git stash` and `git stash pop` (new inodes and times, the same
    bytes): the journal still describes the tree by content, so the next command finishes the update."""
    tree, old_mono, new_mono = fixture_trees
    work = tmp_path / "work"
    shutil.copytree(tree.parent, work)
    root = work / "conf.d"
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "old tree"]):
        git(work, *command)
    moves = [index for index, step in enumerate(kill_at(0, ["update", root, new_mono])[0], 1) if step.startswith("move")]
    git(work, "checkout", "-q", "--", ".")
    git(work, "clean", "-q", "-fd")
    kill_at(moves[0] + 1, ["update", root, new_mono])  # killed after the first move
    git(work, "stash", "-q")
    git(work, "stash", "pop", "-q")
    first = run("verify", root, new_mono)
    assert first.exit_code == 1 and "finished a write that was cut short first" in first.stderr, first.stderr
    assert run("verify", root, new_mono, "--byte-exact").exit_code == 0


def test_verify_in_json_says_it_finished_a_cut_write(tmp_path: Path, fixture_trees) -> None:
    """A hook running `verify --format json` after a killed update: the report says the tree's files changed on
    disk (finished_cut_write) and the exit code is 1; the next verify finds nothing to finish."""
    tree, old_mono, new_mono = fixture_trees
    root = tmp_path / "conf.d"
    shutil.copytree(tree, root)
    moves = [index for index, step in enumerate(kill_at(0, ["update", root, new_mono])[0], 1) if step.startswith("move")]
    shutil.rmtree(root)
    shutil.copytree(tree, root)
    kill_at(moves[0] + 1, ["update", root, new_mono])  # killed after the first move: a journal to finish
    assert (root / TXN / "journal.json").exists()
    first = run("verify", root, new_mono, "--format", "json")
    assert first.exit_code == 1 and json.loads(first.stdout)["finished_cut_write"] is True
    again = run("verify", root, new_mono, "--format", "json")
    assert again.exit_code == 0 and json.loads(again.stdout) | {"differences": []} == json.loads(again.stdout)
    assert json.loads(again.stdout)["finished_cut_write"] is False and json.loads(again.stdout)["same_bytes"]


def test_update_says_it_finished_a_cut_write_before_updating(tmp_path: Path, fixture_trees) -> None:
    tree, old_mono, new_mono = fixture_trees
    root = tmp_path / "conf.d"
    shutil.copytree(tree, root)
    moves = [index for index, step in enumerate(kill_at(0, ["update", root, new_mono])[0], 1) if step.startswith("move")]
    finished = snapshot(root)
    shutil.rmtree(root)
    shutil.copytree(tree, root)
    kill_at(moves[0] + 1, ["update", root, new_mono])
    again = run("update", root, new_mono, "--format", "json")
    assert again.exit_code == 0 and f"splitter: {root}: finished a write that was cut short first" in again.stderr
    assert json.loads(again.stdout)["finished_cut_write"] is True
    assert snapshot(root) == finished


def test_the_plain_command_line_says_it_finished_a_cut_write(tmp_path: Path, fixture_trees, capsys) -> None:
    """`splitter merge DIR` runs without Typer (cli.quick): it says the same one line, and merges the new tree."""
    from splitter.cli.quick import main

    tree, _, new_mono = fixture_trees
    shutil.copytree(tree, tmp_path / "counted")
    steps, _ = kill_at(0, ["update", tmp_path / "counted", new_mono])
    first_move = next(index for index, step in enumerate(steps, 1) if step.startswith("move"))
    kill_at(first_move + 1, ["update", tree, new_mono])
    assert (tree / TXN / "journal.json").exists()
    capsys.readouterr()
    assert main(["merge", str(tree)]) == 0
    said = capsys.readouterr()
    assert said.err.startswith(f"splitter: {tree}: finished a write that was cut short first")
    assert said.err.count("\n") == 1
    assert said.out.encode() == run("merge", tmp_path / "counted").stdout_bytes
