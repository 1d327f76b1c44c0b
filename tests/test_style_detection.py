"""Style detection reads a large document's first places from a prefix: the same guess as from the whole."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURE, FIXTURES

from splitter.exact import style as exactjson
from splitter.exact.style import detect_style
from splitter.exact.write import dumps

SAMPLES = sorted((FIXTURES / "positive").glob("*.json")) + sorted((FIXTURES / "collections").glob("*.json"))


@pytest.mark.parametrize("prefix", [7, 16, 40, 300, 1000])
@pytest.mark.parametrize("path", SAMPLES + [FIXTURE], ids=lambda path: getattr(path, "name", path))
def test_a_prefix_gives_the_guess_the_whole_gives(path, prefix: int, monkeypatch) -> None:
    raw = path.read_bytes()
    whole = detect_style(raw)
    monkeypatch.setattr(exactjson._Strings, "PREFIX", prefix)
    assert detect_style(raw) == whole


@pytest.mark.parametrize("text", [b'{"a": [ ], "b": "[ ] { }"}', b'{"s": "x\\"[ ", "l": [ 1, 2 ], "e": { }}'])
def test_patterns_inside_strings_are_not_structure(text: bytes, monkeypatch) -> None:
    whole = detect_style(text)
    monkeypatch.setattr(exactjson._Strings, "PREFIX", 5)
    assert detect_style(text) == whole


@pytest.mark.parametrize("middle", ["caf\\u00e9", "plain"])
def test_a_large_monolith_is_read_in_its_style_whether_or_not_its_ends_show_it(middle: str) -> None:
    """A large monolith's style is first guessed from its first and last 64 KiB (style.sample) and checked by
    writing it back: where only the middle shows a convention (here `\\u00e9`, an ASCII-only writer), the guess
    fails the check and the whole text decides; either way the file is read exactly and written back byte
    for byte."""
    from splitter.exact.style import detect_style, sample
    from splitter.tree.monolith import load_monolith

    entries = {str(1000 + index): {"name": f"web-{index}", "note": middle if index == 5000 else "x"}
               for index in range(10000)}
    raw = json.dumps({"lxc_configs": entries}, indent=4).replace("\\\\u00e9", "\\u00e9").encode() + b"\n"
    assert len(sample(raw)) < len(raw) // 2
    mono = load_monolith(raw, "big.json")
    assert mono.byte_exact and mono.style == detect_style(raw)
    assert dumps(mono.doc, mono.style) == raw


@pytest.mark.parametrize("text", ["one space", "two  spaces", "    four"])
def test_a_monolith_with_runs_of_spaces_in_its_strings_is_read_byte_exact(text: str) -> None:
    """parse_reproducing first writes as if no string held two spaces in a row (one replace to re-indent); a
    string that does makes that text differ from the file, and the careful writing proves it instead."""
    from splitter.tree.monolith import load_monolith

    raw = (json.dumps({"lxc_configs": {"100": {"name": text, "tags": [text]}}}, indent=4) + "\n").encode()
    mono = load_monolith(raw, "m.json")
    assert mono.byte_exact and mono.doc["lxc_configs"]["100"]["name"] == text
