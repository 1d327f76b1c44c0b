"""The names of a tree's files: folders, encoded ids, profile files, and what a tree may hold."""

from __future__ import annotations

import re
import unicodedata
from typing import Collection, Iterable
from urllib.parse import unquote

from splitter.errors import BadInput

LAYOUT = "layout.json"
GLOBALS = "globals.json"
DEFAULTS = "defaults"
BASE = "defaults/lxc_base.json"
PROFILE_PREFIX = "profile_"
LXC = "lxc"
PROFILE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_SAFE_ID = "-._"  # besides ASCII letters and digits, kept as they are in file names
NAME_MAX = 255  # bytes in one file name: the limit of ext4, XFS, btrfs, APFS and NTFS (in UTF-16 units there)


_NOT_WORD = re.compile(r"[^a-z0-9]+")


def close_names(name: str, known: Iterable[str]) -> str:
    """` (did you mean base_setup?)`: up to three of `known` that look like a mistyped `name` (difflib's
    get_close_matches, ratio 0.6 as its default), or "" where none does."""
    from difflib import get_close_matches  # only for a mistyped name

    close = get_close_matches(name, list(dict.fromkeys(known)), n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def slug(text: str, limit: int = 60) -> str:
    """Lower-case ASCII words joined by '-', for file and profile names; at most `limit` characters."""
    return _NOT_WORD.sub("-", text.lower()).strip("-")[:max(limit, 0)].strip("-")


_PLAIN_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")  # written as it is: most ids, checked first for speed
PLAIN_PREFIX = re.compile(r"[A-Za-z0-9-][A-Za-z0-9.-]*")  # an id before a file name's first '_', never encoded


def encode_id(ctid: str) -> str:
    """A container id as a file-name prefix: anything but ASCII letters, digits, '-', '.' and '_' is %-encoded
    (what a file system or another OS needs: '/', NUL, controls, `\\:*?"<>|`, spaces, non-ASCII; '%' itself;
    a leading '.'). Trees written before kept '_' as %5F too: legacy_encode_id, still read."""
    if _PLAIN_ID.fullmatch(ctid) and len(ctid) + len(".json") <= NAME_MAX:
        return ctid
    if ctid == "":
        raise BadInput("a container id is empty; it cannot name a file")
    encoded = "".join(
        char if (char.isascii() and char.isalnum()) or char in _SAFE_ID
        else "".join(f"%{byte:02X}" for byte in char.encode())
        for char in ctid
    )
    if encoded.startswith("."):
        encoded = "%2E" + encoded[1:]  # no hidden files, no '..'
    if len(encoded) + len(".json") > NAME_MAX:
        raise BadInput(f"container id {ctid[:40]!r}... is too long to name a file: written in a file name it takes "
                       f"{len(encoded)} bytes, at most {NAME_MAX - len('.json')} fit")
    return encoded


def legacy_encode_id(ctid: str) -> str:
    """An id as trees written before this version spelled it: '_' %-encoded as well (`qdrant%5Fservice`)."""
    return encode_id(ctid).replace("_", "%5F")


def fold(name: str) -> str:
    """A file name as file systems that ignore case and Unicode normalisation compare it (APFS and HFS+ on
    macOS, NTFS and FAT on Windows): canonical decomposition, Unicode case folding, then composition.

    Source: Unicode Standard, section 3.13 (caseless matching with normalisation); each file system's own
    tables differ in corners, so a match here means "may collide there".
    """
    if name.isascii():
        return name.lower()  # the same for ASCII, and ids are mostly ASCII: the fast way
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", name).casefold())


def folded_pairs(names: Iterable[str]) -> list[tuple[str, str]]:
    """(earlier, later) for each name that folds (see `fold`) to the same as an earlier one, in input order."""
    first: dict[str, str] = {}
    pairs = []
    for name in names:
        other = first.setdefault(fold(name), name)
        if other != name:
            pairs.append((other, name))
    return pairs


def container_file(ctid: str, name: object, folder: str = LXC, ids: Collection[str] = ()) -> str:
    """`<folder>/<id>_<words>.json` (lxc/ by default); the words, only for people, are cut so that the name
    fits in NAME_MAX bytes. An id holding '_' gets no words, and neither does an id whose name with words
    would be that of another of the collection's `ids` (`a` named `b` beside an id `a_b`), so that file_id
    reads every name back to its own id.

    Raises BadInput when even the id alone does not fit (see encode_id).
    """
    stem = encode_id(ctid)
    room = NAME_MAX - len(stem) - len("_.json")  # the encoded id and the words are ASCII: bytes = characters
    # an id holding '_' has no words: the name is the id alone, which file_id reads back by the layout's ids
    words = slug(name, min(60, room)) if isinstance(name, str) and room > 0 and "_" not in stem else ""
    if words and ids and unquote(f"{stem}_{words}") in ids:
        words = ""
    return f"{folder}/{stem}_{words}.json" if words else f"{folder}/{stem}.json"


def id_of_file(filename: str) -> str:
    """The container id a file under lxc/ stands for: the part of its name before the first '_'."""
    return unquote(filename[: -len(".json")].split("_", 1)[0], errors="strict")


def file_id(filename: str, known: Collection[str] = ()) -> str:
    """The id a file of a collection's folder stands for: its whole name (less `.json`) when that is one of the
    `known` ids (the layout's: an id holding '_', written without words), else id_of_file's."""
    stem = filename[: -len(".json")]
    if "_" in stem and known:
        whole = unquote(stem, errors="strict")
        if whole in known:
            return whole
    return id_of_file(filename)


def profile_file(name: str) -> str:
    return f"{DEFAULTS}/{PROFILE_PREFIX}{name}.json"


def id_or_none(filename: str, known: Collection[str] = ()) -> str | None:
    try:
        return file_id(filename, known)
    except UnicodeDecodeError:
        return None


def natural_key(text: str) -> tuple:
    """A total order on ids: natural order (digit runs by value: 9 < 10), then the exact string, so that ids
    it ties (`1`, `01`, `001`) never fall back on the order a set or folder listing happened to give."""
    parts = tuple((0, int(part), "") if part.isdecimal() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)
    return parts, text
