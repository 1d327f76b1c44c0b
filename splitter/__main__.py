"""`python -m splitter`: the same command line as the `splitter` script."""

from .cli import app

app(prog_name="splitter")
