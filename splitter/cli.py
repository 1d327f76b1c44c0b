"""The command line: parses options, calls the library, picks a reporter and maps errors to exit codes."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .errors import BadInput, SplitterError
from .usage import OneLineUsageErrors, PlainUsage

app = typer.Typer(
    cls=OneLineUsageErrors,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Split phoenix_lxc_configs.json into a layered conf.d tree, merge it back, and prove nothing changed."
         "\n\nExit codes: 0 ok, 1 a check found a difference or violation, 2 bad usage or bad input.",
)


class Format(str, Enum):
    text = "text"
    json = "json"


class PlanFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _say(text: str) -> None:
    """Progress, warnings and errors go to stderr; the result a command exists to produce goes to stdout."""
    print(text, file=sys.stderr)


def _out(data: bytes) -> None:
    """The result a command exists to produce (a document, plan, report or explanation), in any format."""
    sys.stdout.buffer.write(data if data.endswith(b"\n") else data + b"\n")
    sys.stdout.flush()


class _Steps:
    """A progress line on stderr for long runs: only on a terminal, never for machine-readable output."""

    def __init__(self, enabled: bool):
        self._enabled = enabled and sys.stderr.isatty()
        self._progress = None

    def __call__(self, description: str) -> None:
        if not self._enabled:
            return
        if self._progress is None:  # started on the first step, so that its line shows at once
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                      console=Console(stderr=True), transient=True)
            self._task = self._progress.add_task(description)
            self._progress.start()
        else:
            self._progress.update(self._task, description=description)

    def __enter__(self) -> _Steps:
        return self

    def __exit__(self, *_) -> None:
        if self._progress is not None:
            self._progress.stop()


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
    """The options every command shares."""


Selector = Annotated[Optional[str], typer.Option(
    "--collection", metavar="FOLDER|POINTER",
    help="The collection of the tree to use, by folder (vms) or pointer (/vms); default: lxc, or the tree's only one.")]


def _mining_options(no_profiles: bool, min_members: int, min_keys: int | None, max_profiles: int, unset_cost: float,
                    names: list[str], forced: list[Path]):
    from .exactjson import parse
    from .layers import decode
    from .mining import Options
    from .tree import NAME_MAX, PROFILE_NAME, PROFILE_PREFIX

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


@app.command(cls=PlainUsage)
def split(
    monolith: Annotated[Path, typer.Argument(
        metavar="MONOLITH", help="The monolith, e.g. phoenix_lxc_configs.json.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="The conf.d folder to write.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an output folder that holds a tree splitter wrote "
                                                        "and nothing else, once the new tree is proven.")] = False,
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
) -> None:
    """Write the conf.d tree for a monolith, after proving it merges back into the very same file.

    \b
    Example: splitter split phoenix_lxc_configs.json -o conf.d --dry-run --format markdown
    """
    from dataclasses import replace

    from .collection import for_split
    from .mining import mine
    from .monolith import read_monolith
    from .report import plan_summary
    from .split import build_layers, tree_files, write_tree

    if output is None and not dry_run:
        _say("splitter: split needs --output DIR (or --dry-run)")
        raise typer.Exit(2)
    try:
        with _Steps(format is not PlanFormat.json) as step:
            options = _mining_options(no_profiles, min_members, min_keys, max_profiles, unset_cost, name or [],
                                      profile or [])
            chosen = for_split(collection, id_key, folder, str(monolith))
            options = replace(options, noun=(chosen.noun, chosen.plural))  # role sentences speak of entries
            step(f"reading {monolith}")
            mono = read_monolith(monolith, chosen)
            warnings, schema_used = _schema_warnings(mono.doc, monolith.parent, schema, strict, str(monolith))
            step(f"finding profiles among {chosen.count(len(mono.containers))}")
            plan = mine(mono.containers, options)
            step("laying out the tree")
            layers = build_layers(mono, plan)
            files = tree_files(layers)
            _forced_profiles_save(options, profile or [], mono, layers, files)
            if not dry_run:
                step(f"writing and proving {len(files)} files")
                write_tree(files, mono, output, force, tuple(profile or ()))
    except SplitterError as error:
        _fail(error)
    if dry_run or format is not None:
        _print_plan(plan_summary(mono, layers, files, warnings, _schema_report(mono.doc, monolith.parent,
                                                                                 schema_used, warnings)),
                    format or PlanFormat.text)
    if dry_run:
        return
    exact = "byte for byte" if mono.byte_exact else "as the same document (its formatting is mixed)"
    _say(f"wrote {output}: {len(files)} files, {len(layers.profiles)} profile(s), "
         f"{chosen.count(len(layers.containers))}; proven to merge back {exact}")


def _forced_profiles_save(options, paths: list[Path], mono, layers, files: dict[str, bytes]) -> None:
    """The rule for a --profile: the net lines it saves over all its users, counting its own file, must be more
    than 0 (one nobody uses saves 0); else SplitterError naming the file and the figure."""
    from .plural import count
    from .report import lines_saved

    for (name, _), path in zip(options.forced, paths):
        saved = lines_saved(mono, layers, files, name) if name in layers.profiles else 0
        if saved <= 0:
            users = sum(name in own.profiles for own in layers.containers.values())
            raise SplitterError(f"profile {name} saves {count(saved, 'line')} net (over "
                                f"{count(users, mono.collection.noun, mono.collection.plural)} using it, counting its own "
                                f"file); a --profile must save more than 0: change it or leave it out", str(path))


def _print_plan(summary: dict, format: PlanFormat) -> None:
    from .report import plan_markdown, plan_text

    if format is PlanFormat.json:
        from .exactjson import dumps
        _out(dumps(summary))
    elif format is PlanFormat.markdown:
        _out(plan_markdown(summary).encode())
    else:
        _out(plan_text(summary).encode())


def _schema_report(doc: object, base: Path, used: Path | str | None, warnings: int) -> dict:
    """Which schema the plan was checked against, or why there was none (`used` as _schema_warnings gives it)."""
    from .schemanote import schema_summary

    if isinstance(used, str):
        return {"file": None, "reason": used}
    return schema_summary(doc if type(doc) is dict else {}, base, used, warnings)  # a top-level list: no $schema


def _schema_warnings(doc: object, base: Path, schema: Path | None, strict: bool,
                     where: str = "") -> tuple[int, Path | str | None]:
    """Schema violations only warn: real schemas go stale. With --strict they refuse the work (exit 1).

    A schema that cannot be used is one warning, or exit 2 when given with --schema or under --strict;
    under --strict no schema at all is exit 2 too (one line naming `where`, the monolith or tree, and why).
    Returns how many places break the schema, and the schema used (its file), or why none was (a phrase),
    or None when `$schema` names no file.
    """
    from .schema import SchemaProblem, find_checker

    fatal = strict or schema is not None
    unusable: list[SchemaProblem] = []
    named = doc.get("$schema") if type(doc) is dict else None  # a top-level list (collection "") names none
    checker = find_checker(named, base, schema, fatal, unusable.append)
    if checker is not None:
        try:
            count = checker.count(doc)
        except SchemaProblem as problem:
            if fatal:
                raise
            unusable.append(problem)
    if unusable:
        _warn_schema(unusable[0])
        return 0, str(unusable[0])
    if checker is None:
        if strict:  # --strict promises a checked result: passing silently with nothing checked would lie
            from .schemanote import why_no_schema
            raise SplitterError(f"--strict needs a schema and none was found: {why_no_schema(named, base)}", where)
        return 0, None
    if count:
        _say(f"splitter: {'error' if strict else 'warning'}: {count} place(s) break the schema {checker.path}"
             f"{'' if strict else '; going on'} (splitter check shows where)")
        if strict:
            raise typer.Exit(1)
    return count, checker.path


def _warn_schema(problem) -> None:
    from .schema import not_used

    _say(f"splitter: warning: {not_used(problem)}")


@app.command(cls=PlainUsage)
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
    from .assemble import assemble
    from .exactjson import dumps
    from .tree import check_output_file, read_tree, write_atomic

    try:
        if output is not None:
            check_output_file(output, tree)  # before reading the tree: its place and kind
        with _Steps(True) as step:
            step(f"reading {tree}")
            loaded = read_tree(tree, collection)
            if output is not None:
                check_output_file(output, tree, loaded.collection)  # a monolith of this tree's collection only
            step(f"merging {loaded.collection.count(len(loaded.containers))}")
            doc = assemble(loaded)
            _schema_warnings(doc, tree.resolve().parent, schema, strict, str(tree))
            data = dumps(doc, loaded.layout.style)
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            write_atomic(output, data)
    except SplitterError as error:
        _fail(error)


def _dir_then_monolith(command: str, tree: Path, monolith: Path) -> None:
    """Catch the two arguments of verify and update given the wrong way round (or twice the folder) early, with a
    message that says which is which, before reading either."""
    usage = f"{command} takes DIR then MONOLITH"
    if tree.is_file() and monolith.is_dir():
        raise BadInput(f"is a file, not a conf.d folder ({usage}: swap the two arguments)", str(tree))
    if monolith.is_dir():
        raise BadInput(f"is a folder; MONOLITH must be a file ({usage})", str(monolith))
    if tree.is_file():
        raise BadInput(f"is a file, not a conf.d folder ({usage})", str(tree))


@app.command(cls=PlainUsage)
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
    from .monolith import read_bytes
    from .report import verify_json, verify_text
    from .tree import read_tree
    from .verify import compare

    try:
        with _Steps(format is not Format.json) as step:
            _dir_then_monolith("verify", tree, monolith)
            step(f"reading {tree}")
            loaded = read_tree(tree, collection)
            step(f"comparing {loaded.collection.count(len(loaded.containers))} with {monolith}")
            verdict = compare(loaded, read_bytes(monolith), str(monolith))
    except SplitterError as error:
        _fail(error)
    if format is Format.json:
        _out(verify_json(verdict))
    else:
        _out(verify_text(verdict, str(tree), str(monolith), loaded.collection).encode())
    if not verdict.same_document or (byte_exact and not verdict.same_bytes):
        raise typer.Exit(1)


@app.command(cls=PlainUsage)
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

    from .assemble import Assembler, stale_unset
    from .exactjson import dumps
    from .explain import explain as provenance
    from .report import explain_json, explain_text
    from .tree import read_container

    try:
        loaded = read_container(tree, ctid, collection)
        assembler = Assembler(loaded.base, loaded.profiles, loaded.layout)
        try:
            stale_unset(assembler, loaded.containers[ctid], loaded.where)  # merge refuses such a file: so does show
        except SplitterError as error:
            if not explain:
                raise
            _say(f"splitter: warning: {error}")  # --explain is how one finds out why: it goes on
        merged = assembler.container(ctid, loaded.containers[ctid])
        layers = loaded.layers_of(ctid)
    except SplitterError as error:
        _fail(error)
    if not explain:
        _out(dumps(merged, replace(loaded.layout.style, trailer="\n")))
        return
    origins, removals = provenance(layers, merged)
    files = [layer.file for layer in layers]
    if format is Format.json:
        _out(explain_json(ctid, files, origins, removals))
    else:
        _out(explain_text(ctid, files, origins, removals, loaded.collection.noun).encode())


@app.command(cls=PlainUsage)
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
    from .check import check_collections
    from .report import check_json, check_text

    unusable: list = []
    try:
        problems, uses = check_collections(tree, schema, collection, warn=unusable.append)
    except SplitterError as error:
        _fail(error)
    for problem in unusable:
        _warn_schema(problem)
    used, why = (uses[0].file, uses[0].reason) if len(uses) == 1 else (None, None)
    if format is Format.json:
        _out(check_json(problems, used, why, uses))
    else:
        _out(check_text(problems, used or why, uses).encode())
    if problems:
        raise typer.Exit(1)


@app.command(cls=PlainUsage)
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
) -> None:
    """Bring a conf.d tree up to date with the monolith, keeping its base, profiles and files where they fit.

    Exit 1 when --base finds a value changed on both sides, or when the update would delete a container
    file added by hand (nothing is written).

    \b
    Example: splitter update conf.d phoenix_lxc_configs.json --base old.json --dry-run
    """
    from .assemble import assemble
    from .monolith import read_monolith
    from .report import update_json, update_markdown, update_text
    from .tree import read_tree
    from .update import check_related, merged_target, plan_update, three_way, write_update

    try:
        with _Steps(format is not PlanFormat.json) as step:
            _dir_then_monolith("update", tree, monolith)
            step(f"reading {tree}")
            loaded = read_tree(tree, collection)
            step(f"reading {monolith}")
            mono = read_monolith(monolith, loaded.collection, loaded.layout.style)
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
                    write_update(tree, result)
    except SplitterError as error:
        _fail(error)
    hand_added = result.hand_added if result is not None else []
    if dry_run or conflicts or hand_added or format is not None:  # as split: a real run prints it when asked
        report = {PlanFormat.json: update_json, PlanFormat.markdown: update_markdown}.get(format, update_text)
        _out(report(str(tree), str(monolith), result, conflicts, kept, dry_run, loaded.collection))
    if conflicts:
        _say(f"splitter: {len(conflicts)} value(s) changed both in {tree} and in {monolith} since {base}; "
             "nothing was written")
        raise typer.Exit(1)
    if hand_added:
        _say(f"splitter: {len(hand_added)} file(s) of {tree} that splitter did not write hold containers that "
             f"{monolith} does not have; nothing was written: {', '.join(file for _, file in hand_added)}")
        raise typer.Exit(1)
    if not dry_run:
        _say(f"updated {tree}: {len(result.files)} file(s) changed, {len(result.kept)} kept; proven to merge "
             f"into {monolith}" + (" with the tree's own edits" if result.target is not mono else ""))


@app.command(cls=PlainUsage)
def diff(
    old: Annotated[str, typer.Argument(
        metavar="OLD", help="The old side: a conf.d folder, a monolith file, or REV:PATH of either "
                            "in the git repository here (e.g. origin/main:conf.d).")],
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
    from .diff import compare, load_sides
    from .diffreport import diff_json, diff_markdown, text_lines

    try:
        if new is None:
            from .gitsource import working_path

            if ":" not in old and Path(old).exists():
                kind = "folder" if Path(old).is_dir() else "file"
                raise BadInput(f"is a {kind}, but one argument is a git revision (REV or REV:PATH); to compare two "
                               f"sides give both: splitter diff OLD NEW (e.g. splitter diff HEAD:{old} {old})", old)
            if ":" not in old:
                old += ":conf.d"
            new = working_path(old)
        blobs: dict = {}  # shared by both sides: what did not change is read and parsed once
        parsed: dict = {}
        report = compare(*load_sides(old, new, collection, id_key, blobs=blobs, parsed=parsed))
    except SplitterError as error:
        _fail(error)
    if format is PlanFormat.json:
        _out(diff_json(report))
    elif format is PlanFormat.markdown:
        _out(diff_markdown(report, limit).encode())
    else:
        _print_styled(text_lines(report))
    if report.changed:
        raise typer.Exit(1)


def _print_styled(lines: list[tuple[str, str]]) -> None:
    """Lines on stdout, coloured only on a terminal and never with NO_COLOR (https://no-color.org)."""
    import os

    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        from rich.console import Console
        from rich.text import Text

        console = Console(highlight=False, soft_wrap=True)
        for style, line in lines:
            console.print(Text(line, style=style or ""))
        return
    _out("\n".join(line for _, line in lines).encode())
