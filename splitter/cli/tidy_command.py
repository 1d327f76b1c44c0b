"""`tidy`: put a tree back in shape without changing a byte of its merge."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer

from splitter.cli.options import PlanFormat, Selector
from splitter.cli.output import fail, out, say
from splitter.cli.split_command import Wait, interrupted
from splitter.errors import SplitterError
from splitter.tree.lock import DEFAULT_WAIT


def tidy(
    tree: Annotated[Path, typer.Argument(metavar="DIR", help="The conf.d folder to tidy.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write nothing; print the proposals and exit 1 when "
                                                            "there are any (for CI and pre-commit).")] = False,
    format: Annotated[PlanFormat, typer.Option(
        "--format", help="The report on stdout as text, json or markdown.")] = PlanFormat.text,
    collection: Selector = None,
    wait: Wait = DEFAULT_WAIT,
) -> None:
    """Remove restated values, move shared leaves into profiles or the base, give the base the value most
    entries hold, make repeated blocks profiles and fold profiles that no longer pay; each change proven to
    leave the merge byte for byte the same.

    Exit 0 when the tree is tidy (or was tidied), 1 with --dry-run when there is something to do. The files
    change all or nothing, as update's do; exit 2 when another splitter writes the tree longer than --wait.

    \b
    Example: splitter tidy conf.d --dry-run
    """
    from splitter.ops.tidy import plan_tidy, write_tidy
    from splitter.reports.tidy import tidy_json, tidy_markdown, tidy_text
    from splitter.tree.read import read_tree
    from splitter.tree.transaction import writing

    try:
        with ExitStack() as hold:
            if not dry_run:  # one writer from reading the tree to the last file written
                hold.enter_context(writing(tree, wait))
            result = plan_tidy(read_tree(tree, collection))
            if not dry_run and (result.written or result.removed):
                write_tidy(tree, result)
    except SplitterError as error:
        fail(error)
    except KeyboardInterrupt as error:
        interrupted(error, tree)
    report = {PlanFormat.json: tidy_json, PlanFormat.markdown: tidy_markdown}.get(format, tidy_text)
    out(report(str(tree), result, dry_run))
    if dry_run and result.proposals:
        raise typer.Exit(1)
    if not dry_run and result.proposals:
        say(f"tidied {tree}: {len(result.written)} file(s) written, {len(result.removed)} removed, "
            f"{result.saved} line(s) saved; proven to merge into the same bytes")
