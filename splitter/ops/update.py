"""Bringing a tree up to date with a new monolith while keeping its design: the update plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from splitter.discovery.itemsets import items
from splitter.errors import BadInput, shell_word
from splitter.exact.jsonpath import json_path
from splitter.exact.numbers import canonical, same_entries
from splitter.merging.assemble import Assembler
from splitter.merging.order import order_tree, reorder
from splitter.ops.changes import MISSING, SHARED_PART, Update, same
from splitter.ops.split import difference
from splitter.ops.update_files import changed_files
from splitter.ops.update_roles import config_at, fit_profiles, profile_roles, role_saves, role_shared, roles_appearing
from splitter.tree.layers import Layer
from splitter.tree.layout import Layout, common_order, order_exceptions, record_orders
from splitter.tree.monolith import Monolith
from splitter.tree.read import Tree


def check_related(tree: Tree, target: Monolith, monolith_file: str) -> None:
    """Raise BadInput (exit 2, naming monolith_file) when `target` shares fewer than one in SHARED_PART (a third)
    of the tree's container ids, hand-added files included; a tree without containers takes any monolith."""
    ids = set(tree.containers)
    shared = len(ids & set(target.containers))
    if ids and shared * SHARED_PART < len(ids):
        raise BadInput(f"shares only {shared} of the tree's {len(ids)} {tree.collection.noun} ids (update needs "
                       f"at least a third): another fleet or a far other version; for a new tree run "
                       f"`splitter split {shell_word(monolith_file)} -o DIR --force`; nothing was written",
                       monolith_file)


def plan_update(root: Path, tree: Tree, target: Monolith, min_members: int = 2, min_keys: int = 3,
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
    unchanged = same_entries(configs, old)  # most containers: found together
    changed = [ctid for ctid, config in configs.items()
               if ctid in old and ctid not in unchanged and not same(old[ctid], config)]
    # same values, other key order: the file stays, layout.json's exceptions for it are worked out again
    reordered = {ctid for ctid, config in configs.items() if ctid in old and ctid not in unchanged
                 and ctid not in changed and canonical(old[ctid]) != canonical(config)}
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
        uses[ctid] = fit_profiles(fitting, configs[ctid], order, ctid, holders)
    new_roles = roles_appearing(old, configs, changed + added, profiles, min_members)
    for role, holders in new_roles.items():
        values = role_shared(fitting, configs, holders, uses)
        if len(list(items(values))) >= min_keys and role_saves(fitting, configs, holders, uses, role, values, profiles):
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
        name_same = previous is not None and same(old[ctid].get("name", MISSING), config.get("name", MISSING))
        file = previous.file if name_same else tree.collection.entry_file(ctid, config.get("name"), configs)
        values, unsets = difference(fitting.inherited(tuple(uses[ctid])), config)
        own[ctid] = Layer(file, values, uses[ctid], unsets)

    layout = _layout(tree, target, base, profiles, own, set(touched), configs, reordered)
    globals_, _ = tree.collection.outside(target.doc)
    new_tree = Tree(layout, globals_, base, profiles, own, tree.where, tree.collection)
    update = Update(target, {}, [], new_tree, known=_known(tree, new_tree, old),
                    hand_added=[(ctid, tree.containers[ctid].file) for ctid in hand_added])
    changed_files(root, tree, new_tree, update, why, changed, added, removed, old, configs)
    return update


def _known(old: Tree, new: Tree, merged: dict) -> dict:
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
        first = config_at(new[members[0]], path)
        if all(not same(config_at(old[ctid], path), config_at(new[ctid], path)) and same(config_at(new[ctid], path), first)
               for ctid in members):
            follow.append((path, first))
    if not follow:
        return None, ""
    result = values
    for path, value in follow:
        result = _set(result, path, value)
    return result, (f"all {len(members)} member(s) changed " + ", ".join(json_path(path) for path, _ in follow))


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


def _profile_order(tree: Tree) -> list[str]:
    """Profiles in the order containers list them, so a new container applies them as the others do."""
    order: dict[str, None] = {}
    for own in tree.containers.values():
        order.update(dict.fromkeys(own.profiles))
    order.update(dict.fromkeys(sorted(tree.profiles)))
    return list(order)


def _layout(tree: Tree, target: Monolith, base: Layer, profiles: dict[str, Layer], own: dict[str, Layer],
            touched: set[str], configs: dict, reordered: set[str] = frozenset()) -> Layout:
    """The layout record: the old one wherever it still holds, new keys placed after their predecessors.

    Old orders are never reordered (common_order keeps the first sequence as it is), so the merge of a
    container whose inputs did not change gives what it gave, and its order exceptions still hold; a
    container in `reordered` (same values, another key order) keeps its file and gets its exceptions anew.
    """
    old = tree.layout
    # in the monolith's order, never a set's: the same update writes the same bytes under every hash seed
    fresh = record_orders(configs[ctid] for ctid in configs if ctid in touched) if touched else {}
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
    moved = key_order != old.key_order  # a key new to the record may be one an unchanged container holds too
    for ctid, config in configs.items():
        if ctid not in touched and ctid not in reordered:
            if ctid in old.exceptions:
                layout.exceptions[ctid] = old.exceptions[ctid]
            if not moved or canonical(assembler.container(ctid, own[ctid])) == canonical(config):
                continue
            layout.exceptions.pop(ctid, None)  # its exceptions worked out anew, against the new record
        merged = assembler.container(ctid, own[ctid])
        if canonical(merged) != canonical(config):
            layout.exceptions[ctid] = order_exceptions(config, merged)
    return layout
