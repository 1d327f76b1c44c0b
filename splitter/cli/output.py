"""What the command line prints: results on stdout, progress, warnings and errors on stderr."""

from __future__ import annotations

import errno
import os
import sys
from contextlib import contextmanager
from typing import Iterator

from splitter.errors import SplitterError, WriteError


def say(text: str) -> None:
    """Progress, warnings and errors go to stderr, one line each whatever data they quote (reports.escape.visible);
    the result a command exists to produce goes to stdout."""
    from splitter.reports.escape import visible  # on first use: a merge that says nothing starts sooner

    print(visible(text), file=sys.stderr)


def out(data: bytes) -> None:
    """The result a command exists to produce (a document, plan, report or explanation), in any format, ending
    in a newline; see result."""
    result(data if data.endswith(b"\n") else data + b"\n")


def result(data: bytes) -> None:
    """Write `data` to stdout as it is, all of it, or end the command: a closed pipe (EPIPE) ends it quietly as
    Typer does (`splitter merge conf.d | head -c1`); any other failure (a full disk, /dev/full, EIO) is one line
    and exit 2 (WriteError, turned into its one line by the command or, after it, by usage.OneLineUsageErrors),
    never exit 0 with part of the result written."""
    try:
        sys.stdout.flush()
        rest = memoryview(data)
        while rest:  # a large write may be short on a full disk, with no error until the next one
            written = sys.stdout.buffer.write(rest)
            if not written:
                raise OSError(errno.EIO, "nothing could be written")
            rest = rest[written:]
        sys.stdout.buffer.flush()
    except OSError as error:
        if error.errno == errno.EPIPE:
            raise
        _discard_stdout()
        raise WriteError(f"cannot write the result: {error.strerror or error}", "stdout") from None


def _discard_stdout() -> None:
    """What is left in stdout's buffer would be written again at exit and fail again, with a traceback-like
    "Exception ignored" note: point the descriptor at /dev/null first (only a real process has one)."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a test runner's stdout in memory
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)


def os_error_line(error: OSError) -> str:
    """`splitter: FILE: what failed` for an OSError no command turned into BadInput (the last net in usage.py)."""
    from splitter.reports.escape import visible

    where = error.filename if error.filename is not None else "splitter"
    return visible(f"splitter: {os.fsdecode(where) if not isinstance(where, str) else where}: "
                   f"{error.strerror or error}")


class Steps:
    """A progress line on stderr for long runs: only on a terminal, never for machine-readable output."""

    def __init__(self, enabled: bool):
        self._enabled = enabled and sys.stderr.isatty()
        self._progress = None

    def __call__(self, description: str) -> None:
        if not self._enabled:
            return
        if self._progress is None:  # started on the first step, so that its line shows at once
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                      console=Console(stderr=True), transient=True)
            self._task = self._progress.add_task(description)
            self._progress.start()
        else:
            self._progress.update(self._task, description=description)

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *_) -> None:
        if self._progress is not None:
            self._progress.stop()


def interrupted_line(error: KeyboardInterrupt, tree) -> str:
    """Ctrl-C during a write: the one line saying what became of the tree (the exit code is 130)."""
    if getattr(error, "committed", False):
        return f"splitter: interrupted; the write was finished first: {tree} is the new tree"
    return f"splitter: interrupted; nothing was written to {tree}"


def fail(error: SplitterError) -> None:
    """End the command with the error as one line on stderr (data quoted in it made visible) and its exit code."""
    import typer  # here: merge and verify start without Typer (cli.quick)

    say(f"splitter: {error}")
    raise typer.Exit(error.exit_code)


def print_styled(lines: list[tuple[str, str]]) -> None:
    """Lines on stdout, coloured only on a terminal and never with NO_COLOR (https://no-color.org)."""
    import os

    from splitter.reports.escape import visible, visible_lines

    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        from rich.console import Console
        from rich.text import Text

        console = Console(highlight=False, soft_wrap=True)
        for style, line in lines:
            console.print(Text(visible(line), style=style or ""))
        return
    out(visible_lines([line for _, line in lines]).encode())


@contextmanager
def telling_finished_writes() -> Iterator[None]:
    """Around a whole command: one line on stderr for each write cut short (a killed run's journal) that reading
    or locking a tree finished, whatever the command (a reader, a --dry-run) and however it ends, because the
    tree's files changed on disk under a caller that may have staged them already (a git pre-commit hook)."""
    from splitter.tree.transaction import finished_cut_writes

    finished_cut_writes()  # a fresh record: a test runs many commands in one process
    try:
        yield
    finally:
        for tree, written, removed in finished_cut_writes():
            say(f"splitter: {tree}: finished a write that was cut short first, so its files changed on disk: the "
                f"cut run's {written} file(s) written, {removed} removed (any command finishes it, --dry-run "
                "too); in git, git add the tree again before committing")
