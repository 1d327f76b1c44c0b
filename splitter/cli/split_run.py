"""`splitter split`'s body, without Typer: `split MONOLITH -o DIR` runs it from cli.quick, every other form from the app."""

from __future__ import annotations

from pathlib import Path

from splitter.cli.output import Steps, interrupted_line, out, say
from splitter.cli.schema_notes import schema_warnings
from splitter.errors import SplitterError, shell_word
from splitter.tree.lock import DEFAULT_WAIT


def mining_options(no_profiles: bool, min_members: int, min_keys: int | None, max_profiles: int, unset_cost: float,
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


def split_run(monolith: Path, output: Path | None, force: bool = False, discard_edits: bool = False,
              dry_run: bool = False, format: str | None = None, no_profiles: bool = False, min_members: int = 2,
              min_keys: int | None = None, max_profiles: int = 12, unset_cost: float = 2.0, names: list[str] = (),
              profiles: list[Path] = (), schema: Path | None = None, strict: bool = False,
              collection: str = "/lxc_configs", id_key: str | None = None, folder: str | None = None,
              wait: float = DEFAULT_WAIT) -> int:
    """`splitter split` (see split_command.split for each option; `format`: "text", "json", "markdown" or None):
    the tree written and proven, or the plan printed; returns the exit code, errors said on stderr."""
    from dataclasses import replace

    from splitter.discovery.mining import mine
    from splitter.exact.heap import gc_paused
    from splitter.ops.split import build_layers, tree_files, write_tree
    from splitter.tree.collection import for_split
    from splitter.tree.monolith import read_monolith

    replaced: list[str] = []  # what a forced split replaced that the monolith does not hold
    if output is None and not dry_run:
        say("splitter: split needs --output DIR (or --dry-run)")
        return 2
    try:
        # the collector paused throughout: split makes millions of small objects and next to no cycles (a few
        # hundred at 10,000 containers), and each full collection would walk the monolith's objects again
        with Steps(format != "json") as step, gc_paused():
            options = mining_options(no_profiles, min_members, min_keys, max_profiles, unset_cost, names, profiles)
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
            _forced_profiles_save(options, profiles, mono, layers, files)
            if not dry_run:
                step(f"writing and proving {len(files)} files")
                replaced = write_tree(files, mono, output, force, tuple(profiles), wait,
                                      keep_edits=force and not discard_edits)
    except SplitterError as error:
        say(f"splitter: {error}")
        return error.exit_code
    except KeyboardInterrupt as error:  # 130: 128 + SIGINT, as shells report it
        say(interrupted_line(error, output))
        return 130
    if dry_run or format is not None:
        from splitter.reports.plan import plan_summary  # only here: a plain split starts sooner without it

        _print_plan(plan_summary(mono, layers, files, warnings, _schema_report(mono.doc, monolith.parent,
                                                                                 schema_used, warnings)),
                    format or "text")
    if dry_run:
        return 0
    if replaced:  # committed in git (or dropped by --discard-edits): said, so that no edit goes unnoticed
        from splitter.ops.splitguard import entries_named

        say(f"splitter: {output}: held other values than {monolith} ({entries_named(replaced, chosen)}); they are "
            f"replaced by the monolith's (git keeps what was committed: git diff HEAD -- {shell_word(output)})")
    exact = "byte for byte" if mono.byte_exact else "as the same document (its formatting is mixed)"
    say(f"wrote {output}: {len(files)} files, {len(layers.profiles)} profile(s), "
         f"{chosen.count(len(layers.containers))}; proven to merge back {exact}")
    return 0


def _forced_profiles_save(options, paths: list[Path], mono, layers, files: dict[str, bytes]) -> None:
    """The rule for a --profile: the net lines it saves over all its users, counting its own file, must be more
    than 0 (one nobody uses saves 0); else SplitterError naming the file and the figure."""
    if not options.forced:
        return
    from splitter.reports.plan import lines_saved
    from splitter.reports.plural import count

    for (name, _), path in zip(options.forced, paths):
        saved = lines_saved(mono, layers, files, name) if name in layers.profiles else 0
        if saved <= 0:
            users = sum(name in own.profiles for own in layers.containers.values())
            raise SplitterError(f"profile {name} saves {count(saved, 'line')} net (over "
                                f"{count(users, mono.collection.noun, mono.collection.plural)} using it, counting its own "
                                f"file); a --profile must save more than 0: change it or leave it out", str(path))


def _print_plan(summary: dict, format: str) -> None:
    from splitter.reports.plan import plan_markdown, plan_text

    if format == "json":
        from splitter.reports.escape import json_report
        out(json_report(summary))
    elif format == "markdown":
        out(plan_markdown(summary).encode())
    else:
        out(plan_text(summary).encode())


def _schema_report(doc: object, base: Path, used: Path | str | None, warnings: int) -> dict:
    """Which schema the plan was checked against, or why there was none (`used` as schema_warnings gives it)."""
    from splitter.ops.schemanote import schema_summary

    if isinstance(used, str):
        return {"file": None, "reason": used}
    return schema_summary(doc if type(doc) is dict else {}, base, used, warnings)  # a top-level list: no $schema
