"""Hostile text in ids, names, keys and values: no report (text, json, markdown) prints a raw control character,
lets data add markup or HTML, or ends in a traceback."""

from __future__ import annotations

import html
import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest import FIXTURE, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from splitter.reports.escape import cell, code, fence, text, visible

HOSTILE = ["\x1b[2J", "\x1b]0;pwned\x07", "a\nforged: line", "\r", "\x00", "\x7f", "\u009b31m", "\u202e", "\u2028",
           "```", "````\n# h", "`", "|", "<img src=x onerror=alert(1)>", "</summary></details><h1>x</h1>", "&amp;",
           "[a](http://x)", "**b**", "_i_", "# h", "- item", "1. item", "\\", "\\|", "\udce9", "    code", " # h",
           "   - item", "---", "> quote"]
hostile = st.one_of(st.sampled_from(HOSTILE), st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=3).map("".join),
                    st.text(max_size=12))
# what a terminal acts on: C0 but newline, DEL, C1, line/paragraph separators, bidi overrides, lone surrogates
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
MD = MarkdownIt("commonmark").enable("table")
OURS = re.compile(r"^(<details><summary>[^<>]*</summary>|</details>|<details>|<summary>[^<>]*</summary>)\n?$")


def _tokens(tokens):
    for token in tokens:
        yield token
        yield from _tokens(token.children or [])


def assert_safe_markdown(markdown: str) -> None:
    assert not RAW.search(markdown)
    for token in _tokens(MD.parse(markdown)):
        assert token.type != "html_inline", token
        if token.type == "html_block":
            assert all(OURS.match(line + "\n") for line in token.content.splitlines()), token.content


@given(hostile)
def test_visible_leaves_nothing_a_terminal_acts_on(data: str) -> None:
    shown = visible(data)
    assert not RAW.search(shown) and "\n" not in shown
    assert shown == data or any(char in data for char in "\t\n\r") or RAW.search(data)


@given(hostile)
def test_markdown_escapes_hold_any_text(data: str) -> None:
    row = f"| a | b |\n|---|---|\n| {cell(code(data))} | {cell(text(data))} |\n"
    assert_safe_markdown(row)
    table = [token for token in _tokens(MD.parse(row)) if token.type == "td_open"]
    assert len(table) == 2  # data adds no cell
    spans = [token for token in _tokens(MD.parse(code(data))) if token.type == "code_inline"]
    assert len(spans) == 1 and spans[0].content == (visible(data) or " ")
    blocks = [token for token in MD.parse("\n".join(fence(["x", data, "y"]))) if token.type == "fence"]
    assert len(blocks) == 1 and blocks[0].content == f"x\n{visible(data)}\ny\n"
    assert_safe_markdown(text(data))
    shown = html.unescape(re.sub("^<p>|</p>$", "", MD.render(text(data)).strip()))
    assert shown.strip() == visible(data).strip()  # the reader sees the data as it is (but outer white space)
    assert not [t for t in _tokens(MD.parse(text(data))) if t.type not in ("paragraph_open", "paragraph_close",
                                                                          "inline", "text", "softbreak")]


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(hostile)
def test_escapes_hold_any_text_at_length(data: str) -> None:
    test_visible_leaves_nothing_a_terminal_acts_on.hypothesis.inner_test(data)
    test_markdown_escapes_hold_any_text.hypothesis.inner_test(data)


def _hostile_monolith(folder: Path, ctid: str, name: str, key: str, value: str) -> Path:
    doc = json.loads(FIXTURE.read_text())
    configs = doc["lxc_configs"]
    configs[ctid] = {**configs["101"], "name": name, key: value}
    configs["102"]["description"] = value
    configs["103"][key] = [value, "x" * 90]
    path = folder / "new.json"
    path.write_bytes(json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return path


def _check_run(result, format: str) -> None:
    assert result.exit_code in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr and not RAW.search(result.stderr)
    assert result.stderr.count("\n") <= 3  # one line per message
    if result.exit_code == 2:
        return
    if format == "document":  # merge's output is the data itself, byte for byte: a document, not a report
        json.loads(result.stdout)
    elif format == "json":
        json.loads(result.stdout)
        assert not RAW.search(result.stdout)
    elif format == "markdown":
        assert_safe_markdown(result.stdout)
    else:
        assert not RAW.search(result.stdout)


def _every_report(data: tuple[str, str, str, str]) -> None:
    ctid, name, key, value = data
    folder = Path(tempfile.mkdtemp())
    try:
        tree = folder / "conf.d"
        assert run("split", FIXTURE, "-o", tree).exit_code == 0
        new = _hostile_monolith(folder, ctid, name, key, value)
        for format in ("text", "json", "markdown"):
            _check_run(run("diff", FIXTURE, new, "--format", format), format)
            _check_run(run("update", tree, new, "--dry-run", "--format", format), format)
            _check_run(run("split", new, "--dry-run", "--format", format), format)
        split = run("split", new, "-o", folder / "hostile")
        _check_run(split, "text")
        if split.exit_code == 0:
            for format in ("text", "json"):
                _check_run(run("check", folder / "hostile", "--format", format), format)
                _check_run(run("verify", folder / "hostile", FIXTURE, "--format", format), format)
                _check_run(run("show", folder / "hostile", ctid, "--explain", "--format", format), format)
            _check_run(run("diff", tree, folder / "hostile", "--format", "markdown"), "markdown")
            for format in ("text", "json", "markdown"):
                _check_run(run("tidy", folder / "hostile", "--dry-run", "--format", format), format)
        # the same text typed into a tree file by hand: a key, a value and a profile name
        own = tree / "lxc" / "101_nginx-gateway.json"
        layer = json.loads(own.read_text())
        layer[key] = value
        layer["$profiles"] = [*layer.get("$profiles", []), name]
        own.write_bytes(json.dumps(layer, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        for format in ("text", "json"):
            _check_run(run("check", tree, "--format", format), format)
            _check_run(run("verify", tree, FIXTURE, "--format", format), format)
        _check_run(run("merge", tree), "document")
        _check_run(run("update", tree, FIXTURE, "--dry-run", "--format", "markdown"), "markdown")
        _check_run(run("diff", FIXTURE, tree, "--format", "markdown"), "markdown")
    finally:
        shutil.rmtree(folder)


ids = st.one_of(st.sampled_from(["77", "7\x1b[2J", "<img>|x", "a\nb", "`x`"]), hostile.filter(bool))
cases = st.tuples(ids, hostile, hostile.filter(lambda key: key not in ("", "name", "$profiles", "$unset")), hostile)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_every_report_keeps_hostile_text_inert(data) -> None:
    _every_report(data)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_every_report_keeps_hostile_text_inert_at_length(data) -> None:
    _every_report(data)
