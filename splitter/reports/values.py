"""Values shown in reports: short, one line."""

from __future__ import annotations

from typing import Any

from splitter.exact.numbers import canonical
from splitter.ops.verify import ABSENT


def show_value(value: Any, limit: int = 200) -> str:
    if value is ABSENT:
        return ABSENT
    text = canonical(value).decode()
    return text if len(text) <= limit else text[: limit - 3] + "..."
