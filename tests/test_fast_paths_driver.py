"""The merge driver's fast path for large files (entries written alike read once, ours' texts copied into the
merge) gives what reading the three files whole gives: the same bytes, conflicts, notes and kind of merge, for
files drawn to defeat it (number spellings, repeated keys, strings that look like entries, lone surrogates,
entries moved, added or removed, other indents, CRLF, its own placeholder digits in the file)."""

from __future__ import annotations

import copy
import os
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import monoliths

import splitter.ops.mergedriver_fast as fast
from splitter.exact.numbers import Number, canonical
from splitter.exact.parse import parse
from splitter.exact.style import Style, detect_style
from splitter.exact.write import dumps
from splitter.merging.threeway_json import MISSING
from splitter.ops.mergedriver import merge_files

EXAMPLES = int(os.environ.get("SPLITTER_EXAMPLES", "200"))
PATH = "phoenix_lxc_configs.json"


def outcome(base: bytes, ours: bytes, theirs: bytes, fast_from: int, path: str = PATH):
    """What the driver gives git (bytes for %A, conflicts named with their values, notes), with the fast path
    tried from `fast_from` bytes of ours on."""
    saved, fast.FAST_FROM = fast.FAST_FROM, fast_from
    try:
        result = merge_files(base, ours, theirs, path)
    finally:
        fast.FAST_FROM = saved

    def shown(value):
        return "(none)" if value is MISSING else canonical(value)

    conflicts = [(c.path, c.kind, shown(c.base), shown(c.ours), shown(c.theirs)) for c in result.conflicts]
    return result.merged, conflicts, result.text_conflicts, result.how, result.note


def same_either_way(base: bytes, ours: bytes, theirs: bytes, path: str = PATH):
    exact = outcome(base, ours, theirs, 1 << 62, path)
    assert outcome(base, ours, theirs, 0, path) == exact
    return exact


# values that a reading by lines or by orjson alone could get wrong
TRICKY = [Number("1.0"), Number("1E3"), Number("-0"), Number("0.50"), 1.0, -0.0, 0.5, 10**20, "},", '"name": 1',
          '},\n        "x": {', "\\", "\ud800"[:0] + "é😀", "271828182845000001", int("271828182845000000"),
          {"name": "x"}, [], {}, [1, [2, {"a": None}]], True, None, "  two  spaces  "]
# text put into a side as it is: a repeated key, a lone surrogate, a placeholder's digits, a line cut in two
SPLICES = [b'"dup": 1, "dup": 2, ', b'"s": "\\ud800", ', b'"n": 271828182845000000, ', b'"m": 1E3, ', b"\n",
           b'"q": "},\\n        \\"k\\": {", ', b"  ", b"\t", b",", b"\r\n"]


def tricky(draw):
    return copy.deepcopy(draw(st.sampled_from(TRICKY)))  # a copy: the edits below change objects in place


def entries(doc) -> list[tuple[str, str]]:
    return [(top, key) for top, value in doc.items() if type(value) is dict for key in value]


@st.composite
def edited(draw, raw: bytes, doc: dict, style: Style) -> bytes:
    """One side: the base with a few edits of its value written back in `style` (or another), then maybe a few
    edits of its text."""
    value = copy.deepcopy(doc)
    for _ in range(draw(st.integers(min_value=0, max_value=3)) or draw(st.integers(min_value=0, max_value=1))):
        places = entries(value)
        kind = draw(st.sampled_from(["set", "add", "remove", "move", "top"]))
        if kind == "top" or not places:
            value[draw(st.sampled_from(["lxc_configs", "z", "$schema"]))] = tricky(draw)
            continue
        top, key = draw(st.sampled_from(places))
        holder = value[top]
        if kind == "set":
            entry = holder[key]
            if type(entry) is dict and entry and draw(st.booleans()):
                entry[draw(st.sampled_from(list(entry)))] = tricky(draw)
            else:
                holder[key] = tricky(draw)
        elif kind == "add":
            holder[draw(st.sampled_from(["new", "901", key + "x"]))] = tricky(draw)
        elif kind == "remove":
            del holder[key]
        else:
            holder[key] = holder.pop(key)  # to the end
    writer = draw(st.sampled_from([style, style, style, Style(indent="\t", trailer="\n"), Style(eol="\r\n")]))
    try:
        text = dumps(value, writer)
    except Exception:  # a value the writer refuses (a lone surrogate): the base's text instead
        text = raw
    for _ in range(draw(st.integers(min_value=0, max_value=2)) if draw(st.integers(0, 3)) == 0 else 0):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:at] + draw(st.sampled_from(SPLICES)) + text[at:]
    return text


@settings(max_examples=EXAMPLES // 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(monoliths(), st.data())
def test_the_fast_path_merges_as_reading_whole_does(raw: bytes, data) -> None:
    merge_drawn(raw, data)


@pytest.mark.slow
@settings(max_examples=5_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(monoliths(), st.data())
def test_the_fast_path_merges_as_reading_whole_does_long(raw: bytes, data) -> None:
    merge_drawn(raw, data)


def merge_drawn(raw: bytes, data) -> None:
    """A drawn monolith as base, two sides edited from it (sometimes base too): the same merge either way."""
    try:
        doc = parse(raw, "drawn")
    except Exception:
        assume(False)
    assume(type(doc) is dict)
    style = detect_style(raw)
    ours = data.draw(edited(raw, doc, style))
    theirs = data.draw(edited(raw, doc, style))
    base = raw if data.draw(st.integers(0, 5)) else data.draw(edited(raw, doc, style))
    same_either_way(base, ours, theirs)


def fleet(count: int, indent: str = "    ", eol: str = "\n", util=Number("0.50")) -> tuple[dict, Style]:
    """A monolith of `count` containers in the real files' shape (`util` spelled as orjson would not write it,
    by default), and a style to write it in."""
    doc = {"$schema": "./s.json", "lxc_configs": {str(900 + at): {"name": f"c{at}", "cores": at % 7,
                                                                   "util": util, "tags": ["a", "b"],
                                                                   "net": {"ip": f"10.0.0.{at}", "gw": None}}
                                                   for at in range(count)}, "nvidia": {"driver": "580"}}
    return doc, Style(indent=indent, eol=eol, trailer="\n")


def variant(doc: dict, change) -> dict:
    changed = copy.deepcopy(doc)
    change(changed)
    return changed


@pytest.mark.parametrize("indent,eol,util", [("    ", "\n", 0.5), ("    ", "\n", Number("0.50")),
                                             ("\t", "\n", 0.5), ("  ", "\r\n", Number("0.50")), (" ", "\n", 0.5)])
def test_a_fleet_merges_on_the_fast_path(indent: str, eol: str, util) -> None:
    """The bench's shape (one container changed on each side), in several layouts, with number spellings orjson
    keeps and one it does not: the fast path reads it, and the merge is the exact path's, byte for byte, with
    ours' other bytes as they were."""
    doc, style = fleet(40, indent, eol, util)
    base = dumps(doc, style)
    ours = dumps(variant(doc, lambda d: d["lxc_configs"]["900"].update(cores=64)), style)
    theirs = dumps(variant(doc, lambda d: d["lxc_configs"]["939"].update(cores=Number("1E3"))), style)
    assert fast.read_sides(base, ours, theirs, PATH) is not None
    merged = same_either_way(base, ours, theirs)[0]
    assert merged == dumps(variant(doc, lambda d: (d["lxc_configs"]["900"].update(cores=64),
                                                   d["lxc_configs"]["939"].update(cores=Number("1E3")))), style)


CHANGES = {
    "added on both": (lambda d: d["lxc_configs"].update({"990": {"a": 1}}),
                      lambda d: d["lxc_configs"].update({"991": {"b": [1, 2]}})),
    "removed and changed": (lambda d: d["lxc_configs"].pop("905"),
                            lambda d: d["lxc_configs"]["905"].update(cores=1)),
    "moved": (lambda d: d["lxc_configs"].update({"903": d["lxc_configs"].pop("903")}),
              lambda d: d["lxc_configs"]["910"].update(name="x")),
    "changed alike": (lambda d: d["lxc_configs"]["904"].update(cores=9),
                      lambda d: d["lxc_configs"]["904"].update(cores=9)),
    "respelled": (lambda d: d["lxc_configs"]["906"].update(util=0.5),
                  lambda d: d["lxc_configs"]["906"].update(util=Number("0.60"))),
    "conflict": (lambda d: d["lxc_configs"]["907"].update(cores=1), lambda d: d["lxc_configs"]["907"].update(cores=2)),
    "strings like entries": (lambda d: d["lxc_configs"]["908"].update(name='},\n        "909": {'),
                             lambda d: d["lxc_configs"]["909"].update(name='"name": "x"')),
    "placeholder digits": (lambda d: d["lxc_configs"]["901"].update(cores=271828182845000001),
                           lambda d: d.update(z="271828182845000000")),
    "top level": (lambda d: d.update(nvidia=[1]), lambda d: d.pop("$schema")),
    "scattered": (lambda d: [d["lxc_configs"][ctid].update(cores=5) for ctid in ("900", "911")],
                  lambda d: [d["lxc_configs"][ctid].update(name="y") for ctid in ("902", "905", "909")]),
    "every entry": (lambda d: d["lxc_configs"]["900"].update(cores=5),
                    lambda d: [entry.update(cores=6) for entry in list(d["lxc_configs"].values())[1:]]),
}


@pytest.mark.parametrize("name", list(CHANGES))
@pytest.mark.parametrize("fresh_most", [256, 2])
def test_each_kind_of_change_merges_as_reading_whole_does(name: str, fresh_most: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Each kind of change the merge makes, in a monolith's shape; with few or many new values to write (more
    than `fresh_most`: the whole document is written)."""
    monkeypatch.setattr(fast, "_FRESH_MOST", fresh_most)
    doc, style = fleet(12)
    mine, yours = CHANGES[name]
    texts = dumps(doc, style), dumps(variant(doc, mine), style), dumps(variant(doc, yours), style)
    # the fast path reads them all but where its placeholders' digits stand outside the entries
    assert (fast.read_sides(*texts, PATH) is None) == (name == "placeholder digits")
    same_either_way(*texts)


@pytest.mark.parametrize("damage", [
    lambda text: text.replace(b'"cores": 3', b'"cores": 3, "cores": 3', 1),  # a repeated key in an entry
    lambda text: text.replace(b'"901": {', b'"900": {', 1),  # a repeated entry
    lambda text: text.replace(b'"c3"', b'"\\ud800"', 1),  # a lone surrogate
    lambda text: text.replace(b'"cores": 3', b'"cores": 3.0', 1),  # a spelling orjson would change
    lambda text: text.replace(b'"cores": 3', b'"cores": -0', 1),
    lambda text: text.replace(b'"c3"', b'"c3"\n', 1),  # a line cut in two
    lambda text: text.replace(b"\n", b"\r\n"),  # CRLF
    lambda text: text[:-40],  # cut short
    lambda text: b"\xef\xbb\xbf" + text,  # a byte order mark
    lambda text: text.replace(b'"c3"', b'"c\xff"', 1),  # not UTF-8
    lambda text: re.sub(rb"\n {8}", b"\n\t\t", text),  # mixed indents
])
@pytest.mark.parametrize("side", [0, 1, 2])
def test_a_damaged_side_gives_what_reading_whole_gives(damage, side: int) -> None:
    doc, style = fleet(12)
    texts = [dumps(doc, style), dumps(variant(doc, lambda d: d["lxc_configs"]["900"].update(cores=64)), style),
             dumps(variant(doc, lambda d: d["lxc_configs"]["911"].update(cores=64)), style)]
    texts[side] = damage(texts[side])
    same_either_way(*texts)
    same_either_way(*texts, path="conf.d/layout.json")


def test_a_large_monolith_takes_the_fast_path_on_the_command_line(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From FAST_FROM bytes on, `splitter merge-driver` as git runs it reads through the fast path and leaves in
    %A what reading whole gives, exit 0 and nothing on stderr; a conflict there is marked as reading whole marks it."""
    from conftest import run

    taken = []
    read_sides = fast.read_sides
    monkeypatch.setattr(fast, "read_sides", lambda *args: taken.append(read_sides(*args)) or taken[-1])
    doc, style = fleet(400, util=0.5)
    base = dumps(doc, style)
    assert len(base) > fast.FAST_FROM
    ours = dumps(variant(doc, lambda d: d["lxc_configs"]["900"].update(cores=64)), style)
    for change, code in ((lambda d: d["lxc_configs"]["1299"].update(cores=64), 0),
                         (lambda d: d["lxc_configs"]["900"].update(cores=32), 1)):
        theirs = dumps(variant(doc, change), style)
        paths = [tmp_path / name for name in ("O", "A", "B")]
        for path, data in zip(paths, (base, ours, theirs)):
            path.write_bytes(data)
        result = run("merge-driver", *paths, PATH, 7)
        assert taken[-1] is not None and result.exit_code == code
        assert paths[1].read_bytes() == outcome(base, ours, theirs, 1 << 62)[0]
        assert (result.stderr == "") == (code == 0)
