"""Reading a conf.d tree: every layer file, or only one container's, from disk or any source of files."""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import AbstractSet as Set
from typing import Iterable

from splitter.errors import BadInput
from splitter.exact.heap import gc_paused
from splitter.exact.parse import parse, parse_many
from splitter.tree.collection import LXC as LXC_COLLECTION
from splitter.tree.collection import Collection, from_layout, select
from splitter.tree.collection import folders as collection_folders
from splitter.tree.files import read_file
from splitter.tree.layers import Layer, decode
from splitter.tree.layout import Layout
from splitter.tree.names import (DEFAULTS, LXC, NAME_MAX, PLAIN_PREFIX, PROFILE_NAME, close_names, encode_id,
                                  file_id, fold, id_or_none, legacy_encode_id, natural_key, slug)


def misnamed(name: str, collection: Collection, taken: Iterable[str], known: Set[str] = frozenset()) -> str | None:
    """Why a `.json` file name in a collection's folder is not a name splitter writes for the id it stands
    for, as advice; None when it is one.

    The id is the part before the first '_', or the whole name for an id of `known` (file_id); splitter writes
    it as encode_id does (or legacy_encode_id did), so any other spelling (`914 (copy).json`, `%39%31%34_x.json`)
    is a file made by hand, most often a copy saved under a new name. `taken` are the names already in the
    folder: the advice never names one of them (compared as case-insensitive file systems do, see `fold`).
    Raises nothing.
    """
    try:
        ctid = file_id(name, known)
        written = encode_id(ctid)
    except (UnicodeDecodeError, BadInput):
        return f"its name does not start with {'a container' if collection.is_lxc else 'an'} id"
    stem = name[: -len(".json")]
    prefix, underscore, words = (stem, "", "") if ctid in known and "_" in ctid else stem.partition("_")
    if prefix in (written, legacy_encode_id(ctid)):
        return None
    noun = collection.noun
    expected = f"{written}{underscore}{words}.json"
    if fold(expected) in {fold(other) for other in taken}:
        where = f"{collection.folder}/{expected} is already there: this looks like a copy of it"
    else:
        where = f"{noun} id {ctid!r} would be in {collection.folder}/{expected}; this looks like a copy of a {noun} file"
    return (f"its name does not write the id the way splitter does ({where}): give it a new id, first in its "
            f"name, or move it out of {collection.folder}/")


def unknown_profile(name: str, collection: Collection = LXC_COLLECTION, known: Iterable[str] = ()) -> str:
    """`unknown profile "base_setp" (no defaults/profile_base_setp.json) (did you mean base_setup?)`."""
    return f"unknown profile \"{name}\" (no {collection.profile_file(name)}){close_names(name, known)}"


@dataclass
class Tree:
    layout: Layout
    globals: dict
    base: Layer
    profiles: dict[str, Layer]
    containers: dict[str, Layer]  # in the monolith's order, then those added by hand
    where: Callable[[str], str] = str  # a file of the tree as the user reaches it (source.where), for messages
    collection: Collection = LXC_COLLECTION

    def layers_of(self, ctid: str) -> list[Layer]:
        """The layers that make up a container, lowest first (read_tree made sure every profile exists)."""
        own = self.containers[ctid]
        return [self.base, *(self.profiles[name] for name in own.profiles), own]


class DiskSource:
    """A tree's files on disk, as read_tree reads them: relative path -> bytes, and a folder's file names."""

    def __init__(self, root: Path):
        self.root = root
        self._prefix = os.path.join(root, "")  # joined once: a tree has many files

    def where(self, relative: str) -> str:
        """The file as the user reaches it, for messages: DIR/relative."""
        return os.path.join(self.root, relative)

    def read(self, relative: str) -> bytes:
        return read_file(os.path.join(self.root, relative))

    def parse(self, relative: str) -> object:
        """The file's JSON document (parse); BadInput names DIR/relative and line:column."""
        path = self._prefix + relative
        return parse(read_file(path), path)

    def parse_many(self, relatives: list[str]) -> list:
        """parse() of each file, in order, read first and proven plain together (exact.parse.parse_many); BadInput
        names the first bad file, as parse() of each in turn would."""
        raws: list[bytes] = []
        paths = [self._prefix + relative for relative in relatives]
        try:
            for path in paths:
                raws.append(read_file(path))
        except BadInput:
            parse_many(raws, paths)  # a file before the one that could not be read may be the first bad one
            raise
        return parse_many(raws, paths)

    def names(self, folder: str) -> list[str]:
        """The sorted names in a folder of the tree ([] when it is missing); a symbolic link is refused."""
        return [entry.name for entry in _listing(self.root / folder)]


def read_layer(source, relative: str, container: bool) -> Layer:
    """A layer file, read and decoded; errors name the file as the user reaches it (source.where)."""
    try:
        cached = getattr(source, "layer", None)  # a source that shares layers between the two sides of a diff
        return cached(relative, container) if cached is not None else decode(source.parse(relative), relative,
                                                                              container)
    except BadInput as error:
        if error.file == relative:
            error.file = source.where(relative)
        raise


def _read_layers(source, relatives: list[str], container: bool) -> Iterator[Layer]:
    """read_layer of each file, in order, by a source that reads many files at once (DiskSource.parse_many)
    where it can: read_layer's errors, the first bad file first."""
    many = getattr(source, "parse_many", None)
    if many is None or getattr(source, "layer", None) is not None:
        yield from (read_layer(source, relative, container) for relative in relatives)
        return
    for relative, doc in zip(relatives, many(relatives)):  # many() names files as where() does
        try:
            layer = decode(doc, relative, container)
        except BadInput as error:
            error.file = source.where(relative)
            raise
        yield layer


def _listing(folder: Path) -> list[os.DirEntry]:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except FileNotFoundError:
        return []
    except OSError as error:
        raise BadInput(error.strerror or str(error), str(folder)) from None
    for entry in entries:
        if entry.is_symlink():
            raise BadInput("is a symbolic link; a tree holds plain files only", entry.path)
    return entries


def read_tree(root: Path, selector: str | None = None) -> Tree:
    """Read and check every layer of one collection of a tree on disk; raises BadInput naming the first bad file.

    `selector` chooses the collection (a folder name or a pointer, see collection.select).
    """
    read_tree_checks(root)
    from splitter.tree.transaction import reading  # a writer's commit is seen whole: before it or after it

    with reading(root):
        return read_source(DiskSource(root), selector)


def require_tree(root: Path) -> None:
    """Refuse a path that is not a conf.d tree: missing, a file, or a folder holding none of a tree's top files.

    Every command that reads a tree says the same (check included); raises BadInput naming `root`. A write cut
    short after its commit point is finished first (transaction.finish_interrupted; WriteError where it cannot).
    """
    if root.is_file():
        raise BadInput("is a file, not a conf.d folder", str(root))
    if not root.is_dir():
        raise BadInput(f"no such conf.d folder{_nearby(root)}", str(root))
    everyone = [Collection(folder=folder) for folder in collection_folders(root)] or [LXC_COLLECTION]
    if not any((root / name).exists() for each in everyone
               for name in (each.layout_file, each.globals_file, each.base_file)):
        raise BadInput(f"not a conf.d tree: it holds none of {LXC_COLLECTION.layout_file}, "
                       f"{LXC_COLLECTION.globals_file}, {LXC_COLLECTION.base_file}{_nearby(root)}", str(root))
    from splitter.tree.transaction import finish_interrupted  # a write cut after its commit point: finish it

    finish_interrupted(root)


def _nearby(root: Path) -> str:
    """` (did you mean etc/conf.d?)` for the tree root is a folder of, trees one or two folders below root, or, for
    a missing root, trees beside it by a like name (`confd`) or one or two folders below its parent by its name (a
    command run from the repository's top); "" where there is none. Only root's own folder is searched: an
    absolute path never gets a tree of the current folder."""
    parent = os.path.normpath(os.path.join(root, os.pardir))  # `..` for `.`, whose Path.parent is `.` again
    if root.exists() and os.path.isfile(os.path.join(parent, LXC_COLLECTION.layout_file)):
        return f" (did you mean {parent}?)"  # its lxc/ or defaults/ folder
    alike: list[Path] = []
    if root.exists():
        base, patterns = root, ["*", "*/*"]
    else:
        base, patterns = root.parent, [f"*/{glob.escape(root.name)}", f"*/*/{glob.escape(root.name)}"]
        if not base.is_dir():
            return ""
        from difflib import get_close_matches

        trees = {path.name: path for path in base.iterdir() if (path / LXC_COLLECTION.layout_file).is_file()}
        alike = [trees[name] for name in get_close_matches(root.name, list(trees), n=3)]
    found = sorted({str(path) for pattern in patterns for path in base.glob(pattern)
                    if (path / LXC_COLLECTION.layout_file).is_file()} | {str(path) for path in alike})[:3]
    return f" (did you mean {' or '.join(found)}?)" if found else ""


def read_tree_checks(root: Path) -> None:
    """Refuse a tree folder that is missing, not a tree, or reached through a symbolic link, or whose folders are
    links."""
    if root.is_symlink():
        raise BadInput("is a symbolic link; name the tree's real folder", str(root))
    require_tree(root)
    for folder in dict.fromkeys((DEFAULTS, LXC, *collection_folders(root))):
        if (root / folder).is_symlink():
            raise BadInput("is a symbolic link; a tree holds plain folders only", str(root / folder))


def read_source(source, selector: str | None = None) -> Tree:
    """Read and check every layer of one collection of a tree from a source (DiskSource, or gitsource.GitSource).

    A source has where(relative) -> str for messages, read(relative) -> bytes, parse(relative) -> its JSON
    document and names(folder) -> sorted list of file names ("" for the tree's top); they raise BadInput naming
    the file (as where() writes it). `selector` chooses the collection (see collection.select). Raises
    BadInput naming the first bad file.
    """
    with gc_paused():
        return _read_source(source, selector)


def _read_source(source, selector: str | None) -> Tree:
    folder = select(source, selector)
    layout_file = Collection(folder=folder).layout_file
    layout_doc = source.parse(layout_file)
    collection = from_layout(folder, layout_doc, source.where(layout_file))
    layout = Layout.from_json(layout_doc, source.where(layout_file))
    globals_ = source.parse(collection.globals_file)
    if type(globals_) is not dict:
        raise BadInput("must hold a JSON object", source.where(collection.globals_file))
    base = read_layer(source, collection.base_file, container=False)
    prefix = collection.profile_prefix
    profiles = {}
    for name in source.names(DEFAULTS):
        if not (name.startswith(prefix) and name.endswith(".json")):
            continue
        profile = name[len(prefix): -len(".json")]
        relative = f"{DEFAULTS}/{name}"
        if not PROFILE_NAME.match(profile):
            raise BadInput("a profile name is lower-case letters, digits, '-' and '_'", source.where(relative))
        profiles[profile] = read_layer(source, relative, container=False)
    found: dict[str, Layer] = {}
    names = source.names(folder)
    listed = set(layout.containers)
    files: dict[str, str] = {}  # ctid -> relative path, read together below
    wrong = None
    for name in names:
        if name[:1] == "." or not name.endswith(".json"):
            continue  # editor leftovers: `check` reports them
        relative = f"{folder}/{name}"
        stem = name[:-5]
        ctid = stem.partition("_")[0]
        if not (PLAIN_PREFIX.fullmatch(ctid) and len(ctid) <= NAME_MAX - 5
                and ("_" not in stem or ("%" not in stem and stem not in listed))):
            # not a plain id written as its own prefix (those need no decoding and are never misnamed)
            advice = misnamed(name, collection, names, listed)
            if advice is not None:  # a copy saved under another name would otherwise become a new container
                wrong = BadInput(advice, source.where(relative))
                break
            ctid = file_id(name, listed)
        if ctid in files:
            wrong = BadInput(f"{collection.noun} {ctid} has two files: {files[ctid]} and {relative}",
                             source.where(relative))
            break
        files[ctid] = relative
    # the files before a wrong name are read first: the first bad file is the one named, as one by one
    for ctid, layer in zip(files, _read_layers(source, list(files.values()), container=True)):
        found[ctid] = layer
        for profile in layer.profiles:
            if profile not in profiles:
                raise BadInput(unknown_profile(profile, collection, profiles), source.where(layer.file))
    if wrong is not None:
        raise wrong
    known = [ctid for ctid in layout.containers if ctid in found]
    added = sorted((ctid for ctid in found if ctid not in listed), key=natural_key)
    return Tree(layout, globals_, base, profiles, {ctid: found[ctid] for ctid in known + added}, source.where,
                collection)


def collection_hint(error: BadInput, root: Path, current: Collection) -> BadInput:
    """A monolith refused for lacking the collection a command works on, with a hint where the tree holds
    another collection the monolith does have: `update conf.d phoenix_vm_configs.json` on a tree holding
    lxc and vms says `(the tree's collection vms is there: add --collection vms)`. Returns the error to raise."""
    if error.file is None or not error.message.startswith("has no "):
        return error
    try:
        doc = parse(read_file(error.file), error.file)
    except (BadInput, OSError):
        return error
    source = DiskSource(root)
    for folder in collection_folders(root):
        if folder == current.folder:
            continue
        try:
            other = from_layout(folder, source.parse(Collection(folder=folder).layout_file), "")
            other.entries(doc, error.file)
        except BadInput:
            continue
        error.message += f" (the tree's collection {folder} is there: add --collection {folder})"
        break
    return error


def read_container(root: Path, ctid: str, selector: str | None = None) -> Tree:
    """Only the files one container needs: the layout file, the base, its profiles and its own file.

    Its file is found by the id before the first '_' of the names in its folder, without reading any other
    container's file, so that another container's broken file does not stop `show`. `selector` chooses the
    collection (see collection.select). Returns a Tree with that one container (and no globals); raises
    BadInput naming the first bad file it needs.
    """
    read_tree_checks(root)
    source = DiskSource(root)
    folder = select(source, selector)
    layout_file = Collection(folder=folder).layout_file
    layout_doc = source.parse(layout_file)
    collection = from_layout(folder, layout_doc, source.where(layout_file))
    layout = Layout.from_json(layout_doc, source.where(layout_file))
    base = read_layer(source, collection.base_file, container=False)
    try:
        names = sorted(entry.name for entry in os.scandir(root / folder))
    except FileNotFoundError:
        names = []
    except OSError as error:
        raise BadInput(error.strerror or str(error), str(root / folder)) from None
    listed = set(layout.containers)
    mine = [name for name in names
            if not name.startswith(".") and name.endswith(".json") and id_or_none(name, listed) == ctid]
    noun = collection.noun
    if not mine:
        from difflib import get_close_matches  # only for a mistyped id

        ids = [*layout.containers, *(id_or_none(name, listed) for name in names if name.endswith(".json"))]
        close = get_close_matches(ctid, [one for one in dict.fromkeys(ids) if one is not None], n=3, cutoff=0.6)
        # a name given for an id: the words of a file name (`103_step-ca.json`) are its name's
        close += [name.partition("_")[0] for name in names if name.endswith(".json") and "_" in name
                  and name[:-5].partition("_")[2] == slug(ctid)][:1]
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        raise BadInput(f"no {noun} {ctid!r} in the tree{hint}", str(root))
    if len(mine) > 1:
        raise BadInput(f"{noun} {ctid} has two files: {folder}/{mine[0]} and {folder}/{mine[1]}",
                       source.where(f"{folder}/{mine[1]}"))
    wrong = misnamed(mine[0], collection, names, listed)
    if wrong is not None:
        raise BadInput(wrong, source.where(f"{folder}/{mine[0]}"))
    own = read_layer(source, f"{folder}/{mine[0]}", container=True)
    profiles = {}
    for name in own.profiles:
        if not PROFILE_NAME.match(name) or not (root / collection.profile_file(name)).is_file():
            prefix = collection.profile_prefix
            known = [file[len(prefix):-5] for file in source.names(DEFAULTS) if file.startswith(prefix)]
            raise BadInput(unknown_profile(name, collection, known), source.where(own.file))
        profiles[name] = read_layer(source, collection.profile_file(name), container=False)
    return Tree(layout, {}, base, profiles, {ctid: own}, source.where, collection)
