"""`python -m splitter` and the `splitter` script: merge and verify with plain arguments start without Typer."""

import sys

from splitter.cli.quick import main


def run() -> None:
    """The command line: cli.quick where it applies (merge, verify), else the Typer app."""
    code = main(sys.argv[1:])
    if code is None:
        from splitter.cli.app import app

        app(prog_name="splitter")
    sys.exit(code)


if __name__ == "__main__":
    run()
