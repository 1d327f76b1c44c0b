"""Writing to disk safely: staging beside the target, atomic swaps (renameat2), atomic single files."""

from __future__ import annotations

import errno
import glob
import os
import shutil
import stat
from pathlib import Path

from splitter.errors import BadInput, WriteError
from splitter.tree.guard import replaceable
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


def _sweep(target: Path) -> None:
    # a split killed earlier leaves its staging folder behind; remove those whose process is gone
    for stale in target.parent.glob(f"{glob.escape(_hidden_prefix(target))}-*"):
        try:
            pid = int(stale.name.rsplit("-", 2)[-2])
            os.kill(pid, 0)
        except (ValueError, IndexError):
            continue
        except ProcessLookupError:
            shutil.rmtree(stale, ignore_errors=True)
        except PermissionError:
            pass


def stage(target: Path, files: dict[str, bytes]) -> Path:
    """Write the files into a new hidden sibling of target, and return it."""
    _sweep(target)
    staging = target.parent / f"{_hidden_prefix(target)}-{os.getpid()}-{os.urandom(4).hex()}"
    try:
        staging.mkdir()
        folders = {staging}
        for relative, data in files.items():
            path = staging / relative
            if path.parent not in folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                folders.add(path.parent)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
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
        shutil.rmtree(staging, ignore_errors=True)


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
    shutil.rmtree(staging, ignore_errors=True)


def write_atomic(target: Path, data: bytes) -> None:
    """Write one file through a hidden sibling renamed into place."""
    temporary = target.parent / f"{_hidden_prefix(target)}-{os.getpid()}-{os.urandom(4).hex()}"
    try:
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)  # a replaced file keeps its permission bits (0444 stays)
        except FileNotFoundError:
            mode = None
        with open(temporary, "xb") as handle:
            handle.write(data)
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
        os.replace(temporary, target)
    except OSError as error:
        try:
            temporary.unlink(missing_ok=True)
        except OSError:  # a read-only file system: nothing could be created, so nothing is left
            pass
        raise WriteError(f"cannot write: {error.strerror or error}", str(target)) from None


def replace_files(staging: Path, target: Path, written: list[str], removed: list[str]) -> None:
    """Move proven files from staging into target and remove others, all or none.

    The files already in target that this replaces or removes are first hard-linked
    aside in staging; when a step fails part-way, every file done so far is put back
    and WriteError is raised. Files of target not named are never touched.
    """
    aside = staging / ".replaced"
    done: list[tuple[str, bool]] = []  # (relative path, whether target had it)
    try:
        for relative in [*written, *removed]:
            if os.path.lexists(target / relative):
                (aside / relative).parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(target / relative, aside / relative, follow_symlinks=False)
                except OSError:
                    shutil.copy2(target / relative, aside / relative, follow_symlinks=False)
        for relative in written:
            had = os.path.lexists(target / relative)
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / relative, target / relative)
            done.append((relative, had))
        for relative in removed:
            if os.path.lexists(target / relative):
                os.unlink(target / relative)
                done.append((relative, True))
    except OSError as error:
        for relative, had in reversed(done):
            try:
                if had:
                    os.replace(aside / relative, target / relative)
                else:
                    os.unlink(target / relative)
            except OSError:
                pass  # best effort: the original stays in the staging folder's .replaced
        raise WriteError(f"cannot update: {error.strerror or error}; the tree was put back as it was",
                         str(target)) from None
