"""`update` and `diff`: the commands about a change to a tree or a monolith."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from splitter.cli.options import PlanFormat, Selector
from splitter.cli.output import fail, out, print_styled
from splitter.cli.split_command import Wait
from splitter.errors import BadInput, SplitterError
from splitter.tree.lock import DEFAULT_WAIT

def update(
    tree: Annotated[Path, typer.Argument(metavar="DIR", help="The conf.d folder to bring up to date.")],
    monolith: Annotated[Path, typer.Argument(metavar="MONOLITH", help="The monolith it must merge into.")],
    base: Annotated[Optional[Path], typer.Option(
        "--base", metavar="OLD_MONOLITH", help="The monolith the tree was last in step with: keep the tree's own "
                                               "edits since then (a three-way merge).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write nothing; print what would change.")] = False,
    format: Annotated[Optional[PlanFormat], typer.Option(
        "--format", help="The report on stdout as text, json or markdown (default text with --dry-run or on "
                         "conflicts; otherwise printed only when --format is given).")] = None,
    collection: Selector = None,
    wait: Wait = DEFAULT_WAIT,
    discard_edits: Annotated[bool, typer.Option("--discard-edits", help="Without --base: update the tree even where it "
                                                "holds edits in neither the monolith nor git (they are undone).")] = False,
) -> None:
    """Bring a conf.d tree up to date with the monolith, keeping its base, profiles and files where they fit.

    Exit 1 when --base finds a value changed on both sides, or when the update would delete a container
    file added by hand (nothing is written). Exit 2, writing nothing, when without --base the update would
    undo edits of the tree that are neither in the monolith nor committed in git. The files change all or nothing, even when the run is killed:
    the next splitter command finishes a write cut short. Exit 2 when another splitter writes the tree
    longer than --wait; 130 on Ctrl-C.

    \b
    Example: splitter update conf.d phoenix_lxc_configs.json --base old.json --dry-run
    """
    from splitter.cli.quick import update_run

    code = update_run(tree, monolith, base, dry_run, format.value if format else None, collection, wait,
                      discard_edits)
    if code:
        raise typer.Exit(code)


def diff(
    old: Annotated[str, typer.Argument(
        metavar="OLD", help="The old side: a conf.d folder, a monolith file, or REV:PATH of either "
                            "in the git repository here (e.g. origin/main:conf.d); REV alone: the tree "
                            "the current folder is in (or its conf.d), at REV.")],
    new: Annotated[Optional[str], typer.Argument(
        metavar="NEW",
        help="The new side, the same kinds. Without it: PATH of OLD in the working tree (from its top, "
             "as git reads PATH). Two revisions alone (main HEAD): the tree here at each.")] = None,
    format: Annotated[PlanFormat, typer.Option(
        "--format", help="text, json or markdown (a pull-request comment); all on stdout.")] = PlanFormat.text,
    limit: Annotated[int, typer.Option(
        min=1000, help="--format markdown: keep the whole comment under this many characters, leaving out "
                       "the sections (then table rows) past it, saying so.")]
    = 60000,
    collection: Annotated[Optional[str], typer.Option(
        "--collection", metavar="FOLDER|POINTER",
        help="The collection to compare: in a tree by folder (vms) or pointer (/vms), default lxc or the tree's "
             "only one; a monolith reads the tree side's, or with two monoliths this pointer (default "
             "/lxc_configs).")] = None,
    id_key: Annotated[Optional[str], typer.Option(
        "--id-key", metavar="NAME", help="Two monoliths with a list collection: the key that identifies each "
                                         "entry (for example vmid); a tree records its own.")] = None,
) -> None:
    """Show what a change does to every container's final config, and the file that caused each change.

    Exit 0 when no container's final config changes (formatting and key order aside), 1 when some do.

    \b
    Example: splitter diff "$(git merge-base origin/main HEAD):conf.d" conf.d
    """
    from splitter.ops.diff import compare
    from splitter.ops.sides import load_sides
    from splitter.reports.diff import diff_json, diff_markdown, text_lines

    try:
        if new is None:
            from splitter.ops.gitsource import working_path

            if ":" not in old and Path(old).exists():
                kind = "folder" if Path(old).is_dir() else "file"
                raise BadInput(f"is a {kind}, but one argument is a git revision (REV or REV:PATH); to compare two "
                               f"sides give both: splitter diff OLD NEW (e.g. splitter diff HEAD:{old} {old})", old)
            if ":" not in old:
                from splitter.ops.gitsource import tree_spec

                old = tree_spec(old)  # the tree this folder is in (or its conf.d), from the repository's top
            new = working_path(old)
        elif ":" not in old + new and not Path(old).exists() and not Path(new).exists():
            from splitter.ops.gitsource import is_revision, tree_spec

            if is_revision(old) and is_revision(new):  # `diff main HEAD`: the tree here at each, as git diff reads it
                old, new = tree_spec(old), tree_spec(new)
        blobs: dict = {}  # shared by both sides: what did not change is read and parsed once
        parsed: dict = {}
        report = compare(*load_sides(old, new, collection, id_key, blobs=blobs, parsed=parsed))
    except SplitterError as error:
        fail(error)
    if format is PlanFormat.json:
        out(diff_json(report))
    elif format is PlanFormat.markdown:
        out(diff_markdown(report, limit).encode())
    else:
        print_styled(text_lines(report))
    if report.changed:
        raise typer.Exit(1)
