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


def _number(config: dict, path: tuple, numbers: dict, row: list) -> None:
    """Append to `row` the number of each leaf item of `config`, numbering new items in `numbers`."""
    for key, value in config.items():
        kind = type(value)
        if kind is dict and value:
            _number(value, path + (key,), numbers, row)
            continue
        # a str, int, bool or Number is keyed by its type and itself (True == 1: the type keeps them apart)
        item = (path + (key,), kind, value) if kind in EQUAL_BY_VALUE else (path + (key,), canonical(value))
        number = numbers.get(item)
        if number is None:
            if len(item) == 2:  # orjson's bytes keep a 4 KiB buffer: keep an exact-size copy instead
                item = (item[0], bytes(memoryview(item[1])))
            number = numbers[item] = len(numbers)
        row.append(number)


class Fleet:
    """The containers as item ids, numbered in sorted order of (path, canonical value) so every run agrees.

    Rows are compact arrays and values are kept only as their canonical text:
    at 100,000 containers the Python objects of a plain copy would not fit.
    """

    def __init__(self, containers: dict):
        self.ids = list(containers)
        numbers: dict[tuple, int] = {}  # (path, value key) -> item number in order of first appearance
        rows = []
        for config in containers.values():
            row: list[int] = []
            _number(config, (), numbers, row)
            rows.append(row)
        # each distinct item's canonical text once (not once per leaf), then numbered in sorted order
        keyed = sorted((key[0], bytes(memoryview(canonical(key[2]))) if len(key) == 3 else key[1], number)
                       for key, number in numbers.items())
        del numbers
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
