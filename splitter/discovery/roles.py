"""Role markers the operators wrote down: words in `features`-like lists, templates, shared scripts."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass

import orjson

from splitter.discovery.itemsets import Fleet, canonical_strings

WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
SUFFIXES = (".sh", ".bash", ".py", ".pl", ".rb", ".ps1")
_SUFFIX_TEXTS = tuple(suffix.encode() + b'"' for suffix in SUFFIXES)
SCRIPT = re.compile(r"^[\w./-]+\.(sh|bash|py|pl|rb|ps1)$")
INTEGER = re.compile(rb"^-?[0-9]+$")
TEMPLATE = re.compile(r"(^|_)templates?(_|$)")

# the order in which kinds of role give a profile its name when two roles have the same holders
KIND_RANK = {"list": 0, "template": 1, "clone": 2, "script": 3, "block": 4}


@dataclass(frozen=True)
class Role:
    """One role marker and its holders.

    kind: "list" (a word in a list of names such as `features`), "template"
    (others clone from it, or it holds template settings), "clone" (cloned
    from one template: its id is value, its name label), "script" (a shared
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
    label: str = ""  # clones only: the template's `name`

    def clause(self) -> str:
        """What its holders are, in words: "whose `features` include `vllm`"."""
        if self.kind == "list":
            return f"whose `{self.key}` include `{self.value}`"
        if self.kind == "template":
            return f"that are templates ({self.value})"
        if self.kind == "script":
            return f"whose `{self.key}` is `{self.value}`"
        if self.kind == "clone":
            return f"whose `{self.key}` is {self.value}{f' ({self.label})' if self.label else ''}"
        if not self.path:  # values under several keys that stand together (blocks.find_together)
            return f"that share the same values under {self.keys_said()} ({self.value})"
        return f"that share the same `{self.key}` block ({self.value})"

    def keys_said(self) -> str:
        """A block's keys in words: "`firewall` and `traefik_service`"."""
        return " and ".join(f"`{key}`" for key in self.key.split(", "))


def describe(roles: list[Role], count: int, used: int | None = None,
             noun: tuple = ("container", "containers")) -> str:
    """Roles with the same holders in words: "the 5 containers whose `features` include `vllm` and whose
    `application_script` is `phoenix_lxc_vllm.sh`"; with `used` (members, when fewer than the count of
    holders): "5 of the 6 containers whose ..."; `noun` (singular, plural) names what the holders are."""
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
    blocks = [role for role in roles if role.kind == "block"]
    if len(blocks) > 1:
        keys = dict.fromkeys(key for role in blocks for key in role.key.split(", "))
        said = [f"that share the same {' and '.join(f'`{key}`' for key in keys)} "  # objects or plain values
                f"({max(int(role.value.split()[0]) for role in blocks)} values)"]
    some = f"{used} of " if used is not None and used != count else ""
    return f"{some}the {count} {noun[0] if count == 1 else noun[1]} " + " and ".join(said)


def slug(text: str) -> str:
    """Lower-case ASCII words joined by '_', as profile names are written."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40].strip("_")


def _script_stems(values: list[str]) -> dict[str, str]:
    """Script file names without the prefix all of them share: phoenix_lxc_vllm.sh -> vllm."""
    stems = {value: os.path.splitext(os.path.basename(value))[0] for value in values}
    if len(stems) == 1:  # nothing to compare with: its last word
        return {value: re.split(r"[_-]", stem)[-1] or stem for value, stem in stems.items()}
    prefix = os.path.commonprefix(list(stems.values()))
    prefix = prefix[: max(prefix.rfind("_"), prefix.rfind("-")) + 1]
    return {value: stem[len(prefix):] or stem for value, stem in stems.items()}


def _scalar_text(text: bytes) -> str:
    """A string's value, or an integer's lexeme, from its canonical text."""
    return orjson.loads(text) if text[:1] == b'"' else text.decode()


def _name_of(fleet: Fleet, index: int) -> str:
    """A container's `name`, or "" when it has none that is a string."""
    for item in fleet.rows[index]:
        path, text = fleet.keys[item]
        if path == ("name",) and text[:1] == b'"':
            return orjson.loads(text)
    return ""


def _clone_roles(fleet: Fleet, clones: list[str], pointing: dict, hits: dict, position: dict) -> list[Role]:
    """Per template that two or more containers are cloned from, a role of kind "clone" named after the
    template: the words of its `name` less those every template's name shares (Copy-Cuda12.8 among Copy-...
    templates: `cuda12`), two at most, then `_clones` (`cuda12_clones`)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for key in clones:
        for item in pointing[key]:
            target = _scalar_text(fleet.keys[item][1])
            groups.setdefault((key, target), []).extend(m for m in hits[item] if fleet.ids[m] != target)
    # only templates with two clones or more: an id key (`ctid`) names its own holder, not a template
    groups = {found: members for found, members in groups.items() if len(members) >= 2}
    labels = {target: _name_of(fleet, position[target]) for _, target in groups}
    words = {target: re.findall(r"[a-z][a-z0-9]*", label.lower()) for target, label in labels.items()}
    common = set.intersection(*(set(found) for found in words.values())) if len(words) > 1 else set()
    roles = []
    for (key, target), members in sorted(groups.items()):
        own = [word for word in words[target] if word not in common][:2]
        roles.append(Role("clone", key, target, slug("_".join(own + ["clones"])), tuple(sorted(members)),
                          label=labels[target]))
    return roles


def find_roles(fleet: Fleet) -> list[Role]:
    """Every role marker with two or more holders, in a fixed order (kind, then name, then value).

    Returns roles whose members index into fleet.rows. Rules, all on top-level keys:
    - marker lists: a key whose list values are all lists of words (a letter, then letters,
      digits, '_' or '-'; 32 characters at most), held by two or more containers, with a
      word that two containers list (`features`, `tags`, `roles`); each word is a role;
    - templates: containers that another names in a clone key (a key whose str or int
      values name another container in 80% of its holders, two at least), and containers
      that hold a key named `template_...` (not `template` alone: the OS image) that not
      every container holds;
    - clones: per template that two or more containers name in a clone key, its clones
      (kind "clone", see _clone_roles);
    - scripts: a string value ending in a script suffix (.sh, .py, ...) that two or more
      containers share.
    Each distinct value is looked at once, so the cost is one pass over the rows.
    """
    ids, total, count = fleet.ids, len(fleet.rows), fleet.count
    known = set(ids)
    known_texts = set(canonical_strings(ids))  # a string item names a container where its text is one of these
    lists_ok: dict[str, bool] = {}
    list_words: dict[str, dict[str, list[int]]] = {}  # key -> word -> items of lists that hold it
    scalars: Counter = Counter()
    pointing: dict[str, list[int]] = {}  # key -> items whose value names a container
    scripts: dict[tuple[str, str], int] = {}
    settings: dict[str, list[int]] = {}  # template_... key -> its items
    templated: dict[str, bool] = {}
    words_ok: dict[str, bool] = {}
    for item, (path, text) in enumerate(fleet.keys):
        key = path[0]
        if (templated[key] if key in templated else templated.setdefault(
                key, bool(TEMPLATE.search(key)) and key != "template")):
            settings.setdefault(key, []).append(item)
        if len(path) != 1:
            continue
        if text[:1] == b"[":
            value, kind = fleet.value(item), list
        elif text[:1] == b'"':  # a string is read only where it may name a script (its tail is never escaped)
            scalars[key] += count[item]
            if text in known_texts:
                pointing.setdefault(key, []).append(item)
            if text.endswith(_SUFFIX_TEXTS) and (value := orjson.loads(text)).endswith(SUFFIXES) and SCRIPT.match(
                    value):
                scripts[(key, value)] = item
            continue
        elif INTEGER.match(text):
            value, kind = text.decode(), int  # the lexeme, as written: 901
        else:
            continue
        if kind is list:
            fits = all(type(v) is str and words_ok.setdefault(v, bool(WORD.match(v))) for v in value)
            lists_ok[key] = lists_ok.get(key, True) and fits
            if fits:
                for word in dict.fromkeys(value):
                    list_words.setdefault(key, {}).setdefault(word, []).append(item)
        else:
            scalars[key] += count[item]
            if value in known:
                pointing.setdefault(key, []).append(item)
    markers = sorted(key for key, fits in lists_ok.items() if fits and key in list_words
                     and sum(count[i] for found in list_words[key].values() for i in found) >= 2
                     and any(sum(count[i] for i in found) >= 2 for found in list_words[key].values()))
    clones = sorted(key for key, found in pointing.items()
                    if sum(count[i] for i in found) >= max(2, 0.8 * scalars[key]))
    wanted = {i for key in markers for found in list_words[key].values() for i in found}
    wanted |= {i for key in clones for i in pointing[key]} | {i for found in settings.values() for i in found}
    wanted |= {i for i in scripts.values() if count[i] >= 2}
    hits = fleet.holders(wanted)

    roles: list[Role] = []
    for key in markers:
        for word, found in list_words[key].items():
            members = sorted(m for i in found for m in hits[i])  # one list per container: no repeats
            if len(members) >= 2 and slug(word):
                roles.append(Role("list", key, word, slug(word), tuple(members)))

    templates: set[int] = set()
    reasons = []
    position = {ctid: index for index, ctid in enumerate(ids)}
    for key in clones:
        targets = {position[target] for i in pointing[key] for m in hits[i]
                   if (target := _scalar_text(fleet.keys[i][1])) != ids[m]}
        if targets:
            templates |= targets
            reasons.append(f"others name them in `{key}`")
    for key in sorted(settings):
        holders = {m for i in settings[key] for m in hits[i]}
        if len(holders) < total:
            templates |= holders
            reasons.append(f"they hold `{key}`")
    if len(templates) >= 2:
        roles.append(Role("template", "", "; ".join(reasons), "template", tuple(sorted(templates))))
    roles += _clone_roles(fleet, clones, pointing, hits, position)

    stems = _script_stems(sorted({value for _, value in scripts}))
    for (key, value), item in sorted(scripts.items()):
        if count[item] >= 2:
            stem = slug(stems[value])
            name = stem if stem and not stem.isdigit() else slug(f"{key} {stem}")
            roles.append(Role("script", key, value, name, tuple(hits[item])))
    return sorted(roles, key=lambda role: (KIND_RANK[role.kind], role.name, role.key, role.value))


BLOCK_LEAVES = 5  # a shared subtree smaller than this is a handful of values, not a block
BLOCK_DEPTH = 2


def _leaf_count(value) -> int:
    if type(value) is dict:
        return sum(_leaf_count(child) for child in value.values()) or 1
    if type(value) is list:
        return sum(_leaf_count(child) for child in value if type(child) in (dict, list)) or 1
    return 1


def item_weights(fleet: Fleet) -> list[int]:
    """Per item, the values it stands for: the leaves of a list of objects (a rule set), else 1."""
    weights = [1] * len(fleet.keys)
    for item, (_, text) in enumerate(fleet.keys):
        if text[:1] == b"[" and b"{" in text:
            weights[item] = _leaf_count(fleet.value(item))
    return weights
