"""`merge`, `verify`, `show` and `check`: the commands that read a tree."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from splitter.cli.options import Format, Selector
from splitter.cli.output import Steps, fail, out, result, say
from splitter.cli.split_command import schema_warnings, warn_schema
from splitter.errors import BadInput, SplitterError


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
) -> None:
    """Assemble the monolith from a conf.d tree.

    \b
    Example: splitter merge conf.d -o phoenix_lxc_configs.json
    """
    from splitter.exact.write import dumps
    from splitter.merging.assemble import assemble
    from splitter.tree.guard import check_output_file
    from splitter.tree.read import read_tree
    from splitter.tree.write import write_atomic

    try:
        if output is not None:
            check_output_file(output, tree)  # before reading the tree: its place and kind
        with Steps(True) as step:
            step(f"reading {tree}")
            loaded = read_tree(tree, collection)
            if output is not None:
                check_output_file(output, tree, loaded.collection)  # a monolith of this tree's collection only
            step(f"merging {loaded.collection.count(len(loaded.containers))}")
            doc = assemble(loaded)
            schema_warnings(doc, tree.resolve().parent, schema, strict, str(tree))
            data = dumps(doc, loaded.layout.style)
        if output is not None:
            write_atomic(output, data)
    except SplitterError as error:
        fail(error)
    if output is None:
        result(data)


def dir_then_monolith(command: str, tree: Path, monolith: Path) -> None:
    """Catch the two arguments of verify and update given the wrong way round (or twice the folder) early, with a
    message that says which is which, before reading either."""
    usage = f"{command} takes DIR then MONOLITH"
    if tree.is_file() and monolith.is_dir():
        raise BadInput(f"is a file, not a conf.d folder ({usage}: swap the two arguments)", str(tree))
    if monolith.is_dir():
        raise BadInput(f"is a folder; MONOLITH must be a file ({usage})", str(monolith))
    if tree.is_file():
        raise BadInput(f"is a file, not a conf.d folder ({usage})", str(tree))


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
    from splitter.ops.verify import compare
    from splitter.reports.verify import verify_json, verify_text
    from splitter.tree.monolith import read_bytes
    from splitter.tree.read import collection_hint, read_tree

    try:
        with Steps(format is not Format.json) as step:
            dir_then_monolith("verify", tree, monolith)
            step(f"reading {tree}")
            loaded = read_tree(tree, collection)
            step(f"comparing {loaded.collection.count(len(loaded.containers))} with {monolith}")
            try:
                verdict = compare(loaded, read_bytes(monolith), str(monolith))
            except BadInput as error:
                raise collection_hint(error, tree, loaded.collection) from None
    except SplitterError as error:
        fail(error)
    if format is Format.json:
        out(verify_json(verdict))
    else:
        out(verify_text(verdict, str(tree), str(monolith), loaded.collection).encode())
    if not verdict.same_document or (byte_exact and not verdict.same_bytes):
        raise typer.Exit(1)


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
