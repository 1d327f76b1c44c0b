"""`splitter split`: options into a plan, the plan into a tree, with the schema warnings on the way."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from splitter.cli.options import PlanFormat
from splitter.cli.output import interrupted_line, say
from splitter.tree.lock import DEFAULT_WAIT


Wait = Annotated[float, typer.Option(
    "--wait", metavar="SECONDS", min=0,
    help="How long to wait for another splitter writing the same tree before refusing (exit 2).")]


def interrupted(error: KeyboardInterrupt, tree: Path) -> None:
    """Ctrl-C: one line saying what became of the tree, and exit 130 (128 + SIGINT, as shells report it)."""
    say(interrupted_line(error, tree))
    raise typer.Exit(130)


def split(
    monolith: Annotated[Path, typer.Argument(
        metavar="MONOLITH", help="The monolith, e.g. phoenix_lxc_configs.json.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="The conf.d folder to write.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an output folder that holds a tree splitter wrote "
                                                        "and nothing else, once the new tree is proven.")] = False,
    discard_edits: Annotated[bool, typer.Option("--discard-edits", help="With --force: replace the tree even where "
                                                "it holds edits in neither the monolith nor git.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write nothing; print the plan.")] = False,
    format: Annotated[Optional[PlanFormat], typer.Option(
        "--format", help="The plan on stdout as text, json or markdown (default text with --dry-run; without "
                         "--dry-run the plan is printed only when --format is given).")] = None,
    no_profiles: Annotated[bool, typer.Option("--no-profiles", help="Base only: mine no profiles.")] = False,
    min_members: Annotated[int, typer.Option(min=2, help="Containers a profile needs at least.")] = 2,
    min_keys: Annotated[Optional[int], typer.Option(
        min=1, help="Keys (leaves) a profile needs at least [default: 1 for a role of 3 or more containers, "
                    "else 3].")] = None,
    max_profiles: Annotated[int, typer.Option(min=0, help="Profiles at most.")] = 12,
    unset_cost: Annotated[float, typer.Option(
        min=1.0, help="What one deletion marker costs a reader, in lines.")] = 2.0,
    name: Annotated[Optional[list[str]], typer.Option(
        "--name", metavar="OLD=NEW", help="Rename a discovered profile (repeatable).")] = None,
    profile: Annotated[Optional[list[Path]], typer.Option(
        "--profile", metavar="FILE", help="Use this profile file (named profile_<name>.json) first, for every container it "
                          "saves lines (repeatable); it must save more than 0 lines net over all its users, "
                          "counting its own file (else exit 2, naming the file and the figure).")] = None,
    schema: Annotated[Optional[Path], typer.Option(
        "--schema", help="JSON Schema to warn against (default: the file $schema names, if readable).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Refuse when the monolith breaks the schema (exit 1) or no schema is found (exit 2).")]
    = False,
    collection: Annotated[str, typer.Option(
        "--collection", metavar="POINTER", help="Where the entries are: an RFC 6901 JSON pointer into the monolith "
                                                "(\"\" for a top-level list).")] = "/lxc_configs",
    id_key: Annotated[Optional[str], typer.Option(
        "--id-key", metavar="NAME", help="For a list of entries: the key whose value identifies each one "
                                         "(for example vmid).")] = None,
    folder: Annotated[Optional[str], typer.Option(
        "--folder", metavar="NAME", help="Name the collection's folder (default: after the pointer, e.g. /vms: "
                                         "vms/ and defaults/vms_base.json).")] = None,
    wait: Wait = DEFAULT_WAIT,
) -> None:
    """Write the conf.d tree for a monolith, after proving it merges back into the very same file.

    \b
    Example: splitter split phoenix_lxc_configs.json -o conf.d --dry-run --format markdown
    """
    from splitter.cli.split_run import split_run

    code = split_run(monolith, output, force, discard_edits, dry_run, format and format.value, no_profiles,
                     min_members, min_keys, max_profiles, unset_cost, name or [], profile or [], schema, strict,
                     collection, id_key, folder, wait)
    if code:
        raise typer.Exit(code)
