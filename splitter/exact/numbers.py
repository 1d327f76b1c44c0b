"""Exact numbers and canonical bytes: a number keeps its lexeme, and values compare by type and spelling."""

from __future__ import annotations

import re
from typing import Any

import orjson


class Number:
    """A JSON number kept as written, where an int or float would not give the same lexeme back.

    `0.50`, `1E3`, `-0`, `1e400` and integers beyond 64 bits are kept this way; two
    Numbers are equal only when their lexemes are, and never equal to an int or float.
    """

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __eq__(self, other: object) -> bool:
        return type(other) is Number and other.text == self.text

    def __hash__(self) -> int:
        return hash(("Number", self.text))

    def __repr__(self) -> str:
        return f"Number({self.text!r})"


_NUMBER = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?")


def number_value(text: str) -> tuple:
    """The type and exact value a JSON number's text stands for: (type, sign, digits, exponent).

    Two spellings have the same type and value when these are equal: `0.50`, `0.5`, `5E-1` and
    `5.0e-1` do; `1E3` and `1000.0` do, `1000` does not. The type follows the JSON grammar (RFC 8259,
    section 6): a number written with a fraction or an exponent is a "fraction", any other an
    "integer", as Python's json reads them (float or int), so `1` and `1.0` stay apart. The value is
    the exact decimal the text stands for (not the nearest binary float, so `0.1` and
    `0.10000000000000001` differ), with the sign of zero kept (`-0.0` is not `0.0`).
    Raises ValueError on text that is not a JSON number.
    """
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise ValueError(f"not a JSON number: {text!r}")
    sign, whole, fraction, exponent = match.groups()
    kind = "fraction" if fraction is not None or exponent is not None else "integer"
    digits = (whole + (fraction or "")).lstrip("0")
    if not digits:
        return kind, sign, "0", 0
    significant = digits.rstrip("0")
    return kind, sign, significant, int(exponent or 0) - len(fraction or "") + len(digits) - len(significant)


def orjson_default(value: Any) -> Any:
    if type(value) is Number:
        return orjson.Fragment(value.text)
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def map_numbers(value: Any, change) -> Any:
    """A copy of a value with every number (int, float or Number; never a bool) passed through `change`."""
    kind = type(value)
    if kind is dict:
        return {key: map_numbers(child, change) for key, child in value.items()}
    if kind is list:
        return [map_numbers(child, change) for child in value]
    if kind is int or kind is float or kind is Number:
        return change(value)
    return value


# Two values of one of these types are exactly equal when Python's == says so: a str, an int (the exact parser
# keeps an integer lexeme an int would not give back as a Number), a bool, a Number (its lexeme). Others need
# their canonical text: a float (0.0 == -0.0), a list or object (1 == 1.0 == True inside, key order).
EQUAL_BY_VALUE = (str, int, bool, Number)


def exactly_equal(first: Any, second: Any) -> bool:
    """canonical(first) == canonical(second), settled without writing either where == and the type suffice."""
    return first == second and type(first) is type(second) and (
        type(first) in EQUAL_BY_VALUE or canonical(first) == canonical(second))


def canonical(value: Any) -> bytes:
    """Compact JSON text of a value, keeping key order: equal bytes mean equal values, types included."""
    return orjson.dumps(value, default=orjson_default)


def same_entries(first: dict, second: dict) -> set:
    """The keys whose values are exactly equal (equal canonical bytes: types, lexemes and key order count) in
    two objects, found together for objects of many keys (a monolith's containers). Python's == picks the
    candidates (it never calls two exactly equal values different), then one canonical writing of all of them
    on each side settles them (a list's writing is its items' writings in order, each read back one way, so
    equal writings mean equal items). Empty where == let a difference by: compare those key by key."""
    keys = [key for key, value in first.items() if key in second and second[key] == value]
    if canonical([first[key] for key in keys]) != canonical([second[key] for key in keys]):
        return set()
    return set(keys)


def same_canonical(first: Any, second: Any, piece: int = 1024) -> bool:
    """canonical(first) == canonical(second), compared piece by piece below objects and lists of more than
    `piece` members (a monolith's containers: `piece` of them a time), so that neither whole writing is held
    at once (about 70 MB each for 100,000 containers). A list's writing is its items' writings in order, each
    read back one way, so equal pieces in order mean equal writings."""
    kind = type(first)
    if kind is not type(second) or (kind is not dict and kind is not list):
        return canonical(first) == canonical(second)
    if kind is dict and list(first) != list(second):
        return False
    values = list(first.values()) if kind is dict else first
    others = list(second.values()) if kind is dict else second
    if len(values) != len(others):
        return False
    if len(values) > piece:
        return all(canonical(values[at: at + piece]) == canonical(others[at: at + piece])
                   for at in range(0, len(values), piece))
    big = [index for index, value in enumerate(values) if type(value) in (dict, list) and len(value) > piece]
    if not big:
        return canonical(first) == canonical(second)
    rest = sorted(set(range(len(values))) - set(big))
    return (canonical([values[index] for index in rest]) == canonical([others[index] for index in rest])
            and all(same_canonical(values[index], others[index], piece) for index in big))


def canonical_sorted(value: Any) -> bytes:
    """Compact JSON text of a value with object keys sorted: equal bytes mean equal values but for key order."""
    return orjson.dumps(value, default=orjson_default, option=orjson.OPT_SORT_KEYS)


def _one_spelling(number: Any) -> Any:
    """A number written one way for its type and exact value (number_value). JSON integers have one
    spelling already (no leading zeros, no exponent); a fraction becomes DIGITS`e`EXPONENT, still a fraction."""
    if type(number) is int:
        return number
    kind, sign, digits, exponent = number_value(canonical(number).decode())
    return number if kind == "integer" else Number(f"{sign}{digits}e{exponent}")


def canonical_value(value: Any, sort_keys: bool = False) -> bytes:
    """Compact JSON text of a value with every number spelled one way for its type and exact value
    (number_value): equal bytes mean the same value, spelling aside (`0.50`, `0.5` and `5E-1` alike; `1` and
    `1.0`, `0.1` and `0.10000000000000001` apart), and with sort_keys key order aside too.

    A walk in Python, slower than canonical: compare canonical bytes first (as same_value does).
    """
    return orjson.dumps(map_numbers(value, _one_spelling), default=orjson_default,
                        option=orjson.OPT_SORT_KEYS if sort_keys else None)


def same_value(first: Any, second: Any) -> bool:
    """Whether two values are the same but for key order and number spelling (canonical_value's rule,
    as verify takes a number's spelling for formatting): orjson's sorted bytes first, the walk only if they differ."""
    return (canonical_sorted(first) == canonical_sorted(second)
            or canonical_value(first, sort_keys=True) == canonical_value(second, sort_keys=True))
