"""The plan of a split as text, JSON (splitter-plan/1) and markdown."""

from __future__ import annotations

from collections import Counter

from splitter.discovery.itemsets import items
from splitter.exact.numbers import canonical
from splitter.exact.pointer import pointer
from splitter.exact.write import dumps
from splitter.merging.merge import merge
from splitter.ops.split import Layers, difference, layer_lines
from splitter.reports.escape import cell, code, fence, sentence, text, visible, visible_lines
from splitter.reports.plural import count
from splitter.reports.values import show_value
from splitter.tree.layers import Layer
from splitter.tree.monolith import Monolith

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
    monolith_lines = mono.text().count(b"\n") + 1
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
        # role groups that got no profile, and why (discovery.unprofiled)
        "unprofiled": list(plan.unprofiled) if plan else [],
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
    out += [f"no profile for {entry['role']}: {entry['reason']}" for entry in summary.get("unprofiled", [])]
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
    return visible_lines(out)


def schema_line(schema: dict) -> str:
    """The plan's sentence on the schema: which file was read and what it found, or why none was read."""
    if schema["file"] is None:
        return f"no schema found ({schema['reason']})"
    return f"schema {schema['file']}: {schema['warnings']} place(s) break it"


def _mermaid_label(label: str) -> str:
    """A quoted mermaid node label that shows `label` as text: quotes and angle brackets as mermaid's entity codes."""
    for char, entity in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        label = label.replace(char, entity)
    return '"' + visible(label) + '"'


def _cell(value: str) -> str:
    """Markdown text of data as a table cell's content."""
    return cell(text(value))


DETAILS_LINES = 12  # a file longer than this is folded in the markdown plan


def _json_block(values: dict, summary_line: str) -> list[str]:
    lines = dumps(values).decode().rstrip("\n").split("\n")
    block = fence(lines, "json")
    if len(lines) <= DETAILS_LINES:
        return block
    return ["<details>", f"<summary>{summary_line}</summary>", "", *block, "", "</details>"]


def _sentence(words: str) -> str:
    return words[:1].upper() + words[1:]


def _left_out_cell(left_out: list[str]) -> str:
    """The role's holders a profile leaves out, for the members cell: " (901 left out: shares little)"."""
    if not left_out:
        return ""
    return f" ({text(', '.join(left_out))} left out: share{'s' if len(left_out) == 1 else ''} little)"


def plan_markdown(summary: dict) -> str:
    totals = summary["totals"]
    names = {container["id"]: container["name"] for container in summary["containers"]}
    one, many = _nouns(summary)
    out = [f"## splitter plan for {code(summary['monolith']['file'])}", "",
           f"{count(summary['monolith']['containers'], one, many)}, {count(len(summary['profiles']), 'profile')}: "
           f"**{totals['tree_lines']}** lines under `defaults/` and {code(_folder(summary) + '/')} for "
           f"**{totals['monolith_lines']}** in the monolith ({totals['ratio']:.0%}). Each {one} gets the base, "
           f"then its profiles in the order listed, then its own values.", "",
           "MERMAID", "graph LR", f"  base[{_mermaid_label(_folder(summary) + '_base: every ' + one)}]"]
    for number, profile in enumerate(summary["profiles"]):
        out.append(f"  p{number}[{_mermaid_label('profile ' + profile['name'])}]")
        # the base applies before each profile: an arrow per profile, not one per container, keeps it readable
        out.append(f"  base --> p{number}")
    profile_ids = {profile["name"]: f"p{number}" for number, profile in enumerate(summary["profiles"])}
    for number, container in enumerate(summary["containers"]):
        out.append(f"  c{number}({_mermaid_label(_who(container['id'], container['name']))})")
        sources = [profile_ids[name] for name in container["profiles"] if name in profile_ids] or ["base"]
        out.extend(f"  {source} --> c{number}" for source in sources)
    graph = out.index("MERMAID")
    out[graph:] = fence(out[graph + 1:], "mermaid")
    out += ["", "| profile | role | members | keys | lines saved |", "|---|---|---|---|---|"]
    out += [f"| {cell(code(p['name']))} | {cell(sentence(p['role'] or 'given by the operator'))} | "
            f"{_cell(', '.join(p['members']))}"
            f"{_left_out_cell(p['left_out'])} | {len(p['keys'])} | {p['lines_saved']} |" for p in summary["profiles"]]
    if summary.get("unprofiled"):
        out += ["", "Role groups without a profile:", ""]
        out += [f"- {_sentence(entry['role'])}: {entry['reason']}." for entry in summary["unprofiled"]]
    base = summary["base"]
    out += ["", f"### Base: {code(base['file'])}", "",
            f"The values most {many} hold, which a new {one} would be right to inherit "
            f"({count(len(base['keys']), 'key')}).", ""]
    out += _json_block(base["values"], f"{count(len(base['keys']), 'key')}, {count(base['lines'], 'line')}")
    for profile in summary["profiles"]:
        out += ["", f"### Profile {code(profile['name'])}: {code(profile['file'])}", "",
                sentence(_sentence(profile["role"] or "given by the operator"))
                + f"; saves {count(profile['lines_saved'], 'line')}.", "",
                "Members: " + text(", ".join(_who(ctid, name) for ctid, name in
                                             zip(profile["members"], profile["member_names"]))) + "."]
        if profile["left_out"]:
            out += ["", "Left out, as they share little of it: " + text(", ".join(
                _who(ctid, names.get(ctid)) for ctid in profile["left_out"])) + "."]
        out += [""] + _json_block(profile["values"],
                                  f"{count(len(profile['keys']), 'key')}, {count(profile['lines'], 'line')}")
    out += ["", f"### {_sentence(many)}", "", f"| {one} | file | profiles, and why | own keys | deletion markers |",
            "|---|---|---|---|---|"]
    out += [f"| {_cell(_who(c['id'], c['name']))} | {cell(code(c['file']))} | "
            f"{cell('; '.join(f'{code(n)}: {sentence(w)}' if w else code(n) for n, w in c['why'].items())) or '-'} | "
            f"{len(c['own_keys'])} | {cell(', '.join(code(u) for u in c['unset'])) or '-'} |"
            for c in summary["containers"]]
    out += ["", f"Path=value pairs written in two or more {one} files: {totals['repeated_pairs']}; "
            f"deletion markers: {totals['unset_markers']}.", "", sentence(schema_line(summary["schema"])) + "."]
    return "\n".join(out) + "\n"
