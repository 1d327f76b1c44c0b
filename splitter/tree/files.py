"""A tree's files one by one: read safely (never through a link, never blocking, never without end), created in bulk."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from splitter.errors import BadInput

_OPEN = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_FIRST_READ = 1 << 16  # bytes: a tree file is most often far smaller, read whole by one read(2)


def read_file(path: str) -> bytes:
    """The bytes of a tree file; BadInput naming `path` when it is missing, a link, or not a regular file.

    Opened without following a link and without blocking (O_NONBLOCK: a FIFO would otherwise wait for a
    writer for ever in open(2)). One read(2) of up to 64 KiB gives a small regular file whole; whenever it
    gives nothing, fills the buffer or fails, fstat(2) of what was opened decides (a device would be read
    without end, a FIFO gives nothing): so a name swapped in between changes nothing.
    """
    try:
        fd = os.open(path, _OPEN)
    except FileNotFoundError:
        raise BadInput("missing from the tree", path) from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise BadInput("is a symbolic link; a tree holds plain files only", path) from None
        raise BadInput(error.strerror or str(error), path) from None
    try:
        try:
            data = os.read(fd, _FIRST_READ)
        except OSError:  # a FIFO or terminal with nothing to read yet (EAGAIN), a folder (EISDIR): fstat names it
            data = b""
        if not data or len(data) == _FIRST_READ:
            kind = _not_regular(os.fstat(fd).st_mode)
            if kind:
                raise BadInput(f"is {kind}, not a regular file; a tree holds plain files only", path)
            chunks = [data]
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            data = b"".join(chunks)
    except OSError as error:
        raise BadInput(error.strerror or str(error), path) from None
    finally:
        os.close(fd)
    return without_bom(data)


BOM = b"\xef\xbb\xbf"


def without_bom(data: bytes) -> bytes:
    """A tree file's bytes without the UTF-8 byte order mark some Windows editors save (RFC 8259 section 8.1
    lets a parser ignore it): tolerated in tree files, so never in what merge writes. Monoliths keep theirs."""
    return data[len(BOM):] if data.startswith(BOM) else data


def _not_regular(mode: int) -> str:
    """What a file that is not a regular file is, in words ("" for a regular file)."""
    if stat.S_ISREG(mode):
        return ""
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((word for test, word in kinds if test(mode)), "a special file")


def write_files(root: Path, root_fd: int, files: dict[str, bytes], before=None) -> None:
    """Create each file (relative path -> bytes) under root, whose open descriptor is root_fd, making its folders;
    a file already there is an error (O_EXCL). Each file is opened relative to its folder's descriptor, so that
    10,000 files cost no walk of the whole path each. `before(relative)`, if given, is called before each file.
    Raises OSError (a full disk: ENOSPC)."""
    folders = {"": root_fd}
    try:
        for relative, data in files.items():
            if before is not None:
                before(relative)
            folder, _, name = relative.rpartition("/")
            folder_fd = folders.get(folder)
            if folder_fd is None:
                (root / folder).mkdir(parents=True, exist_ok=True)
                folder_fd = folders[folder] = os.open(root / folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644, dir_fd=folder_fd)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
    finally:
        for folder, folder_fd in folders.items():
            if folder:
                os.close(folder_fd)
