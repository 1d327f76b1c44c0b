"""Counts in reports take the right plural form: `1 line`, `2 lines`, never `1 lines`."""

from __future__ import annotations

import re

from splitter.reports.plural import count
from splitter.reports.plan import plan_markdown, plan_text


def test_count() -> None:
    assert [count(n, "line") for n in (0, 1, 2, -1, -2)] == ["0 lines", "1 line", "2 lines", "-1 line", "-2 lines"]
    assert count(1, "entry", "entries") == "1 entry" and count(3, "entry", "entries") == "3 entries"


def _summary(n: int) -> dict:
    """A plan of n containers, one profile of n lines and n keys, the base of n lines and n keys."""
    values = {f"k{i}": i for i in range(n)}
    keys = [f"/k{i}" for i in range(n)]
    return {
        "monolith": {"file": "m.json", "lines": 10, "containers": n, "byte_exact": True},
        "base": {"file": "defaults/lxc_base.json", "keys": keys, "lines": n, "values": values},
        "profiles": [{"name": "gpu", "file": "defaults/profile_gpu.json", "keys": keys, "members": ["1"], "lines": n,
                      "lines_saved": n, "role": "", "member_names": ["a"], "left_out": [], "values": values}],
        "containers": [{"id": "1", "file": "lxc/1_a.json", "profiles": ["gpu"], "own_keys": keys, "unset": [],
                        "lines": 3, "name": "a", "why": {"gpu": ""}}],
        "totals": {"files": n, "monolith_lines": 10, "tree_lines": 5, "ratio": 0.5, "repeated_pairs": 0,
                   "unset_markers": 0, "schema_warnings": None},
        "schema": {"file": None, "reason": "the monolith has no $schema"},
    }


def test_plan_says_1_line_and_2_lines() -> None:
    one = plan_text(_summary(1)) + plan_markdown(_summary(1))
    assert not re.search(r"\b1 (lines|keys|own keys|containers|profiles|files)\b", one), one
    assert "base (defaults/lxc_base.json, 1 line)" in one and "profile gpu (1 line, saves 1)" in one
    assert "1 own key" in one and "plan for m.json: 1 container, 1 profile, 1 file" in one
    assert "saves 1 line." in one
    two = plan_text(_summary(2)) + plan_markdown(_summary(2))
    assert "profile gpu (2 lines, saves 2)" in two and "2 own keys" in two and "saves 2 lines." in two
