"""The layout record (layout.json): what a tree needs besides its layers to give the monolith back byte for byte."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from splitter.errors import BadInput
from splitter.exact.numbers import canonical
from splitter.exact.pointer import Path, pointer
from splitter.exact.style import Style
from splitter.tree.layers import parse_pointer

FORMAT = "splitter/1"
COMMENT = ("Written by splitter split; merge reads it to restore order and layout. Editing it is not needed: "
           "keys and containers it does not list come after the ones it lists.")


@dataclass
class Layout:
    style: Style
    top_level: list[str]  # the monolith's top-level keys, in order
    containers: list[str]  # container ids, in the monolith's order
    # every object of the containers, by pattern (list items as "*"): keys in order
    key_order: dict[Path, list[str]] = field(default_factory=dict)
    exceptions: dict[str, dict[Path, list[str]]] = field(default_factory=dict)  # per container, where it differs
    globals_order: dict[Path, list[str]] = field(default_factory=dict)  # the same for globals.json
    globals_exceptions: dict[Path, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "$comment": COMMENT,
            "format": FORMAT,
            "style": self.style.to_json(),
            "top_level": self.top_level,
            "containers": self.containers,
            "key_order": {pointer(path): keys for path, keys in self.key_order.items()},
            "key_order_exceptions": {
                ctid: {pointer(path): keys for path, keys in orders.items()}
                for ctid, orders in self.exceptions.items()
            },
            "globals_key_order": {pointer(path): keys for path, keys in self.globals_order.items()},
            "globals_key_order_exceptions": {pointer(path): keys for path, keys in self.globals_exceptions.items()},
        }

    @classmethod
    def from_json(cls, doc: Any, file: str) -> Layout:
        if type(doc) is not dict or doc.get("format") != FORMAT:
            raise BadInput(f"not a splitter layout (expected \"format\": \"{FORMAT}\")", file)
        return cls(
            style=_style(doc.get("style"), file),
            top_level=_strings(doc.get("top_level"), "top_level", file),
            containers=_strings(doc.get("containers"), "containers", file),
            key_order=_orders(doc.get("key_order", {}), "key_order", file),
            exceptions={
                ctid: _orders(orders, f"key_order_exceptions.{ctid}", file)
                for ctid, orders in _object(doc.get("key_order_exceptions", {}), "key_order_exceptions", file).items()
            },
            globals_order=_orders(doc.get("globals_key_order", {}), "globals_key_order", file),
            globals_exceptions=_orders(doc.get("globals_key_order_exceptions", {}), "globals_key_order_exceptions",
                                       file),
        )


def _style(data: Any, file: str) -> Style:
    """The layout's "style" record; BadInput naming the field that is wrong, whatever the hand edit.

    Which values a field may take is Style.from_json's rule: a record it refuses is tried one field at a
    time (the others left at their defaults) to find the field to name.
    """
    fields = list(Style.__dataclass_fields__)
    if type(data) is not dict:
        raise BadInput(f"\"style\" must be an object with the fields {', '.join(fields)} (found {_found(data)})", file)
    for key in data:
        if key not in fields:
            raise BadInput(f"\"style\" has no field {key!r} (its fields: {', '.join(fields)})", file)
    try:
        return Style.from_json(data, file)
    except BadInput:
        for key, value in data.items():
            try:
                Style.from_json({key: value}, file)
            except BadInput:
                raise BadInput(f"\"style\".{key} cannot be {_found(value)}: undo the hand edit (split wrote "
                               f"what merge needs to give the monolith back byte for byte)", file) from None
        raise


def _found(value: Any) -> str:
    """A value from a hand-edited file, as JSON and short, for a message."""
    text = canonical(value).decode()
    return text if len(text) <= 60 else text[:57] + "..."


def _object(value: Any, what: str, file: str) -> dict:
    if type(value) is not dict:
        raise BadInput(f"{what} must be an object", file)
    return value


def _strings(value: Any, what: str, file: str) -> list[str]:
    if type(value) is not list or not set(map(type, value)) <= {str}:  # no Python step per item: 10,000 ids
        raise BadInput(f"{what} must be a list of strings", file)
    return value


def _orders(value: Any, what: str, file: str) -> dict[Path, list[str]]:
    return {
        (() if text == "" else parse_pointer(text, file)): _strings(keys, f"{what}[{text!r}]", file)
        for text, keys in _object(value, what, file).items()
    }


def common_order(sequences: list[tuple]) -> list:
    """One order of keys that agrees with as many of the sequences as it can, deterministic in their order.

    Each new key goes right after the key that precedes it in the first sequence it appears in.
    """
    merged: list = []
    known: dict = {}
    for sequence in dict.fromkeys(sequences):  # distinct, in order of first appearance
        previous = None
        for key in sequence:
            if key not in known:
                at = merged.index(previous) + 1 if previous is not None else 0
                merged.insert(at, key)
                known[key] = True
            previous = key
    return merged


def record_orders(docs: Iterable[dict], root: bool = True) -> dict[Path, list[str]]:
    """One key order per object pattern over many documents: {pattern: keys}, patterns sorted by length then text.

    A pattern is the path of keys to an object with every list index written EVERY_ITEM, so that
    the objects of a list (firewall rules) share one order; objects of one key need none, and
    without `root` the documents' own top level is left out (its order is kept elsewhere).
    """
    return record_orders_and_misfits(docs, root)[0]


def record_orders_and_misfits(docs: Iterable[dict], root: bool = True) -> tuple[dict[Path, list[str]], set[int]]:
    """record_orders, and the indexes (in `docs`) of the documents holding an object whose own key order is not its
    pattern's order restricted to its keys.

    Reordering any other document (merging.order.reorder) gives every object its own order back, whatever
    merged it, so only these can need an order exception (order_exceptions): the check runs once per distinct
    key sequence, not once per document.
    """
    sequences = key_sequences(docs, root)
    orders = {path: common_order(list(sequences[path])) for path in sorted(sequences, key=lambda p: (len(p), p))}
    misfits: set[int] = set()
    for path, order in orders.items():
        rank = {key: at for at, key in enumerate(order)}
        for sequence, holders in sequences[path].items():
            ranks = [rank[key] for key in sequence]
            if ranks != sorted(ranks):
                misfits.update(holders)
    return orders, misfits


def key_sequences(docs: Iterable[dict], root: bool = True) -> dict[Path, dict[tuple, list[int]]]:
    """The distinct key sequences of the objects of more than one key at each pattern (see record_orders), each
    in order of first appearance with the indexes of the documents holding it: {pattern: {keys: [index]}}."""
    sequences: dict[Path, dict[tuple, list[int]]] = {}
    index = 0

    def walk(value: dict, path: Path) -> None:
        if len(value) > 1 and (root or path):
            seen = sequences.get(path)
            if seen is None:
                seen = sequences[path] = {}
            keys = tuple(value)
            holders = seen.get(keys)
            if holders is None:
                seen[keys] = [index]
            else:
                holders.append(index)
        for key, child in value.items():
            kind = type(child)
            if kind is dict:
                walk(child, path + (key,))
            elif kind is list:
                walk_list(child, path + (key,))

    def walk_list(value: list, path: Path) -> None:
        for item in value:
            kind = type(item)
            if kind is dict:
                walk(item, path + (EVERY_ITEM,))
            elif kind is list:
                walk_list(item, path + (EVERY_ITEM,))

    for index, doc in enumerate(docs):
        walk(doc, ())
    return sequences


def order_exceptions(original: Any, merged: Any, path: Path = (), into: dict | None = None) -> dict[Path, list[str]]:
    """Where `merged` has the same keys as `original` in another order: {path (list items by index): original keys}."""
    into = {} if into is None else into
    if type(original) is dict and type(merged) is dict:
        if list(original) != list(merged):
            into[path] = list(original)
        for key, value in original.items():
            if (type(value) is dict or type(value) is list) and key in merged:
                order_exceptions(value, merged[key], path + (key,), into)
    elif type(original) is list and type(merged) is list:
        for index, (value, other) in enumerate(zip(original, merged)):
            if type(value) is dict or type(value) is list:
                order_exceptions(value, other, path + (str(index),), into)
    return into


# In a key-order pattern, this token stands for every item of a list (RFC 6901 has no wildcard; an
# object key "*" reads the same, and which one is meant is decided by the value met there).
EVERY_ITEM = "*"
