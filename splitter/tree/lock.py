"""One writer per tree: flock(2) on the tree's own folder, shared by readers, waited for a bounded time."""

from __future__ import annotations

import errno
import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from splitter.errors import BadInput

DEFAULT_WAIT = 10.0  # seconds a command waits for another splitter writing the same tree
LOCK_FILE = ".splitter.lock"  # only where the file system cannot flock a folder (some NFS mounts)
_POLL = 0.05

# the locks this process holds, by (device, inode) of the tree folder: a command that holds the tree's lock
# reads and commits through the same lock (a second flock from one process on another descriptor would wait
# for itself)
_held: dict[tuple[int, int], list] = {}


class Busy(BadInput):
    """Another splitter holds the tree's lock longer than the wait allowed (exit 2)."""


def _open(root: Path) -> int:
    return os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


def _flock(fd: int, root: Path, how: int) -> int:
    """flock the folder; where the file system refuses to lock a folder, the lock file inside it instead.
    Returns the descriptor that holds the lock (the folder's, or the lock file's)."""
    try:
        fcntl.flock(fd, how | fcntl.LOCK_NB)
        return fd
    except OSError as error:
        if error.errno not in (errno.EBADF, errno.ENOLCK, errno.EINVAL, errno.EOPNOTSUPP):
            raise
    other = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(other, how | fcntl.LOCK_NB)
    except OSError:
        os.close(other)
        raise
    os.close(fd)
    return other


@contextmanager
def locked(root: Path, wait: float = DEFAULT_WAIT, shared: bool = False) -> Iterator[None]:
    """Hold the lock of the tree folder `root` for the block: exclusive for a writer, shared for a reader.

    Waits up to `wait` seconds for another process's lock, then raises Busy ("another splitter is writing
    DIR", exit 2). Reentrant within a process (a reader inside a writer's block uses the writer's lock). The
    lock is flock(2) on the folder itself, so nothing is added to the tree; on a file system that cannot
    lock a folder, `.splitter.lock` inside it (a hidden file, kept for good: removing a lock file races
    with its next user). flock(2) locks belong to the open file description, so a process in another PID
    namespace or container sharing the volume is excluded as well. A folder that cannot be opened raises
    BadInput naming it.
    """
    try:
        info = os.stat(root)
    except OSError as error:
        raise BadInput(error.strerror or str(error), str(root)) from None
    key = (info.st_dev, info.st_ino)
    if key in _held and (shared or not _held[key][1]):
        _held[key][2] += 1
        try:
            yield
        finally:
            _held[key][2] -= 1
        return
    try:
        fd = _open(root)
    except OSError as error:
        if shared:  # a reader that cannot lock reads as before locks existed
            yield
            return
        raise BadInput(error.strerror or str(error), str(root)) from None
    how = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    deadline = time.monotonic() + wait
    while True:
        try:
            fd = _flock(fd, root, how)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise Busy(f"another splitter is writing {root}; waited {wait:g} s (--wait SECONDS waits longer)",
                           str(root)) from None
            time.sleep(_POLL)
        except OSError as error:
            os.close(fd)
            if shared:
                yield
                return
            raise BadInput(f"cannot lock it: {error.strerror or error}", str(root)) from None
    _held[key] = [fd, shared, 1]
    try:
        yield
    finally:
        del _held[key]
        os.close(fd)  # closing the last descriptor releases the flock


def adopt(fd: int) -> None:
    """Count a folder this process created and flock(2)ed exclusively itself (a staging folder) as locked, so
    that reading it (`locked(..., shared=True)`) does not wait for its own lock."""
    info = os.fstat(fd)
    _held[(info.st_dev, info.st_ino)] = [fd, False, 1]


def release(fd: int) -> None:
    """Forget a folder `adopt` counted, before its descriptor is closed."""
    info = os.fstat(fd)
    _held.pop((info.st_dev, info.st_ino), None)
