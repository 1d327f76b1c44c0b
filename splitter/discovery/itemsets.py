"""Containers as sets of items, (path, exact value) pairs numbered the same way on every run."""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, deque
from functools import cached_property, partial
from itertools import chain, compress, repeat
from typing import Any, Iterable, Iterator

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


_ABSENT = object()  # the value of a column where an object lacks the key
_RARE = 4  # a key held by fewer than 1 in _RARE objects of a level is gathered by one pass over the objects
# column types whose values Python's == and hash keep apart exactly (EQUAL_BY_VALUE; None is only equal to
# itself): True == 1, so a bool and an int never share a column's table; a float (0.0 == -0.0 == 0), a list
# and an empty object are marked by their canonical text
_BY_VALUE = (frozenset({str, int, Number, type(None)}), frozenset({str, bool, Number, type(None)}))
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


def _number_leaves(values: list, path: tuple, keys: list, counts: array) -> list[int]:
    """The item id of each value of one path, ids following on from `keys` in sorted order of canonical text;
    the path's (path, text) keys go to `keys` and their holders to `counts`. One table lookup per value where the
    column's types allow (_BY_VALUE), else one mark per value (one canonical writing for a list)."""
    kinds = set(map(type, values))
    direct = kinds <= _BY_VALUE[0] or kinds <= _BY_VALUE[1]  # the values are their own marks
    if direct:
        marks = values
    else:
        seen: dict = {}  # one copy of each text: orjson's bytes keep a 4 KiB buffer each
        marks = [seen.setdefault(mark, mark) for mark in map(
            partial(orjson.dumps, default=orjson_default) if kinds <= _WRITTEN else _mark, values)]
    table = Counter(marks)
    # an exact-size copy of each text (orjson's bytes keep a 4 KiB buffer)
    texts = list(map(bytes, map(memoryview, map(orjson.dumps if direct and kinds <= _DUMPED else _text, table))))
    first = len(keys)
    order = sorted(set(texts))
    keys.extend(zip(repeat(path), order))
    rank = dict(zip(order, range(first, first + len(order))))
    ids = dict(zip(table, map(rank.__getitem__, texts)))  # two marks of one text are one item
    counts.extend(repeat(0, len(order)))
    for mark, holders in table.items():
        counts[ids[mark]] += holders
    return list(map(ids.__getitem__, marks))


def _number(objects: list[dict], rows: list[list[int]], path: tuple, keys: list, counts: array) -> None:
    """Append to each of `rows` the ids of the leaf items of the object at its place in `objects`, to `keys`
    each new (path, canonical text) and to `counts` its holders, in sorted order of path then text: column by
    column, keys sorted, a path's own values before the paths under it (tuples compare so), so that ids come
    sorted and each row stays sorted. A key few objects hold is gathered in one pass over them, so that many
    such keys (one per object) do not cost a pass each."""
    held = Counter(chain.from_iterable(objects))
    rare = {key for key, count in held.items() if count * _RARE < len(objects)}
    gathered: dict[str, tuple[list[int], list]] = {key: ([], []) for key in rare}
    if rare:
        for place, config in enumerate(objects):
            for key in rare.intersection(config):
                at, values = gathered[key]
                at.append(place)
                values.append(config[key])
    for key in sorted(held):
        if key in gathered:
            at, values = gathered.pop(key)
            targets = [rows[place] for place in at]
        else:
            values = [config.get(key, _ABSENT) for config in objects]
            targets = rows
            if held[key] < len(objects):
                at = [place for place, value in enumerate(values) if value is not _ABSENT]
                values, targets = [values[place] for place in at], [rows[place] for place in at]
        below = [place for place, value in enumerate(values) if type(value) is dict and value] \
            if dict in set(map(type, values)) else []
        if below:
            inner, inner_rows = [values[place] for place in below], [targets[place] for place in below]
            leaf = [place for place, value in enumerate(values) if type(value) is not dict or not value]
            values, targets = [values[place] for place in leaf], [targets[place] for place in leaf]
        if values:
            deque(map(list.append, targets, _number_leaves(values, path + (key,), keys, counts)), maxlen=0)
        if below:
            _number(inner, inner_rows, path + (key,), keys, counts)


class Fleet:
    """The containers as item ids, numbered in sorted order of (path, canonical value) so every run agrees.

    Rows are compact arrays and values are kept only as their canonical text:
    at 100,000 containers the Python objects of a plain copy would not fit.
    """

    def __init__(self, containers: dict):
        self.ids = list(containers)
        rows: list[list[int]] = [[] for _ in self.ids]
        self.keys: list[tuple[tuple, bytes]] = []  # item id -> (path, canonical text), sorted
        self.count = array("I")  # item id -> holders
        _number(list(containers.values()), rows, (), self.keys, self.count)
        self.rows = [array("I", row) for row in rows]

    @cached_property
    def groups(self) -> tuple[list[int], list[tuple[int, ...]], list[list[int]]]:
        """The rows less the items one container alone holds (names, addresses), each distinct one once
        (mining.md: group identical residual signatures; 10,000 containers of the bench's fleet make about 65):
        per row its group, per group its items and its rows (ascending)."""
        several = bytes(count > 1 for count in self.count)
        index: dict[tuple[int, ...], int] = {}
        of = [index.setdefault(tuple(compress(row, map(several.__getitem__, row))), len(index))
              for row in self.rows]
        members: list[list[int]] = [[] for _ in index]
        for place, group in enumerate(of):
            members[group].append(place)
        return of, list(index), members

    @cached_property
    def lone(self) -> dict[int, int]:
        """The items one container alone holds: item -> its row."""
        last = dict(zip(chain.from_iterable(self.rows),  # item -> its last holder, in one C loop
                        chain.from_iterable(map(repeat, range(len(self.rows)), map(len, self.rows)))))
        return {item: last[item] for item in compress(range(len(self.count)), map((1).__eq__, self.count))}

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
