"""The diff of two sides as text for a terminal, JSON for tools (splitter-diff/1) and markdown for a pull request."""

from __future__ import annotations

from splitter.exact.jsonpath import json_path
from splitter.exact.pointer import pointer
from splitter.ops.diff import Change, ContainerDiff, Report
from splitter.ops.verify import ABSENT
from splitter.reports.escape import cell as _cell
from splitter.reports.escape import code as _code
from splitter.reports.escape import fence, html_text, json_report, text
from splitter.reports.values import show_sides, show_value

DIFF_FORMAT = "splitter-diff/1"
MARKDOWN_LIMIT = 60000  # characters; a GitHub comment holds at most 65,536
_KIND_ORDER = {"changed": 0, "added": 1, "removed": 2}
_STYLE = {"changed": "yellow", "added": "green", "removed": "red", "-": "red", "+": "green"}


def _ids(ids: list[str], limit: int = 20) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f", ... and {len(ids) - limit} more" if len(ids) > limit else "")


def summary_lines(report: Report) -> list[str]:
    """The summary: one line per file that caused a change, then the counts."""
    lines, collection = [], report.collection
    for file, ids in report.by_file():
        if ids:
            noun = collection.noun if len(ids) == 1 else collection.plural
            lines.append(f"{file} {report.how(file)}: {len(ids)} {noun} affected ({_ids(ids)})")
        else:
            lines.append(f"{file} changed: the monolith's top-level keys")
    lines += [no_effect_line(file, how, why, collection.noun) for file, how, why in report.no_effect]
    status = [container.status for container in report.containers]
    counts = (f"{collection.count(status.count('changed'))} changed, {status.count('added')} added, "
              f"{status.count('removed')} removed, {report.unchanged} unchanged")
    if report.reordered:
        counts += f"; only key order changed in {len(report.reordered)} ({_ids(report.reordered)})"
    if report.respelled:
        counts += f"; only number spelling changed in {len(report.respelled)} ({_ids(report.respelled)})"
    if report.formatting:
        counts += (f"; {len(report.formatting)} file(s) changed only in formatting, key order, number spelling "
                   f"or layout "
                   f"({_ids(report.formatting, 5)})")
    lines.append(counts if report.changed else f"no {collection.noun}'s final config changes ({counts})")
    return lines


def no_effect_line(file: str, how: str, why: str, noun: str) -> str:
    """`defaults/profile_template.json changed: no container affected (every member overrides it)`."""
    return f"{file} {how}: no {noun} affected ({why})"


def _cause(change: Change) -> str:
    return f"{change.file} ({change.layer}{', old side' if change.side == 'old' else ''})"


def _sorted_changes(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda change: _KIND_ORDER[change.kind])  # stable: leaf order kept within a kind


def _title(container: ContainerDiff, noun: str) -> str:
    name = f" ({container.name})" if isinstance(container.name, str) else ""
    if container.status == "added":
        return f"{noun} {container.id}{name}: added, {container.file}"
    if container.status == "removed":
        return f"{noun} {container.id}{name}: removed, was {container.file}"
    return f"{noun} {container.id}{name}: {len(container.changes)} change(s)"


def text_lines(report: Report) -> list[tuple[str, str]]:
    """(style, line) pairs for a terminal: style is a colour name or "" (the CLI colours only on a terminal)."""
    out = [("bold", line) for line in summary_lines(report)]
    sections = [(_title(container, report.collection.noun), container.changes) for container in report.containers]
    if report.globals:
        sections.append(("top-level keys of the monolith", report.globals))
    for title, changes in sections:
        out += [("", ""), ("bold", title)]
        for change in _sorted_changes(changes):
            path = json_path(change.path)
            if change.list_changes:
                out.append((_STYLE[change.kind], f"  {change.kind:<8} {path} (list)    from {_cause(change)}"))
                out += [(_STYLE[op], f"      {op} [{index}] {show_value(value)}")
                        for op, index, value in change.list_changes]
            elif change.kind == "changed":
                old, new = show_sides([change.old, change.new])
                out.append((_STYLE[change.kind], f"  changed  {path}: {old} -> {new}    from {_cause(change)}"))
            else:
                value = change.new if change.kind == "added" else change.old
                out.append((_STYLE[change.kind], f"  {change.kind:<8} {path}: {show_value(value)}    "
                                                 f"from {_cause(change)}"))
    return out


def _change_json(change: Change) -> dict:
    entry: dict = {"path": json_path(change.path), "pointer": pointer(change.path), "kind": change.kind}
    if change.old is not ABSENT:
        entry["old"] = change.old
    if change.new is not ABSENT:
        entry["new"] = change.new
    if change.list_changes:
        entry["list"] = [{"op": op, "index": index, "value": value} for op, index, value in change.list_changes]
    entry.update(file=change.file, layer=change.layer, side=change.side)
    return entry


def diff_json(report: Report) -> bytes:
    """The report as splitter-diff/1 (documented in MIGRATION.md)."""
    return json_report({
        "format": DIFF_FORMAT,
        "old": report.old,
        "new": report.new,
        "collection": report.collection.pointer,
        "changed": report.changed,
        "summary": [{"file": file, "containers": ids} for file, ids in report.by_file()],
        "containers": [{"id": c.id, "name": c.name, "status": c.status, "file": c.file,
                        "changes": [_change_json(change) for change in _sorted_changes(c.changes)]}
                       for c in report.containers],
        "globals": [_change_json(change) for change in _sorted_changes(report.globals)],
        "unchanged": report.unchanged,
        "reordered": report.reordered,
        "formatting": report.formatting,
        "respelled": report.respelled,
        "no_effect": [{"file": file, "change": how, "why": why} for file, how, why in report.no_effect],
    })


def _details(container: ContainerDiff | None, changes: list[Change], title: str) -> str:
    lines = [f"<details><summary>{html_text(title)}</summary>", ""]
    if changes:
        block = []
        for change in _sorted_changes(changes):
            path, cause = json_path(change.path), f"    # {_cause(change)}"
            if change.list_changes:
                block.append(f"  {path} (list){cause}")
                block += [f"{op}   [{index}] {show_value(value)}" for op, index, value in change.list_changes]
            elif change.kind == "changed":
                old, new = show_sides([change.old, change.new])
                block += [f"- {path}: {old}", f"+ {path}: {new}{cause}"]
            elif change.kind == "added":
                block.append(f"+ {path}: {show_value(change.new)}{cause}")
            else:
                block.append(f"- {path}: {show_value(change.old)}{cause}")
        lines += fence(block, "diff")
    else:
        lines.append(f"{container.status.capitalize()}: {_code(container.file)}")
    return "\n".join(lines + ["", "</details>", ""])


def diff_markdown(report: Report, limit: int = MARKDOWN_LIMIT) -> str:
    """A pull-request comment: the summary table, then one collapsible section per container.

    The whole comment (title, summary, table, sections and the note) stays under `limit` characters (Python
    str length; GitHub counts a comment's characters, at most 65,536). Where it would not, the summary lines
    lose their lists of ids and files, the table keeps the rows that fit and the sections that fit follow;
    the comment says what it left out (Truncated, Shortened). Only a title (the two sides' names) near
    `limit` can pass it.
    """
    status = [container.status for container in report.containers]
    collection = report.collection
    counted = "container(s)" if collection.is_lxc else collection.plural
    head = [f"## splitter diff {_code(report.old)} → {_code(report.new)}", ""]
    if not report.changed:
        head.append(f"No {collection.noun}'s final config changes.")
    else:
        head.append(f"**{status.count('changed')}** {counted} changed, **{status.count('added')}** added, "
                    f"**{status.count('removed')}** removed; {report.unchanged} unchanged.")
    paragraphs = []  # (the paragraph, a shorter one without its list)
    if report.reordered:
        said = f"Only key order changed in {len(report.reordered)} {counted}"
        paragraphs.append((f"{said}: {text(_ids(report.reordered))}.", f"{said}."))
    if report.respelled:
        said = f"Only number spelling changed in {len(report.respelled)} {counted}"
        paragraphs.append((f"{said}: {text(_ids(report.respelled))}.", f"{said}."))
    if report.formatting:
        said = "Changed only in formatting, key order, number spelling or layout"
        more = f" and {len(report.formatting) - 20} more" if len(report.formatting) > 20 else ""
        paragraphs.append((f"{said}: {', '.join(_code(file) for file in report.formatting[:20])}{more}.",
                           f"{said}: {len(report.formatting)} file(s)."))
    rows = [(file, f"{len(ids)}: {_ids(ids)}" if ids else "top-level keys") for file, ids in report.by_file()]
    rows += [(file, f"none ({how}; {why})") for file, how, why in report.no_effect]
    sections = [_details(c, c.changes, _title(c, collection.noun)) for c in report.containers]
    if report.globals:
        sections.append(_details(None, report.globals, "top-level keys of the monolith"))

    def note(shown: int) -> str:
        return (f"\n**Truncated:** {len(sections) - shown} of {len(sections)} sections are not shown: this whole "
                f"comment is kept under {limit} characters. Run `splitter diff` locally for all of them.\n")

    table = [f"| {_cell(_code(file))} | {_cell(text(affected))} |" for file, affected in rows[:50]]
    comment = "\n".join(head) + "\n" + "".join(f"\n{whole}\n" for whole, _ in paragraphs)
    whole = comment + (_table(table, len(rows), collection.plural, limit) if table else "") + "\n"
    if len(whole) + sum(map(len, sections)) < limit:
        return whole + "".join(sections)
    # cut: the summary lines without their lists, the table rows that fit, the sections that fit, the note
    room = limit - 1 - len(note(0))  # the longest note, which a cut comment ends with
    comment = "\n".join(head) + "\n" + "".join(f"\n{short}\n" for _, short in paragraphs)
    if table:
        comment += _table(table, len(rows), collection.plural, room - len(comment) - 1)
    comment += "\n"
    for shown, section in enumerate(sections):
        if len(comment) + len(section) > room:  # room keeps the longest note's place
            return comment + note(shown)
        comment += section
    return comment + (f"\n**Shortened:** the summary's lists of ids and files are left out: this whole comment is "
                      f"kept under {limit} characters.\n")


def _table(table: list[str], rows: int, plural: str, room: int) -> str:
    """The summary table's markdown (a blank line first), with as many of its rows as fit in `room` characters
    and a last row saying how many files are not listed (of `rows` in all)."""
    top = f"\n| file | {plural} affected |\n|---|---|\n"
    kept, size = 0, len(top)
    for line in table:
        last = len(f"| ... | {rows - kept - 1} more files |\n") if kept + 1 < rows else 0
        if size + len(line) + 1 + last > room:
            break
        kept, size = kept + 1, size + len(line) + 1
    if kept == 0:
        line = f"\n{rows} file(s) changed; the table of them is left out to keep this comment short.\n"
        return line if len(line) <= room else ""
    more = [f"| ... | {rows - kept} more files |"] if kept < rows else []
    return top + "\n".join(table[:kept] + more) + "\n"
