"""Which schema a run read, in words for the plan: the file, or why none was found."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def why_no_schema(value: Any, base: Path) -> str:
    """Why the `$schema` value of a monolith led to no schema file, as a short phrase.

    `value` is the document's `$schema` (or None when it has none), `base` the folder a relative name is
    looked up in (as `schemafile.locate` does). Returns e.g.
    "$schema names x.json, which does not exist". The rules mirror `schema.locate`: URLs are never fetched.
    """
    if value is None:
        return "the monolith has no $schema; pass --schema FILE to use one"
    if type(value) is not str or not value:
        return "$schema is not a file name"
    if re.match(r"^[a-z][a-z0-9+.-]*://", value):
        return f"$schema is a URL ({value}), and URLs are never fetched; pass --schema FILE"
    # anything locate finds is read, and what is wrong with it is said as a warning: here only absence is left
    if Path(value).is_absolute():
        return f"$schema names {value}, which does not exist"
    return f"$schema names {value}, which is not in {base}"


def schema_summary(doc: dict, base: Path, found: Path | None, warnings: int) -> dict:
    """The plan's `schema` entry: {"file": path, "warnings": n} or {"file": None, "reason": phrase}."""
    if found is not None:
        return {"file": str(found), "warnings": warnings}
    return {"file": None, "reason": why_no_schema(doc.get("$schema"), base)}
