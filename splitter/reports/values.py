"""Values shown in reports: short, one line."""

from __future__ import annotations

import os
from typing import Any

from splitter.exact.numbers import canonical
from splitter.ops.verify import ABSENT


def show_value(value: Any, limit: int = 200) -> str:
    if value is ABSENT:
        return ABSENT
    text = canonical(value).decode()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def show_sides(values: list[Any], limit: int = 200) -> list[str]:
    """Two or more versions of one value (old and new; base, tree and monolith), each cut to `limit` characters
    around where they first differ, so that a change past the limit shows: a list whose last item changed is
    shown from a little before that item, `...` marking what was cut on either side. ABSENT stays as it is."""
    texts = [None if value is ABSENT else canonical(value).decode() for value in values]
    present = [text for text in texts if text is not None]
    if all(len(text) <= limit for text in present):
        return [ABSENT if text is None else text for text in texts]
    start = len(os.path.commonprefix(present)) if len(present) > 1 else 0
    start = 0 if start < limit // 2 else start - limit // 4  # the difference is in sight from the start: no shift
    shown = []
    for text in texts:
        if text is None:
            shown.append(ABSENT)
            continue
        head = "..." if start else ""
        body = text[start:]
        shown.append(head + (body if len(head + body) <= limit else body[: limit - len(head) - 3] + "..."))
    return shown
