"""`merge-driver` and `install-merge-driver`: splitter as git's merge driver for its JSON files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from splitter.cli.output import fail
from splitter.errors import SplitterError


def merge_driver(
    ancestor: Annotated[Path, typer.Argument(metavar="ANCESTOR", help="git's %O: the common ancestor's version.")],
    current: Annotated[Path, typer.Argument(metavar="CURRENT", help="git's %A: ours; the result is written here.")],
    other: Annotated[Path, typer.Argument(metavar="OTHER", help="git's %B: theirs.")],
    path: Annotated[Optional[str], typer.Argument(metavar="PATH", help="git's %P: the file's path in the "
                                                                        "repository (for messages).")] = None,
    marker_size: Annotated[int, typer.Argument(metavar="MARKER_SIZE", help="git's %L: conflict marker size.")] = 7,
) -> None:
    """Three-way merge of one JSON file, as git's merge driver: exit 0 merged, 1 conflicts marked in CURRENT.

    Installed by `splitter install-merge-driver`; git runs it as `splitter merge-driver %O %A %B %P %L`.
    A side that is not JSON is merged by `git merge-file`.

    \b
    Example: splitter merge-driver base.json ours.json theirs.json etc/phoenix_lxc_configs.json
    """
    from splitter.cli.quick import merge_driver_run

    code = merge_driver_run(ancestor, current, other, path, marker_size)
    if code:
        raise typer.Exit(code)


def install_merge_driver(
    paths: Annotated[Optional[list[str]], typer.Argument(
        metavar="[PATH]...", help="Trees (their JSON files) and monoliths to merge with the driver; default: "
                                  "every phoenix_*_config*.json and every JSON file under a conf.d folder.")] = None,
    global_config: Annotated[bool, typer.Option("--global", help="Register the driver in your ~/.gitconfig "
                                                                 "(every repository) instead of .git/config.")]
    = False,
) -> None:
    """Register splitter as git's merge driver for the tree's and the monolith's JSON files.

    Sets merge.splitter.driver in git config and adds `PATTERN merge=splitter` lines to .gitattributes at the
    repository's top; prints what it changed, nothing when all is in place.

    \b
    Example: splitter install-merge-driver etc/conf.d etc/phoenix_lxc_configs.json
    """
    from splitter.ops.mergeinstall import driver_command, driver_program, install

    # this splitter by its full path (git runs drivers without the virtualenv's PATH), with git's text merge
    # where that program cannot be started any more
    try:
        for line in install(driver_command(driver_program()), paths or [], global_config):
            print(line)
    except SplitterError as error:
        fail(error)
