"""Exact JSON: parse and write documents keeping types, number lexemes, key order and layout style."""

from __future__ import annotations

import codecs
import json
import json.decoder
import json.scanner
import re
from dataclasses import dataclass
from typing import Any

import orjson

from .errors import BadInput

# orjson refuses to write deeper documents; we refuse to read them so that every
# document we accept can also be written back.
MAX_DEPTH = 254


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


def _default(value: Any) -> Any:
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


def canonical(value: Any) -> bytes:
    """Compact JSON text of a value, keeping key order: equal bytes mean equal values, types included."""
    return orjson.dumps(value, default=_default)


def canonical_sorted(value: Any) -> bytes:
    """Compact JSON text of a value with object keys sorted: equal bytes mean equal values but for key order."""
    return orjson.dumps(value, default=_default, option=orjson.OPT_SORT_KEYS)


@dataclass(frozen=True)
class Style:
    """How a JSON document is laid out, so that it can be written back byte for byte."""

    indent: str | None = "    "  # None: all on one line
    item_sep: str = ","  # only for one-line documents: "," or ", "
    key_sep: str = ": "  # only for one-line documents: ":" or ": "
    ascii: bool = False  # non-ASCII characters written as \\u escapes
    eol: str = "\n"
    trailer: str = ""  # what follows the closing brace, usually "" or a newline
    leader: str = ""  # white space before the opening brace, usually none
    inline_lists: int = 0  # lists of scalars go on one line when it stays within this width (0: never)

    def to_json(self) -> dict:
        return {"indent": self.indent, "item_sep": self.item_sep, "key_sep": self.key_sep,
                "ascii": self.ascii, "eol": self.eol, "trailer": self.trailer, "leader": self.leader,
                "inline_lists": self.inline_lists}

    @classmethod
    def from_json(cls, data: Any, file: str) -> Style:
        try:
            style = cls(**data)
        except TypeError as error:
            raise BadInput(f"bad style record: {error}", file) from None
        ok = (
            (style.indent is None or (isinstance(style.indent, str) and not style.indent.strip(" \t")))
            and style.item_sep in (",", ", ") and style.key_sep in (":", ": ")
            and isinstance(style.ascii, bool) and style.eol in ("\n", "\r\n")
            and isinstance(style.trailer, str) and not style.trailer.strip(" \t\r\n")
            and isinstance(style.leader, str) and not style.leader.strip(" \t\r\n")
            and type(style.inline_lists) is int and style.inline_lists >= 0
        )
        if not ok:
            raise BadInput(f"bad style record: {data!r}", file)
        return style


# what split writes under conf.d: orjson's layout, with short lists of scalars on one line as people write them
TREE_STYLE = Style(indent="  ", trailer="\n", inline_lists=100)


# ---------------------------------------------------------------- writing

def dumps(value: Any, style: Style = TREE_STYLE) -> bytes:
    """Write a value in the given style."""
    try:
        if style.indent is not None:
            out = orjson.dumps(value, default=_default, option=orjson.OPT_INDENT_2)
            if style.inline_lists:
                out = _inline_lists(out, style.inline_lists)
            if style.indent != "  ":
                out = _reindent(out, style.indent.encode(), value)
        elif style.item_sep == "," and style.key_sep == ":":
            out = orjson.dumps(value, default=_default)
        else:
            canonical(value)  # the same limits (depth, surrogates) as every other style
            out = _dump_spaced(value, style.item_sep, style.key_sep).encode()
    except orjson.JSONEncodeError as error:
        raise BadInput(_encode_problem(str(error))) from None
    if style.ascii and (not out.isascii() or b"\x7f" in out):
        out = _escape_non_ascii(out.decode()).encode()
    if style.eol != "\n":
        out = out.replace(b"\n", style.eol.encode())
    return style.leader.encode() + out + style.trailer.encode() if style.leader else out + style.trailer.encode()


def _encode_problem(message: str) -> str:
    if "surrogates" in message:
        return "a string holds a lone UTF-16 surrogate, which UTF-8 cannot carry"
    if "Recursion" in message:
        return f"nested deeper than {MAX_DEPTH} levels"
    return message


def _reindent(out: bytes, unit: bytes, value: Any) -> bytes:
    # orjson writes two spaces a level, ": " between key and value, and no other
    # run of two spaces outside strings: when no string holds two spaces in a row
    # (the compact text has them only inside strings), one replace does it all.
    if b"  " not in canonical(value):
        return out.replace(b"  ", unit)
    # Otherwise, as orjson escapes every newline inside strings, each newline
    # followed by spaces is indentation. Deepest first, runs become tabs (which
    # orjson never writes raw), then tabs become the wanted unit.
    depth = 1
    while b"\n" + b"  " * depth in out:
        depth += 1
    for level in range(depth - 1, 0, -1):
        out = out.replace(b"\n" + b"  " * level, b"\n" + b"\t" * level)
    return out if unit == b"\t" else out.replace(b"\t", unit)


_SCALAR = rb'(?:"(?:[^"\\\n]|\\.)*"|-?[0-9][0-9.eE+-]*|true|false|null)'
_LIST = re.compile(rb"\[\n *(" + _SCALAR + rb"(?:,\n *" + _SCALAR + rb")*)\n *\]")
_ONE_KEY = re.compile(rb'\{\n *("(?:[^"\\\n]|\\.)*": (?:' + _SCALAR + rb"|\[[^\n]*\]))\n *\}")


def _inline_lists(out: bytes, width: int) -> bytes:
    """Lists of scalars, and objects of one such value, on one line where it fits."""
    out = _collapse(out, b"[\n", _LIST, lambda m: b"[" + b", ".join(
        part.strip() for part in m.group(1).split(b",\n")) + b"]", width)
    return _collapse(out, b"{\n", _ONE_KEY, lambda m: b"{" + m.group(1) + b"}", width)


def _collapse(out: bytes, marker: bytes, pattern: re.Pattern, render, width: int) -> bytes:
    # find the few places that can collapse with a plain search, then try the pattern there only
    parts = []
    last = 0
    at = out.find(marker)
    while at != -1:
        match = pattern.match(out, at)
        if match:
            short = render(match)
            if at - (out.rfind(b"\n", 0, at) + 1) + len(short) <= width:
                parts += [out[last:at], short]
                last = match.end()
                at = out.find(marker, last)
                continue
        at = out.find(marker, at + 1)
    return b"".join(parts) + out[last:] if parts else out


_NON_ASCII = re.compile(r"[^\x00-\x7e]")  # as Python's json with ensure_ascii: DEL is escaped too


def _escape_char(match: re.Match) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def _escape_non_ascii(text: str) -> str:
    # non-ASCII characters only occur inside strings, so escaping them all is safe
    return _NON_ASCII.sub(_escape_char, text)


def _dump_spaced(value: Any, item_sep: str, key_sep: str) -> str:
    if type(value) is dict:
        return "{" + item_sep.join(
            canonical(k).decode() + key_sep + _dump_spaced(v, item_sep, key_sep) for k, v in value.items()) + "}"
    if type(value) is list:
        return "[" + item_sep.join(_dump_spaced(v, item_sep, key_sep) for v in value) + "]"
    return canonical(value).decode()


# ---------------------------------------------------------------- reading

def detect_style(raw: bytes) -> Style:
    """Guess the layout of a document from its bytes; `dumps` then tells whether the guess is exact."""
    body = raw.rstrip(b" \t\r\n")
    trailer = raw[len(body):].decode("ascii", "replace")
    stripped = body.lstrip(b" \t\r\n")
    leader = body[: len(body) - len(stripped)].decode("ascii", "replace")
    body = stripped
    eol = "\r\n" if b"\r\n" in body else "\n"
    ascii_ = raw.isascii() and b"\\u" in raw
    newline = body.find(b"\n")
    if newline >= 0:
        start = newline + 1
        end = start
        while end < len(body) and body[end] in b" \t":
            end += 1
        return Style(indent=body[start:end].decode(), ascii=ascii_, eol=eol, trailer=trailer, leader=leader)
    key_sep = ": " if b'": ' in body else ":"
    item_sep = ", " if re.search(rb'[\]}"\d el], ["{\[\d\-tfn]', body) else ","
    return Style(indent=None, item_sep=item_sep, key_sep=key_sep, ascii=ascii_, eol=eol, trailer=trailer,
                 leader=leader)


class _Duplicate(Exception):
    def __init__(self, key: str):
        self.key = key


def _pairs(pairs: list) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return result


def _float(text: str) -> Any:
    value = float(text)
    # keep a float only where writing it gives the same lexeme back
    return value if orjson.dumps(value) == text.encode() else Number(text)


def _int(text: str) -> Any:
    if text == "-0" or len(text) > 20:
        return Number(text)
    value = int(text)
    return value if -(2**63) <= value < 2**64 else Number(text)


class _Constant(Exception):
    pass


def _constant(text: str) -> Any:
    raise _Constant(text)


# built once: json.loads would build a decoder for every small file of a tree
_EXACT = json.JSONDecoder(object_pairs_hook=_pairs, parse_float=_float, parse_int=_int, parse_constant=_constant)


def parse(raw: bytes, file: str, *, fast_style: Style | None = None) -> Any:
    """Parse a JSON document exactly, or raise BadInput naming the file and position.

    With `fast_style`, orjson is tried first (see parse_reproducing): worth it
    for large documents in a known style; small files parse faster directly.
    """
    if fast_style is None:
        return _parse_exact(raw, file, None)
    return parse_reproducing(raw, file, fast_style)[0]


def parse_reproducing(raw: bytes, file: str, style: Style) -> tuple[Any, bool]:
    """Parse exactly; the flag is True when writing the value in `style` was seen to give `raw` back.

    orjson is tried first; its result is kept only when writing it back in
    `style` reproduces the input byte for byte, which proves that nothing (a
    number lexeme, a duplicate key, a big integer) was lost on the way.
    """
    orjson_error = None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        orjson_error = error
    else:
        try:
            if dumps(value, style) == raw:
                return value, True
        except BadInput:
            pass
    return _parse_exact(raw, file, orjson_error), False


def _parse_exact(raw: bytes, file: str, orjson_error: Exception | None) -> Any:
    if raw.startswith(codecs.BOM_UTF8):
        raise BadInput("starts with a UTF-8 byte order mark; save it without one", file, 1, 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(raw, error.start)
        raise BadInput(f"not UTF-8: byte 0x{raw[error.start]:02x}", file, line, column) from None
    if not text or text.isspace():
        raise BadInput("empty file", file)
    try:
        value = _EXACT.decode(text)
    except json.JSONDecodeError as error:
        raise BadInput(_syntax_message(error.msg), file, error.lineno, error.colno) from None
    except _Duplicate as dup:
        line, column = _position(text, _duplicate_offset(text))
        raise BadInput(f"duplicate key {canonical(dup.key).decode()}", file, line, column) from None
    except _Constant as constant:
        line, column = (orjson_error.lineno, orjson_error.colno) if orjson_error else (None, None)
        raise BadInput(f"{constant} is not a JSON value", file, line, column) from None
    except RecursionError:
        raise BadInput(f"nested deeper than {MAX_DEPTH} levels", file) from None
    try:
        canonical(value)
    except orjson.JSONEncodeError as error:
        problem = _encode_problem(str(error))
        match = re.search(r"\\u[dD][89abAB]", text) if "surrogate" in problem else None
        line, column = _position(text, match.start()) if match else (None, None)
        raise BadInput(problem, file, line, column) from None
    return value


def _syntax_message(message: str) -> str:
    return message[0].lower() + message[1:] if message else "invalid JSON"


def _position(text: str | bytes, offset: int) -> tuple[int, int]:
    newline = "\n" if isinstance(text, str) else b"\n"
    line = text.count(newline, 0, offset) + 1
    return line, offset - (text.rfind(newline, 0, offset) + 1) + 1


_WS = re.compile(r"[ \t\n\r]*")


class _Found(Exception):
    def __init__(self, offset: int):
        self.offset = offset


def _duplicate_offset(text: str) -> int:
    """Offset of a key repeated in its object; a slow pure-Python scan, run only once a duplicate is known."""
    decoder = json.JSONDecoder(parse_int=_int, parse_float=_float)

    def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None):
        text, start = s_and_end
        pairs, end = json.decoder.JSONObject(s_and_end, strict, scan_once, None, list, memo)
        seen = set()
        for index, (key, _) in enumerate(pairs):
            if key in seen:
                raise _Found(_key_offset(text, start, index, scan_once))
            seen.add(key)
        return dict(pairs), end

    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    try:
        decoder.decode(text)
    except _Found as found:
        return found.offset
    return 0


def _key_offset(text: str, start: int, index: int, scan_once) -> int:
    position = start
    for _ in range(index + 1):
        key_at = position = _WS.match(text, position).end()
        _, position = json.decoder.scanstring(text, position + 1)
        position = _WS.match(text, _WS.match(text, position).end() + 1).end()  # past ':'
        _, position = scan_once(text, position)
        position = _WS.match(text, position).end() + 1  # past ','
    return key_at
