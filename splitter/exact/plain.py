"""The fast path of exact parsing: orjson alone, for a file proven to hold nothing orjson would read differently."""

from __future__ import annotations

import re
from typing import Any

import orjson

# A key's closing quote with white space before its ':'; such a key is not counted by raw.count(b'":').
_LOOSE_KEY = re.compile(rb'"[ \t\n\r]+:')
# -0 as a number token (after ':', '[' or ','): orjson reads the integer 0, the exact path keeps "-0".
_MINUS_ZERO = re.compile(rb"[:\[,][ \t\n\r]*-0")
# A number token with a fraction or an exponent (also text inside strings that looks like one: a false alarm
# only costs the exact path), and integers of 19 digits or more (orjson reads those beyond 64 bits as floats).
_FRACTION = re.compile(rb"[:\[,][ \t\n\r]*(-?[0-9]+[.eE][0-9eE.+-]*)(?=[ \t\n\r,\]}])")
_LONG_INTEGER = re.compile(rb"[:\[,][ \t\n\r]*-?[0-9]{19}")
# Deeper documents go to the exact path, which knows the precise limit (write.MAX_DEPTH) and its message.
_DEPTH = 64


_WHITE = b" \t\n\r"  # JSON's white space (RFC 8259 section 2); in UTF-8 these bytes are never part of another character


class _NotPlain(Exception):
    pass


def parse_plain_many(raws: list[bytes]) -> list[Any | None]:
    """parse_plain of each of `raws` (a list of files' bytes), in order: each object or array, or None where
    that is not proven; raises nothing. Most files are proven together by one comparison (_same_tokens), cheaper
    than proving each alone; when it fails, each file is proven alone."""
    values = [_container(raw) for raw in raws]
    if _same_tokens([raw for raw, value in zip(raws, values) if value is not None],
                    [value for value in values if value is not None]):
        return values
    return [value if value is not None and _proven(raw, value) else None for raw, value in zip(raws, values)]


def _container(raw: bytes) -> Any | None:
    """orjson's object or array in `raw`; None for anything else, or where orjson cannot read it."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return value if type(value) is dict or type(value) is list else None


def _same_tokens(raws: list[bytes], values: list) -> bool:
    """Whether each of `raws` holds the very tokens orjson writes for the value it read from it (`values`), so
    that the exact path would read the same value: no `-0`, no `0.50` or `1E3`, no integer orjson read as a
    float (the exact path keeps such spellings, see parse_plain), no repeated key (orjson keeps the last).

    The files (joined by commas) with JSON's white space taken out, and orjson's compact writing of the values
    with its spaces taken out (it writes no other white space), are the same bytes. Taking white space out
    leaves every token whole but strings (a string holds no raw tab, newline or carriage return, and its spaces
    go on both sides), so the two hold the same number tokens and as many keys in each object. orjson writes at
    most 255 levels, so each value nests at most 253 deep, within what the exact path reads. Raises nothing.
    """
    try:
        compact = orjson.dumps(values)
    except orjson.JSONEncodeError:
        return False
    return compact[1:-1].translate(None, b" ") == b",".join(raws).translate(None, _WHITE)


def parse_plain(raw: bytes) -> Any | None:
    """The object or array in `raw` as the exact path (parse.parse) would give it, or None when that is not proven.

    Proven means all of: orjson parses it to an object or array; it nests at most 64 deep; its values hold as
    many object keys as the text has key ends (`":`, and no key with white space before its ':'), so no key is
    repeated at any depth (orjson would keep the last silently); no number token is -0; and where orjson gave any
    float, every number token with a fraction or exponent is the shortest spelling of its float, as orjson writes
    it (so the exact path keeps the same float, parse._float), and no integer token has 19 digits or more.
    orjson reads every other number token (an integer of at most 18 digits) as the exact path does. Lone
    surrogates, a byte order mark, bad UTF-8, control characters in strings, NaN and every syntax error make
    orjson fail: None, and the exact path gives the message and position. Raises nothing.
    """
    value = _container(raw)
    return value if value is not None and _proven(raw, value) else None


def _proven(raw: bytes, value: Any) -> bool:
    """Whether `value`, orjson's reading of `raw`, is what the exact path reads (parse_plain's rule)."""
    if _same_tokens([raw], [value]):
        return True
    floats = [0]
    try:
        keys = _keys(value, 1, floats)
    except _NotPlain:
        return False
    # every key ends in `":` or `"<white space>:`; text inside strings can only add to the count
    if keys != raw.count(b'":') or _LOOSE_KEY.search(raw) is not None:
        return False
    if b"-0" in raw and _MINUS_ZERO.search(raw) is not None:
        return False
    if floats[0]:
        if _LONG_INTEGER.search(raw) is not None:
            return False
        for match in _FRACTION.finditer(raw):
            token = match.group(1)
            try:  # the exact path keeps a float where writing it gives the token back; so must orjson's float
                if orjson.dumps(float(token)) != token or orjson.dumps(orjson.loads(token)) != token:
                    return False
            except (ValueError, orjson.JSONDecodeError):  # text inside a string
                return False
    return True


def _keys(node: Any, depth: int, floats: list) -> int:
    """The number of object keys in a dict or list and below it; floats[0] counts its floats. Raises _NotPlain past
    _DEPTH levels."""
    if depth > _DEPTH:
        raise _NotPlain
    if type(node) is dict:
        count = len(node)
        children = node.values()
    else:
        count = 0
        children = node
    for child in children:
        kind = type(child)
        if kind is dict or kind is list:
            count += _keys(child, depth + 1, floats)
        elif kind is float:
            floats[0] += 1
    return count
