"""What a write may replace: a tree splitter wrote, and an output file that is a monolith of the tree."""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from splitter.errors import BadInput, WriteError
from splitter.exact.conflicts import UnresolvedConflict, ours_side
from splitter.exact.parse import parse
from splitter.tree.collection import Collection
from splitter.tree.collection import folders as collection_folders
from splitter.tree.layout import FORMAT
from splitter.tree.lock import LOCK_FILE
from splitter.tree.names import DEFAULTS, LAYOUT, LXC
from splitter.tree.files import read_file
from splitter.tree.transaction import TRANSACTION


def tree_holds(relative: str, collections: tuple[str, ...] = (LXC,)) -> bool:
    """Whether splitter writes this path into a tree: the one list of what a tree holds.

    `relative` is a POSIX path from the tree's root; a folder is written with a trailing '/'. `collections`
    are the folders of the tree's collections (collection.folders): lxc, vms, ...
    `split --force` replaces only a folder that holds nothing else (see `replaceable`).
    """
    if relative == f"{DEFAULTS}/":
        return True
    top, _, name = relative.partition("/")
    plain = "/" not in name and not name.startswith(".") and name.endswith(".json")
    for folder in collections:
        collection = Collection(folder=folder)
        if relative in (collection.layout_file, collection.globals_file, collection.base_file, f"{folder}/"):
            return True
        if plain and ((top == DEFAULTS and name.startswith(collection.profile_prefix)) or top == folder):
            return True
    return False


_ONLY = "--force replaces only an empty folder or a tree splitter wrote"


def replaceable(target: Path, inputs: tuple[Path, ...] = (), collections: tuple[str, ...] = ()) -> None:
    """Raise BadInput, naming the first file at fault, unless target is empty or a tree splitter wrote.

    A tree splitter wrote has a layout.json with "format": "splitter/1" and nothing `tree_holds` does not
    list: no input of the run (`inputs`, e.g. the monolith), no `.git`, no symbolic link, no other file.
    Its collections, and `collections` (the folder being written), are the ones `tree_holds` is asked about.
    """
    held = tuple(dict.fromkeys((*collection_folders(target), *collections))) or (LXC,)
    kept = []
    for path in inputs:
        try:
            kept.append(os.stat(path))
        except OSError:
            pass
    empty = True
    for folder, folders, files in os.walk(target, onerror=_unreadable):
        folders.sort()
        here = Path(folder)
        if here == target:  # splitter's own: the lock (where folders cannot be locked), an interrupted write
            folders[:] = [name for name in folders if name != TRANSACTION]
            files = [name for name in files if name not in (LOCK_FILE, TRANSACTION)]
        for name in folders + sorted(files):
            path = here / name
            relative = path.relative_to(target).as_posix()
            empty = False
            if name == ".git":
                raise BadInput(f"holds {relative} (a repository); {_ONLY}", str(target))
            info = os.lstat(path)
            if any(os.path.samestat(info, other) for other in kept):
                raise BadInput(f"holds {relative}, an input of this split; {_ONLY}", str(target))
            if os.path.islink(path):
                raise BadInput(f"holds {relative}, a symbolic link; {_ONLY}", str(target))
            relative += "/" if name in folders else ""
            if not tree_holds(relative, held):
                raise BadInput(f"holds {relative}, which a tree does not hold; {_ONLY}", str(target))
    if empty:
        return
    layouts = (Collection(folder=name).layout_file for name in (*collection_folders(target), LXC))
    for layout_file in dict.fromkeys(layouts):
        try:
            layout = parse(read_file(str(target / layout_file)), str(target / layout_file))
        except BadInput:
            layout = None
        if type(layout) is dict and layout.get("format") == FORMAT:
            break
    else:
        raise BadInput(f"has no {LAYOUT} with \"format\": \"{FORMAT}\", so splitter did not write it; {_ONLY}",
                       str(target))


def _unreadable(error: OSError) -> None:
    raise BadInput(f"cannot be read: {error.strerror or error}; {_ONLY}", error.filename)


def check_target(target: Path, force: bool, inputs: tuple[Path, ...] = (),
                 collections: tuple[str, ...] = ()) -> None:
    """Refuse a target split must not write to, before any work is done.

    `inputs` are the files the run reads (the monolith, profile files): a target holding one is never replaced.
    """
    if target.is_symlink():
        raise BadInput("is a symbolic link; name a real folder", str(target))
    if target.exists():
        if not target.is_dir():
            raise BadInput("exists and is not a folder", str(target))
        if not force:
            if any(target.iterdir()):
                raise BadInput("exists and is not empty; use --force to replace a tree splitter wrote",
                               str(target))
        else:
            replaceable(target, inputs, collections)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)  # like mkdir -p: only empty folders
    except OSError as error:
        raise WriteError(f"cannot create its parent folder: {error.strerror or error}", str(target)) from None


def check_output_file(target: Path, tree: Path, collection: Collection | None = None) -> None:
    """Refuse a file merge must not write (raises BadInput naming it), before anything is written.

    merge writes only outside the tree it reads, and replaces only a regular file that is a monolith of the
    tree's collection: a JSON document in which the collection's pointer (RFC 6901) resolves to the same kind
    of value (an object of entries, or a list for an `id_key` collection). Never a folder, a symbolic link,
    a plan, a container file or any other JSON. Without `collection` (the tree not read yet) only the file's
    place and kind are checked, not what it holds.
    """
    where = str(target)
    if os.path.realpath(target).startswith(os.path.join(os.path.realpath(tree), "")):
        raise BadInput(f"is inside the tree merge reads ({tree}); write the monolith outside it", where)
    if target.is_symlink():
        raise BadInput("is a symbolic link; name a real file", where)
    if not target.exists():
        return
    if not target.is_file():
        raise BadInput("exists and is not a regular file; merge replaces only a monolith", where)
    if collection is None:
        return
    raw = read_file(where)
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:  # orjson refuses what exact parsing keeps (integers beyond 64 bits, ...)
            try:
                doc = parse(raw, where)
            except UnresolvedConflict:  # a monolith git left in conflict (merge -o settles it): judge ours' side
                doc = parse(ours_side(raw), where)
        except BadInput:
            raise BadInput(f"exists and holds text that is not JSON, not a monolith of this tree "
                           f"({_monolith_kind(collection)}); merge does not replace it", where) from None
    what = _not_a_monolith(doc, collection)
    if what is not None:
        raise BadInput(f"exists and holds {what}, not a monolith of this tree ({_monolith_kind(collection)}); "
                       "merge does not replace it", where)


def _monolith_kind(collection: Collection) -> str:
    """What a monolith of the collection holds, in words: `an object of containers at /lxc_configs`."""
    kind = f"a list of {collection.plural}" if collection.id_key is not None else f"an object of {collection.plural}"
    return f"{kind} at {collection.pointer or 'the top level'}"


_KINDS = {dict: "a JSON object", list: "a JSON array", str: "a JSON string", bool: "a JSON boolean",
          type(None): "JSON null"}


def _not_a_monolith(doc: object, collection: Collection) -> str | None:
    """None when `doc` is a monolith of the collection, else what it holds instead, in words."""
    from splitter.exact.pointer import missing, value_at

    wanted = list if collection.id_key is not None else dict
    value = value_at(doc, collection.tokens) if collection.tokens else doc
    if not missing(value) and type(value) is wanted:
        return None
    what = _KINDS.get(type(doc), "a JSON number")
    if not collection.tokens or type(doc) is not dict:
        return what
    if missing(value):
        return f"{what} without {collection.pointer}"
    return f"{what} whose {collection.pointer} is {_KINDS.get(type(value), 'a JSON number')}"
