"""Containers as sets of items, (path, exact value) pairs numbered the same way on every run."""

from __future__ import annotations

from array import array
from collections import Counter
from itertools import chain
from typing import Any, Iterator

from splitter.exact.numbers import EQUAL_BY_VALUE, canonical
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


def _number(config: dict, path: tuple, node: dict, found: list, row: list) -> None:
    """Append to `row` the number of each leaf item of `config`, numbering a new item by its place in `found`,
    where its (path, value or canonical text) goes. `node` holds, per key, the numbers of the values met there
    and the node below: a leaf costs two lookups by the key and the value, whose hashes Python keeps."""
    for key, value in config.items():
        entry = node.get(key)
        if entry is None:
            entry = node[key] = ({}, {})
        kind = type(value)
        if kind is dict and value:
            _number(value, path + (key,), entry[1], found, row)
            continue
        # a str is marked by itself; an int, bool or Number by its type and itself (True == 1: the type keeps
        # them apart); any other value by its canonical text (bytes: never equal to a str or a tuple)
        mark = value if kind is str else (kind, value) if kind in EQUAL_BY_VALUE else canonical(value)
        number = entry[0].get(mark)
        if number is None:
            if type(mark) is bytes:  # orjson's bytes keep a 4 KiB buffer: keep an exact-size copy instead
                mark = bytes(memoryview(mark))
            number = entry[0][mark] = len(found)
            found.append((path + (key,), mark if type(mark) is bytes else None, value))
        row.append(number)


class Fleet:
    """The containers as item ids, numbered in sorted order of (path, canonical value) so every run agrees.

    Rows are compact arrays and values are kept only as their canonical text:
    at 100,000 containers the Python objects of a plain copy would not fit.
    """

    def __init__(self, containers: dict):
        self.ids = list(containers)
        found: list[tuple] = []  # item number in order of first appearance -> (path, canonical text or None, value)
        rows = []
        node: dict = {}
        for config in containers.values():
            row: list[int] = []
            _number(config, (), node, found, row)
            rows.append(row)
        del node
        # each distinct item's canonical text once (not once per leaf), then numbered in sorted order
        keyed = sorted((path, bytes(memoryview(canonical(value))) if text is None else text, number)
                       for number, (path, text, value) in enumerate(found))
        del found
        self.keys: list[tuple[tuple, bytes]] = []  # item id -> (path, canonical text)
        remap = array("I", bytes(4 * len(keyed)))
        for path, text, number in keyed:
            if not self.keys or self.keys[-1] != (path, text):  # two keys of one text are one item
                self.keys.append((path, text))
            remap[number] = len(self.keys) - 1
        del keyed
        self.rows = [array("I", sorted(map(remap.__getitem__, row))) for row in rows]
        counts = array("I", bytes(4 * len(self.keys)))
        for item, count in Counter(chain.from_iterable(self.rows)).items():
            counts[item] = count
        self.count = counts

    def path(self, item: int) -> tuple:
        return self.keys[item][0]

    def value(self, item: int) -> Any:
        return parse(self.keys[item][1], "(item)")

    def nest(self, chosen) -> dict:
        return nest([(self.path(item), self.value(item)) for item in sorted(chosen)])
