"""`splitter split`: options into a plan, the plan into a tree, with the schema warnings on the way."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from splitter.cli.options import PlanFormat
from splitter.cli.output import Steps, fail, interrupted_line, out, say
from splitter.cli.schema_notes import schema_warnings
from splitter.errors import SplitterError
from splitter.tree.lock import DEFAULT_WAIT


Wait = Annotated[float, typer.Option(
    "--wait", metavar="SECONDS", min=0,
    help="How long to wait for another splitter writing the same tree before refusing (exit 2).")]


def interrupted(error: KeyboardInterrupt, tree: Path) -> None:
    """Ctrl-C: one line saying what became of the tree, and exit 130 (128 + SIGINT, as shells report it)."""
    say(interrupted_line(error, tree))
    raise typer.Exit(130)


def _mining_options(no_profiles: bool, min_members: int, min_keys: int | None, max_profiles: int, unset_cost: float,
                    names: list[str], forced: list[Path]):
    from splitter.discovery.candidates import Options
    from splitter.exact.parse import parse
    from splitter.tree.layers import decode
    from splitter.tree.names import NAME_MAX, PROFILE_NAME, PROFILE_PREFIX

    rename = []
    longest = NAME_MAX - len(f"{PROFILE_PREFIX}.json")  # profile_<name>.json must fit in one file name
    for pair in names:
        old, sep, new = pair.partition("=")
        if not sep or not PROFILE_NAME.match(new) or len(new) > longest:
            raise SplitterError(f"--name takes OLD=NEW with a new name of lower-case letters, digits, '-', '_' "
                                f"(at most {longest} of them): {pair!r}")
        for earlier_old, earlier_new in rename:  # the last must not silently win, nor two profiles share a name
            if old == earlier_old:
                raise SplitterError(f"--name {pair}: {old} is given twice (also --name {old}={earlier_new}); "
                                    f"rename a profile once")
            if new == earlier_new:
                raise SplitterError(f"--name {pair}: {new} is already the new name of {earlier_old} (--name "
                                    f"{earlier_old}={new}); two profiles cannot share a name")
        rename.append((old, new))
    profiles = []
    for path in forced:
        name = path.name.removesuffix(".json").removeprefix(PROFILE_PREFIX)
        if not (path.name.startswith(PROFILE_PREFIX) and path.name.endswith(".json")) or not PROFILE_NAME.match(name):
            raise SplitterError("a profile file is named profile_<name>.json, <name> in lower-case letters, "
                                "digits, '-' and '_'", str(path))
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise SplitterError(error.strerror or str(error), str(path)) from None
        profiles.append((name, decode(parse(raw, str(path)), str(path), container=False).values))
    return Options(min_members=min_members, min_keys=min_keys, max_profiles=max_profiles, unset_cost=unset_cost,
                   profiles=not no_profiles, forced=tuple(profiles), rename=tuple(rename))


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
    from dataclasses import replace

    from splitter.discovery.mining import mine
    from splitter.ops.split import build_layers, tree_files, write_tree
    from splitter.reports.plan import plan_summary
    from splitter.tree.collection import for_split
    from splitter.tree.monolith import read_monolith

    if output is None and not dry_run:
        say("splitter: split needs --output DIR (or --dry-run)")
        raise typer.Exit(2)
    try:
        with Steps(format is not PlanFormat.json) as step:
            options = _mining_options(no_profiles, min_members, min_keys, max_profiles, unset_cost, name or [],
                                      profile or [])
            chosen = for_split(collection, id_key, folder, str(monolith))
            options = replace(options, noun=(chosen.noun, chosen.plural))  # role sentences speak of entries
            step(f"reading {monolith}")
            mono = read_monolith(monolith, chosen)
            warnings, schema_used = schema_warnings(mono.doc, monolith.parent, schema, strict, str(monolith))
            step(f"finding profiles among {chosen.count(len(mono.containers))}")
            plan = mine(mono.containers, options)
            step("laying out the tree")
            layers = build_layers(mono, plan)
            files = tree_files(layers)
            _forced_profiles_save(options, profile or [], mono, layers, files)
            if not dry_run:
                step(f"writing and proving {len(files)} files")
                write_tree(files, mono, output, force, tuple(profile or ()), wait,
                           keep_edits=force and not discard_edits)
    except SplitterError as error:
        fail(error)
    except KeyboardInterrupt as error:
        interrupted(error, output)
    if dry_run or format is not None:
        _print_plan(plan_summary(mono, layers, files, warnings, _schema_report(mono.doc, monolith.parent,
                                                                                 schema_used, warnings)),
                    format or PlanFormat.text)
    if dry_run:
        return
    exact = "byte for byte" if mono.byte_exact else "as the same document (its formatting is mixed)"
    say(f"wrote {output}: {len(files)} files, {len(layers.profiles)} profile(s), "
         f"{chosen.count(len(layers.containers))}; proven to merge back {exact}")


def _forced_profiles_save(options, paths: list[Path], mono, layers, files: dict[str, bytes]) -> None:
    """The rule for a --profile: the net lines it saves over all its users, counting its own file, must be more
    than 0 (one nobody uses saves 0); else SplitterError naming the file and the figure."""
    from splitter.reports.plan import lines_saved
    from splitter.reports.plural import count

    for (name, _), path in zip(options.forced, paths):
        saved = lines_saved(mono, layers, files, name) if name in layers.profiles else 0
        if saved <= 0:
            users = sum(name in own.profiles for own in layers.containers.values())
            raise SplitterError(f"profile {name} saves {count(saved, 'line')} net (over "
                                f"{count(users, mono.collection.noun, mono.collection.plural)} using it, counting its own "
                                f"file); a --profile must save more than 0: change it or leave it out", str(path))


def _print_plan(summary: dict, format: PlanFormat) -> None:
    from splitter.reports.plan import plan_markdown, plan_text

    if format is PlanFormat.json:
        from splitter.reports.escape import json_report
        out(json_report(summary))
    elif format is PlanFormat.markdown:
        out(plan_markdown(summary).encode())
    else:
        out(plan_text(summary).encode())


def _schema_report(doc: object, base: Path, used: Path | str | None, warnings: int) -> dict:
    """Which schema the plan was checked against, or why there was none (`used` as schema_warnings gives it)."""
    from splitter.ops.schemanote import schema_summary

    if isinstance(used, str):
        return {"file": None, "reason": used}
    return schema_summary(doc if type(doc) is dict else {}, base, used, warnings)  # a top-level list: no $schema
