"""Parsing exact JSON: orjson first, the standard library's scanner for lexemes, duplicates and positions."""

from __future__ import annotations

import codecs
import json
import json.decoder
import json.scanner
import re
from typing import Any

import orjson

from splitter.errors import BadInput
from splitter.exact.numbers import Number, canonical
from splitter.exact.plain import parse_plain, parse_plain_many
from splitter.exact.style import Style
from splitter.exact.write import MAX_DEPTH, dumps, encode_problem


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


_EXACT: list = []  # the decoder, built once on first use: json.loads would build one for every small file


def _exact_decoder() -> json.JSONDecoder:
    if not _EXACT:
        _EXACT.append(json.JSONDecoder(object_pairs_hook=_pairs, parse_float=_float, parse_int=_int,
                                       parse_constant=_constant))
    return _EXACT[0]


def parse(raw: bytes, file: str, *, fast_style: Style | None = None) -> Any:
    """Parse a JSON document exactly, or raise BadInput naming the file and position.

    Without `fast_style`, orjson alone reads a file proven plain (plain.parse_plain: no number spelling,
    repeated key or depth it could get wrong), the exact path any other. With `fast_style`, orjson is tried
    first (see parse_reproducing): worth it for large documents in a known style.
    """
    if fast_style is None:
        value = parse_plain(raw)
        return _parse_exact(raw, file, None) if value is None else value
    return parse_reproducing(raw, file, fast_style)[0]


def parse_many(raws: list[bytes], files: list[str]) -> list[Any]:
    """parse() of each of `raws` (bytes, with `files` naming them for messages), in order; most are proven plain
    together (plain.parse_plain_many), the others take the exact path. Raises BadInput for the first bad file."""
    values = parse_plain_many(raws)
    for index, value in enumerate(values):
        if value is None:
            values[index] = _parse_exact(raws[index], files[index], None)
    return values


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
            # first as if no string held two spaces in a row: where one does, that string is written with its
            # runs doubled, which raw (the text value was read from) cannot hold, so equal bytes prove it
            if dumps(value, style, spaced=False) == raw or (
                    b"  " in canonical(value) and dumps(value, style) == raw):
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
        value = _exact_decoder().decode(text)
    except json.JSONDecodeError as error:
        from splitter.exact.conflicts import unresolved  # only once parsing has failed: free on good files

        raise unresolved(raw, file) or BadInput(_syntax_message(error.msg), file, error.lineno, error.colno) from None
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
        problem = encode_problem(str(error))
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
