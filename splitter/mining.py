"""Profile discovery: which path=value items go into the base and into named profiles."""

from __future__ import annotations

from typing import Any, Iterator

from .exactjson import canonical
from .split import Plan


def items(config: dict, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """The (path, value) leaves of a config: paths stop at scalars, lists and empty objects."""
    for key, value in config.items():
        if type(value) is dict and value:
            yield from items(value, path + (key,))
        else:
            yield path + (key,), value


def nest(pairs: list[tuple[tuple, Any]]) -> dict:
    """Build the object that holds the given leaves."""
    root: dict = {}
    for path, value in pairs:
        node = root
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return root


def base_only(containers: dict) -> Plan:
    """The plan with no profiles: the base holds exactly what every container shares."""
    common: dict | None = None
    for config in containers.values():
        mine = {path: (canonical(value), value) for path, value in items(config)}
        common = mine if common is None else {p: v for p, v in common.items() if mine.get(p, (None,))[0] == v[0]}
    return Plan(nest([(path, value) for path, (_, value) in (common or {}).items()]))
