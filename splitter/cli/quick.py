"""merge, verify, update, split and merge-driver in their plain forms, without Typer: the bodies both command lines share."""

from __future__ import annotations

from pathlib import Path

from splitter.cli.output import Steps, interrupted_line, os_error_line, out, result, say
from splitter.errors import BadInput, SplitterError


def merge_tree(tree: Path, output: Path | None, schema: Path | None, strict: bool, collection: str | None,
               discard_edits: bool = False) -> None:
    """`splitter merge`: the monolith on stdout or in `output`; raises SplitterError (see tree_commands.merge).
    `output` is not replaced where it holds edits the tree lacks, unless `discard_edits` (ops.mergeguard)."""
    from splitter.cli.schema_notes import schema_warnings
    from splitter.exact.write import dumps
    from splitter.merging.assemble import assemble, spaced
    from splitter.tree.read import read_tree

    if output is not None:  # imported only here: a hook's `merge DIR` writes to stdout and starts sooner
        from splitter.tree.guard import check_output_file

        check_output_file(output, tree)  # before reading the tree: its place and kind
    with Steps(True) as step:
        step(f"reading {tree}")
        loaded = read_tree(tree, collection)
        if output is not None:
            check_output_file(output, tree, loaded.collection)  # a monolith of this tree's collection only
        step(f"merging {loaded.collection.count(len(loaded.containers))}")
        doc = assemble(loaded)
        schema_warnings(doc, tree.resolve().parent, schema, strict, str(tree))
        data = dumps(doc, loaded.layout.style, spaced(loaded))
    if output is None:
        result(data)
    else:
        from splitter.tree.write import stamp, write_atomic

        settled = []
        if output.exists():  # a new monolith loses nothing and settles nothing
            if not discard_edits:
                from splitter.ops.mergeguard import refuse_lost_monolith_edits

                refuse_lost_monolith_edits(output, loaded, doc, data, tree)
            if _marked(output):  # git left it unmerged: say which of its conflicts the tree's merge decides
                from splitter.ops.settled import settled_conflicts

                settled = settled_conflicts(output, doc)
        write_atomic(output, data)
        stamp(output, data)  # the next merge -o knows these bytes as its own
        if settled:
            say(f"splitter: {output}: holds {len(settled)} conflict(s) between git's markers; the tree's merge "
                "decides them (check each, MIGRATION.md section 13):")
            for line in settled:
                say(f"  {line}")


def _marked(path: Path) -> bool:
    """Whether a file holds a line that starts a git conflict (exact.conflicts.conflict_line)."""
    from splitter.exact.conflicts import conflict_line

    try:
        raw = path.read_bytes()
    except OSError:
        return False
    return b"<<<<<<<" in raw and conflict_line(raw) is not None  # a memchr scan first


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


def verify_tree(tree: Path, monolith: Path, byte_exact: bool, as_json: bool, collection: str | None) -> int:
    """`splitter verify`: prints the report, returns the exit code (0 or 1); raises SplitterError for bad input
    before printing anything (see tree_commands.verify)."""
    from splitter.ops.verify import compare
    from splitter.reports.verify import verify_json, verify_text
    from splitter.tree.monolith import read_bytes
    from splitter.tree.read import collection_hint, read_tree
    from splitter.tree.transaction import cut_short

    with Steps(not as_json) as step:
        dir_then_monolith("verify", tree, monolith)
        step(f"reading {tree}")
        cut = cut_short(tree)  # read_tree finishes it
        loaded = read_tree(tree, collection)
        finished = cut and not cut_short(tree)
        step(f"comparing {loaded.collection.count(len(loaded.containers))} with {monolith}")
        try:
            verdict = compare(loaded, read_bytes(monolith), str(monolith))
        except BadInput as error:
            raise collection_hint(error, tree, loaded.collection) from None
    if as_json:
        out(verify_json(verdict, finished))
    else:
        out(verify_text(verdict, str(tree), str(monolith), loaded.collection).encode())
    if finished:  # said by output.telling_finished_writes: a hook that staged the old files must look again
        return 1
    return 1 if not verdict.same_document or (byte_exact and not verdict.same_bytes) else 0


def update_run(tree: Path, monolith: Path, base: Path | None = None, dry_run: bool = False,
               format: str | None = None, collection: str | None = None, wait: float | None = None,
               discard_edits: bool = False) -> int:
    """`splitter update` (see change_commands.update): the tree brought up to date, the report printed where asked
    (`format`: "text", "json", "markdown" or None); returns the exit code, errors said on stderr. Without `base`
    and `discard_edits`, a tree holding edits in neither the monolith nor git is refused (ops.updateguard)."""
    from contextlib import ExitStack

    from splitter.merging.assemble import assemble
    from splitter.ops.threeway import merged_target, name_tree_files, three_way
    from splitter.ops.update import check_related, plan_update
    from splitter.ops.update_files import write_update
    from splitter.reports.update import settle, update_json, update_markdown, update_text
    from splitter.tree.lock import DEFAULT_WAIT
    from splitter.tree.monolith import read_monolith
    from splitter.tree.read import collection_hint, read_tree
    from splitter.tree.transaction import cut_short, writing

    wait = DEFAULT_WAIT if wait is None else wait
    try:
        with Steps(format != "json") as step, ExitStack() as hold:
            dir_then_monolith("update", tree, monolith)
            cut = cut_short(tree)  # taking the lock or reading the tree finishes it
            if not dry_run:  # one writer from reading the tree to the last file written
                hold.enter_context(writing(tree, wait))
            step(f"reading {tree}")
            loaded = read_tree(tree, collection)
            finished = cut and not cut_short(tree)  # said by output.telling_finished_writes
            step(f"reading {monolith}")
            try:
                mono = read_monolith(monolith, loaded.collection, loaded.layout.style)
            except BadInput as error:
                raise collection_hint(error, tree, loaded.collection) from None
            check_related(loaded, mono, str(monolith))  # another fleet would empty the tree's design: refuse
            conflicts, kept, refusal = [], [], None
            if base is None and not discard_edits:
                from splitter.ops.updateguard import EditsWouldBeLost, refuse_lost_tree_edits

                try:
                    refuse_lost_tree_edits(tree, loaded, mono)  # under the lock: no edit can slip in between
                except EditsWouldBeLost as error:
                    if not dry_run:
                        raise
                    refusal = error  # the dry run still shows what the update changes, then exits as a real run
            target, merged = mono, None
            if base is not None:
                old = read_monolith(base, loaded.collection, loaded.layout.style)
                tree_doc = assemble(loaded)
                merged = loaded.collection.entries(tree_doc, str(tree))
                doc, conflicts, kept = three_way(old.doc, tree_doc, mono.doc, loaded.collection)
                name_tree_files(conflicts, loaded)  # the settling advice names the file to edit
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
        say(f"splitter: {error}")
        return error.exit_code
    except KeyboardInterrupt as error:
        say(interrupted_line(error, tree))
        return 130
    hand_added = result.hand_added if result is not None else []
    if dry_run or conflicts or hand_added or format is not None:  # as split: a real run prints it when asked
        if format == "json":
            out(update_json(str(tree), str(monolith), result, conflicts, kept, dry_run, loaded.collection, finished))
        else:
            report = update_markdown if format == "markdown" else update_text
            text = report(str(tree), str(monolith), result, conflicts, kept, dry_run, loaded.collection)
            if refusal is not None:  # said in the report too: a reader of stdout alone must not take it for a plan
                text = (b"A real run would refuse this update and write nothing (its reason on stderr); "
                        b"below, what it would change were it allowed.\n\n" + text)
            out(text)
    if refusal is not None:
        say(f"splitter: a real run would refuse, writing nothing: {refusal}")
        return refusal.exit_code
    if conflicts:
        say(f"splitter: {len(conflicts)} value(s) changed both in {tree} and in {monolith} since {base}; "
            f"nothing was written. {settle(str(tree), str(monolith), conflicts)}")
        return 1
    if hand_added:
        say(f"splitter: {len(hand_added)} file(s) of {tree} that splitter did not write hold containers that "
            f"{monolith} does not have; nothing was written: {', '.join(file for _, file in hand_added)}")
        return 1
    restyled = _restyled(loaded.layout.style, mono.style)
    if restyled:  # a jq script's rewrite: one value changed, and every line of the monolith with it
        say(f"splitter: {monolith} is now written another way ({restyled}); {tree}'s layout.json "
            f"{'would record' if dry_run else 'records'} it, so merge writes it that way too")
    if not dry_run:
        say(f"updated {tree}: {len(result.files)} file(s) changed, {len(result.kept)} kept; proven to merge "
            f"into {monolith}" + (" with the tree's own edits" if result.target is not mono else ""))
    return 0


def _restyled(old, new) -> str:
    """The writer conventions (Style fields) two styles write differently: `indent "    " -> "  ", trailer "" ->
    "\\n"`; "" where none."""
    import json

    before, after = old.to_json(), new.to_json()
    return ", ".join(f"{field} {json.dumps(before[field])} -> {json.dumps(after[field])}"
                     for field in before if before[field] != after[field])


def merge_driver_run(ancestor: Path, current: Path, other: Path, path: str | None, marker_size: int) -> int:
    """`splitter merge-driver %O %A %B %P %L`, as git runs it (gitattributes(5)): the merge written to `current`;
    returns the exit code (0 merged, 1 conflicts left marked, 2 bad input), the messages said on stderr."""
    from splitter.ops.mergedriver import describe, merge_files
    from splitter.tree.write import write_atomic

    name = path or str(current)
    try:
        if marker_size < 1:
            raise BadInput(f"marker size {marker_size} is not a positive number")
        result = merge_files(_version(ancestor), _version(current), _version(other), name, marker_size)
        write_atomic(current, result.merged)
    except SplitterError as error:
        say(f"splitter: {error}")
        return error.exit_code
    if result.note:
        say(f"splitter: {name}: {result.note}")
    for conflict in result.conflicts:
        say(f"splitter: {name}: conflict at {describe(conflict)}")
    if result.clean:
        return 0
    say(f"splitter: {name}: {max(len(result.conflicts), result.text_conflicts)} conflict(s) left marked "
        "(<<<<<<< ours, ||||||| base, =======, >>>>>>> theirs); edit the file, then git add it (a monolith: "
        "settle the tree, then rebuild it with splitter merge DIR -o FILE; MIGRATION.md section 13)")
    return 1


def _version(path: Path) -> bytes:
    """One of the three versions git hands the driver, byte for byte (a byte order mark included); BadInput
    naming it when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise BadInput(f"cannot read this version of the file: {error.strerror or error}", str(path)) from None


def main(argv: list[str]) -> int | None:
    """Run `merge DIR [-o FILE]`, `verify DIR MONOLITH [--byte-exact]`, `update DIR MONOLITH`, `split MONOLITH -o
    DIR` or `merge-driver %O %A %B [%P [%L]]` without importing Typer (about half of a small tree's start-up) and return the exit code;
    None for any other command line, which Typer then reads (every other option, --help, a usage error)."""
    call = _plain_call(argv)
    if call is None:
        return None
    from splitter.cli.output import telling_finished_writes

    with telling_finished_writes():
        return _run(call)


def _run(call) -> int:
    """The call's exit code, its errors each one line on stderr."""
    try:
        return call()
    except SplitterError as error:
        say(f"splitter: {error}")
        return error.exit_code
    except BrokenPipeError:  # `splitter merge conf.d | head -c1`: quiet, as click ends a closed pipe
        return 1
    except OSError as error:  # the same last net as the Typer app's (usage.OneLineUsageErrors)
        say(os_error_line(error))
        return 2
    except KeyboardInterrupt:  # a reader (update and merge-driver say so themselves): nothing to undo
        say("splitter: interrupted")
        return 130


def _plain_call(argv: list[str]):
    """The command as a call taking no arguments, for the command lines main runs; None for any other."""
    if not argv or argv[0] not in ("merge", "verify", "update", "merge-driver", "split"):
        return None
    command, plain, options = argv[0], [], {}
    rest = iter(argv[1:])
    for arg in rest:
        if arg in ("-o", "--output") and command in ("merge", "split") and "-o" not in options:
            options["-o"] = next(rest, None)
            if options["-o"] is None or options["-o"].startswith("-") or not options["-o"]:
                return None
        elif arg == "--byte-exact" and command == "verify" and arg not in options:
            options[arg] = None
        elif arg.startswith("-") or not arg:
            return None
        else:
            plain.append(arg)
    if command == "merge" and len(plain) == 1:
        output = options.get("-o")
        return lambda: merge_tree(Path(plain[0]), Path(output) if output else None, None, False, None) or 0
    if command == "split" and len(plain) == 1 and "-o" in options:
        from splitter.cli.split_run import split_run

        return lambda: split_run(Path(plain[0]), Path(options["-o"]))
    if command == "verify" and len(plain) == 2:
        return lambda: verify_tree(Path(plain[0]), Path(plain[1]), "--byte-exact" in options, False, None)
    if command == "update" and len(plain) == 2:
        return lambda: update_run(Path(plain[0]), Path(plain[1]))
    if command == "merge-driver" and 3 <= len(plain) <= 5 and (len(plain) < 5 or plain[4].isdigit()):
        return lambda: merge_driver_run(Path(plain[0]), Path(plain[1]), Path(plain[2]),
                                        plain[3] if len(plain) > 3 else None, int(plain[4]) if len(plain) > 4 else 7)
    return None
