"""Comparing what a tree merges into with the monolith: every difference by container, path and file."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import takewhile
from typing import Any

from .assemble import CONTAINERS_KEY, assemble
from .bytediff import ByteReport, locate
from .exactjson import canonical, dumps, map_numbers, number_value
from .explain import setter
from .monolith import load_monolith
from .tree import GLOBALS, LAYOUT, Tree

ABSENT = "(absent)"


@dataclass
class Difference:
    path: list  # from the document's root, e.g. ["lxc_configs", "910", "cores"]
    kind: str  # changed | type | added | removed | order
    old: Any  # in the monolith (ABSENT when not there)
    new: Any  # in the tree (ABSENT when not there)
    file: str  # the conf.d file that set the tree's value, or that would have to

    @property
    def container(self) -> str | None:
        return self.path[1] if len(self.path) > 1 and self.path[0] == CONTAINERS_KEY else None


@dataclass
class Verdict:
    same_document: bool
    same_bytes: bool
    differences: list[Difference] = field(default_factory=list)
    bytes: ByteReport | None = None  # where the monolith's bytes differ from what merge writes (None: they do not)


class _Integer(str):
    """An integer, compared by its exact value: 1 and 1.0 and "1" stay apart."""


class _Fraction(str):
    """A number with a fraction or exponent, compared by its exact value: 0.50 and 0.5 are one value
    spelled two ways (a formatting difference the byte report names), 0.5 and 0.6 are two."""


def _tag(value: Any) -> Any:
    return map_numbers(value, _tag_number)


def _tag_number(number: Any) -> str:
    kind, sign, digits, exponent = number_value(canonical(number).decode())
    value = f"{sign}{digits}e{exponent}"
    return _Fraction(value) if kind == "fraction" else _Integer(value)


_KINDS = {
    "values_changed": "changed", "type_changes": "type",
    "dictionary_item_added": "added", "iterable_item_added": "added",
    "dictionary_item_removed": "removed", "iterable_item_removed": "removed",
}


def _value(doc: Any, path: list) -> Any:
    for key in path:
        if type(doc) is dict and key in doc:
            doc = doc[key]
        elif type(doc) is list and type(key) is int and 0 <= key < len(doc):
            doc = doc[key]
        else:
            return ABSENT
    return doc


def _reordered(old: dict, new: dict) -> bool:
    """The same keys in another order."""
    return list(old) != list(new) and set(old) == set(new)


def _key_orders(old: dict, new: dict, path: list, into: list) -> None:
    if _reordered(old, new):
        into.append(path)
    for key, value in old.items():
        if type(value) is dict and type(new.get(key)) is dict:
            _key_orders(value, new[key], path + [key], into)


def compare(tree: Tree, raw: bytes, name: str) -> Verdict:
    """Compare a tree with the monolith's bytes; the monolith is parsed only when the bytes differ."""
    merged = assemble(tree)
    written = dumps(merged, tree.layout.style)
    if written == raw:
        return Verdict(True, True)
    mono = load_monolith(raw, name)
    located = locate(raw, written)
    if dumps(merged, mono.style) == raw:
        return Verdict(True, False, [], located)  # the same document, in another style than merge writes
    differences: list[Difference] = []

    def file_for(path: list) -> str:
        ctid = path[1] if len(path) > 1 and path[0] == CONTAINERS_KEY else None
        if ctid is None:
            return GLOBALS if path and path[0] != CONTAINERS_KEY else LAYOUT
        if ctid not in tree.containers:
            return "lxc/ (no file for this container)"
        layers = tree.layers_of(ctid)
        # a list is set whole: ask who set the list, not an index inside it
        container_path = tuple(takewhile(lambda key: type(key) is str, path[2:]))
        layer = setter(layers, container_path) if len(path) > 2 else None
        return (layer or layers[-1]).file

    old_doc, new_doc = mono.doc, merged
    for key in dict.fromkeys([*old_doc, *new_doc]):
        old, new = old_doc.get(key, ABSENT), new_doc.get(key, ABSENT)
        if key == CONTAINERS_KEY and type(old) is dict and type(new) is dict:
            for ctid in dict.fromkeys([*old, *new]):
                _diff(old.get(ctid, ABSENT), new.get(ctid, ABSENT), [key, ctid], differences, file_for)
            if _reordered(old, new):
                differences.append(Difference([key], "order", list(old), list(new), LAYOUT))
        else:
            _diff(old, new, [key], differences, file_for)
    if _reordered(old_doc, new_doc):
        differences.append(Difference([], "order", list(old_doc), list(new_doc), LAYOUT))
    return Verdict(not differences, False, differences, located)


def _diff(old: Any, new: Any, path: list, into: list, file_for) -> None:
    if old is ABSENT or new is ABSENT:
        into.append(Difference(path, "added" if old is ABSENT else "removed", old, new, file_for(path)))
        return
    if canonical(old) == canonical(new):
        return
    from deepdiff import DeepDiff  # heavy to import, and needed only once something differs

    report = DeepDiff(_tag(old), _tag(new), threshold_to_diff_deeper=0, view="tree")
    found = []
    for report_type, levels in report.items():
        kind = _KINDS.get(report_type, "changed")
        for level in levels:
            where = path + level.path(output_format="list")
            found.append(Difference(where, kind, _value(old, where[len(path):]), _value(new, where[len(path):]),
                                    file_for(where)))
    if not found and type(old) is dict and type(new) is dict:
        orders: list = []
        _key_orders(old, new, path, orders)
        found = [Difference(where, "order", list(_value(old, where[len(path):])),
                            list(_value(new, where[len(path):])), LAYOUT) for where in orders]
    into.extend(sorted(found, key=lambda d: ([str(part) for part in d.path], d.kind)))

