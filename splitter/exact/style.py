"""Writer styles: indentation, separators and escaping detected from a monolith's characters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from splitter.errors import BadInput


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


SHORT_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


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
                    if char in singles or ord(SHORT_ESCAPES[char]) not in codes)
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


def sample(raw: bytes, size: int = 1 << 16) -> bytes:
    """The first and last `size` bytes of a large document, cut at line ends, for a quick detect_style: a guess
    that the caller checks by writing the document back, asking detect_style of the whole text only when it
    fails. No string holds a raw line end, so the cut leaves whole strings and the text between them. A
    smaller document, or one on one line, is given whole."""
    if len(raw) <= 2 * size:
        return raw
    head, tail = raw.rfind(b"\n", 0, size), raw.find(b"\n", len(raw) - size)
    return raw if head < 0 or tail < 0 else raw[: head + 1] + raw[tail + 1:]


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
