"""Containers as sets of items, (path, exact value) pairs numbered the same way on every run."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, deque
from operator import not_
from functools import cached_property, partial
from itertools import chain, compress, repeat
from typing import Any, Iterable, Iterator, Sequence

import orjson

from splitter.exact.numbers import EQUAL_BY_VALUE, Number, canonical, orjson_default
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


# column types whose values Python's == and hash keep apart exactly (EQUAL_BY_VALUE; None is only equal to
# itself): True == 1, so a bool and an int never share a column's table; a float (0.0 == -0.0 == 0), a list
# and an empty object are marked by their canonical text
_BY_VALUE = (frozenset({str, int, Number, type(None)}), frozenset({str, bool, Number, type(None)}))
_ESCAPED = re.compile(r'[\x00-\x1f"\\\ud800-\udfff]')  # what orjson escapes, and surrogates it refuses
_DUMPED = frozenset({str, int, bool, type(None)})  # orjson writes these alone, as canonical does
_WRITTEN = frozenset({list, dict, float})  # marked by canonical text alone


def _mark(value: Any) -> Any:
    """What tells a leaf's value apart from the others of its path, as its canonical text does."""
    kind = type(value)
    if kind is str:
        return value
    return (kind, value) if kind in EQUAL_BY_VALUE else canonical(value)


def _text(mark: Any) -> bytes:
    """A mark's canonical text."""
    return mark if type(mark) is bytes else canonical(mark[1] if type(mark) is tuple else mark)


def canonical_strings(strings: list[str]) -> list[bytes]:
    """The canonical texts (exact-size bytes) of strings, in order: quoted as they are where none holds a
    character JSON escapes (orjson escapes exactly U+0000-U+001F, `"` and backslash; a lone surrogate is
    refused by orjson, so left to it), else written one by one by orjson."""
    if _ESCAPED.search("".join(strings)):
        return list(map(bytes, map(memoryview, map(orjson.dumps, strings))))
    return list(map(str.encode, map('"{}"'.format, strings)))


def _number_leaves(values: Sequence, path: tuple, keys: list, counts: array,
                   kinds: set | None = None) -> tuple[list[int], bool]:
    """The item id of each value of one path, ids following on from `keys` in sorted order of canonical text;
    the path's (path, text) keys go to `keys` and their holders to `counts`. One table lookup per value where the
    column's types allow (_BY_VALUE; a list of such values by its items, as a tuple), else one mark per value (one
    canonical writing for a list). kinds: the values' types, when known. The flag: whether a value is held once."""
    kinds = set(map(type, values)) if kinds is None else kinds
    direct = kinds <= _BY_VALUE[0] or kinds <= _BY_VALUE[1]  # the values are their own marks
    inner = set(map(type, chain.from_iterable(values))) if kinds == {list} else set()
    tuples = bool(inner) and (inner <= _BY_VALUE[0] or inner <= _BY_VALUE[1])
    if direct:
        marks = values
    elif tuples:
        marks = list(map(tuple, values))  # tuples compare item by item, each exactly (_BY_VALUE)
    else:
        seen: dict = {}  # one copy of each text: orjson's bytes keep a 4 KiB buffer each
        marks = [seen.setdefault(mark, mark) for mark in map(
            partial(orjson.dumps, default=orjson_default) if kinds <= _WRITTEN else _mark, values)]
    table = Counter(marks)
    if direct and kinds == {str}:
        texts = canonical_strings(list(table))
    else:  # an exact-size copy of each text (orjson's bytes keep a 4 KiB buffer); orjson writes a tuple as a list
        write = orjson.dumps if direct and kinds <= _DUMPED else partial(orjson.dumps, default=orjson_default) \
            if direct or tuples else _text
        texts = list(map(bytes, map(memoryview, map(write, table))))
    first = len(keys)
    distinct = set(texts)
    order = sorted(texts) if len(distinct) == len(texts) else sorted(distinct)  # in input order, often sorted
    keys.extend(zip(repeat(path), order))
    rank = dict(zip(order, range(first, first + len(order))))
    ids = dict(zip(table, map(rank.__getitem__, texts)))  # two marks of one text are one item
    if len(order) == len(texts):
        counts.extend(map(dict(zip(texts, table.values())).__getitem__, order))
    else:
        counts.extend(repeat(0, len(order)))
        for mark, holders in table.items():
            counts[ids[mark]] += holders
    return list(map(ids.__getitem__, marks)), 1 in table.values()


def _number(objects: list[dict], places: list[int], path: tuple, fleet: Fleet) -> None:
    """Append the ids of the leaf items of each of `objects` to its container's row (`places`: their indexes in
    the fleet; an item two containers or more hold to fleet.shared, another to fleet.lone), each new
    (path, canonical text) to fleet.keys and its holders to fleet.count, in sorted order of path then text:
    column by column, keys sorted, a path's own values before the paths under it (tuples compare so), so that
    ids come sorted and each row stays sorted. Objects with the same keys in the same order are cut into
    columns together (one transposition), so that no object is asked for a key it lacks."""
    shape_of: dict[tuple, int] = {}  # the keys of an object, in order -> its shape's number
    shapes = [shape_of.setdefault(keys_of, len(shape_of)) for keys_of in map(tuple, objects)]
    order = sorted(range(len(objects)), key=shapes.__getitem__)  # stable: alike objects together, in order
    objects, places = list(map(objects.__getitem__, order)), list(map(places.__getitem__, order))
    columns: dict[str, tuple[list[tuple], list[list[int]]]] = {}
    sizes, start = Counter(shapes), 0
    for number, keys_of in enumerate(shape_of):
        alike, alike_places = objects[start:start + sizes[number]], places[start:start + sizes[number]]
        start += sizes[number]
        for key, column in zip(keys_of, zip(*map(dict.values, alike))):
            parts = columns.get(key)
            if parts is None:
                parts = columns[key] = ([], [])
            parts[0].append(column)
            parts[1].append(alike_places)
    for key in sorted(columns):
        parts, parts_places = columns.pop(key)
        values = parts[0] if len(parts) == 1 else list(chain.from_iterable(parts))
        targets = parts_places[0] if len(parts) == 1 else list(chain.from_iterable(parts_places))
        kinds: set | None = set(map(type, values))
        below = [place for place, value in enumerate(values) if type(value) is dict and value] \
            if dict in kinds else []
        if below:
            inner, inner_places = [values[place] for place in below], [targets[place] for place in below]
            leaf = [place for place, value in enumerate(values) if type(value) is not dict or not value]
            values, targets, kinds = [values[place] for place in leaf], [targets[place] for place in leaf], None
        if values:
            ids, lone = _number_leaves(values, path + (key,), fleet.keys, fleet.count, kinds)
            if lone:
                several = list(map((1).__lt__, map(fleet.count.__getitem__, ids)))
                alone = list(map(not_, several))
                fleet.lone.update(zip(compress(ids, alone), compress(targets, alone)))
                ids, targets = list(compress(ids, several)), list(compress(targets, several))
            deque(map(list.append, map(fleet.shared.__getitem__, targets), ids), maxlen=0)
        if below:
            _number(inner, inner_places, path + (key,), fleet)


class Fleet:
    """The containers as item ids, numbered in sorted order of (path, canonical value) so every run agrees.

    Rows are compact arrays and values are kept only as their canonical text:
    at 100,000 containers the Python objects of a plain copy would not fit.
    """

    def __init__(self, containers: dict):
        self.ids = list(containers)
        self.keys: list[tuple[tuple, bytes]] = []  # item id -> (path, canonical text), sorted
        self.count = array("I")  # item id -> holders
        self.lone: dict[int, int] = {}  # item one container alone holds (a name, an address) -> its row
        self.shared: list[list[int]] = [[] for _ in self.ids]  # per row, the items others hold too
        _number(list(containers.values()), list(range(len(self.ids))), (), self)
        own: dict[int, list[int]] = {}
        for item, place in self.lone.items():
            own.setdefault(place, []).append(item)
        self.rows = [array("I", sorted(row + own[place]) if place in own else row)
                     for place, row in enumerate(self.shared)]
        # the rows less lone items, each distinct one once (mining.md: group identical residual signatures;
        # 10,000 containers of the bench's fleet make about 65)
        index: dict[tuple[int, ...], int] = {}
        self._group_of = [index.setdefault(tuple(row), len(index)) for row in self.shared]
        self._grouped = list(index)
        del self.shared

    @cached_property
    def groups(self) -> tuple[list[int], list[tuple[int, ...]], list[list[int]]]:
        """The rows less the items one container alone holds, each distinct one once: per row its group, per
        group its items and its rows (ascending)."""
        members: list[list[int]] = [[] for _ in self._grouped]
        for place, group in enumerate(self._group_of):
            members[group].append(place)
        return self._group_of, self._grouped, members

    def holders(self, wanted: set[int]) -> dict[int, list[int]]:
        """For each of the `wanted` items, the rows that hold it, ascending: one look at each group of alike
        rows (groups), and lone items from lone."""
        _, grouped, members = self.groups
        found: dict[int, list[int]] = {item: [] for item in wanted}
        for group, row in enumerate(grouped):
            for item in wanted.intersection(row):
                found[item].extend(members[group])
        for item in wanted.intersection(self.lone):
            found[item].append(self.lone[item])
        for rows in found.values():
            rows.sort()  # ascending runs, one per group: merged in linear time
        return found

    def span(self, path: tuple) -> range:
        """The items of a path (keys are sorted by path first: one path's items are consecutive)."""
        return range(bisect_left(self.keys, (path,)), bisect_right(self.keys, path, key=lambda key: key[0]))

    def tally(self, members: Iterable[int]) -> Counter:
        """For each item two containers or more hold, how many of `members` (row indexes) hold it; one pass per
        group of alike rows (groups), so that a role of 3,000 members costs a few dozen rows."""
        of, rows, _ = self.groups
        counts: Counter = Counter()
        for group, times in Counter(map(of.__getitem__, members)).items():
            if times == 1:
                counts.update(rows[group])
            else:
                for item in rows[group]:
                    counts[item] += times
        return counts

    def path(self, item: int) -> tuple:
        return self.keys[item][0]

    def value(self, item: int) -> Any:
        return parse(self.keys[item][1], "(item)")

    def nest(self, chosen) -> dict:
        return nest([(self.path(item), self.value(item)) for item in sorted(chosen)])
