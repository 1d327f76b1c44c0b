"""The verify report as text and JSON."""

from __future__ import annotations

from splitter.errors import shell_word
from splitter.exact.bytediff import KINDS, place_to_json, show_text
from splitter.exact.jsonpath import json_path
from splitter.ops.verify import ABSENT, Verdict
from splitter.reports.escape import json_report, visible_lines
from splitter.reports.values import show_sides
from splitter.tree.collection import LXC, Collection


SHOWN = 100  # differences the text report lists one by one


def verify_text(verdict: Verdict, tree_name: str, monolith_name: str, collection: Collection = LXC) -> str:
    """verify's text report; `collection` names what differs (container(s), entries)."""
    lines = []
    if verdict.same_document:
        lines.append(f"{tree_name} merges into the same document as {monolith_name}")
    else:
        lines.append(f"{tree_name} and {monolith_name} differ: {_where(verdict, collection)}")
        for difference in verdict.differences[:SHOWN]:
            who = difference.container or "-"
            lines.append(f"  {who}  {json_path(difference.path)}  ({difference.kind})")
            old, new = show_sides([difference.old, difference.new])
            lines.append(f"      monolith: {old}")
            lines.append(f"      conf.d:   {new}    from {difference.file}")
        if len(verdict.differences) > SHOWN:  # a hook's or CI's log stays readable; the JSON report has all
            lines.append(f"  ... and {len(verdict.differences) - SHOWN} more difference(s) (--format json lists "
                         "every one)")
    if verdict.differences and all(d.kind == "order" for d in verdict.differences):
        tree_, mono_ = shell_word(tree_name), shell_word(monolith_name)  # pasted as printed: paths may hold spaces
        lines.append(f"key order only: to keep the monolith's order, splitter update {tree_} {mono_} records it in "
                     f"the tree (MIGRATION.md section 10); to keep the tree's, splitter merge {tree_} -o {mono_} "
                     "(section 13)")
    lines += byte_lines(verdict)
    return visible_lines(lines)


def _where(verdict: Verdict, collection: Collection) -> str:
    """`3 difference(s) in 2 containers`, saying which are outside any entry (the monolith's top-level keys, the
    order of its entries) and when all are key order only (trial 11: "1 difference(s) in 0 container(s)")."""
    total, inside = len(verdict.differences), [d for d in verdict.differences if d.container is not None]
    among = f"in {collection.count(len({d.container for d in inside}))}"
    outside = (f"outside any {collection.noun} (the monolith's top-level keys or the order of its "
               f"{collection.plural})")
    if len(inside) == total:
        said = f"{total} difference(s) {among}"
    elif not inside:
        said = f"{total} difference(s) {outside}"
    else:
        said = f"{total} difference(s): {len(inside)} {among}, {total - len(inside)} {outside}"
    return said + (", key order only" if all(d.kind == "order" for d in verdict.differences) else "")


def byte_lines(verdict: Verdict) -> list[str]:
    """The bytes part of verify's text report: where the monolith differs from what merge writes, and how."""
    if verdict.same_bytes:
        return ["bytes: identical"]
    report = verdict.bytes
    if report is None or not report.counts:
        return ["bytes: differ"]
    kinds = ", ".join(f"{kind} {report.counts[kind]}" for kind in KINDS if kind in report.counts)
    only = " (formatting only)" if report.formatting_only else ""
    lines = [f"bytes: differ in {sum(report.counts.values())} place(s): {kinds}{only}"]
    for place in report.places:
        lines.append(f"  {place.line}:{place.column}  {json_path(place.path)}  {place.kind}: "
                     f"monolith {show_text(place.first)}, merge writes {show_text(place.second)}")
    shown = {kind: sum(1 for place in report.places if place.kind == kind) for kind in report.counts}
    lines += [f"  ... and {report.counts[kind] - shown[kind]} more {kind} place(s)"
              for kind in KINDS if report.counts.get(kind, 0) > shown.get(kind, 0)]
    return lines


def verify_json(verdict: Verdict, finished_cut_write: bool = False) -> bytes:
    """verify's --format json report (MIGRATION.md section 4); `finished_cut_write`: reading the tree finished a
    write that was cut short, so its files changed on disk (the exit code is 1 whatever the comparison says)."""
    differences = []
    for found in verdict.differences:
        entry: dict = {"container": found.container, "path": json_path(found.path), "kind": found.kind}
        if found.old is not ABSENT:
            entry["monolith"] = found.old
        if found.new is not ABSENT:
            entry["conf_d"] = found.new
        entry["file"] = found.file
        differences.append(entry)
    report = verdict.bytes
    return json_report({"same_document": verdict.same_document, "same_bytes": verdict.same_bytes,
                  "differences": differences,
                  "byte_differences": [place_to_json(place, json_path(place.path))
                                       for place in (report.places if report else [])],
                  "byte_difference_counts": report.counts if report else {},
                  "finished_cut_write": finished_cut_write})
