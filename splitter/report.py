"""Reporters: the results of verify (and the other commands) as text for people or JSON for tools."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .bytediff import KINDS, place_to_json, show_text
from .collection import LXC, Collection
from .exactjson import canonical, dumps
from .itemsets import items
from .jsonpath import json_path
from .layers import Layer, pointer
from .merge import merge
from .monolith import Monolith
from .plural import count
from .split import Layers, difference, layer_lines
from .verify import ABSENT, Verdict


def show_value(value: Any, limit: int = 200) -> str:
    if value is ABSENT:
        return ABSENT
    text = canonical(value).decode()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def verify_text(verdict: Verdict, tree_name: str, monolith_name: str, collection: Collection = LXC) -> str:
    """verify's text report; `collection` names what differs (container(s), entries)."""
    lines = []
    if verdict.same_document:
        lines.append(f"{tree_name} merges into the same document as {monolith_name}")
    else:
        containers = {d.container for d in verdict.differences if d.container is not None}
        lines.append(f"{tree_name} and {monolith_name} differ: {len(verdict.differences)} difference(s)"
                     f" in {collection.count(len(containers))}")
        for difference in verdict.differences:
            who = difference.container or "-"
            lines.append(f"  {who}  {json_path(difference.path)}  ({difference.kind})")
            lines.append(f"      monolith: {show_value(difference.old)}")
            lines.append(f"      conf.d:   {show_value(difference.new)}    from {difference.file}")
    lines += byte_lines(verdict)
    return "\n".join(lines)


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


def verify_json(verdict: Verdict) -> bytes:
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
    return dumps({"same_document": verdict.same_document, "same_bytes": verdict.same_bytes,
                  "differences": differences,
                  "byte_differences": [place_to_json(place, json_path(place.path))
                                       for place in (report.places if report else [])],
                  "byte_difference_counts": report.counts if report else {}})


# ---------------------------------------------------------------- the split plan

PLAN_FORMAT = "splitter-plan/1"


def _leaf_pointers(values: dict) -> list[str]:
    return [pointer(path) for path, _ in items(values)]


def _own_lines(layers: Layers, ctid: str, config: dict, skip: str, inherited: dict) -> int:
    """The lines of a container's own file if it did not use the profile `skip`."""
    own = layers.containers[ctid]
    names = tuple(name for name in own.profiles if name != skip)
    if names not in inherited:  # containers share their profile lists: merge each list once
        inherited[names] = merge([layers.base, *(layers.profiles[name] for name in names)])
    values, unsets = difference(inherited[names], config)
    return layer_lines(Layer(own.file, values, list(names), unsets), container=True)


def _container_name(config: dict) -> str | None:
    name = config.get("name")
    return name if type(name) is str else None


def lines_saved(mono: Monolith, layers: Layers, files: dict[str, bytes], name: str,
                inherited: dict[tuple, dict] | None = None) -> int:
    """Net lines profile `name` saves: what its members' own files would grow by without it, less the lines of
    its own file (files: tree file -> bytes, as split.tree_files gives). `inherited` caches merged stacks."""
    members = [ctid for ctid, own in layers.containers.items() if name in own.profiles]
    inherited = {} if inherited is None else inherited
    without = sum(_own_lines(layers, ctid, mono.containers[ctid], name, inherited)
                  - files[layers.containers[ctid].file].count(b"\n") for ctid in members)
    return without - files[layers.profiles[name].file].count(b"\n")


def plan_summary(mono: Monolith, layers: Layers, files: dict[str, bytes], warnings: int = 0,
                 schema: dict | None = None) -> dict:
    """Everything the plan says, as one JSON-ready object (its form is documented in MIGRATION.md).

    Besides the figures, it says why: each profile's role, its members with their names and its values;
    the base's values; and for each container, why it uses each of its profiles.
    `schema` is {"file": path, "warnings": n} for the schema that was read, or {"file": None, "reason": why}
    (see schemanote.schema_summary); without it the plan says no schema was looked for.
    """
    if schema is None:
        schema = {"file": None, "reason": "none was looked for"}
    def lines(relative: str) -> int:
        return files[relative].count(b"\n")

    plan = layers.plan
    roles = plan.roles if plan else {}
    reasons = plan.reasons if plan else {}
    left_out = plan.left_out if plan else {}
    written = Counter()
    for layer in layers.containers.values():
        written.update((path, canonical(value)) for path, value in items(layer.values))
    profiles = []
    inherited: dict[tuple, dict] = {}
    for name, layer in layers.profiles.items():
        members = [ctid for ctid, own in layers.containers.items() if name in own.profiles]
        profiles.append({"name": name, "file": layer.file, "keys": _leaf_pointers(layer.values),
                         "members": members, "lines": lines(layer.file),
                         "lines_saved": lines_saved(mono, layers, files, name, inherited),
                         "role": roles.get(name, ""),
                         "member_names": [_container_name(mono.containers[ctid]) for ctid in members],
                         "left_out": left_out.get(name, []), "values": layer.values})
    containers = [{"id": ctid, "file": own.file, "profiles": own.profiles, "own_keys": _leaf_pointers(own.values),
                   "unset": [pointer(path) for path in own.unsets], "lines": lines(own.file),
                   "name": _container_name(mono.containers[ctid]),
                   "why": {name: reasons.get(name, "") for name in own.profiles}}
                  for ctid, own in layers.containers.items()]
    monolith_lines = mono.raw.count(b"\n") + 1
    tree_lines = sum(lines(f) for f in files if f.startswith(("defaults/", layers.collection.folder + "/")))
    return {
        "format": PLAN_FORMAT,
        "monolith": {"file": mono.file, "lines": monolith_lines, "containers": len(mono.containers),
                     "byte_exact": mono.byte_exact},
        "base": {"file": layers.base.file, "keys": _leaf_pointers(layers.base.values), "lines": lines(layers.base.file),
                 "values": layers.base.values},
        "profiles": profiles,
        "containers": containers,
        "totals": {
            "files": len(files),
            "monolith_lines": monolith_lines,
            "tree_lines": tree_lines,
            "ratio": round(tree_lines / monolith_lines, 3),
            # every place a path=value pair stands when it stands in two or more container files
            "repeated_pairs": sum(count for count in written.values() if count > 1),
            "unset_markers": sum(len(own.unsets) for own in layers.containers.values()),
            "schema_warnings": warnings if schema["file"] is not None else None,  # None: no schema was read
        },
        "schema": schema,
        "noun": {"singular": layers.collection.noun, "plural": layers.collection.plural},
    }


def _folder(summary: dict) -> str:
    """The folder of the plan's collection, from its base file defaults/<folder>_base.json (lxc, vms, ...)."""
    return summary["base"]["file"].removeprefix("defaults/").removesuffix("_base.json")


def _nouns(summary: dict) -> tuple[str, str]:
    """What the plan calls its entries: ("container", "containers") for lxc, ("entry", "entries") otherwise."""
    noun = summary.get("noun") or {}
    return noun.get("singular", "container"), noun.get("plural", "containers")


def _who(ctid: str, name: str | None) -> str:
    return f"{ctid} ({name})" if name else ctid


def _pairs(values: dict) -> list[str]:
    return [f"{pointer(path)} = {show_value(value, 100)}" for path, value in items(values)]


def plan_text(summary: dict) -> str:
    totals = summary["totals"]
    names = {container["id"]: container["name"] for container in summary["containers"]}
    base = summary["base"]
    one, many = _nouns(summary)
    out = [f"plan for {summary['monolith']['file']}: {count(summary['monolith']['containers'], one, many)}, "
           f"{count(len(summary['profiles']), 'profile')}, {count(totals['files'], 'file')}",
           f"base ({base['file']}, {count(base['lines'], 'line')}): the values most {many} hold"
           + ("" if base["keys"] else ": nothing shared")]
    out += ["    " + pair for pair in _pairs(base["values"])]
    for profile in summary["profiles"]:
        out.append(f"profile {profile['name']} ({count(profile['lines'], 'line')}, saves {profile['lines_saved']}): "
                   f"{profile['role'] or 'given by the operator'}")
        out.append("    members: " + ", ".join(_who(ctid, name) for ctid, name in
                                               zip(profile["members"], profile["member_names"])))
        if profile["left_out"]:
            out.append("    left out, as they share little of it: " + ", ".join(
                _who(ctid, names.get(ctid)) for ctid in profile["left_out"]))
        out += ["    " + pair for pair in _pairs(profile["values"])]
    for container in summary["containers"]:
        unset = f"; unset {', '.join(container['unset'])}" if container["unset"] else ""
        uses = "; ".join(f"{name} ({why})" if why else name for name, why in container["why"].items()) or "no profile"
        out.append(f"{one} {_who(container['id'], container['name'])} -> {container['file']}: {uses}; "
                   f"{count(len(container['own_keys']), 'own key')}{unset}")
    out.append(f"lines: {totals['monolith_lines']} in the monolith, {totals['tree_lines']} under defaults/ and "
               f"{_folder(summary)}/ "
               f"({totals['ratio']:.0%}); path=value pairs written in two or more {one} files: "
               f"{totals['repeated_pairs']}; deletion markers: {totals['unset_markers']}")
    out.append(schema_line(summary["schema"]))
    return "\n".join(out)


def schema_line(schema: dict) -> str:
    """The plan's sentence on the schema: which file was read and what it found, or why none was read."""
    if schema["file"] is None:
        return f"no schema found ({schema['reason']})"
    return f"schema {schema['file']}: {schema['warnings']} place(s) break it"


def _mermaid_label(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


DETAILS_LINES = 12  # a file longer than this is folded in the markdown plan


def _json_block(values: dict, summary_line: str) -> list[str]:
    text = dumps(values).decode().rstrip("\n")
    block = ["```json", text, "```"]
    if text.count("\n") + 1 <= DETAILS_LINES:
        return block
    return ["<details>", f"<summary>{summary_line}</summary>", "", *block, "", "</details>"]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _left_out_cell(left_out: list[str]) -> str:
    """The role's holders a profile leaves out, for the members cell: " (901 left out: shares little)"."""
    return f" ({', '.join(left_out)} left out: share{'s' if len(left_out) == 1 else ''} little)" if left_out else ""


def plan_markdown(summary: dict) -> str:
    totals = summary["totals"]
    names = {container["id"]: container["name"] for container in summary["containers"]}
    one, many = _nouns(summary)
    out = [f"## splitter plan for `{summary['monolith']['file']}`", "",
           f"{count(summary['monolith']['containers'], one, many)}, {count(len(summary['profiles']), 'profile')}: "
           f"**{totals['tree_lines']}** lines under `defaults/` and `{_folder(summary)}/` for "
           f"**{totals['monolith_lines']}** in the monolith ({totals['ratio']:.0%}). Each {one} gets the base, "
           f"then its profiles in the order listed, then its own values.", "",
           "```mermaid", "graph LR", f"  base[{_mermaid_label(_folder(summary) + '_base: every ' + one)}]"]
    for number, profile in enumerate(summary["profiles"]):
        out.append(f"  p{number}[{_mermaid_label('profile ' + profile['name'])}]")
        # the base applies before each profile: an arrow per profile, not one per container, keeps it readable
        out.append(f"  base --> p{number}")
    profile_ids = {profile["name"]: f"p{number}" for number, profile in enumerate(summary["profiles"])}
    for number, container in enumerate(summary["containers"]):
        out.append(f"  c{number}({_mermaid_label(_who(container['id'], container['name']))})")
        sources = [profile_ids[name] for name in container["profiles"] if name in profile_ids] or ["base"]
        out.extend(f"  {source} --> c{number}" for source in sources)
    out += ["```", "", "| profile | role | members | keys | lines saved |", "|---|---|---|---|---|"]
    out += [f"| `{p['name']}` | {_cell(p['role'] or 'given by the operator')} | {', '.join(p['members'])}"
            f"{_left_out_cell(p['left_out'])} | {len(p['keys'])} | {p['lines_saved']} |" for p in summary["profiles"]]
    base = summary["base"]
    out += ["", f"### Base: `{base['file']}`", "",
            f"The values most {many} hold, which a new {one} would be right to inherit "
            f"({count(len(base['keys']), 'key')}).", ""]
    out += _json_block(base["values"], f"{count(len(base['keys']), 'key')}, {count(base['lines'], 'line')}")
    for profile in summary["profiles"]:
        out += ["", f"### Profile `{profile['name']}`: `{profile['file']}`", "",
                _sentence(profile["role"] or "given by the operator") + f"; saves {count(profile['lines_saved'], 'line')}.", "",
                "Members: " + ", ".join(_who(ctid, name) for ctid, name in
                                        zip(profile["members"], profile["member_names"])) + "."]
        if profile["left_out"]:
            out += ["", "Left out, as they share little of it: " + ", ".join(
                _who(ctid, names.get(ctid)) for ctid in profile["left_out"]) + "."]
        out += [""] + _json_block(profile["values"],
                                  f"{count(len(profile['keys']), 'key')}, {count(profile['lines'], 'line')}")
    out += ["", f"### {_sentence(many)}", "", f"| {one} | file | profiles, and why | own keys | deletion markers |",
            "|---|---|---|---|---|"]
    out += [f"| {_cell(_who(c['id'], c['name']))} | `{c['file']}` | "
            f"{_cell('; '.join(f'`{n}`: {w}' if w else f'`{n}`' for n, w in c['why'].items())) or '-'} | "
            f"{len(c['own_keys'])} | {', '.join('`' + u + '`' for u in c['unset']) or '-'} |"
            for c in summary["containers"]]
    out += ["", f"Path=value pairs written in two or more {one} files: {totals['repeated_pairs']}; "
            f"deletion markers: {totals['unset_markers']}.", "", schema_line(summary["schema"]) + "."]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- show --explain and check

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
    return "\n".join(out)


def explain_json(ctid: str, files: list[str], origins, removals) -> bytes:
    return dumps({
        "container": ctid,
        "layers": files,
        "values": [{"path": json_path(o.path), "pointer": pointer(o.path), "value": o.value, "set_by": o.set_by,
                    "overrides": [{"file": file, "value": value} for file, value in o.overrides]}
                   for o in origins],
        "deleted": [{"path": json_path(r.path), "pointer": pointer(r.path), "deleted_by": r.removed_by,
                     "was_set_by": r.was_set_by} for r in removals],
    })


def check_text(problems, schema, uses: list | None = None) -> str:
    """check's report: the problems, then a summary line; with several collections (`uses`: check.SchemaUse
    each) the summary gives the count only, and one "schema of <folder>/: ..." line per collection follows."""
    lines = [str(problem) for problem in problems]
    if uses is not None and len(uses) > 1:
        lines.append(f"{len(problems)} problem(s)")
        lines += [f"schema of {use.folder}/: {use.file or use.reason}" for use in uses]
    else:
        lines.append(f"{len(problems)} problem(s); schema: {schema or 'none found'}")
    return "\n".join(lines)


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
    return dumps(doc)


# ---------------------------------------------------------------- update

UPDATE_FORMAT = "splitter-update/1"


def _where(item) -> str:
    """An update item's JSON path in the monolith: the collection's place, the container's id, then its path."""
    return json_path(list(item.path) if item.container is None else [*item.at, item.container, *item.path])


def _present(value: Any) -> dict:
    from .update import MISSING
    return {} if value is MISSING else {"value": value}


def update_summary(tree: str, monolith: str, result, conflicts, kept, dry_run: bool) -> dict:
    """What an update did or would do, as one JSON-ready object (its form is documented in MIGRATION.md)."""
    def change(item) -> dict:
        return {"container": item.container, "path": _where(item),
                "tree": _present(item.old), "monolith": _present(item.new)}

    summary: dict = {"format": UPDATE_FORMAT, "tree": tree, "monolith": monolith, "dry_run": dry_run,
                     "conflicts": [{"container": c.container, "path": _where(c),
                                    "base": _present(c.base), "tree": _present(c.tree),
                                    "monolith": _present(c.monolith)} for c in conflicts],
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


def _shown(entry: dict) -> str:
    return show_value(entry["value"], 80) if "value" in entry else ABSENT


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
            out += [f"      {side + ':':<9} {_shown(c[side])}" for side in ("base", "tree", "monolith")]
        return ("\n".join(out) + "\n").encode()
    out += _hand_added_lines(summary, result, monolith, collection)
    verb = "would change" if dry_run or out else "changed"
    out.append(f"{tree} {verb} {len(summary['files'])} file(s) to merge into {monolith} "
               f"({summary['kept_files']} kept as they are)")
    out += [f"  {f['action']:<8} {f['file']}: {f['why']}" for f in summary["files"]]
    if summary["values"]:
        out.append(f"values of the tree that {'the update changes' if dry_run else 'changed'}:")
        for v in summary["values"]:
            out.append(f"  {v['container'] or '-'}  {v['path']}: {_shown(v['tree'])} -> {_shown(v['monolith'])}")
    if summary["kept_edits"]:
        out.append("the tree's own edits since the base, kept:")
        out += [f"  {e['container'] or '-'}  {e['path']}: {_shown(e['base'])} -> {_shown(e['tree'])}"
                for e in summary["kept_edits"]]
    return ("\n".join(out) + "\n").encode()


def update_json(tree: str, monolith: str, result, conflicts, kept, dry_run: bool,
                collection: Collection = LXC) -> bytes:
    """update's JSON report: its field names ("container", ...) are the same for every collection."""
    return dumps(update_summary(tree, monolith, result, conflicts, kept, dry_run))


def update_markdown(tree: str, monolith: str, result, conflicts, kept, dry_run: bool,
                    collection: Collection = LXC) -> bytes:
    """update's markdown report; `collection` names what the files hold in its tables."""
    summary = update_summary(tree, monolith, result, conflicts, kept, dry_run)
    one = collection.noun
    out = [f"## splitter update of `{tree}` to `{monolith}`", ""]
    if conflicts:
        out += [f"**{len(conflicts)} conflict(s)**; nothing was written.", "",
                f"| {one} | path | base | tree | monolith |", "|---|---|---|---|---|"]
        out += [f"| {c['container'] or '-'} | `{c['path']}` | `{_shown(c['base'])}` | `{_shown(c['tree'])}` | "
                f"`{_shown(c['monolith'])}` |" for c in summary["conflicts"]]
        return ("\n".join(out) + "\n").encode()
    hand = _hand_added_lines(summary, result, monolith, collection)
    out += [f"**{hand[0]}**", "", *(f"- {line.strip()}" for line in hand[1:]), ""] if hand else []
    out += [f"{len(summary['files'])} file(s) {'would change' if dry_run or hand else 'changed'}, "
            f"{summary['kept_files']} kept as they are.", "", "| file | action | why |", "|---|---|---|"]
    out += [f"| `{f['file']}` | {f['action']} | {f['why']} |" for f in summary["files"]]
    if summary["values"]:
        out += ["", f"| {one} | path | tree | monolith |", "|---|---|---|---|"]
        out += [f"| {v['container'] or '-'} | `{v['path']}` | `{_shown(v['tree'])}` | `{_shown(v['monolith'])}` |"
                for v in summary["values"]]
    if summary["kept_edits"]:
        out += ["", "The tree's own edits since the base, kept:", "", f"| {one} | path | base | tree |",
                "|---|---|---|---|"]
        out += [f"| {e['container'] or '-'} | `{e['path']}` | `{_shown(e['base'])}` | `{_shown(e['tree'])}` |"
                for e in summary["kept_edits"]]
    return ("\n".join(out) + "\n").encode()
