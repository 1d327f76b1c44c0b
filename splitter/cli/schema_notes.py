"""Schema warnings of split and merge: a JSON Schema's violations warn, and refuse only with --strict."""

from __future__ import annotations

import os
from pathlib import Path

from splitter.cli.output import say
from splitter.errors import SplitterError


def schema_warnings(doc: object, base: Path, schema: Path | None, strict: bool,
                     where: str = "") -> tuple[int, Path | str | None]:
    """Schema violations only warn: real schemas go stale. With --strict they refuse the work (exit 1).

    A schema that cannot be used is one warning, or exit 2 when given with --schema or under --strict;
    under --strict no schema at all is exit 2 too (one line naming `where`, the monolith or tree, and why).
    Returns how many places break the schema, and the schema used (its file), or why none was (a phrase),
    or None when `$schema` names no file.
    """
    fatal = strict or schema is not None
    unusable: list = []  # schemafile.SchemaProblem
    named = doc.get("$schema") if type(doc) is dict else None  # a top-level list (collection "") names none
    if schema is None and (type(named) is not str or not os.path.lexists(base / named)):
        checker = None  # schemafile.locate finds no file there (nor for a URL): no schema module to import
    else:
        from splitter.ops.schema import find_checker
        from splitter.ops.schemafile import SchemaProblem

        checker = find_checker(named, base, schema, fatal, unusable.append)
    if checker is not None:
        try:
            count = checker.count(doc)
        except SchemaProblem as problem:
            if fatal:
                raise
            unusable.append(problem)
    if unusable:
        warn_schema(unusable[0])
        return 0, str(unusable[0])
    if checker is None:
        if strict:  # --strict promises a checked result: passing silently with nothing checked would lie
            from splitter.ops.schemanote import why_no_schema
            raise SplitterError(f"--strict needs a schema and none was found: {why_no_schema(named, base)}", where)
        return 0, None
    if count:
        say(f"splitter: {'error' if strict else 'warning'}: {count} place(s) break the schema {checker.path}"
             f"{'' if strict else '; going on'} (splitter check shows where)")
        if strict:
            import typer  # only --strict gets here: merge and verify start without Typer

            raise typer.Exit(1)
    return count, checker.path


def warn_schema(problem) -> None:
    from splitter.ops.schema import not_used

    say(f"splitter: warning: {not_used(problem)}")
