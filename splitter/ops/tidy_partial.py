"""A check: an object an entry receives only in part from a profile, whose rest the profile's other members write."""

from __future__ import annotations

from typing import Iterator

from splitter.exact.jsonpath import json_path
from splitter.exact.pointer import missing, pointer, value_at
from splitter.merging.merge import merge
from splitter.tree.layers import Layer


def _objects(values: dict, path: tuple = ()) -> Iterator[tuple]:
    for key, value in values.items():
        if type(value) is dict and value:
            yield path + (key,)
            yield from _objects(value, path + (key,))


def partial_objects(stacks: dict[str, list[Layer]]) -> list[tuple[str, str, str]]:
    """(file, JSON path, message) warnings for each entry whose own file lacks an object that a profile gives only
    in part (`/traefik_service` with `port` alone) while every other member of the profile (two or more) writes the
    rest in its own file: most often a copy that lost its block, and a generator downstream then reads a half object.

    `stacks`: ctid -> its layers, lowest first (base, profiles, own file), as check builds them. Issue 19.
    """
    members: dict[str, list[str]] = {}
    profiles: dict[str, Layer] = {}
    for ctid, stack in stacks.items():
        for layer in stack[1:-1]:
            name = layer.file
            members.setdefault(name, []).append(ctid)
            profiles[name] = layer
    found = []
    for name, users in members.items():
        if len(users) < 2:
            continue
        for path in _objects(profiles[name].values):
            given = value_at(profiles[name].values, path)
            lacking = [ctid for ctid in users if missing(value_at(stacks[ctid][-1].values, path))]
            others = [ctid for ctid in users if ctid not in lacking]
            if not lacking or len(others) < 2:  # one other member is one file against another, not a pattern
                continue
            rests = [[key for key in value_at(stacks[ctid][-1].values, path) or {} if key not in given]
                     if type(value_at(stacks[ctid][-1].values, path)) is dict else [] for ctid in others]
            if not all(rests):
                continue
            rest = list(dict.fromkeys(key for keys in rests for key in keys))
            for ctid in lacking:
                final = value_at(merge(stacks[ctid]), path)
                if type(final) is dict and not any(key in final for key in rest):
                    found.append((stacks[ctid][-1].file, json_path(list(path)),
                                  f"warning: {pointer(path)} comes only in part from {name} ({', '.join(given)}); "
                                  f"its other members' files add {', '.join(rest[:5])}, this one has no "
                                  f"{path[-1]} block: restore it, or take {pointer(path)} out of the profile"))
    return found
