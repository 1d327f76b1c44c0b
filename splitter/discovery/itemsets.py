"""Containers as sets of items, (path, exact value) pairs numbered the same way on every run."""

from __future__ import annotations

from array import array
from typing import Any, Iterator

from splitter.exact.numbers import canonical
from splitter.exact.parse import parse


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


class Fleet:
    """The containers as item ids, numbered in sorted order of (path, canonical value) so every run agrees.

    Rows are compact arrays and values are kept only as their canonical text:
    at 100,000 containers the Python objects of a plain copy would not fit.
    """

    def __init__(self, containers: dict):
        self.ids = list(containers)
        numbers: dict[tuple, int] = {}
        rows = []
        for config in containers.values():
            row = array("I")
            for path, value in items(config):
                key = (path, canonical(value))
                number = numbers.get(key)
                if number is None:
                    # orjson's bytes keep a 4 KiB buffer: keep an exact-size copy instead
                    number = numbers[(path, bytes(memoryview(key[1])))] = len(numbers)
                row.append(number)
            rows.append(row)
        self.keys = sorted(numbers)  # item id -> (path, canonical text)
        remap = array("I", bytes(4 * len(self.keys)))
        for final, key in enumerate(self.keys):
            remap[numbers[key]] = final
        del numbers
        self.rows = [array("I", sorted([remap[number] for number in row])) for row in rows]
        counts = array("I", bytes(4 * len(self.keys)))
        for row in self.rows:
            for item in row:
                counts[item] += 1
        self.count = counts

    def path(self, item: int) -> tuple:
        return self.keys[item][0]

    def value(self, item: int) -> Any:
        return parse(self.keys[item][1], "(item)")

    def nest(self, chosen) -> dict:
        return nest([(self.path(item), self.value(item)) for item in sorted(chosen)])
