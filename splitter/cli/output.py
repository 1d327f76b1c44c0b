"""What the command line prints: results on stdout, progress, warnings and errors on stderr."""

from __future__ import annotations

import sys

from splitter.errors import SplitterError


def say(text: str) -> None:
    """Progress, warnings and errors go to stderr; the result a command exists to produce goes to stdout."""
    print(text, file=sys.stderr)


def out(data: bytes) -> None:
    """The result a command exists to produce (a document, plan, report or explanation), in any format."""
    sys.stdout.buffer.write(data if data.endswith(b"\n") else data + b"\n")
    sys.stdout.flush()


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


def fail(error: SplitterError) -> None:
    import typer  # here: merge and verify start without Typer (cli.quick)

    say(f"splitter: {error}")
    raise typer.Exit(error.exit_code)


def print_styled(lines: list[tuple[str, str]]) -> None:
    """Lines on stdout, coloured only on a terminal and never with NO_COLOR (https://no-color.org)."""
    import os

    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        from rich.console import Console
        from rich.text import Text

        console = Console(highlight=False, soft_wrap=True)
        for style, line in lines:
            console.print(Text(line, style=style or ""))
        return
    out("\n".join(line for _, line in lines).encode())
