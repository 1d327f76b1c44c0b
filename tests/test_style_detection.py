"""Style detection reads a large document's first places from a prefix: the same guess as from the whole."""

from __future__ import annotations

import pytest
from conftest import FIXTURE, FIXTURES

from splitter.exact import style as exactjson
from splitter.exact.style import detect_style

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
