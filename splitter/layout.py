"""The layout record (layout.json): what a tree needs besides its layers to give the monolith back byte for byte."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import BadInput
from .exactjson import Style
from .layers import Path, parse_pointer, pointer

FORMAT = "splitter/1"
COMMENT = ("Written by splitter split; merge reads it to restore order and layout. Editing it is not needed: "
           "keys and containers it does not list come after the ones it lists.")


@dataclass
class Layout:
    style: Style
    top_level: list[str]  # the monolith's top-level keys, in order
    containers: list[str]  # container ids, in the monolith's order
    key_order: dict[Path, list[str]] = field(default_factory=dict)  # where layers meet: keys in order
    exceptions: dict[str, dict[Path, list[str]]] = field(default_factory=dict)  # per container, where it differs

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
        }

    @classmethod
    def from_json(cls, doc: Any, file: str) -> Layout:
        if type(doc) is not dict or doc.get("format") != FORMAT:
            raise BadInput(f"not a splitter layout (expected \"format\": \"{FORMAT}\")", file)
        return cls(
            style=Style.from_json(doc.get("style"), file),
            top_level=_strings(doc.get("top_level"), "top_level", file),
            containers=_strings(doc.get("containers"), "containers", file),
            key_order=_orders(doc.get("key_order", {}), "key_order", file),
            exceptions={
                ctid: _orders(orders, f"key_order_exceptions.{ctid}", file)
                for ctid, orders in _object(doc.get("key_order_exceptions", {}), "key_order_exceptions", file).items()
            },
        )


def _object(value: Any, what: str, file: str) -> dict:
    if type(value) is not dict:
        raise BadInput(f"{what} must be an object", file)
    return value


def _strings(value: Any, what: str, file: str) -> list[str]:
    if type(value) is not list or any(type(item) is not str for item in value):
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
