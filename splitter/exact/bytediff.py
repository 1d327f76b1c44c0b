"""Where two JSON texts differ in their bytes: line and column, JSON path, and the kind of each difference."""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from os.path import commonprefix
from typing import Any

from splitter.exact.numbers import number_value

# the kinds, in the order reports list them
KEY_ORDER = "key order"
NUMBER_SPELLING = "number spelling"
WHITE_SPACE = "white space"
ESCAPING = "escaping"
VALUE = "value"  # a different value, type or key: a difference of the document itself
KINDS = (VALUE, KEY_ORDER, NUMBER_SPELLING, ESCAPING, WHITE_SPACE)
PLACES_PER_KIND = 10  # a re-indented file differs on every line: keep the first few places, count all


@dataclass
class Place:
    line: int  # in the first text (the monolith), from 1
    column: int  # in characters, from 1
    path: list  # keys and list indices from the root
    kind: str
    first: str  # the differing text as the first document has it
    second: str  # and as the second has it


@dataclass
class ByteReport:
    places: list[Place] = field(default_factory=list)  # at most PLACES_PER_KIND of each kind, in text order
    counts: dict[str, int] = field(default_factory=dict)  # every place, by kind

    @property
    def formatting_only(self) -> bool:
        return bool(self.counts) and VALUE not in self.counts and KEY_ORDER not in self.counts


_TOKEN = re.compile(r'([ \t\n\r]*)("(?:[^"\\]|\\.)*"|[{}\[\],:]|-?[0-9][0-9.eE+-]*|true|false|null)', re.S)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(white space before, token, index of the token) for every token, then (what trails, "", index)."""
    found = [(space, token, index) for index, (space, token) in enumerate(_TOKEN.findall(text))]
    last = sum(len(space) + len(token) for space, token, _ in found)
    found.append((text[last:], "", len(found)))
    return found


def _key(token: str) -> str:
    return token[1:-1] if "\\" not in token else json.loads(token)


class _Node:
    """A value of a located parse: its tokens, and for objects and lists what they hold."""

    __slots__ = ("open", "close", "members", "commas")

    def __init__(self, open_: tuple, close: tuple | None = None, members: list | None = None,
                 commas: list | None = None):
        self.open = open_  # the value's first token (a scalar's only one)
        self.close = close
        self.members = members  # objects: [(key, key token, colon token, value)]; lists: [(None, None, None, value)]
        self.commas = commas


def _parse(tokens: list, at: int) -> tuple[_Node, int]:
    token = tokens[at]
    if token[1] not in ("{", "["):
        return _Node(token), at + 1
    closing = "}" if token[1] == "{" else "]"
    members: list = []
    commas: list = []
    at += 1
    if tokens[at][1] == closing:
        return _Node(token, tokens[at], members, commas), at + 1
    while True:
        if closing == "}":
            key_token, colon = tokens[at], tokens[at + 1]
            value, at = _parse(tokens, at + 2)
            members.append((_key(key_token[1]), key_token, colon, value))
        else:
            value, at = _parse(tokens, at)
            members.append((None, None, None, value))
        if tokens[at][1] == ",":
            commas.append(tokens[at])
            at += 1
        else:
            return _Node(token, tokens[at], members, commas), at + 1


class _Finder:
    def __init__(self, first: str, tokens: list):
        self.first = first
        self.tokens = tokens
        self.report = ByteReport()
        self._lines: list[int] | None = None
        self._ends: list[int] | None = None

    def add(self, token: tuple, path: list, kind: str, first: str, second: str, within: int | None = None) -> None:
        """Count a place; keep it with its line and column: the token's, or `within` characters into its white space."""
        count = self.report.counts.get(kind, 0)
        self.report.counts[kind] = count + 1
        if count < PLACES_PER_KIND:
            offset = self._start(token[2])
            line, column = self._position(offset if within is None else offset - len(token[0]) + within)
            self.report.places.append(Place(line, column, list(path), kind, first, second))

    def _start(self, index: int) -> int:
        if self._ends is None:  # offsets are needed only for the places kept: summed once, then looked up
            self._ends = list(accumulate(len(space) + len(token) for space, token, _ in self.tokens))
        return (self._ends[index - 1] if index else 0) + len(self.tokens[index][0])

    def _position(self, offset: int) -> tuple[int, int]:
        if self._lines is None:  # built once, and only when something differs
            self._lines = [match.end() for match in re.finditer("\n", self.first)]
        line = bisect_right(self._lines, offset)
        return line + 1, offset - (self._lines[line - 1] if line else 0) + 1

    def space(self, a: tuple, b: tuple, path: list) -> None:
        if a[0] != b[0]:  # placed at the first character that differs
            kept = self.report.counts.get(WHITE_SPACE, 0) < PLACES_PER_KIND
            self.add(a, path, WHITE_SPACE, a[0], b[0], len(commonprefix([a[0], b[0]])) if kept else None)

    def compare(self, a: _Node, b: _Node, path: list) -> None:
        self.space(a.open, b.open, path)
        first, second = a.open[1], b.open[1]
        if a.members is None or b.members is None or first != second:
            if first != second:
                self.add(a.open, path, self._scalar_kind(first, second), first, second)
            return
        if first == "{":
            self._object(a, b, path)
        else:
            for index, ((*_, value), (*_, other)) in enumerate(zip(a.members, b.members)):
                self.compare(value, other, path + [index])
            for index in range(len(b.members), len(a.members)):
                self.add(a.members[index][3].open, path + [index], VALUE, a.members[index][3].open[1], "")
            if len(b.members) > len(a.members):
                self.add(a.close, path + [len(a.members)], VALUE, "", b.members[len(a.members)][3].open[1])
        for comma, other in zip(a.commas, b.commas):
            self.space(comma, other, path)
        self.space(a.close, b.close, path)

    def _object(self, a: _Node, b: _Node, path: list) -> None:
        theirs = {key: (key_token, colon, value) for key, key_token, colon, value in b.members}
        keys = [member[0] for member in a.members]
        other_keys = [member[0] for member in b.members]
        if keys != other_keys and set(keys) == set(theirs):
            # from the first key out of place, so that a long object's shortened text shows where they part
            start = next(at for at, (key, other) in enumerate(zip(keys, other_keys)) if key != other)
            lead = "..., " if start else ""
            self.add(a.open, path, KEY_ORDER, lead + ", ".join(keys[start:]), lead + ", ".join(other_keys[start:]))
        for key, key_token, colon, value in a.members:
            if key not in theirs:
                self.add(key_token, path + [key], VALUE, key_token[1], "")
                continue
            other_key, other_colon, other = theirs[key]
            self.space(key_token, other_key, path + [key])
            if key_token[1] != other_key[1]:
                self.add(key_token, path + [key], ESCAPING, key_token[1], other_key[1])
            self.space(colon, other_colon, path + [key])
            self.compare(value, other, path + [key])
        ours = set(keys)
        for key, key_token, _, _ in b.members:
            if key not in ours:
                self.add(a.close, path + [key], VALUE, "", key_token[1])

    @staticmethod
    def _scalar_kind(first: str, second: str) -> str:
        if first[:1] == '"' and second[:1] == '"':
            return ESCAPING if json.loads(first) == json.loads(second) else VALUE
        if first[:1] in "-0123456789" and second[:1] in "-0123456789":
            return NUMBER_SPELLING if number_value(first) == number_value(second) else VALUE
        return VALUE


def locate(first: bytes, second: bytes) -> ByteReport:
    """Every place where two JSON texts differ, classified; both must be valid JSON (they were parsed before).

    Linear in their size: one tokenizing pass each (a regular expression), then a walk of both
    parses side by side, objects matched by key and lists by index. Places are in the first text.
    """
    text, other = first.decode("utf-8"), second.decode("utf-8")
    tokens, other_tokens = _tokens(text), _tokens(other)
    finder = _Finder(text, tokens)
    node, end = _parse(tokens, 0)
    other_node, other_end = _parse(other_tokens, 0)
    finder.compare(node, other_node, [])
    finder.space(tokens[end], other_tokens[other_end], [])  # what trails the document
    finder.report.places.sort(key=lambda place: (place.line, place.column))
    return finder.report


def show_text(text: str, limit: int = 40) -> str:
    """A short, printable form of a differing text (white space made visible)."""
    shown = json.dumps(text, ensure_ascii=False)
    return shown if len(shown) <= limit else shown[: limit - 4] + '..."'


def place_to_json(place: Place, path_text: str) -> dict[str, Any]:
    return {"line": place.line, "column": place.column, "path": path_text, "kind": place.kind,
            "monolith": place.first, "conf_d": place.second}
