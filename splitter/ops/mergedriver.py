"""git's merge driver for splitter's JSON files: a three-way merge of exact JSON, written in ours' style."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from splitter.errors import BadInput
from splitter.exact.numbers import canonical
from splitter.exact.heap import gc_paused
from splitter.exact.parse import parse, parse_reproducing
from splitter.exact.pointer import differing_paths, pointer, value_at
from splitter.exact.style import TREE_STYLE, Style, detect_style, sample
from splitter.exact.write import dumps
from splitter.merging.threeway_json import BASE, MISSING, OURS, THEIRS, JsonConflict, equal, merge_json
from splitter.ops import mergedriver_fast as fast
from splitter.tree.files import BOM, without_bom

LABELS = (OURS, BASE, THEIRS)  # the words after git's conflict markers: <<<<<<< ours, ||||||| base, >>>>>>> theirs


@dataclass
class FileMerge:
    """The driver's answer for one file: the bytes for %A, and why they are what they are."""

    merged: bytes
    conflicts: list[JsonConflict] = field(default_factory=list)
    text_conflicts: int = 0  # conflicts git merge-file marked (the text fallback, or the JSON conflicts' regions)
    how: str = "json"  # json | ours | theirs | text (git merge-file: a side is not JSON)
    note: str = ""  # one line for stderr where the result is not what a JSON merge in ours' style gives

    @property
    def clean(self) -> bool:
        return not self.conflicts and not self.text_conflicts


def merge_files(base: bytes, ours: bytes, theirs: bytes, path: str, marker_size: int = 7) -> FileMerge:
    """Merge the three versions git gives a merge driver (%O, %A, %B) of the file at `path` (%P).

    When one side did not change the file, the result is the other side byte for byte. Otherwise the three
    are parsed exactly and merged leaf by leaf (merging.threeway_json; `layout*.json`'s lists of ids and keys
    as ordered sets) and the result is written in ours' style (its detected writer conventions, or the tree
    files' style), which gives every byte the merge did not change back as ours has it. Conflicts are marked
    as `git merge-file --diff3` marks lines, around the lines where the three texts differ (the result
    written with ours', base's and theirs' value at each conflict). A side that is not JSON, or that no
    style reproduces, falls back to `git merge-file` itself (gitattributes(5), git-merge-file(1)), as
    git-lfs's merge driver does. An empty ancestor (git's "added on both sides") is no ancestor. From
    mergedriver_fast.FAST_FROM bytes of ours, entries written alike on two sides are read once and ours' texts
    copied into the result (mergedriver_fast: the same bytes, or it steps aside). Raises BadInput when git
    cannot run.
    """
    if ours == theirs or theirs == base:
        return FileMerge(ours, how=OURS)
    if ours == base:
        return FileMerge(theirs, how=THEIRS)
    if BOM in (base[:3], ours[:3], theirs[:3]):  # a tree file an editor saved with one (tree.files.without_bom)
        merged = merge_files(*(without_bom(side) for side in (base, ours, theirs)), path, marker_size)
        if ours.startswith(BOM):  # kept as ours has it
            merged.merged = BOM + merged.merged
        return merged
    with gc_paused():  # three parsed documents and no reference cycles among them (see gc_paused)
        merged = _merge_documents(base, ours, theirs, path, marker_size)
    ending = _ending(theirs)
    if merged.how == "json" and merged.clean and _ending(ours) == _ending(base) != ending:
        # the end of the file is one more leaf: theirs changed it (jq adds a final newline), ours did not
        merged.merged = merged.merged[: len(merged.merged) - len(_ending(merged.merged))] + ending
    return merged


def _ending(raw: bytes) -> bytes:
    """The white space after a document's last byte of JSON."""
    return raw[len(raw.rstrip(b" \t\r\n")):]


def _merge_documents(base: bytes, ours: bytes, theirs: bytes, path: str, marker_size: int) -> FileMerge:
    reading: dict = {}  # ours as the fast path read it, where it did
    # a large file's guesses: a side written back in its guess is the proof (ours' below, base's and theirs' in
    # _merged_style, which is asked only where base and theirs seem written differently)
    guesses = [detect_style(sample(side)) for side in (base, ours, theirs)] if base.strip() else None
    restyled = guesses is not None and guesses[0] != guesses[2]
    if len(ours) >= fast.FAST_FROM and not restyled:  # a large file: entries written alike are read once
        sides = fast.read_sides(base, ours, theirs, path, reading)
        if sides is not None:
            return _settled((sides.base, sides.ours, sides.theirs), (base, ours, theirs), path, sides.style,
                            marker_size, lambda merged: fast.write_merged(merged, sides))
    try:
        base_value = parse(base, path) if base.strip() else MISSING
        style = guesses[1] if guesses else detect_style(sample(ours))
        ours_value, exact = _ours(ours, path, style, reading.get("ours"))
        theirs_value = parse(theirs, path)
    except BadInput as error:
        text = _text_merge(base, ours, theirs, marker_size)
        return FileMerge(text[0], text_conflicts=text[1], how="text", note=f"not JSON ({error}): merged as text")
    if not exact:  # orjson's reading lost a lexeme: the exact value may still write back in one of the styles
        style = next((known for known in (detect_style(ours), TREE_STYLE) if dumps(ours_value, known) == ours), None)
    if restyled and style is not None:
        style = _merged_style(style, (base, theirs), (base_value, theirs_value), (guesses[0], guesses[2]), path)
    return _settled((base_value, ours_value, theirs_value), (base, ours, theirs), path, style, marker_size,
                    lambda merged: dumps(merged, style))


def _merged_style(ours: Style, raws: tuple, values: tuple, guesses: tuple, path: str) -> Style:
    """How the merge is written: ours' writer conventions (Style fields), but each one theirs alone changed from
    base (a jq branch's two-space indent and final newline) taken from theirs, as merge_json merges the fields of
    layout.json's `style` record, which `update` wrote on theirs' side: so the merged tree and the merged
    monolith agree byte for byte, whichever files each branch touched. Ours' style alone where base's or theirs'
    cannot be proven (the side written back in it gives other bytes)."""
    proven = []
    for raw, value, guess in zip(raws, values, guesses):
        found = next((style for style in (guess, detect_style(raw)) if dumps(value, style) == raw), None)
        if found is None:
            return ours
        proven.append(found.to_json())
    (base, theirs), mine = proven, ours.to_json()
    merged = {field: (mine[field] if mine[field] != base[field] else theirs[field]) for field in mine}
    try:
        return Style.from_json(merged, path)
    except BadInput:  # a mix of conventions no writer has
        return ours


def _ours(ours: bytes, path: str, style: Style, read: tuple | BadInput | None) -> tuple[Any, bool]:
    """parse_reproducing(ours, path, style), or what it gave the fast path (`read`)."""
    if read is None:
        return parse_reproducing(ours, path, style)
    if isinstance(read, BadInput):
        raise read
    return read


def _settled(values: tuple, raws: tuple, path: str, style: Style | None, marker_size: int, write) -> FileMerge:
    """The merge of the three values (base, ours, theirs) read from `raws`, the merged value written by `write`."""
    base_value, ours_value, theirs_value = values
    sets = os.path.basename(path).startswith("layout")
    merged, conflicts = merge_json(base_value, ours_value, theirs_value, ordered_sets=sets)
    if style is None:
        return _unknown_style(*raws, merged, conflicts, marker_size)
    if not conflicts:
        if equal(merged, ours_value):
            return FileMerge(raws[1])
        if equal(merged, theirs_value):
            return FileMerge(raws[2])
        return FileMerge(write(merged))
    return _marked(base_value, ours_value, theirs_value, conflicts, write, sets, marker_size)


def _marked(base: Any, ours: Any, theirs: Any, conflicts: list, write, sets: bool, marker_size: int) -> FileMerge:
    """The merge written three times by `write` (ours', base's, theirs' value at each conflict), then marked by
    git merge-file."""
    texts = {}
    for pick in LABELS:
        value = merge_json(base, ours, theirs, ordered_sets=sets, pick=pick)[0]
        texts[pick] = b"" if value is MISSING else write(value)
    text, count = _text_merge(texts[BASE], texts[OURS], texts[THEIRS], marker_size)
    if count == 0:  # never expected: the three texts differ at each conflict; mark the whole file then
        text, count = _whole_file(texts, marker_size), 1
    return FileMerge(text, conflicts, count)


def _unknown_style(base: bytes, ours: bytes, theirs: bytes, merged: Any, conflicts: list,
                   marker_size: int) -> FileMerge:
    """Ours is JSON that no known writer reproduces: git's text merge where it is clean and means the same."""
    text, count = _text_merge(base, ours, theirs, marker_size)
    if count == 0:
        try:
            if equal(parse(text, "merged"), merged) and not conflicts:
                return FileMerge(text, how="text")
        except BadInput:
            pass
    if conflicts:
        return FileMerge(text, conflicts, max(count, 1), how="text",
                         note="ours is written in a style splitter cannot reproduce: marked by git merge-file")
    return FileMerge(dumps(merged, detect_style(ours)),
                     note="ours is written in a style splitter cannot reproduce: written in its detected style")


def _whole_file(texts: dict, size: int) -> bytes:
    def ended(text: bytes) -> bytes:
        return text if text.endswith(b"\n") or not text else text + b"\n"

    return (b"<" * size + b" ours\n" + ended(texts[OURS]) + b"|" * size + b" base\n" + ended(texts[BASE])
            + b"=" * size + b"\n" + ended(texts[THEIRS]) + b">" * size + b" theirs\n")


def _text_merge(base: bytes, ours: bytes, theirs: bytes, marker_size: int) -> tuple[bytes, int]:
    """`git merge-file -p --diff3`: (merged text, number of conflicts), its documented exit status."""
    import subprocess  # here: a JSON merge, git's most common call, never needs them
    import tempfile

    with tempfile.TemporaryDirectory(prefix="splitter-merge-") as folder:
        names = []
        for label, data in ((OURS, ours), (BASE, base), (THEIRS, theirs)):
            name = os.path.join(folder, label)
            with open(name, "wb") as handle:
                handle.write(data)
            names.append(name)
        args = ["git", "merge-file", "-p", "--diff3", f"--marker-size={marker_size}"]
        for label in LABELS:
            args += ["-L", label]
        try:
            done = subprocess.run(args + names, capture_output=True, env=dict(os.environ, LC_ALL="C"))
        except FileNotFoundError:
            raise BadInput("git is not installed; git merge-file is needed for this merge") from None
    if done.returncode < 0 or done.returncode > 127:
        raise BadInput(f"git merge-file failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout, done.returncode


def shown(value: Any, width: int = 60) -> str:
    """A value in compact JSON, cut at `width` characters; `(none)` for MISSING (a key one side lacks)."""
    if value is MISSING:
        return "(none)"
    text = canonical(value).decode()
    return text if len(text) <= width else text[: width - 3] + "..."


def describe(conflict: JsonConflict, width: int = 60) -> str:
    """One conflict in words: `/lxc_configs/914/cores (change/change): base 6, ours 7, theirs 8`."""

    where = f"{pointer(conflict.path) or '(the whole document)'} ({conflict.kind})"
    kept = conflict.theirs if conflict.ours is MISSING else conflict.ours
    if MISSING in (conflict.ours, conflict.theirs) and type(conflict.base) is dict and type(kept) is dict:
        # an object deleted on one side and changed inside on the other: what changed, not its first keys
        deleted, changed = ("ours", "theirs") if conflict.ours is MISSING else ("theirs", "ours")
        paths = list(differing_paths(conflict.base, kept, lambda one, other: canonical(one) == canonical(other)))
        said = ", ".join(f"{pointer((*conflict.path, *path))} {shown(value_at(conflict.base, path), width)} -> "
                         f"{shown(value_at(kept, path), width)}"
                         for path in paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        return f"{where}: {deleted} deleted it, {changed} changed {said}"
    return (f"{where}: base {shown(conflict.base, width)}, ours {shown(conflict.ours, width)}, "
            f"theirs {shown(conflict.theirs, width)}")
