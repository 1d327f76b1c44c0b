"""`python -m splitter`: the same command line as the `splitter` script."""

import sys

from splitter.cli.quick import main

code = main(sys.argv[1:])  # merge and verify with plain arguments start without Typer
if code is None:
    from splitter.cli.app import app

    app(prog_name="splitter")
sys.exit(code)
