"""Role markers the operators wrote down: words in `features`-like lists, templates, shared scripts."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass

WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
SUFFIXES = (".sh", ".bash", ".py", ".pl", ".rb", ".ps1")
SCRIPT = re.compile(r"^[\w./-]+\.(sh|bash|py|pl|rb|ps1)$")
TEMPLATE = re.compile(r"(^|_)templates?(_|$)")

# the order in which kinds of role give a profile its name when two roles have the same holders
KIND_RANK = {"list": 0, "template": 1, "script": 2, "block": 3}


@dataclass(frozen=True)
class Role:
    """One role marker and its holders.

    kind: "list" (a word in a list of names such as `features`), "template"
    (others clone from it, or it holds template settings), "script" (a shared
    script file name) or "block" (a large identical object subtree, no marker).
    key: the key that carries the marker (`features`, `application_script`, ...).
    value: the marker itself (`vllm`, `phoenix_lxc_vllm.sh`, ...).
    name: the profile name the role proposes (a slug).
    members: indexes of the holders, ascending.
    """

    kind: str
    key: str
    value: str
    name: str
    members: tuple[int, ...]
    path: tuple = ()  # blocks only: the path of the shared subtree

    def clause(self) -> str:
        """What its holders are, in words: "whose `features` include `vllm`"."""
        if self.kind == "list":
            return f"whose `{self.key}` include `{self.value}`"
        if self.kind == "template":
            return f"that are templates ({self.value})"
        if self.kind == "script":
            return f"whose `{self.key}` is `{self.value}`"
        return f"that share the same `{self.key}` block ({self.value})"


def describe(roles: list[Role], count: int) -> str:
    """Roles with the same holders in words: "the 5 containers whose `features` include `vllm` and whose
    `application_script` is `phoenix_lxc_vllm.sh`"."""
    clauses: list[str] = []
    words: dict[str, list[str]] = {}  # several words of one list: "whose `features` include `a` and `b`"
    for role in roles:
        if role.kind == "list":
            if role.key not in words:
                words[role.key] = []
                clauses.append(role.key)
            words[role.key].append(f"`{role.value}`")
        else:
            clauses.append(role.clause())
    said = [f"whose `{clause}` include {' and '.join(words[clause])}" if clause in words else clause
            for clause in clauses]
    return f"the {count} container{'s' if count != 1 else ''} " + " and ".join(said)


def slug(text: str) -> str:
    """Lower-case ASCII words joined by '_', as profile names are written."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40].strip("_")


class _Census:
    """One pass over the fleet's top-level values: what marker lists, clone keys and scripts need."""

    def __init__(self, ids: list[str], configs: list[dict]):
        known = set(ids)
        self.lists: dict[str, list[bool]] = {}  # key -> per holder: is it a list of words (or empty)
        self.words: dict[str, Counter] = {}
        self.scalars: Counter = Counter()  # key -> holders with a str or int value
        self.pointing: Counter = Counter()  # key -> holders whose value is another container's id
        self.settings: Counter = Counter()  # template... keys -> holders
        self.scripts: dict[tuple[str, str], list[int]] = {}
        words: dict[str, bool] = {}  # the same few words and keys recur in every container: match each once
        templates: dict[str, bool] = {}
        for index, (ctid, config) in enumerate(zip(ids, configs)):
            for key, value in config.items():
                kind = type(value)
                if kind is list:
                    fits = True
                    for v in value:
                        if type(v) is not str or not words.setdefault(v, bool(WORD.match(v))):
                            fits = False
                            break
                    self.lists.setdefault(key, []).append(fits)
                    if fits and value:
                        self.words.setdefault(key, Counter()).update(set(value))
                elif kind is str or kind is int:
                    self.scalars[key] += 1
                    text = value if kind is str else str(value)
                    if text in known and text != ctid:
                        self.pointing[key] += 1
                    if kind is str and value.endswith(SUFFIXES) and SCRIPT.match(value):
                        self.scripts.setdefault((key, value), []).append(index)
                template = templates.get(key)
                if template is None:
                    template = templates[key] = bool(TEMPLATE.search(key))
                if template:
                    self.settings[key] += 1

    def marker_lists(self) -> list[str]:
        return sorted(key for key, fits in self.lists.items()
                      if len(fits) >= 2 and all(fits) and key in self.words and max(self.words[key].values()) >= 2)

    def clone_keys(self) -> list[str]:
        return sorted(key for key, count in self.pointing.items() if count >= 2 and count >= 0.8 * self.scalars[key])


def marker_lists(ids: list[str], configs: list[dict]) -> list[str]:
    """Top-level keys that hold lists of short names recurring across containers (`features`, `tags`, `roles`).

    Detected by shape: every holder's value is a list of words (a letter, then
    letters, digits, '_' or '-'; 32 characters at most), at least two containers
    hold the key, and at least one word stands in two containers.
    """
    return _Census(ids, configs).marker_lists()


def _script_stems(values: list[str]) -> dict[str, str]:
    """Script file names without the prefix all of them share: phoenix_lxc_vllm.sh -> vllm."""
    stems = {value: os.path.splitext(os.path.basename(value))[0] for value in values}
    if len(stems) == 1:  # nothing to compare with: its last word
        return {value: re.split(r"[_-]", stem)[-1] or stem for value, stem in stems.items()}
    prefix = os.path.commonprefix(list(stems.values()))
    prefix = prefix[: max(prefix.rfind("_"), prefix.rfind("-")) + 1]
    return {value: stem[len(prefix):] or stem for value, stem in stems.items()}


def find_roles(ids: list[str], configs: list[dict]) -> list[Role]:
    """Every role marker with two or more holders, in a fixed order (kind, then name, then value).

    ids: container ids, in the order of configs. Returns roles whose members
    index into that order. Rules: words of marker lists (see marker_lists);
    templates are containers that another's clone key names, or that hold a
    key named `template...` which a minority of containers hold; scripts are
    string values ending in a script suffix (.sh, .py, ...) shared by two or more.
    """
    total = len(configs)
    census = _Census(ids, configs)
    roles: list[Role] = []
    for key in census.marker_lists():
        holders: dict[str, list[int]] = {}
        for index, config in enumerate(configs):
            value = config.get(key)
            if type(value) is list:
                for word in dict.fromkeys(value):
                    holders.setdefault(word, []).append(index)
        roles += [Role("list", key, word, slug(word), tuple(members))
                  for word, members in holders.items() if len(members) >= 2 and slug(word)]

    templates: set[int] = set()
    reasons = []
    position = {ctid: index for index, ctid in enumerate(ids)}
    for key in census.clone_keys():
        targets = {position[str(config[key])] for config in configs
                   if type(config.get(key)) in (str, int) and str(config[key]) in position}
        if targets:
            templates |= targets
            reasons.append(f"others name them in `{key}`")
    for key in sorted(census.settings):
        if key != "template" and census.settings[key] < total:  # `template` alone names the OS image
            templates |= {index for index, config in enumerate(configs) if key in config}
            reasons.append(f"they hold `{key}`")
    if len(templates) >= 2:
        roles.append(Role("template", "", "; ".join(reasons), "template", tuple(sorted(templates))))

    stems = _script_stems(sorted({value for _, value in census.scripts}))
    for (key, value), members in sorted(census.scripts.items()):
        if len(members) >= 2:
            stem = slug(stems[value])
            name = stem if stem and not stem.isdigit() else slug(f"{key} {stem}")
            roles.append(Role("script", key, value, name, tuple(members)))
    return sorted(roles, key=lambda role: (KIND_RANK[role.kind], role.name, role.key, role.value))


BLOCK_LEAVES = 5  # a shared subtree smaller than this is a handful of values, not a block
BLOCK_DEPTH = 2


def _leaf_count(value) -> int:
    if type(value) is dict:
        return sum(_leaf_count(child) for child in value.values()) or 1
    if type(value) is list:
        return sum(_leaf_count(child) for child in value if type(child) in (dict, list)) or 1
    return 1


def find_blocks(configs: list[dict], min_members: int) -> list[Role]:
    """Large object subtrees (or lists of objects, such as firewall rule sets) that two or more containers
    hold word for word at the same path, at most BLOCK_DEPTH keys deep; only the largest of nested ones
    with the same holders. Returns roles of kind "block", key = the path joined by '/'."""
    from .exactjson import canonical

    holders: dict[tuple, list[int]] = {}
    sizes: dict[tuple, int] = {}

    def walk(node: dict, path: tuple, index: int) -> None:
        for key, value in node.items():
            here = path + (key,)
            shaped = (type(value) is dict and value) or (
                type(value) is list and any(type(child) is dict for child in value))
            if not shaped:
                continue
            entry = (here, canonical(value))
            size = sizes.get(entry)
            if size is None:
                size = sizes[entry] = _leaf_count(value)
            if size >= BLOCK_LEAVES:
                holders.setdefault(entry, []).append(index)
            if type(value) is dict and len(here) < BLOCK_DEPTH:
                walk(value, here, index)

    for index, config in enumerate(configs):
        walk(config, (), index)
    shared = {entry: tuple(members) for entry, members in holders.items() if len(members) >= min_members}
    by_path: dict[tuple, set] = {}
    for (path, _), members in shared.items():
        by_path.setdefault(path, set()).add(members)
    roles = []
    for (path, text), members in shared.items():
        if members in by_path.get(path[:-1], ()):  # the whole parent is shared by the same containers
            continue
        roles.append(Role("block", "/".join(path), f"{sizes[(path, text)]} values", slug(path[-1]) or "block",
                          members, path))
    return sorted(roles, key=lambda role: (role.path, role.members))
