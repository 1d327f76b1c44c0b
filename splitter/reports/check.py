"""The problems check found, as text and JSON."""

from __future__ import annotations

from splitter.reports.escape import json_report, visible_lines


def check_text(problems, schema, uses: list | None = None) -> str:
    """check's report: the problems, then a summary line; with several collections (`uses`: check.SchemaUse
    each) the summary gives the count only, and one "schema of <folder>/: ..." line per collection follows."""
    lines = [str(problem) for problem in problems]
    if uses is not None and len(uses) > 1:
        lines.append(f"{len(problems)} problem(s)")
        lines += [f"schema of {use.folder}/: {use.file or use.reason}" for use in uses]
    else:
        lines.append(f"{len(problems)} problem(s); schema: {schema or 'none found'}")
    return visible_lines(lines)


def check_json(problems, schema, reason: str | None = None, uses: list | None = None) -> bytes:
    """check's report: {"schema": path or null, "schema_reason": why none was used (only when null),
    "schemas": [{"collection", "folder", "schema", "schema_reason"?} per collection checked], "problems"}.

    "schema" and "schema_reason" are given when one collection was checked only (see MIGRATION.md).
    """
    doc: dict = {}
    if uses is None or len(uses) <= 1:
        doc["schema"] = str(schema) if schema else None
        if not schema:
            doc["schema_reason"] = reason or "none found"
    if uses is not None:
        doc["schemas"] = [{"collection": use.pointer, "folder": use.folder,
                           "schema": str(use.file) if use.file else None,
                           **({} if use.file else {"schema_reason": use.reason})} for use in uses]
    doc["problems"] = [p.to_json() for p in problems]
    return json_report(doc)
