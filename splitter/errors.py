"""The exceptions the library raises; the CLI maps each to an exit code."""

from __future__ import annotations


class SplitterError(Exception):
    """Bad input or bad usage: exit 2, one line on stderr."""

    exit_code = 2

    def __init__(self, message: str, file: str | None = None, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = self.file or ""
        if where and self.line is not None:
            where += f":{self.line}:{self.column}"
        return f"{where}: {self.message}" if where else self.message


class BadInput(SplitterError):
    """A file that cannot be read as the tool expects."""


class WriteError(SplitterError):
    """The output could not be written; nothing was left behind."""


class ProofFailed(SplitterError):
    """The tree built by split does not merge back into its input (a bug: nothing is written)."""

    exit_code = 1


def shell_word(path: object) -> str:
    """A path (or any argument) as one word a POSIX shell reads back whole, for the commands messages suggest:
    `'my etc/conf.d'`, a plain path as it is (shlex.quote: single quotes, Python's documented rule)."""
    import shlex  # only when a message is made

    return shlex.quote(str(path))
