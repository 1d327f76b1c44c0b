"""The Typer application: the options every command shares and the commands registered on it."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from splitter import __version__
from splitter.cli.change_commands import diff, update
from splitter.cli.git_commands import install_merge_driver, merge_driver
from splitter.cli.split_command import split
from splitter.cli.tidy_command import tidy
from splitter.cli.tree_commands import check, merge, show, verify
from splitter.cli.usage import OneLineUsageErrors, PlainUsage

app = typer.Typer(
    cls=OneLineUsageErrors,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Split phoenix_lxc_configs.json into a layered conf.d tree, merge it back, and prove nothing changed."
         "\n\nExit codes: 0 ok, 1 a check found a difference or violation, 2 bad usage or bad input.",
)


def _version(value: bool) -> None:
    if value:
        print(f"splitter {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Print the version and exit.")] = None,
) -> None:
    """The options every command shares."""


for command in (split, merge, verify, show, check, update, diff):
    app.command(cls=PlainUsage)(command)
app.command(cls=PlainUsage)(tidy)
for name, command in (("merge-driver", merge_driver), ("install-merge-driver", install_merge_driver)):
    app.command(name, cls=PlainUsage)(command)
