"""The command line: parses options, calls the library, picks a reporter and maps errors to exit codes."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .errors import SplitterError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Split phoenix_lxc_configs.json into a layered conf.d tree, merge it back, and prove nothing changed.",
)


class Format(str, Enum):
    text = "text"
    json = "json"


class PlanFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _say(text: str) -> None:
    """Everything meant for people goes to stderr; stdout carries documents and --format json."""
    print(text, file=sys.stderr)


def _out(data: bytes) -> None:
    sys.stdout.buffer.write(data if data.endswith(b"\n") else data + b"\n")
    sys.stdout.flush()


def _fail(error: SplitterError) -> None:
    _say(f"splitter: {error}")
    raise typer.Exit(error.exit_code)


def _version(value: bool) -> None:
    if value:
        print(f"splitter {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Print the version and exit.")] = None,
) -> None:
    """Split phoenix_lxc_configs.json into a layered conf.d tree, merge it back, and prove nothing changed.

    Exit codes: 0 ok, 1 a check found a difference or violation, 2 bad usage or bad input.
    """


@app.command()
def split(
    monolith: Annotated[Path, typer.Argument(help="The monolith, e.g. phoenix_lxc_configs.json.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="The conf.d folder to write.")] = None,
    force: Annotated[bool, typer.Option(help="Replace a non-empty output folder, once the new tree is proven.")]
    = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write nothing; print the plan.")] = False,
    format: Annotated[PlanFormat, typer.Option("--format", help="How to print the plan.")] = PlanFormat.text,
) -> None:
    """Write the conf.d tree for a monolith, after proving it merges back into the very same file.

    Example: splitter split phoenix_lxc_configs.json -o conf.d
    """
    from .mining import mine
    from .monolith import read_monolith
    from .split import build_layers, tree_files, write_tree

    if output is None and not dry_run:
        _say("splitter: split needs --output DIR (or --dry-run)")
        raise typer.Exit(2)
    try:
        mono = read_monolith(monolith)
        layers = build_layers(mono, mine(mono.containers))
        files = tree_files(layers)
        if dry_run:
            _say(f"dry run: would write {len(files)} files")
            return
        write_tree(files, mono, output, force)
    except SplitterError as error:
        _fail(error)
    exact = "byte for byte" if mono.byte_exact else "as the same document (its formatting is mixed)"
    _say(f"wrote {output}: {len(files)} files, {len(layers.profiles)} profile(s), "
         f"{len(layers.containers)} container(s); proven to merge back {exact}")


@app.command()
def merge(
    tree: Annotated[Path, typer.Argument(help="The conf.d folder.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.")]
    = None,
) -> None:
    """Assemble the monolith from a conf.d tree.

    Example: splitter merge conf.d -o phoenix_lxc_configs.json
    """
    from .assemble import monolith_bytes
    from .tree import read_tree, write_atomic

    try:
        data = monolith_bytes(read_tree(tree))
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            write_atomic(output, data)
    except SplitterError as error:
        _fail(error)


@app.command()
def verify(
    tree: Annotated[Path, typer.Argument(help="The conf.d folder.")],
    monolith: Annotated[Path, typer.Argument(help="The monolith to compare with.")],
    byte_exact: Annotated[bool, typer.Option("--byte-exact", help="Fail when the bytes differ too.")] = False,
    format: Annotated[Format, typer.Option("--format", help="text (stderr) or json (stdout).")] = Format.text,
) -> None:
    """Check that a conf.d tree merges into the monolith: exit 0 when it does, 1 when not.

    Example: splitter verify conf.d phoenix_lxc_configs.json --byte-exact
    """
    from .monolith import read_monolith
    from .report import verify_json, verify_text
    from .tree import read_tree
    from .verify import compare

    try:
        verdict = compare(read_tree(tree), read_monolith(monolith))
    except SplitterError as error:
        _fail(error)
    if format is Format.json:
        _out(verify_json(verdict))
    else:
        _say(verify_text(verdict, str(tree), str(monolith)))
    if not verdict.same_document or (byte_exact and not verdict.same_bytes):
        raise typer.Exit(1)
