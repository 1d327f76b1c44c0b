"""Writing to disk safely: staging beside the target, atomic swaps (renameat2), atomic single files."""

from __future__ import annotations

import errno
import fcntl
import glob
import os
import re
import shutil
import stat
from pathlib import Path

from splitter.errors import BadInput, WriteError
from splitter.tree.files import write_files
from splitter.tree.guard import replaceable
from splitter.tree.lock import adopt, release
from splitter.tree.names import NAME_MAX

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2


def _renameat2(source: Path, target: Path, flags: int) -> bool:
    """renameat2(2) where the C library has it; False when it cannot be used here."""
    import ctypes  # only split needs it: merge and verify start faster without

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.renameat2
    except (OSError, AttributeError):
        return False
    if call(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL):
        return False
    raise OSError(code, os.strerror(code), str(target))


def _hidden_prefix(target: Path) -> str:
    """`.<target>.splitter`, the target's name cut so that a hidden sibling's name (with `-<pid>-<8 hex>` and
    install's `-old`) stays within NAME_MAX bytes."""
    name = os.fsencode(target.name)[: NAME_MAX - 48]
    return f".{os.fsdecode(name)}.splitter"


def _own_pattern(target: Path) -> re.Pattern:
    """The names of splitter's own hidden siblings of target: `<prefix>-<pid>-<8 hex>`, `-old` for an old tree."""
    return re.compile(re.escape(_hidden_prefix(target)) + r"-\d+-[0-9a-f]{8}(-old)?")


def _sweep(target: Path) -> None:
    """Remove the hidden siblings of target that a killed split or merge -o left behind: those no live run holds
    the flock(2) of (a process in another PID namespace holds it as well; a pid would not tell). A tree moved
    aside (`-old`) is removed only where target is in place, and put back where it is not."""
    pattern = _own_pattern(target)
    for stale in sorted(target.parent.glob(f"{glob.escape(_hidden_prefix(target))}-*")):
        match = pattern.fullmatch(stale.name)
        if match is None or stale.is_symlink():
            continue  # not a name splitter gives: never touched
        try:
            if match.group(1):
                if os.path.lexists(target):
                    shutil.rmtree(stale)
                else:
                    os.rename(stale, target)  # cut between the two renames of install: the old tree goes back
                continue
            fd = os.open(stale, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
        except OSError:
            pass  # a live run holds it
        finally:
            os.close(fd)


_claims: dict[Path, int] = {}  # the staging folders this process holds, with their locked descriptor


def _claim(target: Path, folder: bool) -> tuple[Path, int]:
    """A new hidden sibling of target (a folder, or an empty file), created and flock(2)ed by this process, so
    that no other run's sweep takes it for a leftover; its path and the descriptor holding the lock."""
    while True:
        path = target.parent / f"{_hidden_prefix(target)}-{os.getpid()}-{os.urandom(4).hex()}"
        if folder:
            path.mkdir()
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        else:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.path.samestat(os.fstat(fd), os.lstat(path)):
                return path, fd
        except OSError:
            pass  # a sweep took it between its creation and the lock: another name
        os.close(fd)


def stage(target: Path, files: dict[str, bytes]) -> Path:
    """Write the files into a new hidden sibling of target, and return it."""
    _sweep(target)
    staging = None
    try:
        staging, fd = _claim(target, folder=True)
        _claims[staging] = fd
        adopt(fd)
        write_files(staging, fd, files)
    except OSError as error:
        if staging is not None:
            discard(staging)
        raise WriteError(f"cannot write: {error.strerror or error}", str(target)) from None
    return staging


def install(staging: Path, target: Path, force: bool, inputs: tuple[Path, ...] = (),
            collections: tuple[str, ...] = ()) -> None:
    """Move a proven staging folder to target in one step; the old tree, if any, is removed after."""
    taken = BadInput("was filled by someone else while splitting; nothing was changed", str(target))
    try:
        if _move_to_new(staging, target):
            return
        if not force and any(target.iterdir()):
            raise taken
        replaceable(target, inputs, collections)  # again: someone may have put a file there while we worked
        if _renameat2(staging, target, _RENAME_EXCHANGE):
            shutil.rmtree(staging, ignore_errors=True)  # staging now holds the old tree
            return
        old = target.parent / f"{staging.name}-old"
        os.rename(target, old)
        os.rename(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as error:
        raise WriteError(f"cannot move the new tree into place: {error.strerror or error}", str(target)) from None
    finally:
        discard(staging)


def _move_to_new(staging: Path, target: Path) -> bool:
    """Rename staging to target where nothing is there yet; False when something is (another split won)."""
    try:
        if not _renameat2(staging, target, _RENAME_NOREPLACE):
            if target.exists():
                return False
            os.rename(staging, target)
        return True
    except OSError as error:
        if error.errno in (errno.EEXIST, errno.ENOTEMPTY):
            return False
        raise


def discard(staging: Path) -> None:
    """Remove a staging folder (if still there) and let go of its lock."""
    shutil.rmtree(staging, ignore_errors=True)
    fd = _claims.pop(staging, None)
    if fd is not None:
        release(fd)
        os.close(fd)


def write_atomic(target: Path, data: bytes) -> None:
    """Write one file through a hidden sibling renamed into place."""
    temporary = None
    try:
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)  # a replaced file keeps its permission bits (0444 stays)
        except FileNotFoundError:
            mode = None
        _sweep(target)  # what a killed merge -o to this file left
        temporary, fd = _claim(target, folder=False)
        with os.fdopen(fd, "wb") as handle:  # closed (and unlocked) only once renamed into place
            handle.write(data)
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            handle.flush()
            os.replace(temporary, target)
    except OSError as error:
        if temporary is not None:
            try:
                temporary.unlink(missing_ok=True)
            except OSError:  # a read-only file system: nothing could be created, so nothing is left
                pass
        raise WriteError(f"cannot write: {error.strerror or error}", str(target)) from None


STAMP = "user.splitter.merged"  # an extended attribute of the monolith: the SHA-256 of what merge -o wrote


def stamp(output: Path, data: bytes) -> None:
    """Mark output as merge -o's own writing of `data` (an extended attribute, xattr(7)); where the file system
    keeps none, nothing is marked and the other rules decide next time. Raises nothing."""
    import hashlib

    try:
        os.setxattr(output, STAMP, hashlib.sha256(data).hexdigest().encode())
    except (OSError, AttributeError):
        pass


def stamped(output: Path, data: bytes) -> bool:
    """Whether output carries stamp's mark for exactly `data` (a script that rewrites the file drops the mark or
    changes the bytes); False where the file system keeps no extended attributes. Raises nothing."""
    import hashlib

    try:
        return os.getxattr(output, STAMP) == hashlib.sha256(data).hexdigest().encode()
    except (OSError, AttributeError):
        return False
