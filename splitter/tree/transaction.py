"""Writing many files of a tree all or nothing: staged in the tree, a journal as commit point, replayed if cut."""

from __future__ import annotations

import errno
import json
import os
import signal
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

from splitter.errors import BadInput, WriteError
from splitter.tree.lock import DEFAULT_WAIT, locked
from splitter.tree.files import write_files

TRANSACTION = ".splitter-txn"  # hidden, at the tree's top: never a tree file, and `check` passes over it
_JOURNAL = "journal.json"
_NEW, _OLD = "new", "old"
# the cut commits this process finished, (tree, files written, files removed): the command line says so once
_finished: list[tuple[Path, int, int]] = []


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) during a commit: `committed` says whether the new files are in place (the commit was
    finished first) or none is (it was undone)."""

    def __init__(self, committed: bool):
        super().__init__()
        self.committed = committed


def _step(kind: str, relative: str = "") -> None:
    """Called before each file-system step of a commit; tests replace it to kill the process there."""


def commit_files(root: Path, written: dict[str, bytes], removed: Iterable[str] = (),
                 check: Callable[[Path], None] | None = None, wait: float = DEFAULT_WAIT) -> None:
    """Write `written` (POSIX path relative to root -> bytes) into the tree folder `root` and delete `removed`
    (relative paths), all or nothing; files not named are never touched.

    The files are first staged in ROOT/.splitter-txn/new and `check(staged folder)` (e.g. a proof that they
    merge back; it raises to refuse) is called on them. Then a journal naming every move is written and
    renamed into place: that rename is the commit point. Before it, a cut (SIGKILL, power cut) leaves the
    tree as it was; after it, the moves are replayed to the end by the next splitter command that locks the
    tree (`recover`). Everything happens inside `root`, so a tree that is a mount point, or whose parent is
    not writable, works alike. Holds the tree's lock (lock.locked, waiting up to `wait` seconds); a caller
    that read the tree to decide what to write must hold it from that read on (`with locked(root):`).
    Ctrl-C before the commit point undoes, after it finishes, and raises Interrupted. Raises WriteError
    (exit 2, the tree put back as it was) when a step fails, Busy when another splitter holds the lock.
    """
    removed = [relative for relative in dict.fromkeys(removed) if relative not in written]
    for relative in [*written, *removed]:
        _safe(relative, str(root))
    with writing(root, wait):
        folder = root / TRANSACTION
        try:
            _stage(root, folder, written)
            if check is not None:
                check(folder / _NEW)
            had = _back_up(root, folder, [*written, *removed])
            _step("journal")
            try:
                _write_journal(folder, {"written": list(written), "removed": removed,
                                        "files": _identities(root, folder, written, removed)})
            except OSError as error:
                raise WriteError(f"cannot write into the tree: {error.strerror or error}; nothing was changed",
                                 str(root)) from None
        except KeyboardInterrupt:
            _abandon(folder)
            raise Interrupted(committed=False) from None
        except BaseException:
            _abandon(folder)
            raise
        _apply_committed(root, folder, list(written), removed, had)


def _safe(relative: str, where: str) -> None:
    parts = relative.split("/")
    if relative.startswith("/") or any(part in ("", ".", "..") for part in parts) or parts[0] == TRANSACTION:
        raise BadInput(f"{relative!r} is not a path inside the tree", where)


def _stage(root: Path, folder: Path, written: dict[str, bytes]) -> None:
    try:
        _step("mkdir")
        folder.mkdir()
        (folder / _NEW).mkdir()
        fd = os.open(folder / _NEW, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            write_files(folder / _NEW, fd, written, before=lambda relative: _step("stage", relative))
        finally:
            os.close(fd)
        _same_device(root, folder, written)
    except OSError as error:
        raise WriteError(f"cannot write into the tree: {error.strerror or error}; nothing was changed",
                         str(root)) from None


def _same_device(root: Path, folder: Path, written: dict[str, bytes]) -> None:
    """A folder of the tree that is another mount point cannot take a rename from the staging folder: refuse
    before the commit point rather than fail half way (EXDEV)."""
    device = os.stat(folder).st_dev
    for top in {relative.split("/")[0] for relative in written if "/" in relative}:
        try:
            if os.stat(root / top).st_dev != device:
                raise OSError(errno.EXDEV, f"{top}/ is another file system than the tree's top folder")
        except FileNotFoundError:
            pass


def _back_up(root: Path, folder: Path, relatives: list[str]) -> dict[str, bool]:
    """Hard-link every file the commit replaces or removes into the staging folder's old/, so that a step that
    fails can put it back; whether root had each file."""
    had = {}
    try:
        for relative in relatives:
            had[relative] = os.path.lexists(root / relative)
            if had[relative]:
                (folder / _OLD / relative).parent.mkdir(parents=True, exist_ok=True)
                _step("back up", relative)
                try:
                    os.link(root / relative, folder / _OLD / relative, follow_symlinks=False)
                except OSError:
                    import shutil  # imported where used: every reader of a tree imports this module

                    shutil.copy2(root / relative, folder / _OLD / relative, follow_symlinks=False)
        _sync(folder)
    except OSError as error:
        raise WriteError(f"cannot write into the tree: {error.strerror or error}; nothing was changed",
                         str(root)) from None
    return had


def _identity(path: Path) -> list | None:
    """A file as the journal knows it: inode, size and modification time (a rename keeps all three; git writing
    the file, or an editor saving it, changes one); None where there is none."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    return [status.st_ino, status.st_size, status.st_mtime_ns]


def _identities(root: Path, folder: Path, written: dict[str, bytes], removed: list[str]) -> dict:
    """Each file the journal moves or removes: before (the tree's), after (the staged one's) and the staged
    content's SHA-256 (a file put back by content, as `git stash pop` does, is still the one moved)."""
    import hashlib

    return {relative: [_identity(root / relative),
                       _identity(folder / _NEW / relative) if relative in written else None,
                       hashlib.sha256(written[relative]).hexdigest() if relative in written else None]
            for relative in [*written, *removed]}


def _digest(path: Path) -> str | None:
    """The SHA-256 of a file's bytes; None where it cannot be read."""
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _changed_since(root: Path, folder: Path, written: list[str], removed: list[str], files: dict) -> str | None:
    """The first file of the tree that is neither as the journal left it nor as it found it (git restored it,
    someone edited it after the cut); None when the journal still describes the tree."""
    for relative, moves in [*((relative, True) for relative in written), *((relative, False) for relative in removed)]:
        before, after, digest = (list(files.get(relative) or []) + [None] * 3)[:3]  # older journals: two
        now = _identity(root / relative)
        moved = moves and not os.path.lexists(folder / _NEW / relative)
        if now == (after if moved else before) or (not moves and now is None):  # removed already, or not yet
            continue
        # another inode or time, maybe the same bytes (git stash and stash pop write the files anew)
        want = digest if moved else _digest(folder / _OLD / relative) if before is not None else None
        if now is not None and want is not None and _digest(root / relative) == want:
            continue
        return relative
    return None


def _write_journal(folder: Path, moves: dict) -> None:
    """The commit point: the journal appears whole (written aside, synced, renamed) or not at all."""
    aside = folder / (_JOURNAL + ".part")
    with open(aside, "xb") as handle:
        handle.write(json.dumps(moves).encode())
        handle.flush()
        if os.environ.get("SPLITTER_FSYNC") != "0":
            os.fsync(handle.fileno())
    os.replace(aside, folder / _JOURNAL)
    if os.environ.get("SPLITTER_FSYNC") == "0":
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)  # the rename itself durable: the commit happened
    finally:
        os.close(fd)


def _apply_committed(root: Path, folder: Path, written: list[str], removed: list[str], had: dict) -> None:
    """Make the committed moves with SIGINT and SIGTERM held back, so that no signal stops them half way; a
    step that fails puts back what was done (the backups in old/) and raises WriteError."""
    signals = {signal.SIGINT, signal.SIGTERM}
    held = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    done: list[str] = []
    try:
        try:
            _replay(root, folder, written, removed, done)
        except OSError as error:
            undone = _put_back(root, folder, set(written), done, had)
            raise WriteError(f"cannot update: {error.strerror or error}; " + (
                "the tree was put back as it was" if undone else
                "the next splitter command that writes the tree finishes the update"), str(root)) from None
        _finish(root, folder)
    finally:
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a Ctrl-C held back is raised here
        except KeyboardInterrupt:
            raise Interrupted(committed=True) from None


def _replay(root: Path, folder: Path, written: list[str], removed: list[str], done: list[str]) -> None:
    """The journal's moves, each one skipped where it is done already: replaying them again is harmless."""
    for relative in written:
        staged = folder / _NEW / relative
        if os.path.lexists(staged):
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            _step("move", relative)
            os.replace(staged, root / relative)
            done.append(relative)
    for relative in removed:
        if os.path.lexists(root / relative):
            _step("remove", relative)
            os.unlink(root / relative)
            done.append(relative)


def _put_back(root: Path, folder: Path, written: set[str], done: list[str], had: dict) -> bool:
    """Undo the moves done, newest first, each moved file back to new/ before its backup is restored, so that
    the journal stays true at every step (a cut here is replayed to the end). Whether all was undone."""
    try:
        for relative in reversed(done):
            if relative in written:
                os.replace(root / relative, folder / _NEW / relative)
            if had[relative] and relative in written:
                os.replace(folder / _OLD / relative, root / relative)
            elif had[relative]:
                os.link(folder / _OLD / relative, root / relative)
        os.unlink(folder / _JOURNAL)
    except OSError:
        return False
    _abandon(folder)
    return True


def _finish(root: Path, folder: Path) -> None:
    """The moves made durable, then the journal removed (the transaction is over), then the staging folder."""
    _sync(root)
    _step("finish")
    os.unlink(folder / _JOURNAL)
    _abandon(folder)


def _abandon(folder: Path) -> None:
    _step("clean up")
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def _sync(folder: Path) -> None:
    """syncfs(2) the file system holding folder, where the C library has it (one call for all the files).
    SPLITTER_FSYNC=0 leaves durability to the file system, as eatmydata does (throwaway trees, tests)."""
    import ctypes

    if os.environ.get("SPLITTER_FSYNC") == "0":
        return

    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syncfs(fd)
    except (OSError, AttributeError):
        os.sync()
    finally:
        os.close(fd)


def recover(root: Path) -> bool:
    """Finish or undo a commit cut short in the tree folder `root` (the caller holds its lock): with a journal,
    replay its moves to the end; without, remove the staging folder (the tree was not touched). Returns whether
    there was anything to do. Raises WriteError naming the tree when it cannot (a read-only file system)."""
    folder = root / TRANSACTION
    if not os.path.lexists(folder):
        return False
    journal = folder / _JOURNAL
    try:
        if os.path.exists(journal):
            moves = json.loads(journal.read_bytes())
            written, removed = list(moves["written"]), list(moves["removed"])
            for relative in [*written, *removed]:
                _safe(relative, str(journal))
            changed = _changed_since(root, folder, written, removed, moves["files"]) if "files" in moves else None
            if changed is not None:
                raise BadInput(f"holds a write cut short that was not finished: {changed} changed since the cut (git "
                               f"checkout, or an edit), so the journal no longer describes the tree and nothing was "
                               f"replayed; to keep the tree as it is now, move the staging folder out of the "
                               f"repository (mv {folder} /tmp/), then run the command that was cut again", str(root))
            _replay(root, folder, written, removed, [])
            _finish(root, folder)
            _finished.append((root, len(written), len(removed)))
        else:
            _abandon(folder)
    except (ValueError, KeyError, TypeError):
        raise BadInput(f"is a damaged journal of an interrupted write; move {folder} away to keep the tree as it "
                       "is now", str(journal)) from None
    except OSError as error:
        raise WriteError(f"holds an interrupted write that cannot be finished: {error.strerror or error}; run "
                         "`splitter update` or `splitter split --force` where it can write", str(root)) from None
    if os.path.lexists(folder):
        raise WriteError(f"holds {TRANSACTION}, which cannot be removed; remove it by hand", str(root))
    return True


@contextmanager
def writing(root: Path, wait: float = DEFAULT_WAIT) -> Iterator[None]:
    """Hold the tree's lock as its one writer (waiting up to `wait` seconds, then Busy), a commit cut short
    finished or undone first (recover): for a command from reading the tree to its last file written."""
    with locked(root, wait):
        recover(root)
        yield


@contextmanager
def reading(root: Path) -> Iterator[None]:
    """Hold the tree's lock shared for a reader: it sees the tree before a writer's commit or after it, never
    half way. A commit cut short after its commit point is finished first (under the writer's lock); one cut
    before it left the tree as it was."""
    finish_interrupted(root)
    with locked(root, shared=True):
        yield


def cut_short(root: Path) -> bool:
    """Whether the tree folder holds a commit cut short after its commit point (its journal), which the next
    command that reads or writes it finishes."""
    return os.path.exists(root / TRANSACTION / _JOURNAL)


def finished_cut_writes() -> list[tuple[Path, int, int]]:
    """Take the commits cut short that this process finished since the last call (recover), each as (tree folder
    as the caller named it, files written, files removed), oldest first; the record is emptied. The library
    says nothing itself: the command line tells the user (cli.output.telling_finished_writes)."""
    taken = list(_finished)
    _finished.clear()
    return taken


def finish_interrupted(root: Path) -> None:
    """Replay a commit cut short after its commit point (under the writer's lock), so that no reader reads a tree
    half written; nothing to do in a tree without a journal. Raises WriteError where it cannot write."""
    if cut_short(root):
        with locked(root):
            recover(root)
