"""Lines a chosen profile saves, counted low, so that no profile that saves nothing is proposed."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence

from splitter.discovery.candidates import Candidate, Stack
from splitter.discovery.itemsets import Fleet, items
from splitter.exact.numbers import canonical
from splitter.exact.style import TREE_STYLE
from splitter.exact.write import dumps
from splitter.tree.layers import Layer

UNSET_LINES = 3  # at most what one more deletion marker adds to a file ($unset may break onto lines)


def _lines(value) -> int:
    return dumps(value, TREE_STYLE).count(b"\n")


def _bits(members) -> int:
    """A bitmap with a bit per container index."""
    marks = bytearray((max(members, default=0) >> 3) + 1)
    for member in members:
        marks[member >> 3] |= 1 << (member & 7)
    return int.from_bytes(marks, "little")


class Savings:
    """Net lines each chosen profile saves, from below: per member, the lines of the profile's values it
    would otherwise write (a value given by its other profiles counts nothing), less one line per value it
    overrides, UNSET_LINES per deletion marker and the $profiles line when it is the member's only profile;
    less the profile file's own lines, counted exactly as split writes it. Wrapper lines a member saves
    (`"health_check": {` ... `}`) and objects that fold onto one line count nothing: the figure the plan
    reports (reports.plan.lines_saved) is this or more.

    Holders of each value are bitmaps, and members with the same stack of profiles are counted together, so
    a profile of 10,000 members costs a few big-integer ANDs. holders: blocks.shared_holders().
    """

    def __init__(self, fleet: Fleet, candidates: list[Candidate], holders: Mapping[int, Sequence[int]]):
        self.fleet = fleet
        wanted = sorted({item for candidate in candidates for item in candidate.items})
        self.item_bits = {item: _bits(holders[item]) for item in wanted}
        self.lines = {item: _lines(fleet.value(item)) if fleet.keys[item][1][:1] == b"[" else 1 for item in wanted}
        self._ranges: dict[tuple, tuple[int, int]] = {}

    def _holds_path(self, member: int, path: tuple) -> bool:
        """Whether a container holds some value at a path (the ids of one path's values are consecutive:
        keys are sorted by path first)."""
        if path not in self._ranges:
            keys = self.fleet.keys
            self._ranges[path] = (bisect_left(keys, (path,)), bisect_right(keys, path, key=lambda key: key[0]))
        low, high = self._ranges[path]
        row = self.fleet.rows[member]
        at = bisect_left(row, low)
        return at < len(row) and row[at] < high

    def net(self, stack: Stack, index: int, candidate: Candidate, exact: bool = False) -> int:
        """What candidate (layer `index` of the stack) saves net, counted from below; exact: the lines each
        member saves under the profile's keys counted as split writes them, wrappers included (a nested
        engine config that two members restate saves its `{` and `}` lines too), member by member."""
        fleet = self.fleet
        total = -_lines(fleet.nest(candidate.items))
        groups: dict[tuple, list[int]] = {}
        for member in candidate.members:
            groups.setdefault(stack.stack_of[member], []).append(member)
        for own, members in groups.items():
            without = stack.given(tuple(layer for layer in own if layer != index))
            bits = _bits(members)
            total -= len(members) if len(own) == 1 else 0  # their $profiles line
            if exact:
                total += sum(self._restated(member, without, candidate) for member in members)
            for item in candidate.items:
                path = fleet.path(item)
                holding = (self.item_bits[item] & bits).bit_count()
                given = without.get(path, -1)
                if not exact and given != item and given is not None:  # None: an operator's profile sets it
                    total += holding * self.lines[item]
                missing = bits & ~self.item_bits[item]
                while missing:  # the few members without the value: an override or a deletion marker each
                    low = missing & -missing
                    missing ^= low
                    total -= 1 if self._holds_path(low.bit_length() - 1, path) else UNSET_LINES
        return total

    def _restated(self, member: int, without: dict, candidate: Candidate) -> int:
        """Lines the member's own file holds under the candidate's top-level keys without it, less with it
        (a top-level key's value stands on lines of its own, so the lines add up key by key)."""
        fleet = self.fleet
        keys = {fleet.path(item)[0] for item in candidate.items}
        content = set(candidate.items)
        own = [item for item in fleet.rows[member] if fleet.path(item)[0] in keys
               and without.get(fleet.path(item), -1) not in (item, None)]  # None: an operator's profile sets it
        return _entries(fleet.nest(own)) - _entries(fleet.nest([item for item in own if item not in content]))


def _entries(values: dict) -> int:
    """Lines the entries of an object take inside a file of several keys (a one-key object would fold)."""
    return _lines({**values, "": 0}) - 3 if values else 0


def prune(fleet: Fleet, chosen: list[Candidate], holders: Mapping[int, Sequence[int]], rebuild,
          only: set[int] | None = None) -> tuple[list[Candidate], dict[int, int]]:
    """The chosen profiles less those that save no lines, the least saving dropped first and the rest counted
    again (a member's $profiles line moves to its other profiles). rebuild(candidates) -> Stack gives the
    stack those candidates make, in order; only: the id()s of the candidates that may be dropped (None: all).
    Returns the kept ones and, per id() of each dropped one, its
    figure when dropped."""
    savings = Savings(fleet, chosen, holders)
    kept = list(chosen)
    dropped: dict[int, int] = {}
    while kept:
        stack = rebuild(kept)
        first = len(stack.layers) - len(kept)  # the operator's profiles come first
        open_ = [number for number, candidate in enumerate(kept) if only is None or id(candidate) in only]
        if not open_:
            break
        figures = {number: savings.net(stack, first + number, kept[number]) for number in open_}
        for number in open_:  # the low count says nothing is saved: count it as split writes it
            if figures[number] <= 0:
                figures[number] = savings.net(stack, first + number, kept[number], exact=True)
        worst = min(open_, key=lambda number: (figures[number], -number))
        if figures[worst] > 0:
            break
        dropped[id(kept[worst])] = figures[worst]
        del kept[worst]
    return kept, dropped


def forced_conflicts(fleet: Fleet, chosen: list[Candidate], forced: list[tuple[Layer, list[int]]]) -> set[int]:
    """Give the operator's profiles priority without reshuffling the others: take out of each chosen profile
    the members of an operator's profile that sets one of its paths to another value (or sets a prefix of
    it, or something under it), and the values an operator's profile gives all its remaining members alike.
    Every container an operator's profile does not touch keeps the profiles it would have had.
    forced: (layer, members) per operator's profile, in order. Returns the id()s of the profiles changed."""
    changed = set()
    for layer, members in forced:
        leaves = {path: canonical(value) for path, value in items(layer.values)}
        prefixes = {path[:depth] for path in leaves for depth in range(1, len(path))}
        touched = set(members)
        for candidate in chosen:
            same, clash = set(), False
            for item in candidate.items:
                path, text = fleet.keys[item]
                if leaves.get(path) == text:
                    same.add(item)
                elif path in leaves or path in prefixes or any(path[:depth] in leaves for depth in range(1, len(path))):
                    clash = True
            if clash and touched.intersection(candidate.members):
                candidate.members = [member for member in candidate.members if member not in touched]
                changed.add(id(candidate))
            if same and candidate.members and touched.issuperset(candidate.members):
                candidate.items = [item for item in candidate.items if item not in same]
                changed.add(id(candidate))
    return changed
