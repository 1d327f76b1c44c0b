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
    return orjson.dumps(map_numbers(value, _one_spelling), default=_default,
                        option=orjson.OPT_SORT_KEYS if sort_keys else None)


def same_value(first: Any, second: Any) -> bool:
    """Whether two values are the same but for key order and number spelling (canonical_value's rule,
    as verify takes a number's spelling for formatting): orjson's sorted bytes first, the walk only if they differ."""
    return (canonical_sorted(first) == canonical_sorted(second)
            or canonical_value(first, sort_keys=True) == canonical_value(second, sort_keys=True))


@dataclass(frozen=True)
class Style:
    """How a JSON document is laid out and how its strings are escaped, so that it can be written back byte for byte.

    Each field is one convention of a JSON writer (Python's json, orjson, Perl JSON::XS, PHP json_encode,
    Go encoding/json, .NET System.Text.Json, Jackson, jq, Node, serde_json), detected by `detect_style`.
    """

    indent: str | None = "    "  # None: all on one line
    item_sep: str = ","  # only for one-line documents: "," or ", "
    key_sep: str = ": "  # between a key and its value: ":", ": ", " : " or " :"
    ascii: bool = False  # non-ASCII characters written as \\u escapes
    eol: str = "\n"
    trailer: str = ""  # what follows the closing brace, usually "" or a newline
    leader: str = ""  # white space before the opening brace, usually none
    inline_lists: int = 0  # lists of scalars go on one line when it stays within this width (0: never)
    escape: str = ""  # characters written as \\uXXXX although JSON allows them raw (DEL, "<>&", '"', ...)
    slash: bool = False  # "/" written as \\/ (PHP)
    short: str = "bfnrt"  # control characters written \\b \\f \\n \\r \\t; the others of these as \\u00XX
    upper_hex: bool = False  # \\u00E9 rather than \\u00e9
    lists: str = "lines"  # in indented documents: "lines" (one item a line) or "spaced" ([ 1, 2 ], Jackson)
    empty: str = ""  # between the brackets of an empty object or list: "" or " " (Jackson's { } and [ ])

    def to_json(self) -> dict:
        return {"indent": self.indent, "item_sep": self.item_sep, "key_sep": self.key_sep,
                "ascii": self.ascii, "eol": self.eol, "trailer": self.trailer, "leader": self.leader,
                "inline_lists": self.inline_lists, "escape": self.escape, "slash": self.slash,
                "short": self.short, "upper_hex": self.upper_hex, "lists": self.lists, "empty": self.empty}

    @classmethod
    def from_json(cls, data: Any, file: str) -> Style:
        if type(data) is dict and data.get("ascii") is True and "escape" not in data:
            data = {**data, "escape": "\x7f"}  # layouts written before "escape": ascii implied an escaped DEL
        try:
            style = cls(**data)
        except TypeError as error:
            raise BadInput(f"bad style record: {error}", file) from None
        ok = (
            (style.indent is None or (isinstance(style.indent, str) and not style.indent.strip(" \t")))
            and style.item_sep in (",", ", ") and style.key_sep in (":", ": ", " : ", " :")
            and isinstance(style.ascii, bool) and style.eol in ("\n", "\r\n")
            and isinstance(style.trailer, str) and not style.trailer.strip(" \t\r\n")
            and isinstance(style.leader, str) and not style.leader.strip(" \t\r\n")
            and type(style.inline_lists) is int and style.inline_lists >= 0
            and isinstance(style.escape, str) and all(_escapable(char) for char in style.escape)
            and isinstance(style.slash, bool) and isinstance(style.upper_hex, bool)
            and isinstance(style.short, str) and set(style.short) <= set("bfnrt")
            and style.lists in ("lines", "spaced") and style.empty in ("", " ")
        )
        if not ok:
            raise BadInput(f"bad style record: {data!r}", file)
        return style

    @property
    def plain_strings(self) -> bool:
        """Strings escaped as orjson escapes them: nothing to rewrite after it."""
        return not (self.ascii or self.escape or self.slash or self.upper_hex or self.short != "bfnrt")


# what `escape` may name: characters that JSON text holds only inside strings (and "+", which
# _escape treats apart) and that some writer escapes; a writer that escapes others is not reproduced
ESCAPABLE = '"\\/&\'+<>`\x7f\u2028\u2029'


def _escapable(char: str) -> bool:
    return len(char) == 1 and char in ESCAPABLE


# what split writes under conf.d: orjson's layout, with short lists of scalars on one line as people write them
TREE_STYLE = Style(indent="  ", trailer="\n", inline_lists=100)


# ---------------------------------------------------------------- writing

def dumps(value: Any, style: Style = TREE_STYLE) -> bytes:
    """Write a value in the given style: orjson's fast writer, then linear rewrites where the style asks."""
    try:
        if style.indent is None:
            if style.item_sep == "," and style.key_sep == ":":
                out = orjson.dumps(value, default=_default)
            else:
                canonical(value)  # the same limits (depth, surrogates) as every other style
                out = _dump_spaced(value, style.item_sep, style.key_sep).encode()
        elif style.lists == "lines" and not style.empty:
            out = orjson.dumps(value, default=_default, option=orjson.OPT_INDENT_2)
            if style.inline_lists:
                out = _inline_lists(out, style.inline_lists)
            if style.key_sep != ": ":
                out = _KEY_END.sub(rb"\1" + style.key_sep.encode(), out)
            if style.indent != "  ":
                out = _reindent(out, style.indent.encode(), value)
        else:
            canonical(value)
            out = _dump_pretty(value, style).encode()
    except orjson.JSONEncodeError as error:
        raise BadInput(_encode_problem(str(error))) from None
    if not style.plain_strings:
        out = _escape(out.decode(), style).encode()
    if style.eol != "\n":
        out = out.replace(b"\n", style.eol.encode())
    return style.leader.encode() + out + style.trailer.encode() if style.leader else out + style.trailer.encode()


# in orjson's indented output no string holds a raw newline, so a string that starts a line and is
# followed by ": " is a key (the string pattern cannot stop early at an escaped quote)
_KEY_END = re.compile(rb'(\n *"(?:[^"\\\n]|\\.)*"): ')


def _dump_pretty(value: Any, style: Style) -> str:
    """Indented JSON for the styles orjson's layout cannot be rewritten into (Jackson's lists, "{ }")."""
    unit, key_sep, empty, spaced = style.indent, style.key_sep, style.empty, style.lists == "spaced"
    parts: list[str] = []
    add = parts.append

    def write(node: Any, level: int) -> None:
        kind = type(node)
        if kind is dict or kind is list:
            if not node:
                add(("{" + empty + "}") if kind is dict else ("[" + empty + "]"))
                return
            if kind is list and spaced:  # Jackson: lists stay on the line and do not indent what they hold
                add("[ ")
                for index, child in enumerate(node):
                    if index:
                        add(", ")
                    write(child, level)
                add(" ]")
                return
            inner = "\n" + unit * (level + 1)
            add("{" if kind is dict else "[")
            for index, item in enumerate(node.items() if kind is dict else node):
                add(inner if index == 0 else "," + inner)
                if kind is dict:
                    add(canonical(item[0]).decode())
                    add(key_sep)
                    item = item[1]
                write(item, level + 1)
            add("\n" + unit * level + ("}" if kind is dict else "]"))
        else:
            add(canonical(node).decode())

    write(value, 0)
    return "".join(parts)


_PAIR = re.compile(r'\\(?:u[0-9a-f]{4}|.)', re.S)  # each escape orjson wrote, found left to right
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SHORT = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _escape(text: str, style: Style) -> str:
    """orjson's string escapes rewritten into the style's: other forms, hex case, more characters escaped."""
    hex_form = "\\u{:04X}" if style.upper_hex else "\\u{:04x}"
    if style.upper_hex or style.short != "bfnrt" or '"' in style.escape or "\\" in style.escape:
        def pair(match: re.Match) -> str:
            found = match.group()
            char = found[1]
            if char == "u":
                return found.upper().replace("\\U", "\\u") if style.upper_hex else found
            if char in _SHORT and char not in style.short:
                return hex_form.format(ord(_SHORT[char]))
            if char in style.escape:  # '"' or '\\' written as \\u0022 or \\u005c
                return hex_form.format(ord(char))
            return found
        text = _PAIR.sub(pair, text)
    pattern = _raw_pattern(style)
    if pattern is None:
        return text

    def char(match: re.Match) -> str:
        code = ord(match.group())
        if code == 0x2F and style.slash:
            return "\\/"
        if code < 0x10000:
            return hex_form.format(code)
        code -= 0x10000
        return hex_form.format(0xD800 | (code >> 10)) + hex_form.format(0xDC00 | (code & 0x3FF))

    if "+" in style.escape:  # "+" also stands in number exponents: escape it inside strings only
        return _STRING.sub(lambda string: pattern.sub(char, string.group()), text)
    # every other character a style escapes occurs only inside strings of JSON text
    return pattern.sub(char, text)


_RAW_PATTERNS: dict[tuple, re.Pattern | None] = {}


def _raw_pattern(style: Style) -> re.Pattern | None:
    key = (style.escape, style.slash, style.ascii)
    if key not in _RAW_PATTERNS:
        chars = "".join(sorted(set(style.escape) - {'"', "\\"})) + ("/" if style.slash else "")
        ranges = re.escape(chars) + ("\x80-\U0010ffff" if style.ascii else "")
        _RAW_PATTERNS[key] = re.compile(f"[{ranges}]") if ranges else None
    return _RAW_PATTERNS[key]


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


def _dump_spaced(value: Any, item_sep: str, key_sep: str) -> str:
    if type(value) is dict:
        return "{" + item_sep.join(
            canonical(k).decode() + key_sep + _dump_spaced(v, item_sep, key_sep) for k, v in value.items()) + "}"
    if type(value) is list:
        return "[" + item_sep.join(_dump_spaced(v, item_sep, key_sep) for v in value) + "]"
    return canonical(value).decode()


# ---------------------------------------------------------------- reading

_ANY_ESCAPE = re.compile(rb'\\(?:u([0-9a-fA-F]{4})|(.))', re.S)
_HTML = "<>&"  # escaped together by Go, .NET and PHP's JSON_HEX_* flags
_NET = "'+`\""  # escaped together with _HTML by .NET's default encoder


def detect_style(raw: bytes) -> Style:
    """Guess how a document was written from the characters actually written; `dumps` then tells whether it is exact.

    Linear in the size: a few regular-expression passes. Layout (indent unit, separators and the
    spaces around them, one item a line or Jackson's `[ 1, 2 ]`, `{}` or `{ }`, line ends, what
    comes before and after the document) is read from the text between strings; escaping (which
    characters are written as `\\u` escapes, `\\/`, the short forms, hex case) from the escapes found.
    A character seen both raw and escaped leaves the guess inexact: merge then writes the same
    document with other bytes, which verify reports.
    """
    body = raw.rstrip(b" \t\r\n")
    trailer = raw[len(body):].decode("ascii", "replace")
    stripped = body.lstrip(b" \t\r\n")
    leader = body[: len(body) - len(stripped)].decode("ascii", "replace")
    body = stripped
    eol = "\r\n" if b"\r\n" in body else "\n"
    escapes = set(_ANY_ESCAPE.findall(body))
    cleaned = _ANY_ESCAPE.sub(b"", body) if escapes else body
    text = _Strings(cleaned)  # the strings and the text between them, read no further than asked
    codes = {int(hex_, 16) for hex_, _ in escapes if hex_}
    singles = {char.decode("latin-1") for _, char in escapes if char}
    letters = "".join(hex_.decode() for hex_, _ in escapes if hex_).translate({ord(d): None for d in "0123456789"})
    ascii_ = any(code >= 0x80 and code not in (0x2028, 0x2029) for code in codes)
    escape = {chr(code) for code in codes if _escapable(chr(code)) and not (ascii_ and code >= 0x80)}
    if "\"" in escape and '"' in singles:
        escape.discard('"')  # both \\" and \\u0022: mixed, keep the common form
    if escape & set(_NET):
        escape |= {char for char in _NET + _HTML if not text.inside(char) and (char != '"' or '"' not in singles)}
    if escape & set(_HTML):
        escape |= {char for char in _HTML + ("" if ascii_ else "\u2028\u2029") if not text.inside(char)}
    if ascii_ and not text.inside("\x7f"):
        escape.add("\x7f")  # Python's ensure_ascii escapes DEL with the rest
    short = "".join(char for char in "bfnrt"
                    if char in singles or ord(_SHORT[char]) not in codes)
    key = text.search(rb'""([ \t]*:[ \t]*)')
    key_sep = key.group(1).decode() if key and key.group(1) in (b":", b": ", b" : ", b" :") else ": "
    common = dict(ascii=ascii_, eol=eol, trailer=trailer, leader=leader, key_sep=key_sep,
                  escape="".join(sorted(escape)), slash="/" in singles, short=short,
                  upper_hex=letters.isupper() and not letters.islower())
    newline = body.find(b"\n")
    if newline >= 0:
        start = newline + 1
        end = start
        while end < len(body) and body[end] in b" \t":
            end += 1
        opened = text.search(rb"\[(?![ \t]*\])([ \t\r\n])")
        lists = "spaced" if opened and opened.group(1) in b" \t" else "lines"
        empty = " " if b"{ }" in text or b"[ ]" in text else ""
        return Style(indent=body[start:end].decode(), lists=lists, empty=empty, **common)
    if text.whole() in (b"{ }", b"[ ]"):  # Jackson's empty document: its pretty writer, which writes it so
        return Style(indent="  ", lists="spaced", empty=" ", **common)
    item_sep = ", " if b", " in text else ","
    return Style(indent=None, item_sep=item_sep, **common)


class _Strings:
    """A document's text split at its quotes, once escapes are removed: then quotes alternate between
    opening and closing a string, so every other piece is a string's content and the others the text
    between strings. Each view is made on the first question that needs it.

    Questions about the first place of a pattern read a prefix cut where no string is open; questions
    about any place first ask the raw text (a fast byte search), so that a large document is emptied
    whole only where a pattern stands somewhere in it.
    """

    PREFIX = 1 << 16

    def __init__(self, cleaned: bytes):
        self._cleaned = cleaned
        self._pieces: list[bytes] | None = None
        self._whole: bytes | None = None
        self._inside: str | None = None

    def _split(self) -> list[bytes]:
        if self._pieces is None:
            self._pieces = self._cleaned.split(b'"')
        return self._pieces

    def whole(self) -> bytes:
        """The text with every string emptied (`"..."` written `""`)."""
        if self._whole is None:
            self._whole = b'""'.join(self._split()[::2])
        return self._whole

    def inside(self, char: str) -> bool:
        """Whether a character stands raw in some string."""
        if self._inside is None:
            self._inside = b"".join(self._split()[1::2]).decode("utf-8", "replace")
        return char in self._inside

    def search(self, pattern: bytes) -> re.Match | None:
        """The first match of a pattern outside strings (a pattern that needs no text after a string's end)."""
        if len(self._cleaned) > self.PREFIX:
            prefix = self._cleaned[: self.PREFIX]
            if prefix.count(b'"') % 2:
                prefix = prefix[: prefix.rfind(b'"')]  # stop where the last string opened
            text = b'""'.join(prefix.split(b'"')[::2])
            found = re.search(pattern, text)
            if found and found.end() + 64 < len(text):  # what follows the match lies in the prefix too
                return found
        return re.search(pattern, self.whole())

    def __contains__(self, needle: bytes) -> bool:
        """Whether a byte string stands outside strings."""
        return needle in self._cleaned and needle in self.whole()


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
