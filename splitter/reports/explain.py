"""The explanation of one container as text and JSON."""

from __future__ import annotations

from splitter.exact.jsonpath import json_path
from splitter.exact.numbers import canonical
from splitter.exact.pointer import pointer
from splitter.reports.escape import json_report, visible_lines
from splitter.reports.values import show_value


def explain_text(ctid: str, files: list[str], origins, removals, noun: str = "container") -> str:
    out = [f"{noun} {ctid}: " + " -> ".join(files)]
    shown = []
    for origin in origins:
        shown += [origin.value, *(value for _, value in origin.overrides)]
        out.append(f"{json_path(origin.path)} = {show_value(origin.value, 80)}")
        out.append(f"    set by {origin.set_by}")
        out += [f"    overrides {file}: {show_value(value, 80)}" for file, value in reversed(origin.overrides)]
    for removal in removals:
        was = ", ".join(removal.was_set_by) or "nothing (a stale marker)"
        out.append(f"{json_path(removal.path)} deleted by {removal.removed_by}; was set by {was}")
    if any(len(canonical(value).decode()) > 80 for value in shown):  # a value cut to fit a line: say how to see it whole
        out.append("(values longer than 80 characters are cut, ending in ...; --format json shows them whole)")
    return visible_lines(out)


def explain_json(ctid: str, files: list[str], origins, removals) -> bytes:
    return json_report({
        "container": ctid,
        "layers": files,
        "values": [{"path": json_path(o.path), "pointer": pointer(o.path), "value": o.value, "set_by": o.set_by,
                    "overrides": [{"file": file, "value": value} for file, value in o.overrides]}
                   for o in origins],
        "deleted": [{"path": json_path(r.path), "pointer": pointer(r.path), "deleted_by": r.removed_by,
                     "was_set_by": r.was_set_by} for r in removals],
    })
