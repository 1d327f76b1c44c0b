"""Counts in words with the right plural form: `1 line`, `2 lines`, `1 entry`, `3 entries`."""

from __future__ import annotations


def count(number: int, singular: str, plural: str | None = None) -> str:
    """`number` and the noun in the form it takes: the singular for exactly 1 (and -1), else `plural` (default
    the singular with an `s`). English count nouns: "1 line", "0 lines", "-1 lines" takes the plural too
    except for -1 ("-1 line"), as style guides write signed quantities."""
    return f"{number} {singular if abs(number) == 1 else plural or singular + 's'}"
