"""merge, verify and merge-driver as hooks and git run them, without Typer: the bodies both command lines share."""

from __future__ import annotations

from pathlib import Path

from splitter.cli.output import Steps, os_error_line, out, result, say
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
        from splitter.tree.write import write_atomic

        if not discard_edits:
            from splitter.ops.mergeguard import refuse_lost_monolith_edits

            refuse_lost_monolith_edits(output, loaded, doc, data, tree)
        write_atomic(output, data)


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

    with Steps(not as_json) as step:
        dir_then_monolith("verify", tree, monolith)
        step(f"reading {tree}")
        loaded = read_tree(tree, collection)
        step(f"comparing {loaded.collection.count(len(loaded.containers))} with {monolith}")
        try:
            verdict = compare(loaded, read_bytes(monolith), str(monolith))
        except BadInput as error:
            raise collection_hint(error, tree, loaded.collection) from None
    if as_json:
        out(verify_json(verdict))
    else:
        out(verify_text(verdict, str(tree), str(monolith), loaded.collection).encode())
    return 1 if not verdict.same_document or (byte_exact and not verdict.same_bytes) else 0


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
        "(<<<<<<< ours, ||||||| base, ======= , >>>>>>> theirs); edit the file, then git add it (a monolith: "
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
    """Run `merge DIR [-o FILE]` or `verify DIR MONOLITH [--byte-exact]` without importing Typer (about half of a
    small tree's start-up) and return the exit code; None for any other command line, which Typer then reads
    (every other option, --help, a usage error)."""
    if not argv or argv[0] not in ("merge", "verify", "merge-driver"):
        return None
    if argv[0] == "merge-driver":  # as git runs it: three to five plain arguments
        plain_args = argv[1:]
        if not 3 <= len(plain_args) <= 5 or any(arg.startswith("-") or not arg for arg in plain_args) or (
                len(plain_args) == 5 and not plain_args[4].isdigit()):
            return None
        try:
            return merge_driver_run(Path(plain_args[0]), Path(plain_args[1]), Path(plain_args[2]),
                                    plain_args[3] if len(plain_args) > 3 else None,
                                    int(plain_args[4]) if len(plain_args) > 4 else 7)
        except OSError as error:
            say(os_error_line(error))
            return 2
        except KeyboardInterrupt:
            say("splitter: interrupted")
            return 130
    plain: list[str] = []
    options: dict[str, str | None] = {}
    rest = iter(argv[1:])
    for arg in rest:
        if arg in ("-o", "--output") and argv[0] == "merge" and "-o" not in options:
            options["-o"] = next(rest, None)
            if options["-o"] is None or options["-o"].startswith("-") or not options["-o"]:
                return None
        elif arg == "--byte-exact" and argv[0] == "verify" and arg not in options:
            options[arg] = None
        elif arg.startswith("-") or not arg:
            return None
        else:
            plain.append(arg)
    try:
        if argv[0] == "merge" and len(plain) == 1:
            output = options.get("-o")
            merge_tree(Path(plain[0]), Path(output) if output else None, None, False, None)
            return 0
        if argv[0] == "verify" and len(plain) == 2:
            return verify_tree(Path(plain[0]), Path(plain[1]), "--byte-exact" in options, False, None)
    except SplitterError as error:
        say(f"splitter: {error}")
        return error.exit_code
    except BrokenPipeError:  # `splitter merge conf.d | head -c1`: quiet, as click ends a closed pipe
        return 1
    except OSError as error:  # the same last net as the Typer app's (usage.OneLineUsageErrors)
        say(os_error_line(error))
        return 2
    except KeyboardInterrupt:  # a reader: nothing to undo
        say("splitter: interrupted")
        return 130
    return None
