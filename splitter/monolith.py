"""Reading the monolith: the exact document, its layout style, and the checks on its shape."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .assemble import CONTAINERS_KEY
from .errors import BadInput
from .exactjson import Style, detect_style, dumps, parse_reproducing
from .tree import encode_id, folded_pairs


@dataclass
class Monolith:
    file: str
    raw: bytes
    doc: dict
    style: Style
    byte_exact: bool  # writing doc in style gives raw back

    @property
    def containers(self) -> dict:
        return self.doc[CONTAINERS_KEY]


def read_bytes(path: Path | str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise BadInput(error.strerror or str(error), str(path)) from None


def read_monolith(path: Path | str) -> Monolith:
    return load_monolith(read_bytes(path), str(path))


def load_monolith(raw: bytes, name: str) -> Monolith:
    style = detect_style(raw)
    doc, exact = parse_reproducing(raw, name, style)
    if type(doc) is not dict:
        raise BadInput("the top level must be a JSON object", name)
    containers = doc.get(CONTAINERS_KEY)
    if containers is None and CONTAINERS_KEY not in doc:
        raise BadInput(f"has no \"{CONTAINERS_KEY}\" object", name)
    if type(containers) is not dict:
        raise BadInput(f"\"{CONTAINERS_KEY}\" must be an object of containers", name)
    stems = {}
    for ctid, config in containers.items():
        if type(config) is not dict:
            raise BadInput(f"container \"{ctid}\" must be a JSON object", name)
        try:
            stems[encode_id(ctid)] = ctid
        except BadInput as error:
            raise BadInput(error.message, name) from None
    clashes = folded_pairs(stems)  # encoded ids are ASCII: only letter case can make two of them meet
    if clashes:
        first, second = clashes[0]
        raise BadInput(f"container ids \"{stems[first]}\" and \"{stems[second]}\" differ only in letter case: their "
                       f"files would be one file on macOS and Windows; rename one of them", name)
    if not exact:
        style, exact = _exact_style(doc, raw, style)
    return Monolith(name, raw, doc, style, exact)


def _exact_style(doc: dict, raw: bytes, style: Style) -> tuple[Style, bool]:
    """The guessed style, or a one-line variant of it, that writes doc back as raw, if any."""
    candidates = [style]
    if style.indent is None:
        candidates += [replace(style, item_sep=i, key_sep=k) for i in (",", ", ") for k in (":", ": ")]
    for candidate in candidates:
        if dumps(doc, candidate) == raw:
            return candidate, True
    return style, False
