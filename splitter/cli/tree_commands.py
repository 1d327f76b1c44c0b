"""`merge`, `verify`, `show` and `check`: the commands that read a tree."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from splitter.cli.options import Format, Selector
from splitter.cli.output import fail, out, say
from splitter.cli.quick import merge_tree, verify_tree
from splitter.cli.schema_notes import warn_schema
from splitter.errors import SplitterError


def merge(
    tree: Annotated[Path, typer.Argument(
        metavar="DIR", help="The conf.d folder.")],
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Write here instead of stdout: outside the tree, over nothing or a monolith.")]
    = None,
    schema: Annotated[Optional[Path], typer.Option(
        "--schema", help="JSON Schema to warn against (default: the file $schema names, if readable).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Refuse when the result breaks the schema (exit 1) or no schema is found (exit 2).")]
    = False,
    collection: Selector = None,
    discard_edits: Annotated[bool, typer.Option("--discard-edits", help="With -o: replace the monolith even where "
                                                "it holds edits that are in neither the tree nor git.")] = False,
) -> None:
    """Assemble the monolith from a conf.d tree.

    \b
    Example: splitter merge conf.d -o phoenix_lxc_configs.json
    """
    if discard_edits and output is None:  # stdout replaces nothing: the option would be silently meaningless
        from typer._click.exceptions import UsageError
        from typer._click.globals import get_current_context

        raise UsageError("--discard-edits only means something with -o FILE (without it the monolith goes to "
                         "stdout and no file is replaced)", get_current_context())
    try:
        merge_tree(tree, output, schema, strict, collection, discard_edits)
    except SplitterError as error:
        fail(error)


def verify(
    tree: Annotated[Path, typer.Argument(metavar="DIR", help="The conf.d folder.")],
    monolith: Annotated[Path, typer.Argument(metavar="MONOLITH", help="The monolith to compare with.")],
    byte_exact: Annotated[bool, typer.Option("--byte-exact", help="Fail when the bytes differ too.")] = False,
    format: Annotated[Format, typer.Option("--format", help="The report on stdout as text or json.")] = Format.text,
    collection: Selector = None,
) -> None:
    """Check that a conf.d tree merges into the monolith: exit 0 when it does, 1 when not.

    \b
    Example: splitter verify conf.d phoenix_lxc_configs.json --byte-exact
    """
    try:
        code = verify_tree(tree, monolith, byte_exact, format is Format.json, collection)
    except SplitterError as error:
        fail(error)
    if code:
        raise typer.Exit(code)


def show(
    tree: Annotated[Path, typer.Argument(metavar="DIR", help="The conf.d folder.")],
    ctid: Annotated[str, typer.Argument(metavar="CTID", help="The container id (or entry id).")],
    explain: Annotated[bool, typer.Option("--explain", help="For every value, the file that set it and what it "
                                                            "overrode; and every deletion.")] = False,
    format: Annotated[Format, typer.Option("--format", help="--explain on stdout as text or json.")]
    = Format.text,
    collection: Selector = None,
) -> None:
    """Print the merged config of one container, as it stands in the monolith.

    \b
    Example: splitter show conf.d 910 --explain
    """
    from dataclasses import replace

    from splitter.exact.write import dumps
    from splitter.merging.assemble import Assembler, stale_unset
    from splitter.ops.explain import explain as provenance
    from splitter.reports.explain import explain_json, explain_text
    from splitter.tree.read import read_container

    try:
        loaded = read_container(tree, ctid, collection)
        assembler = Assembler(loaded.base, loaded.profiles, loaded.layout)
        try:
            stale_unset(assembler, loaded.containers[ctid], loaded.where)  # merge refuses such a file: so does show
        except SplitterError as error:
            if not explain:
                raise
            say(f"splitter: warning: {error}")  # --explain is how one finds out why: it goes on
        merged = assembler.container(ctid, loaded.containers[ctid])
        layers = loaded.layers_of(ctid)
    except SplitterError as error:
        fail(error)
    if not explain:
        out(dumps(merged, replace(loaded.layout.style, trailer="\n")))
        return
    origins, removals = provenance(layers, merged)
    files = [layer.file for layer in layers]
    if format is Format.json:
        out(explain_json(ctid, files, origins, removals))
    else:
        out(explain_text(ctid, files, origins, removals, loaded.collection.noun).encode())


def check(
    tree: Annotated[Path, typer.Argument(metavar="DIR", help="The conf.d folder.")],
    schema: Annotated[Optional[Path], typer.Option(
        "--schema", help="JSON Schema of the monolith (default: the file its $schema names, if readable).")]
    = None,
    format: Annotated[Format, typer.Option("--format", help="The problems on stdout as text or json.")]
    = Format.text,
    collection: Annotated[Optional[str], typer.Option(
        "--collection", metavar="FOLDER|POINTER", help="Check this collection only (default: every one).")] = None,
) -> None:
    """Check every layer of a tree: structure, profiles, deletions and the JSON Schema. Exit 1 on any problem.

    \b
    Example: splitter check conf.d --schema phoenix_lxc_configs.schema.json
    """
    from splitter.ops.check import check_collections
    from splitter.reports.check import check_json, check_text

    unusable: list = []
    try:
        problems, uses = check_collections(tree, schema, collection, warn=unusable.append)
    except SplitterError as error:
        fail(error)
    for problem in unusable:
        warn_schema(problem)
    used, why = (uses[0].file, uses[0].reason) if len(uses) == 1 else (None, None)
    if format is Format.json:
        out(check_json(problems, used, why, uses))
    else:
        out(check_text(problems, used or why, uses).encode())
    if problems:
        raise typer.Exit(1)
