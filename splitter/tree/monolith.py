"""Reading the monolith: the exact document, its layout style, and the checks on its shape."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from splitter.errors import BadInput
from splitter.exact.parse import parse_reproducing
from splitter.exact.style import Style, detect_style, sample
from splitter.exact.write import dumps
from splitter.tree.collection import LXC, Collection


@dataclass
class Monolith:
    file: str
    raw: bytes | None  # None where byte_exact: no copy kept (170 MB at 100,000 containers); see text()
    doc: Any  # an object, or a list for the collection ""
    style: Style
    byte_exact: bool  # writing doc in style gives the file's bytes back
    containers: dict[str, dict]  # the collection's entries by id, in the monolith's order
    collection: Collection = LXC

    def text(self) -> bytes:
        """The monolith's bytes: those read, or where they were not kept, doc written in style (the same bytes)."""
        return self.raw if self.raw is not None else dumps(self.doc, self.style)


def read_bytes(path: Path | str) -> bytes:
    """A monolith's bytes; BadInput naming it when it cannot be read (a folder: the arguments mixed up, say)."""
    try:
        return Path(path).read_bytes()
    except IsADirectoryError:
        raise BadInput("is a folder; a monolith is a JSON file (a conf.d folder goes after -o for split, "
                       "first for verify and update)", str(path)) from None
    except OSError as error:
        raise BadInput(error.strerror or str(error), str(path)) from None


def read_monolith(path: Path | str, collection: Collection = LXC, known: Style | None = None) -> Monolith:
    return load_monolith(read_bytes(path), str(path), collection, known)


def load_monolith(raw: bytes, name: str, collection: Collection = LXC, known: Style | None = None) -> Monolith:
    """Parse a monolith exactly and find its collection's entries; BadInput naming the file when either fails.

    `known` is the style the file was last written in (a tree's layout.json has it): tried first, as
    detecting the style costs a few passes over the whole text, and kept when it writes the file back.
    """
    if known is not None:
        doc, exact = parse_reproducing(raw, name, known)
        style = known
        if not exact:
            style, exact = _exact_style(doc, raw, detect_style(raw))
    else:
        style = detect_style(sample(raw))  # the guess for a large file: checked by writing it back
        doc, exact = parse_reproducing(raw, name, style)
        if not exact:
            style, exact = _exact_style(doc, raw, detect_style(raw))
    containers = collection.entries(doc, name)
    return Monolith(name, None if exact else raw, doc, style, exact, containers, collection)


def _exact_style(doc: dict, raw: bytes, style: Style) -> tuple[Style, bool]:
    """The guessed style, or a one-line variant of it, that writes doc back as raw, if any."""
    candidates = [style]
    if style.indent is None:
        candidates += [replace(style, item_sep=i, key_sep=k) for i in (",", ", ") for k in (":", ": ")]
    for candidate in candidates:
        if dumps(doc, candidate) == raw:
            return candidate, True
    return style, False
