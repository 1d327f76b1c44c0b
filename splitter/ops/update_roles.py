"""Which profiles a new or changed container of an update takes: the roles it holds, the lines they save."""

from __future__ import annotations

from typing import Any

from splitter.discovery.candidates import AGREE
from splitter.discovery.itemsets import Fleet, items, nest
from splitter.discovery.roles import find_roles
from splitter.exact.pointer import missing, value_at
from splitter.exact.style import TREE_STYLE
from splitter.merging.assemble import Assembler
from splitter.ops.changes import MISSING, ROLE_MATCH, same
from splitter.ops.explain import conflicts as clashes
from splitter.ops.split import difference, layer_lines
from splitter.tree.layers import Layer
from splitter.tree.layout import Layout
from splitter.tree.names import PROFILE_NAME
from splitter.tree.read import Tree


def config_at(config: dict, path: tuple) -> Any:
    value = value_at(config, path)
    return MISSING if missing(value) else value


def _lines(assembler: Assembler, config: dict, names: list[str], ctid: str) -> int:
    values, unsets = difference(assembler.inherited(tuple(names)), config)
    return layer_lines(Layer(ctid, values, names, unsets), container=True)


def profile_roles(tree: Tree, configs: dict, persisting: list[str]) -> dict[str, set[str]]:
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
    return sum(same(config_at(config, path), value) for path, value in leaves) >= AGREE * len(leaves)


def fit_profiles(assembler: Assembler, config: dict, order: list[str], ctid: str, roles: dict[str, set[str]]) -> list[str]:
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


def roles_appearing(old: dict, configs: dict, touched: list[str], profiles: dict, min_members: int) -> dict[str, list]:
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
        if len(role.members) < min_members or not PROFILE_NAME.match(role.name):
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


def role_shared(assembler: Assembler, configs: dict, holders: list[str], uses: dict) -> dict:
    """The leaves all holders have alike that their current layers do not already give them."""
    first = configs[holders[0]]
    shared = []
    for path, value in items(first):
        if path == ("name",):
            continue
        if all(same(config_at(configs[ctid], path), value) for ctid in holders[1:]) and not all(
                same(config_at(assembler.inherited(tuple(uses[ctid])), path), value) for ctid in holders):
            shared.append((path, value))
    return nest(shared)


def role_saves(assembler: Assembler, configs: dict, holders: list[str], uses: dict, role: str, values: dict,
           profiles: dict) -> bool:
    """Whether the new profile saves lines overall: its file costs its own lines."""
    trial = Assembler(assembler.base, {**profiles, role: Layer(role, values)}, Layout(TREE_STYLE, [], [], {}, {}))
    before = sum(_lines(assembler, configs[ctid], uses[ctid], ctid) for ctid in holders)
    after = sum(_lines(trial, configs[ctid], uses[ctid] + [role], ctid) for ctid in holders)
    return after + layer_lines(Layer(role, values), container=False) < before
