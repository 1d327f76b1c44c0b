"""git's conflict markers in a file that failed to parse: where they are, and ours' side of them."""

from __future__ import annotations

import re

from splitter.errors import BadInput

# a line that opens a conflict as git writes it (git-merge-file(1)): seven or more "<", a space or the line's end
_OPENING = re.compile(rb"^<{7,}(?: |\r?$)", re.M)
_PARTS = re.compile(rb"^(<{7,}|\|{7,}|={7,}|>{7,})(?: [^\n]*)?\r?\n?", re.M)


def conflict_line(raw: bytes) -> int | None:
    """The line number of the first conflict marker `<<<<<<<` at the start of a line, or None.

    Consulted only when parsing has failed, so it costs nothing on good files.
    """
    found = _OPENING.search(raw)
    return None if found is None else raw.count(b"\n", 0, found.start()) + 1


class UnresolvedConflict(BadInput):
    """A file still holding git's conflict markers: every command stops there (exit 2), check included."""


def unresolved(raw: bytes, file: str) -> UnresolvedConflict | None:
    """The error for a file holding git's conflict markers: `unresolved merge conflict in FILE at line N`."""
    line = conflict_line(raw)
    if line is None:
        return None
    return UnresolvedConflict(f"unresolved merge conflict in {file} at line {line}: edit the file to one version "
                              "and remove the <<<<<<< ======= >>>>>>> lines (or take one side: git checkout "
                              "--ours/--theirs FILE)")


def ours_side(raw: bytes) -> bytes:
    """The text with each conflict replaced by its first part (ours, between <<<<<<< and ||||||| or =======)."""
    return side(raw, b"<")


def side(raw: bytes, part: bytes) -> bytes | None:
    """The text with each conflict replaced by one of its parts, named by the marker that opens it: `<` ours,
    `|` the ancestor (diff3 style; None where a conflict has no such part), `=` theirs (git-merge-file(1))."""
    out, keep, seen = [], True, False
    position = 0
    for marker in _PARTS.finditer(raw):
        if keep:
            out.append(raw[position:marker.start()])
        kind = marker.group(1)[:1]
        if kind == b"<":
            seen = False
        seen = seen or kind == part
        if kind == b">" and part == b"|" and not seen:
            return None
        keep = kind == part or kind == b">"
        position = marker.end()
    if keep:
        out.append(raw[position:])
    return b"".join(out)
