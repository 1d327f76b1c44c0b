"""The three-way merge of two exact JSON documents with their ancestor: leaf by leaf, key by key, lists as sequences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from splitter.exact.numbers import Number, canonical, exactly_equal, number_value, same_entries
from splitter.exact.pointer import NOTHING

MISSING = NOTHING  # "no value here": a key absent on a side, or no ancestor at all


@dataclass
class JsonConflict:
    """A place both sides changed, differently: `kind` is change/change, delete/change, add/add or list overlap."""

    path: tuple  # object keys from the document's root (a list in conflict is one leaf)
    kind: str
    base: Any  # MISSING where the side has no value
    ours: Any
    theirs: Any


OURS, THEIRS, BASE = "ours", "theirs", "base"  # which value a conflict's place holds in the result


# lists that are sets of names wherever they stand: a tree file's profiles and deletions (tree/layers.py)
SET_KEYS = frozenset({"$profiles", "$unset"})


def merge_json(base: Any, ours: Any, theirs: Any, *, ordered_sets: bool = False, pick: str = OURS,
               ) -> tuple[Any, list[JsonConflict]]:
    """Merge two edited JSON values with their common ancestor (MISSING for none): (merged value, conflicts).

    The rule is diff3's (Khanna, Kunal and Pierce, "A Formal Investigation of Diff3", 2007) with JSON leaves
    for lines: a value changed on one side only takes that side; changed alike on both is taken once; changed
    differently on both, or deleted on one and changed on the other, is a conflict, and the result holds the
    `pick` side's value there (ours, theirs or base: the three texts a conflict's markers are cut from).
    A number only respelled on one side (`0.50` -> `0.5`, same type and value) counts as unchanged there where
    the other side changed it (the change stands); where the other side did not, the respelling is a change.
    Objects merge key by key, in ours' key order with theirs' new keys after the key that precedes them in
    theirs (see merge_order). Lists merge as sequences of whole elements where the two sides' edits do not
    touch; with `ordered_sets` a list of distinct strings on every side merges as an ordered set (an item
    added on each side: both kept), as do the lists under SET_KEYS everywhere. Equality is exact: types,
    number lexemes and key order count.
    """
    conflicts: list[JsonConflict] = []
    merged = _merge(base, ours, theirs, (), conflicts, ordered_sets, pick)
    return merged, conflicts


def equal(first: Any, second: Any) -> bool:
    """Exactly equal: types, number lexemes and key order count (1, 1.0 and true differ)."""
    if first is second:
        return True
    if first is MISSING or second is MISSING:
        return False
    return exactly_equal(first, second)


def _same_values(ours: dict, theirs: dict) -> set:
    """same_entries for an object of many keys (a monolith's containers); a small one is left to `equal`. A value
    that is the very object on both sides (the merge driver reads an entry written alike once) is equal as it is."""
    if len(ours) < 16:
        return set()
    same = {key for key, value in ours.items() if theirs.get(key, MISSING) is value}
    if len(same) == len(ours):
        return same
    return same | same_entries({key: value for key, value in ours.items() if key not in same}, theirs)


def _is_number(value: Any) -> bool:
    kind = type(value)
    return kind is int or kind is float or kind is Number


def same_number(first: Any, second: Any) -> bool:
    """Two spellings of one number (`0.50` and `0.5`; not `1` and `1.0`), by RFC 8259's grammar (number_value)."""
    return (_is_number(first) and _is_number(second)
            and number_value(canonical(first).decode()) == number_value(canonical(second).decode()))


def _merge(base: Any, ours: Any, theirs: Any, path: tuple, conflicts: list, sets: bool, pick: str) -> Any:
    if equal(ours, theirs):
        return ours
    if equal(ours, base):  # theirs' change, a respelling too (git takes a file only theirs changed whole)
        return theirs
    if equal(theirs, base):
        return ours
    if type(ours) is dict and type(theirs) is dict:
        below = base if type(base) is dict else {}
        result = {}
        same = _same_values(ours, theirs)
        for key in merge_order(list(below), list(ours), list(theirs)):
            if key in same:  # equal on both sides: _merge's first rule
                result[key] = ours[key]
                continue
            value = _merge(below.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING),
                           path + (key,), conflicts, sets, pick)
            if value is not MISSING:
                result[key] = value
        return result
    if same_number(ours, base):  # ours only respelled it: theirs' change stands
        return theirs
    if same_number(theirs, base) or same_number(ours, theirs):
        return ours
    if type(ours) is list and type(theirs) is list:
        below = base if type(base) is list else []
        if (sets or (path and path[-1] in SET_KEYS)) and _distinct_strings(below, ours, theirs):
            return [item for item in merge_order(below, ours, theirs)
                    if not (item in below and (item not in ours or item not in theirs))]
        merged = merge_sequence(below, ours, theirs)
        if merged is not None:
            return merged
        kind = "list overlap"
    elif ours is MISSING or theirs is MISSING:
        kind = "delete/change"
    else:
        kind = "add/add" if base is MISSING else "change/change"
    conflicts.append(JsonConflict(path, kind, base, ours, theirs))
    return {OURS: ours, THEIRS: theirs, BASE: base}[pick]


def _distinct_strings(*lists: list) -> bool:
    return all(len(set(items)) == len(items) and all(type(item) is str for item in items) for items in lists)


def merge_order(base: list, ours: list, theirs: list) -> list:
    """Ours' and theirs' items (keys, or an ordered set's members) in one order: every item of either side once.

    Where only theirs reordered the items both sides share with the base, theirs' order leads; else ours'.
    The other side's new items go after the item that precedes them on their side, and after any new items of
    the leading side that follow it there, so two items added at one place land in a fixed order (ours first).
    """
    if ours == theirs:
        return ours
    lead, other = ours, theirs
    if ours == base or (_shared_order(theirs, base) != _shared_order(base, theirs)
                        and _shared_order(ours, base) == _shared_order(base, ours)):
        lead, other = theirs, ours
    result = list(lead)
    present = set(lead)
    if len(present) != len(lead) or len(set(other)) != len(other):
        return lead + [item for item in other if item not in present]
    other_set = set(other)
    previous = None
    for item in other:
        if item not in present:
            at = result.index(previous) + 1 if previous is not None else 0
            while at < len(result) and result[at] not in other_set:
                at += 1  # past the leading side's own new items
            result.insert(at, item)
            present.add(item)
        previous = item
    return result


def _shared_order(items: list, other: list) -> list:
    known = set(other)
    return [item for item in items if item in known]


def merge_sequence(base: list, ours: list, theirs: list) -> list | None:
    """diff3 of list elements: both sides' edits applied where they do not touch; None where they do.

    Elements compare by their canonical bytes. Two edits touch when their ranges of the base overlap or
    meet (diff3 needs an unchanged element between them, as git merge-file needs an unchanged line);
    an edit made alike on both sides is taken once.
    """
    keys = [canonical(item) for item in base]
    hunks = sorted([*_hunks(keys, ours), *_hunks(keys, theirs)], key=lambda hunk: (hunk[0], hunk[1]))
    result: list = []
    position = 0
    index = 0
    while index < len(hunks):
        start, end, replacement = hunks[index]
        if index + 1 < len(hunks):
            next_start, next_end, next_replacement = hunks[index + 1]
            if next_start <= end:
                if (next_start, next_end) == (start, end) and [canonical(v) for v in replacement] == [
                        canonical(v) for v in next_replacement]:
                    index += 1  # the same edit on both sides
                else:
                    return None
        result.extend(base[position:start])
        result.extend(replacement)
        position = end
        index += 1
    result.extend(base[position:])
    return result


def _hunks(keys: list[bytes], side: list) -> list[tuple[int, int, list]]:
    """The edits from the base to one side: (start, end in the base, the side's elements there)."""
    import difflib  # here: most merges change no list on both sides

    side_keys = [canonical(item) for item in side]
    matcher = difflib.SequenceMatcher(None, keys, side_keys, autojunk=False)
    return [(i1, i2, side[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
