"""Comparing what a tree merges into with the monolith: every difference by container, path and file."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import takewhile
from typing import Any

from splitter.exact.bytediff import ByteReport, locate
from splitter.exact.numbers import canonical, map_numbers, number_value
from splitter.exact.write import dumps
from splitter.merging.assemble import assemble, spaced
from splitter.ops.explain import giver
from splitter.tree.monolith import load_monolith
from splitter.tree.read import Tree

ABSENT = "(absent)"


@dataclass
class Difference:
    path: list  # from the document's root, e.g. ["lxc_configs", "910", "cores"]; a list entry by its id
    kind: str  # changed | type | added | removed | order
    old: Any  # in the monolith (ABSENT when not there)
    new: Any  # in the tree (ABSENT when not there)
    file: str  # the conf.d file that set the tree's value, or that would have to
    container: str | None = None  # the id of the entry the path is in, if any


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
    """Compare a tree with the monolith's bytes; the monolith is parsed only when the bytes differ.

    Both documents are taken apart the same way (collection.outside, collection.entries), so that entries of
    a list are compared by id, whatever their position.
    """
    merged = assemble(tree)
    written = dumps(merged, tree.layout.style, spaced(tree))
    if written == raw:
        return Verdict(True, True)
    collection = tree.collection
    mono = load_monolith(raw, name, collection)
    located = locate(raw, written)
    if dumps(merged, mono.style) == raw:
        return Verdict(True, False, [], located)  # the same document, in another style than merge writes
    differences: list[Difference] = []
    prefix = list(collection.tokens)
    layout_file, globals_file = collection.layout_file, collection.globals_file

    def file_for(path: list) -> str:
        if path == prefix[: len(path)]:
            return layout_file  # the order of the collection or of the objects that hold it
        if path[: len(prefix)] != prefix:
            return globals_file
        ctid = path[len(prefix)]
        if ctid not in tree.containers:
            return f"{collection.folder}/ (no file for this {collection.noun})"
        layers = tree.layers_of(ctid)
        # a list is set whole: ask who set the list, not an index inside it
        container_path = tuple(takewhile(lambda key: type(key) is str, path[len(prefix) + 1:]))
        return giver(layers, container_path).file

    (old_out, old_order), old = collection.outside(mono.doc), mono.containers
    (new_out, new_order), new = collection.outside(merged), collection.entries(merged, "(merged tree)")
    _diff(old_out, new_out, [], differences, file_for, layout_file)
    for ctid in dict.fromkeys([*old, *new]):
        _diff(old.get(ctid, ABSENT), new.get(ctid, ABSENT), [*prefix, ctid], differences, file_for, layout_file)
    for difference in differences:
        if len(difference.path) > len(prefix) and difference.path[: len(prefix)] == prefix:
            difference.container = difference.path[len(prefix)]
    if _reordered(old, new):
        unlisted = set(new) - set(tree.layout.containers)  # added by hand: the tree lists them after, by id
        order_file = (f"{layout_file} and {collection.folder}/ ({collection.plural} {layout_file} does not list "
                      "come after, by id)") if unlisted else layout_file
        differences.append(Difference(prefix, "order", list(old), list(new), order_file))
    if _reordered(dict.fromkeys(old_order), dict.fromkeys(new_order)) and \
            not any(d.kind == "order" and d.path == prefix[:-1] for d in differences):
        differences.append(Difference(prefix[:-1], "order", old_order, new_order, layout_file))
    return Verdict(not differences, False, differences, located)


def _diff(old: Any, new: Any, path: list, into: list, file_for, layout_file: str) -> None:
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
                            list(_value(new, where[len(path):])), layout_file) for where in orders]
    into.extend(sorted(found, key=lambda d: ([str(part) for part in d.path], d.kind)))
