"""Provenance: which file set each value of a container, what it overrode, and what was deleted where."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from splitter.discovery.itemsets import items
from splitter.exact.numbers import canonical
from splitter.exact.pointer import Path, missing, value_at
from splitter.tree.layers import Layer


@dataclass
class Origin:
    path: Path
    value: Any
    set_by: str
    overrides: list[tuple[str, Any]] = field(default_factory=list)  # lower files that gave the path, lowest first


@dataclass
class Removal:
    path: Path
    removed_by: str
    was_set_by: list[str]


def explain(layers: list[Layer], merged: dict) -> tuple[list[Origin], list[Removal]]:
    """For every leaf of a merged container, the layers that gave it; and every deletion marker's effect."""
    origins = []
    for path, value in items(merged):
        givers = [(layer.file, found) for layer in layers
                  if not missing(found := value_at(layer.values, path))]
        # the highest giver set it; with no giver the value came whole with an ancestor object
        set_by = givers[-1][0] if givers else _ancestor_setter(layers, path)
        origins.append(Origin(path, value, set_by, givers[:-1]))
    removals = []
    for index, layer in enumerate(layers):
        for path in layer.unsets:
            below = [lower.file for lower in layers[:index] if not missing(value_at(lower.values, path))]
            removals.append(Removal(path, layer.file, below))
    return origins, removals


def _ancestor_setter(layers: list[Layer], path: Path) -> str:
    for layer in reversed(layers):
        for depth in range(len(path) - 1, 0, -1):
            if not missing(value_at(layer.values, path[:depth])):
                return layer.file
    return layers[-1].file


def setter(layers: list[Layer], path: Path) -> Layer | None:
    """The highest layer that gives (or removes) the value at a path, or at one of its ancestors."""
    for layer in reversed(layers):
        node: Any = layer.values
        for depth, key in enumerate(path):
            if type(node) is not dict or key not in node:
                break
            node = node[key]
            if type(node) is not dict or depth == len(path) - 1:
                return layer
        if any(path[: len(gone)] == gone for gone in layer.unsets):
            return layer
    return None


def giver(layers: list[Layer], path: Path) -> Layer:
    """The layer a value at a path comes from, as messages name its file: the one that gives or removes it
    (setter), else the entry's own layer (the last), where an added or dropped value would be written."""
    return setter(layers, path) or layers[-1]


def conflicts(layers: list[Layer]) -> list[tuple[Path, str, str]]:
    """Paths that two profiles of one container set to different values: (path, lower file, higher file)."""
    found = []
    profiles = layers[1:-1]
    for index, higher in enumerate(profiles):
        for path, value in items(higher.values):
            for lower in profiles[:index]:
                other = value_at(lower.values, path)
                if not missing(other) and canonical(other) != canonical(value):
                    found.append((path, lower.file, higher.file))
    return found
