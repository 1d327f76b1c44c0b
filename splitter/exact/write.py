"""Writing exact JSON in a writer's style: orjson's bytes, re-indented and re-escaped."""

from __future__ import annotations

import re
from typing import Any

import orjson

from splitter.errors import BadInput
from splitter.exact.numbers import canonical, orjson_default
from splitter.exact.style import SHORT_ESCAPES, TREE_STYLE, Style

# orjson refuses to write deeper documents; we refuse to read them so that every
# document we accept can also be written back.
MAX_DEPTH = 254


def dumps(value: Any, style: Style = TREE_STYLE, spaced: bool | None = None) -> bytes:
    """Write a value in the given style: orjson's fast writer, then linear rewrites where the style asks.

    `spaced`: whether some string or key of the value holds two spaces in a row, where the caller knows
    (False lets an indent other than orjson's two spaces be one replace; None: found out here)."""
    try:
        if style.indent is None:
            if style.item_sep == "," and style.key_sep == ":":
                out = orjson.dumps(value, default=orjson_default)
            else:
                canonical(value)  # the same limits (depth, surrogates) as every other style
                out = _dump_spaced(value, style.item_sep, style.key_sep).encode()
        elif style.lists == "lines" and not style.empty:
            out = orjson.dumps(value, default=orjson_default, option=orjson.OPT_INDENT_2)
            if style.inline_lists:
                out = _inline_lists(out, style.inline_lists)
            if style.key_sep != ": ":
                out = _KEY_END.sub(rb"\1" + style.key_sep.encode(), out)
            if style.indent != "  ":
                out = _reindent(out, style.indent.encode(), value, spaced)
        else:
            canonical(value)
            out = _dump_pretty(value, style).encode()
    except orjson.JSONEncodeError as error:
        raise BadInput(encode_problem(str(error))) from None
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


def _escape(text: str, style: Style) -> str:
    """orjson's string escapes rewritten into the style's: other forms, hex case, more characters escaped."""
    hex_form = "\\u{:04X}" if style.upper_hex else "\\u{:04x}"
    if style.upper_hex or style.short != "bfnrt" or '"' in style.escape or "\\" in style.escape:
        def pair(match: re.Match) -> str:
            found = match.group()
            char = found[1]
            if char == "u":
                return found.upper().replace("\\U", "\\u") if style.upper_hex else found
            if char in SHORT_ESCAPES and char not in style.short:
                return hex_form.format(ord(SHORT_ESCAPES[char]))
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


def encode_problem(message: str) -> str:
    if "surrogates" in message:
        return "a string holds a lone UTF-16 surrogate, which UTF-8 cannot carry"
    if "Recursion" in message:
        return f"nested deeper than {MAX_DEPTH} levels"
    return message


def _reindent(out: bytes, unit: bytes, value: Any, spaced: bool | None) -> bytes:
    # orjson writes two spaces a level, ": " between key and value, and no other
    # run of two spaces outside strings: when no string holds two spaces in a row
    # (the compact text has them only inside strings), one replace does it all.
    if spaced is False or (spaced is None and b"  " not in canonical(value)):
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
# pattern strings, compiled on first use (re's cache): a merge in a style without inline lists never needs them
_LIST = rb"\[\n *(" + _SCALAR + rb"(?:,\n *" + _SCALAR + rb")*)\n *\]"
_ONE_KEY = rb'\{\n *("(?:[^"\\\n]|\\.)*": (?:' + _SCALAR + rb"|\[[^\n]*\]))\n *\}"


def _inline_lists(out: bytes, width: int) -> bytes:
    """Lists of scalars, and objects of one such value, on one line where it fits."""
    out = _collapse(out, re.compile(_LIST), lambda m: b"[" + _ITEM_BREAK.sub(b", ", m.group(1)) + b"]", width)
    return _collapse(out, re.compile(_ONE_KEY), lambda m: b"{" + m.group(1) + b"}", width)


_ITEM_BREAK = re.compile(rb",\n *")  # between two items of a list of scalars (no scalar holds a raw line end)


def _collapse(out: bytes, pattern: re.Pattern, render, width: int) -> bytes:
    # the pattern starts with its marker ("[\n", "{\n"): re's search finds the places it matches, left to right,
    # without a Python step at each place that does not; one too wide is left, and the search goes on after it
    parts = []
    last = 0
    match = pattern.search(out)
    while match:
        at = match.start()
        short = render(match)
        if at - (out.rfind(b"\n", 0, at) + 1) + len(short) <= width:
            parts += [out[last:at], short]
            last = match.end()
            match = pattern.search(out, last)
        else:
            match = pattern.search(out, at + 1)
    return b"".join(parts) + out[last:] if parts else out


def _dump_spaced(value: Any, item_sep: str, key_sep: str) -> str:
    if type(value) is dict:
        return "{" + item_sep.join(
            canonical(k).decode() + key_sep + _dump_spaced(v, item_sep, key_sep) for k, v in value.items()) + "}"
    if type(value) is list:
        return "[" + item_sep.join(_dump_spaced(v, item_sep, key_sep) for v in value) + "]"
    return canonical(value).decode()
