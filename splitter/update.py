"""Bringing a tree up to date with a new monolith while keeping its design: the update plan and its writing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import tree as disk
from .assemble import CONTAINERS_KEY, Assembler
from .collection import LXC, Collection
from .errors import BadInput, SplitterError
from .exactjson import TREE_STYLE, canonical, canonical_sorted, dumps, parse
from .itemsets import Fleet, items, nest
from .jsonpath import json_path
from .layers import Layer, encode
from .layout import Layout, common_order, order_exceptions, record_orders
from .merge import missing, order_tree, reorder, value_at
from .monolith import Monolith
from .explain import conflicts as clashes
from .mining import AGREE
from .roles import find_roles
from .split import difference, layout_bytes, layer_bytes, layer_lines, prove_tree

MISSING = value_at({}, ("x",))  # merge's marker for "no value here"
ROLE_MATCH = 0.5  # a profile stands for the role whose holders match its members at least this much (Jaccard)
# update refuses a monolith that shares fewer than a third of the tree's container ids: it is another fleet
# (or a far other version), and fitting it would empty the tree's design; split --force is the tool then.
# Not a half: testing-ideas 034 -> 035 renumbers 7 of 12 containers and is a real next version (5 of 12 shared).
SHARED_PART = 3  # the least share of ids: one in SHARED_PART


@dataclass
class Conflict:
    """A leaf changed on both sides since the base, to different values (MISSING where a side has none)."""

    container: str | None
    path: tuple  # from the container (or, for container None, from the document's root)
    base: Any
    tree: Any
    monolith: Any
    at: tuple = (CONTAINERS_KEY,)  # the collection's place in the monolith (its pointer's tokens)


@dataclass
class ValueChange:
    """A value of the tree that the update changes (MISSING where there is none)."""

    container: str | None  # None: a top-level value of globals.json
    path: tuple
    old: Any
    new: Any
    at: tuple = (CONTAINERS_KEY,)  # the collection's place in the monolith (its pointer's tokens)


@dataclass
class FileChange:
    file: str
    action: str  # add | rewrite | remove
    why: str


class HandAdded(SplitterError):
    """The update would delete files splitter did not write (exit 1: only a person can settle it)."""

    exit_code = 1


@dataclass
class Update:
    """What `update` would do: the new tree's files, what changes and why."""

    target: Monolith  # what the new tree merges into (the monolith, or with --base the three-way result)
    written: dict[str, bytes]  # files to write, relative to the tree
    kept: list[str]  # files of the tree kept as they are on disk
    tree: disk.Tree  # the new tree, as read back it must be
    files: list[FileChange] = field(default_factory=list)
    values: list[ValueChange] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    kept_edits: list[ValueChange] = field(default_factory=list)  # with --base: the tree's own edits, kept
    known: dict = field(default_factory=dict)  # ctid -> merged config, for containers whose inputs all stayed
    # (ctid, file) of containers added to the tree by hand (not in layout.json) that the target does not hold:
    # the update would have to delete a file splitter did not write, so it is refused (write_update raises)
    hand_added: list[tuple[str, str]] = field(default_factory=list)
    with_base: bool = False  # set by the caller: the target is a three-way merge (for the report's advice)


def _same(first: Any, second: Any) -> bool:
    """Equal values but for key order (layout.json holds the order); number lexemes and types count."""
    if first is MISSING or second is MISSING:
        return first is second
    return canonical_sorted(first) == canonical_sorted(second)


def check_related(tree: disk.Tree, target: Monolith, monolith_file: str) -> None:
    """Raise BadInput (exit 2, naming monolith_file) when `target` shares fewer than one in SHARED_PART (a third)
    of the tree's container ids, hand-added files included; a tree without containers takes any monolith."""
    ids = set(tree.containers)
    shared = len(ids & set(target.containers))
    if ids and shared * SHARED_PART < len(ids):
        raise BadInput(f"shares only {shared} of the tree's {len(ids)} {tree.collection.noun} ids (update needs "
                       f"at least a third): another fleet or a far other version; for a new tree run "
                       f"`splitter split {monolith_file} -o DIR --force`; nothing was written", monolith_file)


# ---------------------------------------------------------------- three-way merge

def three_way(base: Any, tree: Any, monolith: Any, collection: Collection = LXC,
              ) -> tuple[Any, list[Conflict], list[ValueChange]]:
    """Merge two edited documents with their common ancestor, leaf by leaf.

    The collection's entries are matched by id (a list collection's too), the rest of
    the document by key. Objects merge key by key; anything else (scalars, lists) is a
    leaf. Where only one side changed a value since the base, its change wins; where
    both changed it to different values, the result keeps the tree's and a Conflict is
    listed. This is the rule of diff3 and `git merge-file`, applied to JSON leaves
    instead of lines. Returns (merged document in the monolith's key order, conflicts,
    the tree's edits kept).
    """
    conflicts: list[Conflict] = []
    kept: list[ValueChange] = []
    sides, orders = [], []
    for doc in (base, tree, monolith):
        outside, order = collection.outside(doc)
        sides.append({_OUTSIDE: outside, _ENTRIES: collection.entries(doc, "")})
        orders.append(order)
    merged = _merge3(*sides, (), conflicts, kept)
    for item in [*conflicts, *kept]:
        item.at = collection.tokens
    # where the collection stands among its siblings: the side that moved it wins, the monolith on a tie
    order = orders[1] if orders[2] == orders[0] else orders[2]
    return collection.put_back(merged[_OUTSIDE], order, merged[_ENTRIES], {}), conflicts, kept


_OUTSIDE, _ENTRIES = "outside", "entries"  # the two parts of a document in a three-way merge


def _split_path(path: tuple) -> tuple[str | None, tuple]:
    if len(path) >= 2 and path[0] == _ENTRIES:
        return path[1], path[2:]
    return None, path[1:]


def _merge3(base: Any, ours: Any, theirs: Any, path: tuple, conflicts: list, kept: list) -> Any:
    if _same(ours, theirs):
        return ours
    if _same(ours, base):
        return theirs
    if _same(theirs, base):
        _edits(base, ours, path, kept)
        return ours
    if type(ours) is dict and type(theirs) is dict:
        below = base if type(base) is dict else {}
        result = {}
        for key in [*theirs, *(key for key in ours if key not in theirs)]:
            value = _merge3(below.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING),
                            path + (key,), conflicts, kept)
            if value is not MISSING:
                result[key] = value
        return result
    conflicts.append(Conflict(*_split_path(path), base, ours, theirs))
    return ours


def _edits(base: Any, ours: Any, path: tuple, kept: list) -> None:
    """The leaves where ours differs from base, for the report of the tree's own edits."""
    if type(base) is dict and type(ours) is dict:
        for key in dict.fromkeys([*base, *ours]):
            before, after = base.get(key, MISSING), ours.get(key, MISSING)
            if not _same(before, after):
                _edits(before, after, path + (key,), kept)
    else:
        kept.append(ValueChange(*_split_path(path), base, ours))


def merged_target(mono: Monolith, doc: dict) -> Monolith:
    """The document a --base update aims at, written in the monolith's style."""
    if canonical(doc) == canonical(mono.doc):
        return mono
    return Monolith(mono.file, dumps(doc, mono.style), doc, mono.style, True,
                    mono.collection.entries(doc, mono.file), mono.collection)


# ---------------------------------------------------------------- the plan

def plan_update(root: Path, tree: disk.Tree, target: Monolith, min_members: int = 2, min_keys: int = 3,
                merged: dict | None = None) -> Update:
    """The new tree for `target`, keeping the design of `tree` (read from `root`) wherever it still fits.

    Containers whose merged config is unchanged keep their files; changed ones are
    rewritten against the profiles they use (split.difference); new ones take the
    profiles of the roles they hold (profile_roles), then the other profiles that save them lines; a base or profile leaf changes only
    when every member of that layer changed it to one same value; profiles the
    update leaves unused go; a role (roles.find_roles) that no container had and
    no profile is named after becomes a profile when its holders share at least
    `min_keys` leaves and are at least `min_members`. `merged`: the tree's containers as
    assemble gave them (ctid -> config), when the caller has them already. A container file added by
    hand (its id not in layout.json) whose container `target` lacks is never planned for removal: it is
    listed in Update.hand_added, and write_update refuses such a plan.
    """
    if merged is None:
        old_assembler = Assembler(tree.base, tree.profiles, tree.layout)
        merged = {ctid: old_assembler.container(ctid, own) for ctid, own in tree.containers.items()}
    old = merged
    configs = target.containers
    changed = [ctid for ctid, config in configs.items() if ctid in old and not _same(old[ctid], config)]
    # same values, other key order: the file stays, layout.json's exceptions for it are worked out again
    reordered = {ctid for ctid, config in configs.items()
                 if ctid in old and ctid not in changed and canonical(old[ctid]) != canonical(config)}
    added = [ctid for ctid in configs if ctid not in old]
    removed = [ctid for ctid in old if ctid not in configs]
    # a file whose id layout.json does not list was added by hand: splitter never deletes it
    listed = set(tree.layout.containers)
    hand_added = [ctid for ctid in removed if ctid not in listed]
    removed = [ctid for ctid in removed if ctid in listed]
    changed_set = set(changed)
    why: dict[str, str] = {}

    # the base and the profiles: a leaf changes only when all members changed it alike
    persisting = [ctid for ctid in configs if ctid in old]
    base_values, base_why = _refit(tree.base.values, persisting, changed_set, old, configs)
    base = tree.base if base_values is None else Layer(tree.base.file, base_values)
    if base_why:
        why[tree.base.file] = base_why
    profiles: dict[str, Layer] = {}
    emptied: set[str] = set()
    for name, layer in tree.profiles.items():
        members = [ctid for ctid in persisting if name in tree.containers[ctid].profiles]
        values, reason = _refit(layer.values, members, changed_set, old, configs)
        profiles[name] = layer if values is None else Layer(layer.file, values)
        if reason:
            why[layer.file] = reason
        if values is not None and not values:  # the update left it empty: it goes, and out of its members' lists
            emptied.add(name)
            del profiles[name]
            why[layer.file] = f"left empty ({reason}); taken out of its members' $profiles"

    # every container's profile list: kept (less the profiles emptied), or for a new container the existing
    # profiles that fit it
    uses = {ctid: [name for name in tree.containers[ctid].profiles if name not in emptied] for ctid in persisting}
    unprofiled = {ctid for ctid in persisting if len(uses[ctid]) != len(tree.containers[ctid].profiles)}
    fitting = Assembler(base, profiles, Layout(target.style, [], [], {}, {}))
    order = _profile_order(tree)
    holders = profile_roles(tree, configs, persisting) if added else {}
    for ctid in added:
        uses[ctid] = _fit(fitting, configs[ctid], order, ctid, holders)
    new_roles = _new_roles(old, configs, changed + added, profiles, min_members)
    for role, holders in new_roles.items():
        values = _shared(fitting, configs, holders, uses)
        if len(list(items(values))) >= min_keys and _saves(fitting, configs, holders, uses, role, values, profiles):
            profiles[role] = Layer(tree.collection.profile_file(role), values)
            fitting = Assembler(base, profiles, Layout(target.style, [], [], {}, {}))
            for ctid in holders:
                uses[ctid].append(role)
            why[profiles[role].file] = f"new role {role!r}, held by {', '.join(holders)}"
    # a profile the update leaves unused goes; one nobody used before (written by hand, not wired yet) stays
    used = {name for names in uses.values() for name in names}
    used |= {name for ctid in hand_added for name in tree.containers[ctid].profiles}
    used_before = {name for own in tree.containers.values() for name in own.profiles}
    for name in list(profiles):
        if name not in used and name in used_before:
            del profiles[name]

    # the containers' own layers
    own: dict[str, Layer] = {}
    touched = set(changed) | set(added) | unprofiled | {ctid for role, holders in new_roles.items()
                                                        if role in profiles for ctid in holders}
    for ctid, config in configs.items():
        if ctid not in touched:
            own[ctid] = tree.containers[ctid]
            continue
        previous = tree.containers.get(ctid)
        name_same = previous is not None and _same(old[ctid].get("name", MISSING), config.get("name", MISSING))
        file = previous.file if name_same else tree.collection.entry_file(ctid, config.get("name"))
        values, unsets = difference(fitting.inherited(tuple(uses[ctid])), config)
        own[ctid] = Layer(file, values, uses[ctid], unsets)

    layout = _layout(tree, target, base, profiles, own, set(touched), configs, reordered)
    globals_, _ = tree.collection.outside(target.doc)
    new_tree = disk.Tree(layout, globals_, base, profiles, own, tree.where, tree.collection)
    update = Update(target, {}, [], new_tree, known=_known(tree, new_tree, old),
                    hand_added=[(ctid, tree.containers[ctid].file) for ctid in hand_added])
    _files(root, tree, new_tree, update, why, changed, added, removed, old, configs)
    return update


def _known(old: disk.Tree, new: disk.Tree, merged: dict) -> dict:
    """The containers whose merge is known without merging again: their own layer, the layers below it and
    their order records are the very ones of the old tree, so Assembler.container gives what it gave."""
    if new.base is not old.base or new.layout.key_order != old.layout.key_order:
        return {}
    same_profiles = {name for name, layer in new.profiles.items() if old.profiles.get(name) is layer}
    return {ctid: merged[ctid] for ctid, own in new.containers.items()
            if old.containers.get(ctid) is own and all(name in same_profiles for name in own.profiles)
            and new.layout.exceptions.get(ctid) == old.layout.exceptions.get(ctid)}


def _refit(values: dict, members: list[str], changed: set[str], old: dict, new: dict) -> tuple[dict | None, str]:
    """A layer's values after the leaves that every member changed to one same value follow them."""
    if not members or any(ctid not in changed for ctid in members):
        return None, ""
    follow = []
    for path, _ in items(values):
        first = _at(new[members[0]], path)
        if all(not _same(_at(old[ctid], path), _at(new[ctid], path)) and _same(_at(new[ctid], path), first)
               for ctid in members):
            follow.append((path, first))
    if not follow:
        return None, ""
    result = values
    for path, value in follow:
        result = _set(result, path, value)
    return result, (f"all {len(members)} member(s) changed " + ", ".join(json_path(path) for path, _ in follow))


def _at(config: dict, path: tuple) -> Any:
    value = value_at(config, path)
    return MISSING if missing(value) else value


def _set(values: dict, path: tuple, value: Any) -> dict:
    """A copy of values with the leaf at path set (or removed, with emptied objects, when value is MISSING)."""
    result = dict(values)
    if len(path) == 1:
        if value is MISSING:
            result.pop(path[0], None)
        else:
            result[path[0]] = value
        return result
    child = _set(result[path[0]], path[1:], value)
    if child or value is not MISSING:
        result[path[0]] = child
    else:
        del result[path[0]]
    return result


def _profile_order(tree: disk.Tree) -> list[str]:
    """Profiles in the order containers list them, so a new container applies them as the others do."""
    order: dict[str, None] = {}
    for own in tree.containers.values():
        order.update(dict.fromkeys(own.profiles))
    order.update(dict.fromkeys(sorted(tree.profiles)))
    return list(order)


def _lines(assembler: Assembler, config: dict, names: list[str], ctid: str) -> int:
    values, unsets = difference(assembler.inherited(tuple(names)), config)
    return layer_lines(Layer(ctid, values, names, unsets), container=True)


def profile_roles(tree: disk.Tree, configs: dict, persisting: list[str]) -> dict[str, set[str]]:
    """The role each profile of the tree stands for, and who holds it now: profile name -> ids of the holders.

    configs: id -> config of the new monolith; persisting: the ids both the tree and configs have. Roles are
    roles.find_roles over all of configs (the markers discovery starts from); a profile stands for the role
    whose holders among `persisting` best match its members among them, by Jaccard similarity
    (|A & B| / |A | B|), at least ROLE_MATCH; on a tie the first in find_roles' order (a list word before a
    template before a script, as discovery names profiles). The match is by members, never by name, so a
    profile written or renamed by hand keeps its role. A profile that matches no role is left out.
    """
    ids = list(configs)
    known = set(persisting)
    found = []
    for role in find_roles(Fleet(configs)):
        everyone = {ids[member] for member in role.members}
        found.append((everyone & known, everyone))
    result: dict[str, set[str]] = {}
    for name in tree.profiles:
        members = {ctid for ctid in persisting if name in tree.containers[ctid].profiles}
        best = 0.0
        for old, everyone in found:
            score = len(members & old) / len(members | old) if members else 0.0
            if score >= ROLE_MATCH and score > best:
                best, result[name] = score, everyone
    return result


def _agrees(layer: Layer, config: dict) -> bool:
    """Whether a config has at least AGREE of a profile's values, as discovery keeps a role's holder in its
    profile (mining: a holder that has less than that share of what the role shares is left out)."""
    leaves = list(items(layer.values))
    return sum(_same(_at(config, path), value) for path, value in leaves) >= AGREE * len(leaves)


def _fit(assembler: Assembler, config: dict, order: list[str], ctid: str, roles: dict[str, set[str]]) -> list[str]:
    """The existing profiles a new container uses, listed in the order the fleet applies them.

    First, as discovery would choose them, the profiles whose role (profile_roles: name -> holders) it holds
    and whose values it mostly has; then, among the profiles that stand for no role, greedily the one that
    saves its file most lines, while one does (the rule discovery scores profiles by). A profile that would
    set a value another chosen one sets differently is skipped (`check` reports such a pair).
    """
    def fits(names: list[str]) -> bool:
        # conflicts() compares the profiles between the lowest and the highest layer: base on both ends
        layers = [assembler.base, *(assembler.profiles[name] for name in names), assembler.base]
        return not clashes(layers)

    chosen: list[str] = []
    for name in order:
        if ctid in roles.get(name, ()) and name in assembler.profiles and _agrees(assembler.profiles[name], config):
            if fits(chosen + [name]):
                chosen.append(name)
    best = _lines(assembler, config, chosen, ctid)
    while True:
        options = []
        for name in order:
            if name in chosen or name in roles or name not in assembler.profiles:
                continue
            names = [other for other in order if other in chosen or other == name]
            if fits(names):
                options.append((_lines(assembler, config, names, ctid), order.index(name), names))
        if not options:
            return chosen
        lines, _, names = min(options)
        if lines >= best:
            return chosen
        best, chosen = lines, names


def _new_roles(old: dict, configs: dict, touched: list[str], profiles: dict, min_members: int) -> dict[str, list]:
    """Roles (roles.find_roles: list words, shared scripts) that changed or new containers hold, that no
    other container held before and no profile is named after: role name -> its holders, in monolith order.

    Roles are looked for among the touched containers only (a role needs two holders there), so that
    a new profile never changes the file of a container that did not change; then each is checked
    against every old config, stopping at the first holder.
    """
    if len(touched) < min_members:
        return {}
    ids = [ctid for ctid in configs if ctid in set(touched)]
    found = find_roles(Fleet({ctid: configs[ctid] for ctid in ids}))
    roles: dict[str, list] = {}
    for role in found:
        if role.kind not in ("list", "script") or role.name in profiles or role.name in roles:
            continue
        if len(role.members) < min_members or not disk.PROFILE_NAME.match(role.name):
            continue
        if any(_holds(config, role) for config in old.values()):
            continue
        roles[role.name] = [ids[member] for member in role.members]
    return roles


def _holds(config: dict, role) -> bool:
    """Whether a config carries a role's marker: the word in its list, or the script as its value."""
    value = config.get(role.key)
    if role.kind == "list":
        return type(value) is list and role.value in value
    return value == role.value


def _shared(assembler: Assembler, configs: dict, holders: list[str], uses: dict) -> dict:
    """The leaves all holders have alike that their current layers do not already give them."""
    first = configs[holders[0]]
    shared = []
    for path, value in items(first):
        if path == ("name",):
            continue
        if all(_same(_at(configs[ctid], path), value) for ctid in holders[1:]) and not all(
                _same(_at(assembler.inherited(tuple(uses[ctid])), path), value) for ctid in holders):
            shared.append((path, value))
    return nest(shared)


def _saves(assembler: Assembler, configs: dict, holders: list[str], uses: dict, role: str, values: dict,
           profiles: dict) -> bool:
    """Whether the new profile saves lines overall: its file costs its own lines."""
    trial = Assembler(assembler.base, {**profiles, role: Layer(role, values)}, Layout(TREE_STYLE, [], [], {}, {}))
    before = sum(_lines(assembler, configs[ctid], uses[ctid], ctid) for ctid in holders)
    after = sum(_lines(trial, configs[ctid], uses[ctid] + [role], ctid) for ctid in holders)
    return after + layer_lines(Layer(role, values), container=False) < before


# ---------------------------------------------------------------- layout

def _layout(tree: disk.Tree, target: Monolith, base: Layer, profiles: dict[str, Layer], own: dict[str, Layer],
            touched: set[str], configs: dict, reordered: set[str] = frozenset()) -> Layout:
    """The layout record: the old one wherever it still holds, new keys placed after their predecessors.

    Old orders are never reordered (common_order keeps the first sequence as it is), so the merge of a
    container whose inputs did not change gives what it gave, and its order exceptions still hold; a
    container in `reordered` (same values, another key order) keeps its file and gets its exceptions anew.
    """
    old = tree.layout
    fresh = record_orders(configs[ctid] for ctid in touched) if touched else {}
    key_order = dict(old.key_order)
    for path, keys in fresh.items():
        key_order[path] = common_order([tuple(old.key_order[path]), tuple(keys)]) if path in old.key_order \
            else keys
    key_order = {path: key_order[path] for path in sorted(key_order, key=lambda p: (len(p), p))}
    globals_, parent_order = tree.collection.outside(target.doc)
    globals_order = record_orders([globals_], root=len(tree.collection.tokens) > 1)
    for path, keys in old.globals_order.items():
        if path in globals_order:
            globals_order[path] = common_order([tuple(keys), tuple(globals_order[path])])
    globals_exceptions = order_exceptions(globals_, reorder(globals_, order_tree(globals_order)))
    layout = Layout(target.style, parent_order, list(configs), key_order, {}, globals_order, globals_exceptions)
    assembler = Assembler(base, profiles, layout)
    for ctid, config in configs.items():
        if ctid not in touched and ctid not in reordered:
            if ctid in old.exceptions:
                layout.exceptions[ctid] = old.exceptions[ctid]
            continue
        merged = assembler.container(ctid, own[ctid])
        if canonical(merged) != canonical(config):
            layout.exceptions[ctid] = order_exceptions(config, merged)
    return layout


# ---------------------------------------------------------------- files

def _files(root: Path, old: disk.Tree, new: disk.Tree, update: Update, why: dict[str, str], changed: list,
           added: list, removed: list, old_configs: dict, configs: dict) -> None:
    """Which files the new tree writes, keeps and drops, and why; and every value it changes."""
    def place(file: str, data: bytes, reason: str, existed: bool) -> None:
        if existed and _same_content(_disk_bytes(root, file), data, file):
            update.kept.append(file)  # as on disk, even if a formatter rewrote it (any may: README's FAQ)
            return
        update.written[file] = data
        update.files.append(FileChange(file, "rewrite" if existed else "add", reason))

    collection = new.collection
    place(collection.layout_file, layout_bytes(new.layout, collection),
          _layout_why(old.layout, new.layout, collection.plural), True)
    if _same(old.globals, new.globals):
        update.kept.append(collection.globals_file)
    else:
        place(collection.globals_file, dumps(new.globals, TREE_STYLE), "top-level values changed", True)
        for key in dict.fromkeys([*old.globals, *new.globals]):
            before, after = old.globals.get(key, MISSING), new.globals.get(key, MISSING)
            if not _same(before, after):
                update.values.append(ValueChange(None, (key,), before, after))
    for layer, before in [(new.base, old.base), *((layer, old.profiles.get(name))
                                                   for name, layer in new.profiles.items())]:
        if before is not None and layer is before:
            update.kept.append(layer.file)
        else:
            place(layer.file, layer_bytes(layer, container=False), why.get(layer.file, "changed"), before is not None)
    for name, layer in old.profiles.items():
        if name not in new.profiles:
            reason = why.get(layer.file, "")
            update.files.append(FileChange(layer.file, "remove", reason if reason.startswith("left empty")
                                           else f"no {collection.noun} uses it any more"))
    changed_set, added_set = set(changed), set(added)
    for ctid, layer in new.containers.items():
        before = old.containers.get(ctid)
        if before is layer:
            update.kept.append(layer.file)
            continue
        if ctid in added_set:
            reason = f"new {collection.noun}, profiles [{', '.join(layer.profiles)}]"
        elif ctid in changed_set:
            count = _value_changes(ctid, old_configs[ctid], configs[ctid], update.values, new.collection.tokens)
            reason = f"{count} value(s) changed" if count else "key order changed"
        else:
            gained = [n for n in layer.profiles if n not in before.profiles]
            lost = [n for n in before.profiles if n not in layer.profiles]
            reason = "; ".join(([f"uses the new profile(s) {', '.join(gained)}"] if gained else [])
                               + ([f"profile(s) {', '.join(lost)} emptied and removed"] if lost else []))
        if before is not None and before.file != layer.file:
            update.files.append(FileChange(before.file, "remove", f"renamed to {layer.file}"))
            place(layer.file, layer_bytes(layer, container=True), reason + "; its name changed", False)
        else:
            place(layer.file, layer_bytes(layer, container=True), reason, before is not None)
    for ctid in added:
        update.values.append(ValueChange(ctid, (), MISSING, configs[ctid], new.collection.tokens))
    for ctid in removed:
        update.files.append(FileChange(old.containers[ctid].file, "remove", "no longer in the monolith"))
        update.values.append(ValueChange(ctid, (), old_configs[ctid], MISSING, new.collection.tokens))


def _disk_bytes(root: Path, file: str) -> bytes | None:
    try:
        return disk.read_file(os.path.join(root, file))
    except BadInput:
        return None


def _same_content(on_disk: bytes | None, data: bytes, file: str) -> bool:
    """Whether a tree file on disk holds what the update would write, but for layout and key order: each
    tree file is read as parsed JSON, and the order of its keys is recorded in layout.json, not taken from it."""
    if on_disk is None:
        return False
    if on_disk == data:
        return True
    try:
        return canonical_sorted(parse(on_disk, file)) == canonical_sorted(parse(data, file))
    except BadInput:
        return False


def _value_changes(ctid: str, old: dict, new: dict, into: list, at: tuple) -> int:
    before, after = dict(items(old)), dict(items(new))
    count = 0
    for path in dict.fromkeys([*before, *after]):
        first, second = before.get(path, MISSING), after.get(path, MISSING)
        if not _same(first, second):
            into.append(ValueChange(ctid, path, first, second, at))
            count += 1
    return count


def _layout_why(old: Layout, new: Layout, plural: str = "containers") -> str:
    reasons = []
    if old.style != new.style:
        reasons.append("the monolith's style changed")
    if old.top_level != new.top_level:
        reasons.append("top-level keys changed")
    if old.containers != new.containers:
        reasons.append(f"{plural} were added, removed or moved")
    if old.key_order != new.key_order:
        reasons.append("new keys to order")
    if old.exceptions != new.exceptions:
        reasons.append(f"{plural}' own key orders changed")
    return "; ".join(reasons) or "rewritten in today's form"


# ---------------------------------------------------------------- writing

def write_update(root: Path, update: Update) -> None:
    """Write the changed files beside root, read them back, prove that with the kept files they merge
    into the target, and only then move them into place (tree.replace_files puts back what it moved when
    a move fails). Files the update keeps are never written again, files it does not own never touched.
    Raises HandAdded (exit 1) when the plan lists files added by hand whose containers the target does not
    hold, ProofFailed (exit 1) or WriteError (exit 2); root is then as it was."""
    if update.hand_added:
        files = ", ".join(file for _, file in update.hand_added)
        raise HandAdded(f"would delete {files}, which splitter did not write; nothing was written", str(root))
    removed = [change.file for change in update.files if change.action == "remove"]
    staging = disk.stage(root, update.written)
    try:
        source = disk.DiskSource(staging)
        collection = update.tree.collection
        layout, globals_ = update.tree.layout, update.tree.globals
        if collection.layout_file in update.written:
            layout = Layout.from_json(source.parse(collection.layout_file), source.where(collection.layout_file))
        if collection.globals_file in update.written:
            globals_ = source.parse(collection.globals_file)
        entries = collection.folder + "/"
        written = {relative: disk._layer(source, relative, container=relative.startswith(entries))
                   for relative in update.written if relative.startswith((disk.DEFAULTS + "/", entries))}
        profiles = {name: written.get(layer.file, layer) for name, layer in update.tree.profiles.items()}
        containers = {ctid: written.get(layer.file, layer) for ctid, layer in update.tree.containers.items()}
        proven = disk.Tree(layout, globals_, written.get(collection.base_file, update.tree.base), profiles,
                           containers, update.tree.where, collection)
        prove_tree(proven, update.target, update.known)
        disk.replace_files(staging, root, list(update.written), removed)
    finally:
        disk.discard(staging)
