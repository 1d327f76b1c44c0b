"""The conf.d tree on disk: file names, reading every layer, and writing a new tree atomically."""

from __future__ import annotations

import errno
import glob
import os
import re
import shutil
import stat
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable
from urllib.parse import unquote

import orjson

from . import exactjson
from .collection import LXC as LXC_COLLECTION
from .collection import Collection, from_layout, select
from .collection import folders as collection_folders
from .errors import BadInput, WriteError
from .layers import Layer, decode
from .layout import FORMAT, Layout

LAYOUT = "layout.json"
GLOBALS = "globals.json"
DEFAULTS = "defaults"
BASE = "defaults/lxc_base.json"
PROFILE_PREFIX = "profile_"
LXC = "lxc"
PROFILE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_SAFE_ID = "-."  # besides ASCII letters and digits, kept as they are in file names
NAME_MAX = 255  # bytes in one file name: the limit of ext4, XFS, btrfs, APFS and NTFS (in UTF-16 units there)


def slug(text: str, limit: int = 60) -> str:
    """Lower-case ASCII words joined by '-', for file and profile names; at most `limit` characters."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:max(limit, 0)].strip("-")


_PLAIN_ID = re.compile(r"[A-Za-z0-9-][A-Za-z0-9.-]*")  # written as it is: most ids, checked first for speed


def encode_id(ctid: str) -> str:
    """A container id as a file-name prefix: anything but letters, digits, '-' and '.' is %-encoded."""
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


def container_file(ctid: str, name: object, folder: str = LXC) -> str:
    """`<folder>/<id>_<words>.json` (lxc/ by default); the words, only for people, are cut so that the name
    fits in NAME_MAX bytes.

    Raises BadInput when even the id alone does not fit (see encode_id).
    """
    stem = encode_id(ctid)
    room = NAME_MAX - len(stem) - len("_.json")  # the encoded id and the words are ASCII: bytes = characters
    words = slug(name, min(60, room)) if isinstance(name, str) and room > 0 else ""
    return f"{folder}/{stem}_{words}.json" if words else f"{folder}/{stem}.json"


def id_of_file(filename: str) -> str:
    """The container id a file under lxc/ stands for: the part of its name before the first '_'."""
    return unquote(filename[: -len(".json")].split("_", 1)[0], errors="strict")


def misnamed(name: str, collection: Collection, taken: Iterable[str]) -> str | None:
    """Why a `.json` file name in a collection's folder is not a name splitter writes for the id it stands
    for, as advice; None when it is one.

    The id is the part before the first '_' (id_of_file); splitter writes it as encode_id does, so any other
    spelling (`914 (copy).json`, `%39%31%34_x.json`) is a file made by hand, most often a copy saved under a new
    name. `taken` are the names already in the folder: the advice never names one of them (compared as
    case-insensitive file systems do, see `fold`). Raises nothing.
    """
    try:
        ctid = id_of_file(name)
        written = encode_id(ctid)
    except (UnicodeDecodeError, BadInput):
        return f"its name does not start with {'a container' if collection.is_lxc else 'an'} id"
    prefix, underscore, words = name[: -len(".json")].partition("_")
    if prefix == written:
        return None
    noun = collection.noun
    expected = f"{written}{underscore}{words}.json"
    if fold(expected) in {fold(other) for other in taken}:
        where = f"{collection.folder}/{expected} is already there: this looks like a copy of it"
    else:
        where = f"{noun} id {ctid!r} would be in {collection.folder}/{expected}; this looks like a copy of a {noun} file"
    return (f"its name does not write the id the way splitter does ({where}): give it a new id, first in its "
            f"name, or move it out of {collection.folder}/")


def profile_file(name: str) -> str:
    return f"{DEFAULTS}/{PROFILE_PREFIX}{name}.json"


def unknown_profile(name: str, collection: Collection = LXC_COLLECTION) -> str:
    return f"unknown profile \"{name}\" (no {collection.profile_file(name)})"


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


def read_file(path: str) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise BadInput("missing from the tree", path) from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise BadInput("is a symbolic link; a tree holds plain files only", path) from None
        raise BadInput(error.strerror or str(error), path) from None
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):  # small files: one read, and one that finds the end
            chunks.append(chunk)
    except OSError as error:
        raise BadInput(error.strerror or str(error), path) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


class DiskSource:
    """A tree's files on disk, as read_tree reads them: relative path -> bytes, and a folder's file names."""

    def __init__(self, root: Path):
        self.root = root

    def where(self, relative: str) -> str:
        """The file as the user reaches it, for messages: DIR/relative."""
        return os.path.join(self.root, relative)

    def read(self, relative: str) -> bytes:
        return read_file(os.path.join(self.root, relative))

    def parse(self, relative: str) -> object:
        """The file's JSON document (exactjson.parse); BadInput names DIR/relative and line:column."""
        path = os.path.join(self.root, relative)
        return exactjson.parse(read_file(path), path)

    def names(self, folder: str) -> list[str]:
        """The sorted names in a folder of the tree ([] when it is missing); a symbolic link is refused."""
        return [entry.name for entry in _listing(self.root / folder)]


def _layer(source, relative: str, container: bool) -> Layer:
    """A layer file, read and decoded; errors name the file as the user reaches it (source.where)."""
    try:
        return decode(source.parse(relative), relative, container)
    except BadInput as error:
        if error.file == relative:
            error.file = source.where(relative)
        raise


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
    return read_source(DiskSource(root), selector)


def require_tree(root: Path) -> None:
    """Refuse a path that is not a conf.d tree: missing, a file, or a folder holding none of a tree's top files.

    Every command that reads a tree says the same (check included); raises BadInput naming `root`.
    """
    if root.is_file():
        raise BadInput("is a file, not a conf.d folder", str(root))
    if not root.is_dir():
        raise BadInput("no such conf.d folder", str(root))
    everyone = [Collection(folder=folder) for folder in collection_folders(root)] or [LXC_COLLECTION]
    if not any((root / name).exists() for each in everyone
               for name in (each.layout_file, each.globals_file, each.base_file)):
        raise BadInput(f"not a conf.d tree: it holds none of {LXC_COLLECTION.layout_file}, "
                       f"{LXC_COLLECTION.globals_file}, {LXC_COLLECTION.base_file}", str(root))


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
    folder = select(source, selector)
    layout_file = Collection(folder=folder).layout_file
    layout_doc = source.parse(layout_file)
    collection = from_layout(folder, layout_doc, source.where(layout_file))
    layout = Layout.from_json(layout_doc, source.where(layout_file))
    globals_ = source.parse(collection.globals_file)
    if type(globals_) is not dict:
        raise BadInput("must hold a JSON object", source.where(collection.globals_file))
    base = _layer(source, collection.base_file, container=False)
    prefix = collection.profile_prefix
    profiles = {}
    for name in source.names(DEFAULTS):
        if not (name.startswith(prefix) and name.endswith(".json")):
            continue
        profile = name[len(prefix): -len(".json")]
        relative = f"{DEFAULTS}/{name}"
        if not PROFILE_NAME.match(profile):
            raise BadInput("a profile name is lower-case letters, digits, '-' and '_'", source.where(relative))
        profiles[profile] = _layer(source, relative, container=False)
    found: dict[str, Layer] = {}
    names = source.names(folder)
    for name in names:
        if name.startswith(".") or not name.endswith(".json"):
            continue  # editor leftovers: `check` reports them
        relative = f"{folder}/{name}"
        wrong = misnamed(name, collection, names)
        if wrong is not None:  # a copy saved under another name would otherwise become a new container
            raise BadInput(wrong, source.where(relative))
        ctid = id_of_file(name)
        if ctid in found:
            raise BadInput(f"{collection.noun} {ctid} has two files: {found[ctid].file} and {relative}",
                           source.where(relative))
        found[ctid] = _layer(source, relative, container=True)
        for profile in found[ctid].profiles:
            if profile not in profiles:
                raise BadInput(unknown_profile(profile, collection), source.where(relative))
    listed = set(layout.containers)
    known = [ctid for ctid in layout.containers if ctid in found]
    added = sorted((ctid for ctid in found if ctid not in listed), key=natural_key)
    return Tree(layout, globals_, base, profiles, {ctid: found[ctid] for ctid in known + added}, source.where,
                collection)


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
    base = _layer(source, collection.base_file, container=False)
    try:
        names = sorted(entry.name for entry in os.scandir(root / folder))
    except FileNotFoundError:
        names = []
    except OSError as error:
        raise BadInput(error.strerror or str(error), str(root / folder)) from None
    mine = [name for name in names if not name.startswith(".") and name.endswith(".json") and _id_or_none(name) == ctid]
    noun = collection.noun
    if not mine:
        raise BadInput(f"no {noun} {ctid!r} in the tree", str(root))
    if len(mine) > 1:
        raise BadInput(f"{noun} {ctid} has two files: {folder}/{mine[0]} and {folder}/{mine[1]}",
                       source.where(f"{folder}/{mine[1]}"))
    wrong = misnamed(mine[0], collection, names)
    if wrong is not None:
        raise BadInput(wrong, source.where(f"{folder}/{mine[0]}"))
    own = _layer(source, f"{folder}/{mine[0]}", container=True)
    profiles = {}
    for name in own.profiles:
        if not PROFILE_NAME.match(name) or not (root / collection.profile_file(name)).is_file():
            raise BadInput(unknown_profile(name, collection), source.where(own.file))
        profiles[name] = _layer(source, collection.profile_file(name), container=False)
    return Tree(layout, {}, base, profiles, {ctid: own}, source.where, collection)


def _id_or_none(filename: str) -> str | None:
    try:
        return id_of_file(filename)
    except UnicodeDecodeError:
        return None


def natural_key(text: str) -> tuple:
    """A total order on ids: natural order (digit runs by value: 9 < 10), then the exact string, so that ids
    it ties (`1`, `01`, `001`) never fall back on the order a set or folder listing happened to give."""
    parts = tuple((0, int(part), "") if part.isdecimal() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)
    return parts, text


# ---------------------------------------------------------------- writing

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2


def _renameat2(source: Path, target: Path, flags: int) -> bool:
    """renameat2(2) where the C library has it; False when it cannot be used here."""
    import ctypes  # only split needs it: merge and verify start faster without

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.renameat2
    except (OSError, AttributeError):
        return False
    if call(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL):
        return False
    raise OSError(code, os.strerror(code), str(target))


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
            layout = exactjson.parse(read_file(str(target / layout_file)), str(target / layout_file))
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


def _hidden_prefix(target: Path) -> str:
    """`.<target>.splitter`, the target's name cut so that a hidden sibling's name (with `-<pid>-<8 hex>` and
    install's `-old`) stays within NAME_MAX bytes."""
    name = os.fsencode(target.name)[: NAME_MAX - 48]
    return f".{os.fsdecode(name)}.splitter"


def _sweep(target: Path) -> None:
    # a split killed earlier leaves its staging folder behind; remove those whose process is gone
    for stale in target.parent.glob(f"{glob.escape(_hidden_prefix(target))}-*"):
        try:
            pid = int(stale.name.rsplit("-", 2)[-2])
            os.kill(pid, 0)
        except (ValueError, IndexError):
            continue
        except ProcessLookupError:
            shutil.rmtree(stale, ignore_errors=True)
        except PermissionError:
            pass


def stage(target: Path, files: dict[str, bytes]) -> Path:
    """Write the files into a new hidden sibling of target, and return it."""
    _sweep(target)
    staging = target.parent / f"{_hidden_prefix(target)}-{os.getpid()}-{os.urandom(4).hex()}"
    try:
        staging.mkdir()
        folders = {staging}
        for relative, data in files.items():
            path = staging / relative
            if path.parent not in folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                folders.add(path.parent)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise WriteError(f"cannot write: {error.strerror or error}", str(target)) from None
    return staging


def install(staging: Path, target: Path, force: bool, inputs: tuple[Path, ...] = (),
            collections: tuple[str, ...] = ()) -> None:
    """Move a proven staging folder to target in one step; the old tree, if any, is removed after."""
    taken = BadInput("was filled by someone else while splitting; nothing was changed", str(target))
    try:
        if _move_to_new(staging, target):
            return
        if not force and any(target.iterdir()):
            raise taken
        replaceable(target, inputs, collections)  # again: someone may have put a file there while we worked
        if _renameat2(staging, target, _RENAME_EXCHANGE):
            shutil.rmtree(staging, ignore_errors=True)  # staging now holds the old tree
            return
        old = target.parent / f"{staging.name}-old"
        os.rename(target, old)
        os.rename(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as error:
        raise WriteError(f"cannot move the new tree into place: {error.strerror or error}", str(target)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_to_new(staging: Path, target: Path) -> bool:
    """Rename staging to target where nothing is there yet; False when something is (another split won)."""
    try:
        if not _renameat2(staging, target, _RENAME_NOREPLACE):
            if target.exists():
                return False
            os.rename(staging, target)
        return True
    except OSError as error:
        if error.errno in (errno.EEXIST, errno.ENOTEMPTY):
            return False
        raise


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


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
            doc = exactjson.parse(raw, where)
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
    from .merge import missing, value_at

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


def write_atomic(target: Path, data: bytes) -> None:
    """Write one file through a hidden sibling renamed into place."""
    temporary = target.parent / f"{_hidden_prefix(target)}-{os.getpid()}-{os.urandom(4).hex()}"
    try:
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)  # a replaced file keeps its permission bits (0444 stays)
        except FileNotFoundError:
            mode = None
        with open(temporary, "xb") as handle:
            handle.write(data)
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise WriteError(f"cannot write: {error.strerror or error}", str(target)) from None


def replace_files(staging: Path, target: Path, written: list[str], removed: list[str]) -> None:
    """Move proven files from staging into target and remove others, all or none.

    The files already in target that this replaces or removes are first hard-linked
    aside in staging; when a step fails part-way, every file done so far is put back
    and WriteError is raised. Files of target not named are never touched.
    """
    aside = staging / ".replaced"
    done: list[tuple[str, bool]] = []  # (relative path, whether target had it)
    try:
        for relative in [*written, *removed]:
            if os.path.lexists(target / relative):
                (aside / relative).parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(target / relative, aside / relative, follow_symlinks=False)
                except OSError:
                    shutil.copy2(target / relative, aside / relative, follow_symlinks=False)
        for relative in written:
            had = os.path.lexists(target / relative)
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / relative, target / relative)
            done.append((relative, had))
        for relative in removed:
            if os.path.lexists(target / relative):
                os.unlink(target / relative)
                done.append((relative, True))
    except OSError as error:
        for relative, had in reversed(done):
            try:
                if had:
                    os.replace(aside / relative, target / relative)
                else:
                    os.unlink(target / relative)
            except OSError:
                pass  # best effort: the original stays in the staging folder's .replaced
        raise WriteError(f"cannot update: {error.strerror or error}; the tree was put back as it was",
                         str(target)) from None
