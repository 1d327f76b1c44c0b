"""Reporters: the results of verify (and the other commands) as text for people or JSON for tools."""

from __future__ import annotations

from typing import Any

from .exactjson import canonical, dumps
from .jsonpath import json_path
from .verify import ABSENT, Verdict


def show_value(value: Any, limit: int = 200) -> str:
    if value is ABSENT:
        return ABSENT
    text = canonical(value).decode()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def verify_text(verdict: Verdict, tree_name: str, monolith_name: str) -> str:
    lines = []
    if verdict.same_document:
        lines.append(f"{tree_name} merges into the same document as {monolith_name}")
    else:
        containers = {d.container for d in verdict.differences if d.container is not None}
        lines.append(f"{tree_name} and {monolith_name} differ: {len(verdict.differences)} difference(s)"
                     f" in {len(containers)} container(s)")
        for difference in verdict.differences:
            who = difference.container or "-"
            lines.append(f"  {who}  {json_path(difference.path)}  ({difference.kind})")
            lines.append(f"      monolith: {show_value(difference.old)}")
            lines.append(f"      conf.d:   {show_value(difference.new)}    from {difference.file}")
    lines.append("bytes: identical" if verdict.same_bytes else "bytes: differ")
    return "\n".join(lines)


def verify_json(verdict: Verdict) -> bytes:
    differences = []
    for difference in verdict.differences:
        entry: dict = {"container": difference.container, "path": json_path(difference.path),
                       "kind": difference.kind}
        if difference.old is not ABSENT:
            entry["monolith"] = difference.old
        if difference.new is not ABSENT:
            entry["conf_d"] = difference.new
        entry["file"] = difference.file
        differences.append(entry)
    return dumps({"same_document": verdict.same_document, "same_bytes": verdict.same_bytes,
                  "differences": differences})
