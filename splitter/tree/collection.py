"""Collections: where a monolith keeps its entries (an RFC 6901 pointer), how they are keyed, and their tree files."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from splitter.errors import BadInput
from splitter.exact.numbers import Number
from splitter.exact.pointer import pointer as to_pointer
from splitter.exact.pointer import split_pointer, value_at

DEFAULT_POINTER = "/lxc_configs"
DEFAULT_FOLDER = "lxc"
FOLDER_NAME = re.compile(r"^[a-z][a-z0-9-]*$")  # no '_': "<folder>_base.json" and "<folder>_profile_" parse one way
RESERVED_FOLDERS = ("defaults", "layout", "globals")
# last tokens that say nothing about what the entries are: the folder is named after the file instead
GENERIC_TOKENS = ("", "data", "items", "item", "results", "result", "entries", "list", "records", "objects",
                  "values", "configs", "config")
_INTEGER = re.compile(r"^-?[0-9]+$")


@dataclass(frozen=True)
class Collection:
    """One collection of a tree: its pointer into the monolith, its folder, and for a list the key naming entries.

    A map (a JSON object of entries) is keyed by its keys; a list (a JSON array of entry objects) by the value
    of `id_key` in each entry, which stays in the entry's data.
    """

    pointer: str = DEFAULT_POINTER
    folder: str = DEFAULT_FOLDER
    id_key: str | None = None

    @property
    def tokens(self) -> tuple[str, ...]:
        return split_pointer(self.pointer)

    @property
    def is_lxc(self) -> bool:
        """The collection of phoenix_lxc_configs.json, whose file names and messages are the historical ones."""
        return self.pointer == DEFAULT_POINTER and self.id_key is None and self.folder == DEFAULT_FOLDER

    @property
    def noun(self) -> str:
        return "container" if self.is_lxc else "entry"

    @property
    def plural(self) -> str:
        return "containers" if self.is_lxc else "entries"

    def count(self, number: int) -> str:
        """`12 container(s)` as splitter always said it, or `6 entries`."""
        if self.is_lxc:
            return f"{number} container(s)"
        return f"{number} {'entry' if number == 1 else 'entries'}"

    @property
    def layout_file(self) -> str:
        return "layout.json" if self.folder == DEFAULT_FOLDER else f"layout_{self.folder}.json"

    @property
    def globals_file(self) -> str:
        return "globals.json" if self.folder == DEFAULT_FOLDER else f"globals_{self.folder}.json"

    @property
    def base_file(self) -> str:
        return f"defaults/{self.folder}_base.json"

    @property
    def profile_prefix(self) -> str:
        """The start of a profile file's name under defaults/: profile_ for lxc, <folder>_profile_ otherwise."""
        return "profile_" if self.folder == DEFAULT_FOLDER else f"{self.folder}_profile_"

    def profile_file(self, name: str) -> str:
        return f"defaults/{self.profile_prefix}{name}.json"

    def entry_file(self, ctid: str, name: object, ids=()) -> str:
        """The file of an entry (names.container_file; `ids`: the collection's ids, for a name no other takes)."""
        from splitter.tree.names import container_file  # tree imports this module

        return container_file(ctid, name, self.folder, ids)

    def owns(self, relative: str) -> bool:
        """Whether a path relative to the tree root (with '/') is one of this collection's files."""
        if relative in (self.layout_file, self.globals_file, self.base_file) or relative.startswith(self.folder + "/"):
            return True
        return relative.startswith(f"defaults/{self.profile_prefix}") and relative.endswith(".json")

    def layout_fields(self) -> dict:
        """What layout.json records of the collection; nothing for /lxc_configs, so old trees stay as they are."""
        if self.pointer == DEFAULT_POINTER and self.id_key is None:
            return {}
        return {"collection": self.pointer, **({"id_key": self.id_key} if self.id_key is not None else {})}

    # ------------------------------------------------------------ the monolith's side

    def entries(self, doc: Any, file: str) -> dict[str, dict]:
        """The entries at the pointer, by id, in the monolith's order; BadInput naming the entry when one is bad.

        A map gives its own keys; a list gives the text of each entry's `id_key` (a string, or an integer as
        written), which must be present, unique and usable as a file name.
        """
        from splitter.tree.names import encode_id

        value = self._resolve(doc, file)
        if self.id_key is None:
            if type(value) is not dict:
                raise BadInput(f"{self._where()} must be an object of {self.plural}" + (
                    f" (it is a list: name the key that identifies each entry with --id-key)"
                    if type(value) is list else ""), file)
            if set(map(type, value.values())) <= {dict} and _digits_only(value):
                return value  # Proxmox's ids: each names its file as it is, and no two fold to one name
            for ctid, config in value.items():
                if type(config) is not dict:
                    raise BadInput(f"{self.noun} \"{ctid}\" must be a JSON object", file)
                try:
                    encode_id(ctid)
                except BadInput as error:
                    raise BadInput(error.message, file) from None
            _no_folded_ids(value, self.noun, file)
            return value
        if type(value) is not list:
            raise BadInput(f"{self._where()} must be a list of entries for --id-key (it is "
                           f"{'an object: drop --id-key' if type(value) is dict else 'not a list'})", file)
        found: dict[str, dict] = {}
        for index, config in enumerate(value):
            where = f"entry {index} of {self._where()}"
            if type(config) is not dict:
                raise BadInput(f"{where} must be a JSON object", file)
            if self.id_key not in config:
                raise BadInput(f"{where} has no \"{self.id_key}\"", file)
            ctid = id_text(config[self.id_key])
            if ctid is None:
                raise BadInput(f"{where} has \"{self.id_key}\": {_short(config[self.id_key])}; an id is a string or "
                               "an integer", file)
            try:
                encode_id(ctid)
            except BadInput as error:  # its message speaks of containers
                said = error.message.replace("a container id", "the id").replace("container id", "id")
                raise BadInput(f"{where}: {said}", file) from None
            if ctid in found:
                first = next(i for i, key in enumerate(found) if key == ctid)
                raise BadInput(f"{where} has \"{self.id_key}\" {ctid}, like entry {first}; ids must be unique", file)
            found[ctid] = config
        _no_folded_ids(found, self.noun, file)
        return found

    def _where(self) -> str:
        if self.pointer == "":
            return "the top level"
        return f"\"{self.tokens[0]}\"" if len(self.tokens) == 1 and self.is_lxc else f"\"{self.pointer}\""

    def _resolve(self, doc: Any, file: str) -> Any:
        node = doc
        for depth, token in enumerate(self.tokens):
            if type(node) is not dict:
                at = f"\"{to_pointer(self.tokens[:depth])}\"" if depth else "the top level"
                hint = " (for a list of entries use --collection \"\" --id-key KEY)" if not depth and \
                    type(node) is list else ""
                raise BadInput(f"{at} must be a JSON object{hint}", file)
            if token not in node:
                raise BadInput(f"has no {self._where()} {'list' if self.id_key else 'object'}", file)
            node = node[token]
        return node

    def outside(self, doc: Any) -> tuple[dict, list[str]]:
        """Everything but the collection (the document with it taken out), and the key order of its parent.

        `doc` has been read with `entries` (so the pointer resolves). For "" both are empty.
        """
        if not self.tokens:
            return {}, []
        *parents, key = self.tokens
        path = tuple(parents)
        parent = value_at(doc, path)
        return _replaced(doc, path, {k: v for k, v in parent.items() if k != key}), list(parent)

    def put_back(self, outside: dict, parent_order: list[str], entries: dict[str, dict],
                 files: dict[str, str]) -> Any:
        """The monolith document: `outside` with the entries in place, at their remembered position.

        `files` maps ids to their files, for the message when a list entry's id key disagrees with its file.
        """
        collection: Any = entries
        if self.id_key is not None:
            for ctid, config in entries.items():
                if self.id_key not in config:
                    raise BadInput(f"entry {ctid} has no \"{self.id_key}\": its file must give it",
                                   files.get(ctid, self.folder))
                if id_text(config[self.id_key]) != ctid:
                    raise BadInput(f"entry {ctid} has \"{self.id_key}\": {_short(config[self.id_key])}; the id "
                                   "and the file name must agree", files.get(ctid, self.folder))
            collection = list(entries.values())
        if not self.tokens:
            if outside:
                raise BadInput("must hold {}: the whole document is the collection", self.globals_file)
            return collection
        *parents, key = self.tokens
        path = tuple(parents)
        parent = value_at(outside, path)
        if type(parent) is not dict:
            raise BadInput(f"has no object at {to_pointer(path) or 'the top level'} to hold \"{self.pointer}\"",
                           self.globals_file)
        if key in parent:
            raise BadInput(f"must not hold \"{self.pointer}\": its {self.plural} live under {self.folder}/",
                           self.globals_file)
        rebuilt = {}
        for name in parent_order:
            if name == key:
                rebuilt[key] = collection
            elif name in parent:
                rebuilt[name] = parent[name]
        for name, value in parent.items():
            rebuilt.setdefault(name, value)
        rebuilt.setdefault(key, collection)
        return _replaced(outside, path, rebuilt)


LXC = Collection()


def _replaced(doc: dict, path: tuple, value: Any) -> Any:
    """A copy of doc with the value at path replaced; only the objects along the path are copied."""
    if not path:
        return value
    copy = dict(doc)
    copy[path[0]] = _replaced(doc[path[0]], path[1:], value)
    return copy


def _digits_only(ids: dict) -> bool:
    """Whether every id is ASCII digits short enough for a file name (encode_id keeps it as it is; fold leaves it
    alone), checked without a Python step per id."""
    from splitter.tree.names import NAME_MAX

    joined = "".join(ids)
    return joined.isascii() and joined.isdigit() and max(map(len, ids), default=0) + len(".json") <= NAME_MAX \
        and "" not in ids


def _no_folded_ids(ids, noun: str, file: str) -> None:
    """Refuse two ids whose files would be one file where letter case is ignored (macOS, Windows)."""
    from splitter.tree.names import encode_id, folded_pairs

    stems = {encode_id(ctid): ctid for ctid in ids}
    clashes = folded_pairs(stems)  # encoded ids are ASCII: only letter case can make two of them meet
    if clashes:
        first, second = clashes[0]
        raise BadInput(f"{noun} ids \"{stems[first]}\" and \"{stems[second]}\" differ only in letter case: their "
                       f"files would be one file on macOS and Windows; rename one of them", file)


def _short(value: Any) -> str:
    from splitter.exact.write import dumps

    text = dumps(value).decode().strip()
    return text if len(text) <= 40 else text[:37] + "..."


def id_text(value: Any) -> str | None:
    """An entry id as text: a string as it is, an integer as written; None for anything else."""
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    if type(value) is Number and _INTEGER.match(value.text):
        return value.text
    return None


# ---------------------------------------------------------------- choosing a collection


def for_split(pointer: str, id_key: str | None, folder: str | None, monolith: str) -> Collection:
    """The collection `split` is asked for; the folder defaults to a name derived from the pointer.

    /lxc_configs gives lxc; otherwise the last token, slugged; a generic last token (data, items, ... or the
    empty pointer) gives the monolith's file name instead. BadInput (no file) on a bad pointer or folder.
    """
    try:
        tokens = split_pointer(pointer)
    except ValueError as error:
        raise BadInput(f"--collection {pointer!r}: {error}") from None
    if id_key is not None and id_key == "":
        raise BadInput("--id-key names a key of each entry; it cannot be empty")
    if folder is None:
        folder = _derived_folder(pointer, tokens, monolith)
    if not FOLDER_NAME.match(folder) or folder in RESERVED_FOLDERS or folder.startswith("profile"):
        raise BadInput(f"--folder {folder!r}: a folder name is a lower-case letter, then lower-case letters, digits "
                       f"and '-', and not {', '.join(RESERVED_FOLDERS)} or profile...")
    return Collection(pointer, folder, id_key)


def _derived_folder(pointer: str, tokens: tuple, monolith: str) -> str:
    from splitter.tree.names import slug

    if pointer == DEFAULT_POINTER:
        return DEFAULT_FOLDER
    last = tokens[-1] if tokens else ""
    source = Path(monolith).stem if last.lower() in GENERIC_TOKENS else last
    folder = slug(source, 40)
    if not FOLDER_NAME.match(folder) or folder in RESERVED_FOLDERS or folder.startswith("profile"):
        raise BadInput(f"cannot name a folder after {source!r}; choose one with --folder NAME")
    return folder


def folders(root: Path) -> list[str]:
    """The collections of a tree folder on disk, by folder: one per layout file at its top (lxc first)."""
    try:
        return folders_in(sorted(entry.name for entry in os.scandir(root)))
    except OSError:
        return []


def folders_in(names: list[str]) -> list[str]:
    """The collections named by the file names at a tree's top: layout.json is lxc, layout_<folder>.json others."""
    found = [DEFAULT_FOLDER] if "layout.json" in names else []
    for name in sorted(names):
        folder = name[len("layout_"): -len(".json")] if name.startswith("layout_") and name.endswith(".json") else ""
        if FOLDER_NAME.match(folder) and folder != DEFAULT_FOLDER:
            found.append(folder)
    return found


def from_layout(folder: str, doc: Any, file: str) -> Collection:
    """The collection a layout file records (nothing recorded: /lxc_configs, a map)."""
    if type(doc) is not dict:
        return Collection(DEFAULT_POINTER, folder)  # Layout.from_json says what is wrong with it
    pointer = doc.get("collection", DEFAULT_POINTER)
    id_key = doc.get("id_key")
    if type(pointer) is not str or (id_key is not None and type(id_key) is not str):
        raise BadInput("\"collection\" must be a JSON pointer and \"id_key\" a string", file)
    try:
        split_pointer(pointer)
    except ValueError as error:
        raise BadInput(f"\"collection\" {pointer!r}: {error}", file) from None
    return Collection(pointer, folder, id_key)


def select(source, selector: str | None) -> str:
    """The folder of the collection a command works on, in a tree source (see tree.read_source).

    `selector` is a folder name (vms) or a pointer ("/vms", "" for the top level). Without one: lxc where the
    tree has it (so that commands written before a second collection came keep doing what they did), else the
    only collection. With no layout file at all the answer is lxc, so that reading the tree says layout.json is
    missing, as for any tree.
    """
    found = folders_in(source.names(""))
    root = source.where("").rstrip("/")
    if selector is None:
        if len(found) > 1 and DEFAULT_FOLDER not in found:
            raise BadInput(f"holds {len(found)} collections ({', '.join(found)}); choose one with --collection", root)
        return DEFAULT_FOLDER if DEFAULT_FOLDER in found or not found else found[0]
    if selector != "" and not selector.startswith("/"):
        if selector not in found:
            raise BadInput(f"has no collection {selector!r} (it holds {', '.join(found) or 'none'})", root)
        return selector
    matches = []
    for folder in found:
        layout_file = Collection(folder=folder).layout_file
        if from_layout(folder, source.parse(layout_file), source.where(layout_file)).pointer == selector:
            matches.append(folder)
    if not matches:
        raise BadInput(f"has no collection at {selector!r} (it holds {', '.join(found) or 'none'})", root)
    if len(matches) > 1:
        raise BadInput(f"holds several collections at {selector!r} ({', '.join(matches)}): choose one by its "
                       "folder name", root)
    return matches[0]


def neighbours(root: Path, collection: Collection) -> tuple[dict[str, bytes], bool]:
    """The files of the other collections in a tree folder (by path relative to it), and whether that is all it holds.

    `split` carries these files into the new tree byte for byte, with or without --force, so that splitting one
    collection never drops another. Symbolic links are never followed (and are not any collection's files).
    """
    others = [Collection(folder=folder) for folder in folders(root) if folder != collection.folder]
    found: dict[str, bytes] = {}
    alone = True
    for top, dirs, names in os.walk(root):
        for name in names + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            path = os.path.join(top, name)
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            if os.path.islink(path) or not any(other.owns(relative) for other in others):
                alone = False
                continue
            try:
                with open(path, "rb") as handle:
                    found[relative] = handle.read()
            except OSError as error:
                raise BadInput(error.strerror or str(error), path) from None
    return found, alone
