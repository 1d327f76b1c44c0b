"""Python's cyclic garbage collector paused while a command makes many JSON values at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for a while: reading and merging a tree make many small dicts and
    no reference cycles, and its collections would walk them all again and again (a quarter of merge's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
