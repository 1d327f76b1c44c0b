"""The merge driver's fast path for large files: an entry written alike on two sides is read and written once."""

from __future__ import annotations

import re
from typing import Any

import orjson

from splitter.errors import BadInput
from splitter.exact.numbers import canonical
from splitter.exact.parse import parse, parse_many, parse_reproducing
from splitter.exact.style import Style, detect_style, sample
from splitter.exact.write import dumps

FAST_FROM = 1 << 16  # bytes of ours from which the fast path is tried: below, reading the three whole costs little

# An entry's value (a member of an object that is itself a member of the top object: a monolith's container) is
# cut out of its file and a placeholder put in its place: an 18-digit integer, this prefix and the entry's index.
_MARK = b"271828182845"  # no proper prefix of it is also its suffix: occurrences never overlap
_LOW = int(_MARK) * 10**6
_MOST = 10**6  # placeholders one prefix can tell apart
_PLACED = re.compile(re.escape(_MARK) + rb"([0-9]{6})")
_FRESH_MOST = 256  # new values written one by one; a merge with more writes the whole document instead


class Sides:
    """The three documents read exactly, and where ours holds each entry's text (for writing the merge)."""

    def __init__(self, base: Any, ours: Any, theirs: Any, style: Style, ours_raw: bytes,
                 texts: dict[int, tuple[int, int]]):
        self.base, self.ours, self.theirs = base, ours, theirs
        self.style = style  # ours' style, as the merge driver finds it
        self.ours_raw = ours_raw
        self.texts = texts  # id() of an entry's value in `ours` -> (start, end) of its text in ours_raw


def fits(style: Style) -> bool:
    """Whether the style writes each entry on lines of its own, as _spans finds them: indented, one list item a
    line, no list or object drawn onto one line (its width would depend on where it stands), `{}` for empty."""
    return (style.indent is not None and style.indent != "" and style.lists == "lines" and not style.empty
            and not style.inline_lists)


def read_sides(base: bytes, ours: bytes, theirs: bytes, file: str, reading: dict | None = None) -> Sides | None:
    """The three versions of a file (%O, %A, %B) read exactly, as parse and parse_reproducing read them, with an
    entry whose text is the same on two sides read once (the same object on both), and the style ours is written
    in, as the merge driver finds it; None where that is not proven, and the caller reads them whole (so every
    error and its position come from the exact path).

    Ours must be written in a style that fits (parse_reproducing proves it); its entries' texts are found from its
    lines (_spans) and proven by writing ours with a placeholder for each entry: the same bytes as ours with its
    entries' texts cut out. In base and theirs the texts are found the same way and proven by parsing the document
    that is left (each placeholder must stand where an entry stood) and each text that is not ours' (or base's)
    text for the same entry: JSON's grammar is context free, so the value in a text is the value it gives in its
    place. `reading` gets ours' parse_reproducing in the style of its sample (a (value, exact) pair, or the
    BadInput it raised), for the caller to use instead of reading ours again. Raises nothing.
    """
    style = detect_style(sample(ours))
    if not fits(style):
        return None
    try:
        ours_value, exact = parse_reproducing(ours, file, style)
    except BadInput as error:
        if reading is not None:
            reading["ours"] = error
        return None
    if reading is not None:
        reading["ours"] = ours_value, exact
    if not exact:  # as the merge driver does then: the exact value must write back in the whole text's style
        style = detect_style(ours)
        try:
            if not fits(style) or dumps(ours_value, style) != ours:
                return None
        except BadInput:
            return None
    if type(ours_value) is not dict:
        return None
    spans = _spans(ours, style, 0, len(ours))
    positions = _ours_positions(ours, ours_value, spans, style)
    if positions is None:
        return None
    values: list[Any] = [None] * len(spans)
    for top, keys in positions.items():
        entries = ours_value[top]
        for key, index in keys.items():
            values[index] = entries[key]
    known = [_Read(ours, spans, positions, values)]
    base_read = _other(base, file, style, known)
    if base_read is None:
        return None
    known.append(base_read[1])
    theirs_read = _other(theirs, file, style, known)
    if theirs_read is None:
        return None
    texts = {id(value): span for value, span in zip(values, spans)}
    return Sides(base_read[0], ours_value, theirs_read[0], style, ours, texts)


class _Read:
    """One side's entries: (start, end) of each one's text in `raw`, by index; top key -> key -> index; the value
    read from each text, by index."""

    def __init__(self, raw: bytes, spans: list[tuple[int, int]], positions: dict[str, dict[str, int]],
                 values: list[Any]):
        self.raw, self.spans, self.positions, self.values = raw, spans, positions, values


def _spans(raw: bytes, style: Style, begin: int, stop: int) -> list[tuple[int, int]]:
    """(start, end) of each entry's value text: the rest of a line indented two levels that starts with a key,
    to the end of the line (less a comma), or for a `{` or `[` that ends it to the first line two levels in that
    closes it; those of lines from `begin` that end before `stop`. Exact for what `dumps` writes in a style that fits;
    in any other text a guess, proven by the caller."""
    eol = style.eol.encode()
    lead = eol + style.indent.encode() * 2
    member = re.compile(re.escape(lead) + rb'"(?:[^"\\\r\n]|\\.)*"' + re.escape(style.key_sep.encode()))
    found = [(match.start(), match.end()) for match in member.finditer(raw, begin, stop)]
    spans: list[tuple[int, int]] = []
    last = 0
    for index, (line, start) in enumerate(found):
        if line < last:
            continue
        following = found[index + 1][0] if index + 1 < len(found) else -1
        if following > start and raw[following - 1] == 0x2C:  # "," and the next entry of the same object
            end = following - 1
        else:
            opener = raw[start: start + 1]
            if (opener == b"{" or opener == b"[") and raw.startswith(eol, start + 1):
                close = raw.find(lead + (b"}" if opener == b"{" else b"]"), start)
                if close < 0:
                    continue
                end = close + len(lead) + 1
            else:
                end = raw.find(eol, start)
                if end < 0:
                    continue
                if raw[end - 1] == 0x2C:
                    end -= 1
        # a placeholder must stand between a key's ':' (or a space) and a ',' or a line end: no digit on either side
        if start < end < stop and raw[end: end + 1] in (b",", eol[:1]):
            spans.append((start, end))
            last = end
    return spans


def _skeleton(raw: bytes, spans: list[tuple[int, int]]) -> bytes:
    """`raw` with each span's text replaced by its placeholder."""
    pieces = []
    last = 0
    for index, (start, end) in enumerate(spans):
        pieces += [raw[last:start], b"%d" % (_LOW + index)]
        last = end
    pieces.append(raw[last:])
    return b"".join(pieces)


def _ours_positions(ours: bytes, value: dict, spans: list, style: Style) -> dict[str, dict[str, int]] | None:
    """Each entry of ours' value by top key and key -> the index of its span, where ours with every entry written
    as its placeholder is ours with every span cut out (then each span is the entry's text as dumps writes it)."""
    positions: dict[str, dict[str, int]] = {}
    reduced = {}
    count = 0
    for top, entries in value.items():
        if type(entries) is dict and entries:
            indexes = positions[top] = {}
            for key in entries:
                indexes[key] = count
                count += 1
            reduced[top] = {key: _LOW + index for key, index in indexes.items()}
        else:
            reduced[top] = entries
    skeleton = _skeleton(ours, spans)
    if count != len(spans) or count >= _MOST or skeleton.count(_MARK) != count:
        return None
    try:
        same = dumps(reduced, style) == skeleton
    except BadInput:
        return None
    return positions if same else None


def _other(raw: bytes, file: str, style: Style, known: list[_Read]) -> tuple[dict, _Read] | None:
    """Base or theirs read with what the `known` sides hold: (its value, its _Read); None where it is not proven
    (see read_sides). Its entries' texts where it has the same bytes as a known side around them (the longest
    common head and tail) are that side's, and so are their values; the others are found between."""
    spans, sources, source = _mapped(raw, style, known)
    if len(spans) >= _MOST:
        return None
    skeleton = _skeleton(raw, spans)
    if skeleton.count(_MARK) != len(spans):  # only the placeholders hold these digits (so no other token is one)
        return None
    try:
        reduced = parse(skeleton, file)
    except BadInput:
        return None
    if type(reduced) is not dict:
        return None
    positions = _placed(reduced, len(spans))
    if positions is None:
        return None
    values: list[Any] = [source.values[index] if index is not None else None for index in sources]
    alone = []  # the indexes of texts no known side holds for the same entry
    for top, keys in positions.items():
        for key, index in keys.items():
            if sources[index] is None:
                start, end = spans[index]
                values[index] = _shared(raw, start, end, top, key, known)
                if values[index] is _NONE:
                    alone.append(index)
    try:
        for index, value in zip(alone, parse_many([raw[spans[index][0]: spans[index][1]] for index in alone],
                                                  [file] * len(alone))):
            if type(value) is dict or type(value) is list:
                canonical([[value]])  # as deep as the whole document's reading allows (parse, write.MAX_DEPTH)
            values[index] = value
    except (BadInput, orjson.JSONEncodeError):
        return None
    filled = {}
    high = _LOW + len(spans)
    for top, entries in reduced.items():
        if top in positions:
            entries = {key: values[item - _LOW] if type(item) is int and _LOW <= item < high else item
                       for key, item in entries.items()}
        filled[top] = entries
    return filled, _Read(raw, spans, positions, values)


def _mapped(raw: bytes, style: Style, known: list[_Read]) -> tuple[list, list, _Read]:
    """raw's entries' texts: (spans, for each the index of the same text in the known side chosen, that side).
    The known side whose bytes raw shares the most of at its head and tail is chosen; its entries' texts within
    them (with the bytes on either side) are raw's, at the same place from the head or from the end; _spans finds
    the others between."""
    best = None
    for side in known:
        head = _common_head(raw, side.raw)
        tail = _common_tail(raw, side.raw, min(len(raw), len(side.raw)) - head)
        if best is None or head + tail > best[0] + best[1]:
            best = head, tail, side
    head, tail, side = best
    shift = len(raw) - len(side.raw)
    before = [index for index, (start, end) in enumerate(side.spans) if end < head]
    after_from = len(side.raw) - tail
    after = [index for index, (start, end) in enumerate(side.spans) if start > after_from and start > head]
    begin = side.spans[before[-1]][1] if before else 0
    stop = side.spans[after[0]][0] + shift if after else len(raw)
    middle = _spans(raw, style, begin, stop)
    spans = [side.spans[index] for index in before] + middle + [
        (start + shift, end + shift) for start, end in (side.spans[index] for index in after)]
    sources: list[int | None] = [*before, *([None] * len(middle)), *after]
    return spans, sources, side


def _common_head(first: bytes, second: bytes, step: int = 1 << 16) -> int:
    """The length of the longest common prefix of two byte strings (compared a piece at a time)."""
    size = min(len(first), len(second))
    at = 0
    while at < size and first[at: at + step] == second[at: at + step]:
        at += step
    if at >= size:
        return size
    low, high = at, min(at + step, size)  # equal up to low, different before high
    while high - low > 1:
        middle = (low + high) // 2
        if first[low:middle] == second[low:middle]:
            low = middle
        else:
            high = middle
    return low if first[low] != second[low] else high


def _common_tail(first: bytes, second: bytes, most: int, step: int = 1 << 16) -> int:
    """The length of the longest common suffix of two byte strings, at most `most`."""
    at = 0  # equal over the last `at` bytes
    while at < most:
        size = min(step, most - at)
        if first[len(first) - at - size: len(first) - at] != second[len(second) - at - size: len(second) - at]:
            break
        at += size
    else:
        return most
    low, high = at, min(at + step, most)  # equal over the last low bytes, not over the last high
    while high - low > 1:
        middle = (low + high) // 2
        if first[len(first) - middle: len(first) - low] == second[len(second) - middle: len(second) - low]:
            low = middle
        else:
            high = middle
    return low


_NONE = object()  # no known side holds this entry's text


def _shared(raw: bytes, start: int, end: int, top: str, key: str, known: list[_Read]) -> Any:
    """The value a known side read from the same text (raw[start:end]) for the same entry, or _NONE."""
    for side in known:
        index = side.positions.get(top, {}).get(key)
        if index is not None:
            first, last = side.spans[index]
            if last - first == end - start and side.raw[first:last] == raw[start:end]:
                return side.values[index]
    return _NONE


def _placed(reduced: dict, count: int) -> dict[str, dict[str, int]] | None:
    """Top key -> key -> placeholder index, for the placeholders that stand as entries of `reduced`; None unless
    each of the `count` placeholders stands there once."""
    positions: dict[str, dict[str, int]] = {}
    seen = 0
    high = _LOW + count
    for top, entries in reduced.items():
        if type(entries) is dict:
            indexes = {key: item - _LOW for key, item in entries.items()
                       if type(item) is int and _LOW <= item < high}
            if indexes:
                positions[top] = indexes
                seen += len(indexes)
    if seen != count or len({index for keys in positions.values() for index in keys.values()}) != count:
        return None
    return positions


def write_merged(merged: Any, sides: Sides) -> bytes:
    """dumps(merged, style), with each entry that is one of ours' values copied from ours' text: dumps writes a
    value two levels in the same wherever it stands (the styles that fit draw nothing onto one line), and ours'
    texts are what it writes (read_sides proved it). New values are written one by one, or the whole document where
    there are many (or where the placeholders cannot be told apart in what dumps wrote). `merged` is a value the
    three-way merge made of sides' values; returns the bytes; raises BadInput where dumps would."""
    style = sides.style
    if type(merged) is not dict:
        return dumps(merged, style)
    pieces: list[Any] = []
    reduced = {}
    fresh = 0
    for top, entries in merged.items():
        if type(entries) is dict and entries:
            placed = {}
            for key, item in entries.items():
                text = sides.texts.get(id(item))
                if text is None:
                    fresh += 1
                    text = [item]  # written below
                placed[key] = _LOW + len(pieces)
                pieces.append(text)
            reduced[top] = placed
        else:
            reduced[top] = entries
    if fresh > _FRESH_MOST or len(pieces) >= _MOST:
        return dumps(merged, style)
    frame = dumps(reduced, style)
    if frame.count(_MARK) != len(pieces):
        return dumps(merged, style)
    view = memoryview(sides.ours_raw)
    out = []
    last = 0
    for index, found in enumerate(_PLACED.finditer(frame)):
        piece = pieces[index]
        if int(found.group(1)) != index:
            return dumps(merged, style)
        if type(piece) is list:
            piece = _written_alone(piece[0], style)
            if piece is None:
                return dumps(merged, style)
        else:
            piece = view[piece[0]: piece[1]]
        out += [frame[last: found.start()], piece]
        last = found.end()
    out.append(frame[last:])
    return b"".join(out)


def _written_alone(value: Any, style: Style) -> bytes | None:
    """What dumps writes for `value` two levels in, cut from a document of it alone; None where the cut fails."""
    before, _, after = dumps({"a": {"b": _LOW}}, style).partition(b"%d" % _LOW)
    whole = dumps({"a": {"b": value}}, style)
    if len(whole) < len(before) + len(after) or not whole.startswith(before) or not whole.endswith(after):
        return None
    return whole[len(before): len(whole) - len(after)]
