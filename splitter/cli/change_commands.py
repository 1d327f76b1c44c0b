"""`update` and `diff`: the commands about a change to a tree or a monolith."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Optional

import typer

from splitter.cli.options import PlanFormat, Selector
from splitter.cli.output import Steps, fail, out, print_styled, say
from splitter.cli.split_command import Wait, interrupted
from splitter.cli.tree_commands import dir_then_monolith
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
) -> None:
    """Bring a conf.d tree up to date with the monolith, keeping its base, profiles and files where they fit.

    Exit 1 when --base finds a value changed on both sides, or when the update would delete a container
    file added by hand (nothing is written). The files change all or nothing, even when the run is killed:
    the next splitter command finishes a write cut short. Exit 2 when another splitter writes the tree
    longer than --wait; 130 on Ctrl-C.

    \b
    Example: splitter update conf.d phoenix_lxc_configs.json --base old.json --dry-run
    """
    from splitter.merging.assemble import assemble
    from splitter.ops.threeway import merged_target, three_way
    from splitter.ops.update import check_related, plan_update
    from splitter.ops.update_files import write_update
    from splitter.reports.update import settle, update_json, update_markdown, update_text
    from splitter.tree.monolith import read_monolith
    from splitter.tree.read import collection_hint, read_tree
    from splitter.tree.transaction import writing

    try:
        with Steps(format is not PlanFormat.json) as step, ExitStack() as hold:
            dir_then_monolith("update", tree, monolith)
            if not dry_run:  # one writer from reading the tree to the last file written
                hold.enter_context(writing(tree, wait))
            step(f"reading {tree}")
            loaded = read_tree(tree, collection)
            step(f"reading {monolith}")
            try:
                mono = read_monolith(monolith, loaded.collection, loaded.layout.style)
            except BadInput as error:
                raise collection_hint(error, tree, loaded.collection) from None
            check_related(loaded, mono, str(monolith))  # another fleet would empty the tree's design: refuse
            conflicts, kept = [], []
            target, merged = mono, None
            if base is not None:
                old = read_monolith(base, loaded.collection, loaded.layout.style)
                tree_doc = assemble(loaded)
                merged = loaded.collection.entries(tree_doc, str(tree))
                doc, conflicts, kept = three_way(old.doc, tree_doc, mono.doc, loaded.collection)
                target = merged_target(mono, doc)
            result = None
            if not conflicts:
                step("planning the update")
                result = plan_update(tree, loaded, target, merged=merged)
                result.kept_edits, result.with_base = kept, base is not None
                if not dry_run and result.files and not result.hand_added:
                    step(f"writing and proving {len(result.written)} files")
                    write_update(tree, result, wait)
    except SplitterError as error:
        fail(error)
    except KeyboardInterrupt as error:
        interrupted(error, tree)
    hand_added = result.hand_added if result is not None else []
    if dry_run or conflicts or hand_added or format is not None:  # as split: a real run prints it when asked
        report = {PlanFormat.json: update_json, PlanFormat.markdown: update_markdown}.get(format, update_text)
        out(report(str(tree), str(monolith), result, conflicts, kept, dry_run, loaded.collection))
    if conflicts:
        say(f"splitter: {len(conflicts)} value(s) changed both in {tree} and in {monolith} since {base}; "
             f"nothing was written. {settle(str(tree), str(monolith))}")
        raise typer.Exit(1)
    if hand_added:
        say(f"splitter: {len(hand_added)} file(s) of {tree} that splitter did not write hold containers that "
             f"{monolith} does not have; nothing was written: {', '.join(file for _, file in hand_added)}")
        raise typer.Exit(1)
    if not dry_run:
        say(f"updated {tree}: {len(result.files)} file(s) changed, {len(result.kept)} kept; proven to merge "
             f"into {monolith}" + (" with the tree's own edits" if result.target is not mono else ""))


def diff(
    old: Annotated[str, typer.Argument(
        metavar="OLD", help="The old side: a conf.d folder, a monolith file, or REV:PATH of either "
                            "in the git repository here (e.g. origin/main:conf.d); REV alone: the tree "
                            "the current folder is in (or its conf.d), at REV.")],
    new: Annotated[Optional[str], typer.Argument(
        metavar="NEW",
        help="The new side, the same kinds. Without it: PATH of OLD in the working tree (from its top, "
             "as git reads PATH).")] = None,
    format: Annotated[PlanFormat, typer.Option(
        "--format", help="text, json or markdown (a pull-request comment); all on stdout.")] = PlanFormat.text,
    limit: Annotated[int, typer.Option(
        min=1000, help="--format markdown: leave out the sections past this many characters, saying so.")]
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
