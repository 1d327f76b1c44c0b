"""The update report as text, JSON (splitter-update/1) and markdown."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from splitter.exact.jsonpath import json_path
from splitter.ops.verify import ABSENT
from splitter.reports.escape import cell, code, json_report, sentence, text, visible_lines
from splitter.reports.values import show_sides
from splitter.tree.collection import LXC, Collection

UPDATE_FORMAT = "splitter-update/1"


def _where(item) -> str:
    """An update item's JSON path in the monolith: the collection's place, the container's id, then its path."""
    return json_path(list(item.path) if item.container is None else [*item.at, item.container, *item.path])


def _present(value: Any) -> dict:
    from splitter.ops.changes import MISSING
    return {} if value is MISSING else {"value": value}


def update_summary(tree: str, monolith: str, result, conflicts, kept, dry_run: bool) -> dict:
    """What an update did or would do, as one JSON-ready object (its form is documented in MIGRATION.md)."""
    def change(item) -> dict:
        return {"container": item.container, "path": _where(item),
                "tree": _present(item.old), "monolith": _present(item.new)}

    summary: dict = {"format": UPDATE_FORMAT, "tree": tree, "monolith": monolith, "dry_run": dry_run,
                     "conflicts": [{"container": c.container, "path": _where(c),
                                    "base": _present(c.base), "tree": _present(c.tree),
                                    "monolith": _present(c.monolith), "tree_file": c.file}
                                   for c in conflicts],
                     "kept_edits": [{"container": e.container, "path": _where(e),
                                     "base": _present(e.old), "tree": _present(e.new)} for e in kept]}
    if result is not None:
        summary["files"] = [{"file": f.file, "action": f.action, "why": f.why} for f in result.files]
        summary["kept_files"] = len(result.kept)
        summary["values"] = [change(item) for item in result.values]
        summary["hand_added"] = [{"container": ctid, "file": file} for ctid, file in result.hand_added]
    return summary


def _hand_added_lines(summary: dict, result, monolith: str, collection: Collection = LXC) -> list[str]:
    """The files added by hand that the update would have to delete, and the ways out, as lines of text."""
    if not summary.get("hand_added"):
        return []
    out = [f"{len(summary['hand_added'])} file(s) that splitter did not write (their ids are not in the layout "
           f"file) hold {collection.plural} that {monolith} does not have; nothing was written:"]
    out += [f"  {h['file']}  ({collection.noun} {h['container']})" for h in summary["hand_added"]]
    out.append(f"  either add each {collection.noun} to {monolith}, or delete its file yourself"
               + ("" if result.with_base else ", or keep it as the tree's own edit with --base OLD_MONOLITH"))
    return out


def _shown(*entries: dict) -> list[str]:
    """The sides of one value (base, tree, monolith), each cut to 80 characters around where they differ."""
    return show_sides([entry["value"] if "value" in entry else ABSENT for entry in entries], 80)


def _code_cells(*entries: dict) -> str:
    """The sides of one value as markdown table cells of code spans: `a` | `b`."""
    return " | ".join(cell(code(shown)) for shown in _shown(*entries))


def update_text(tree: str, monolith: str, result, conflicts, kept, dry_run: bool,
                collection: Collection = LXC) -> bytes:
    """update's text report; `collection` names what the files hold (containers, entries)."""
    summary = update_summary(tree, monolith, result, conflicts, kept, dry_run)
    out = []
    if conflicts:
        out.append(f"{len(conflicts)} conflict(s): changed in {tree} and in {monolith} since the base; "
                   "nothing was written")
        for c in summary["conflicts"]:
            out.append(f"  {c['container'] or '-'}  {c['path']}")
            sides = ("base", "tree", "monolith")
            shown = _shown(*(c[side] for side in sides))
            out += [f"      {side + ':':<9} {value}" + (f"    from {_in(tree, c['tree_file'])}"
                                                         if side == "tree" and c["tree_file"] else "")
                    for side, value in zip(sides, shown)]
        out.append(settle(tree, monolith, conflicts))
        return (visible_lines(out) + "\n").encode()
    out += _hand_added_lines(summary, result, monolith, collection)
    written = not (dry_run or out)  # a refusal for hand-added files wrote nothing either
    out.append(f"{tree} {'changed' if written else 'would change'} {len(summary['files'])} file(s) to merge into "
               f"{monolith} ({summary['kept_files']} kept as they are)")
    out += [f"  {f['action']:<8} {f['file']}: {f['why']}" for f in summary["files"]]
    if summary["values"]:
        out.append(f"values of the tree that {'changed' if written else 'the update changes'}:")
        for v in summary["values"]:
            out.append(f"  {v['container'] or '-'}  {v['path']}: {' -> '.join(_shown(v['tree'], v['monolith']))}")
    if summary["kept_edits"]:
        out.append("the tree's own edits since the base, kept:")
        out += [f"  {e['container'] or '-'}  {e['path']}: {' -> '.join(_shown(e['base'], e['tree']))}"
                for e in summary["kept_edits"]]
    return (visible_lines(out) + "\n").encode()


def _in(tree: str, relative: str) -> str:
    """A tree file as the user reaches it: the tree's folder as given, then the file's path in it."""
    return str(PurePath(tree, relative))


def settle(tree: str, monolith: str, conflicts=(), wrap=str) -> str:
    """How to settle update --base's conflicts: both sides given one value, then the same update; the tree file
    to edit named where all conflicts agree on one (Conflict.file, Conflict.own), and, where a profile or the
    base gives the tree's value, how to change one entry alone. `wrap` writes a name (reports.escape.code).

    A value both sides hold alike is changed alike, which the three-way merge takes once (the diff3 rule).
    """
    files = list(dict.fromkeys(c.file for c in conflicts if c.file))
    shared = list(dict.fromkeys(c.own for c in conflicts if c.file and c.own and c.file != c.own))
    if not files:
        side = f"edit the entry's file in {wrap(tree)}"
    elif len(files) == 1 and len(shared) == 1:
        side = (f"set it in {wrap(_in(tree, shared[0]))}, the entry's own file ({wrap(_in(tree, files[0]))} gives "
                f"the tree's value to every entry that takes it)")
    elif shared:
        side = ("edit the file named above, or, where that is a profile or the base (which give the value to every "
                "entry that takes it), set it in the entry's own file")
    else:
        side = f"edit {wrap(_in(tree, files[0]))}" if len(files) == 1 else "edit the file named above"
    return (f"To settle each: give both places one value (the monolith's, the tree's or a third): in the tree, "
            f"{side}; in {wrap(monolith)}, edit the value. Then run the same update again.")


def update_json(tree: str, monolith: str, result, conflicts, kept, dry_run: bool,
                collection: Collection = LXC, finished_cut_write: bool = False) -> bytes:
    """update's JSON report: its field names ("container", ...) are the same for every collection;
    `finished_cut_write`: reading the tree first finished a write that was cut short (as verify reports it)."""
    return json_report({**update_summary(tree, monolith, result, conflicts, kept, dry_run),
                        "finished_cut_write": finished_cut_write})


def _who(entry: dict) -> str:
    """The container id of a report row as a markdown table cell ("-" for a top-level key)."""
    return cell(text(entry["container"])) if entry["container"] else "-"


def update_markdown(tree: str, monolith: str, result, conflicts, kept, dry_run: bool,
                    collection: Collection = LXC) -> bytes:
    """update's markdown report; `collection` names what the files hold in its tables."""
    summary = update_summary(tree, monolith, result, conflicts, kept, dry_run)
    one = collection.noun
    out = [f"## splitter update of {code(tree)} to {code(monolith)}", ""]
    if conflicts:
        out += [f"**{len(conflicts)} conflict(s)**; nothing was written.", "",
                f"| {one} | path | base | tree | monolith | the tree's value from |", "|---|---|---|---|---|---|"]
        out += [f"| {_who(c)} | {cell(code(c['path']))} | {_code_cells(c['base'], c['tree'], c['monolith'])} | "
                f"{cell(code(c['tree_file'])) if c['tree_file'] else '-'} |" for c in summary["conflicts"]]
        out += ["", settle(tree, monolith, conflicts, code)]
        return ("\n".join(out) + "\n").encode()
    hand = _hand_added_lines(summary, result, monolith, collection)
    if hand:
        out += [f"**{sentence(hand[0])}**", "",
                *(f"- {code(h['file'])}  ({collection.noun} {text(h['container'])})" for h in summary["hand_added"]),
                f"- {sentence(hand[-1].strip())}", ""]
    out += [f"{len(summary['files'])} file(s) {'would change' if dry_run or hand else 'changed'}, "
            f"{summary['kept_files']} kept as they are.", "", "| file | action | why |", "|---|---|---|"]
    out += [f"| {cell(code(f['file']))} | {f['action']} | {cell(text(f['why']))} |" for f in summary["files"]]
    if summary["values"]:
        out += ["", f"| {one} | path | tree | monolith |", "|---|---|---|---|"]
        out += [f"| {_who(v)} | {cell(code(v['path']))} | {_code_cells(v['tree'], v['monolith'])} |"
                for v in summary["values"]]
    if summary["kept_edits"]:
        out += ["", "The tree's own edits since the base, kept:", "", f"| {one} | path | base | tree |",
                "|---|---|---|---|"]
        out += [f"| {_who(e)} | {cell(code(e['path']))} | {_code_cells(e['base'], e['tree'])} |"
                for e in summary["kept_edits"]]
    return ("\n".join(out) + "\n").encode()
