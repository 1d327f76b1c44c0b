"""`python -m splitter`: the same command line as the `splitter` script."""

from splitter.cli.app import app

app(prog_name="splitter")
