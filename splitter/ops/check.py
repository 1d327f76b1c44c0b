"""`check`: everything wrong with a conf.d tree, each problem as file, JSON path and message, sorted."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from splitter.errors import BadInput
from splitter.exact.conflicts import UnresolvedConflict, unresolved
from splitter.exact.jsonpath import json_path
from splitter.exact.parse import parse
from splitter.exact.pointer import missing, pointer, value_at
from splitter.merging.merge import merge
from splitter.ops.explain import conflicts
from splitter.ops.schema import Problem, describes_collection, find_checker
from splitter.ops.schemafile import SchemaProblem, load
from splitter.ops.schemanote import why_no_schema
from splitter.ops.tidy_partial import partial_objects
from splitter.tree.collection import LXC, Collection, folders, from_layout, id_text, select
from splitter.tree.guard import tree_holds
from splitter.tree.layers import Layer, decode, unset_deletes_nothing
from splitter.tree.layout import Layout
from splitter.tree.names import DEFAULTS, PROFILE_NAME, PROFILE_PREFIX, file_id, folded_pairs
from splitter.tree.files import read_file
from splitter.tree.read import DiskSource, misnamed, require_tree, unknown_profile

LEFTOVER = re.compile(r"(~|\.orig|\.rej|\.bak|\.swp|\.swo|\.tmp|\.old|\.new)$|^#.*#$|^\.#")


class _Reader:
    """Reads what it can of a tree, turning every failure into a problem instead of stopping."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def say(self, file: str, message: str, path: str = "$") -> None:
        self.problems.append(Problem(file, path, message))

    def json(self, relative: str):
        path = self.root / relative
        if path.is_symlink():
            self.say(relative, "is a symbolic link; a tree holds plain files only")
            return None
        try:
            raw = read_file(str(path))
        except BadInput as error:  # missing, not a regular file (a FIFO would block), or unreadable
            self.say(relative, error.message)
            return None
        try:
            return parse(raw, relative)
        except UnresolvedConflict:
            raise unresolved(raw, str(path)) from None  # a merge to finish, not a problem to list
        except BadInput as error:
            where = f" at {error.line}:{error.column}" if error.line is not None else ""
            self.say(relative, f"cannot be read{where}: {error.message}")
        return None

    def layer(self, relative: str, container: bool) -> Layer | None:
        doc = self.json(relative)
        if doc is None:
            return None
        try:
            return decode(doc, relative, container)
        except BadInput as error:
            self.say(relative, error.message)
            return None

    def listing(self, folder: str) -> list[str]:
        if (self.root / folder).is_symlink():
            self.say(folder + "/", "is a symbolic link; a tree holds plain folders only")
            return []
        try:
            return sorted(entry.name for entry in os.scandir(self.root / folder))
        except FileNotFoundError:
            self.say(folder + "/", "missing from the tree")
        except OSError as error:
            self.say(folder + "/", error.strerror or str(error))
        return []


def _stray(reader: _Reader, relative: str, name: str) -> bool:
    if LEFTOVER.search(name):
        reader.say(relative, "an editor or merge leftover: delete it")
        return True
    if not name.endswith(".json"):
        reader.say(relative, "not part of a conf.d tree: move it out")
        return True
    return False


@dataclass(frozen=True)
class SchemaUse:
    """The schema one collection was checked against: `file` (None when none was used) and, then, `reason`
    (a phrase such as "none found ($schema names x.json, which does not exist)")."""

    folder: str
    pointer: str
    file: Path | None
    reason: str | None = None


def check_tree(root: Path, schema_file: Path | None = None,
               selector: str | None = None,
               warn: Callable[[SchemaProblem], None] = lambda problem: None) -> tuple[list[Problem], Path | None]:
    """All problems of a tree, and the schema that was used (None when there was none to use).

    For a tree of several collections this is the last schema used; check_collections says which schema each
    collection was checked against. Raises as check_collections does.
    """
    problems, uses = check_collections(root, schema_file, selector, warn)
    return problems, next((use.file for use in reversed(uses) if use.file is not None), None)


def check_collections(root: Path, schema_file: Path | None = None, selector: str | None = None,
                      warn: Callable[[SchemaProblem], None] = lambda problem: None
                      ) -> tuple[list[Problem], list[SchemaUse]]:
    """All problems of a tree (sorted), and one SchemaUse per collection checked, in the tree's order.

    Every collection of the tree is checked, or the one `selector` names (see collection.select). Each one's
    schema is the file its own globals file's `$schema` names (globals.json, globals_<folder>.json), or
    `schema_file`. A schema found through `$schema` that cannot be used is reported through `warn` and left
    out; one given as `schema_file` raises SchemaProblem (exit 2).
    """
    reader = _Reader(root)
    require_tree(root)  # like merge and show: a folder that is no tree at all is bad input, not a list of strays
    everyone = [Collection(folder=folder) for folder in folders(root)] or [LXC]
    chosen = [select(DiskSource(root), selector)] if selector is not None else [each.folder for each in everyone]
    held = tuple(each.folder for each in everyone)
    for name in reader.listing("."):
        if tree_holds(name, held) or tree_holds(name + "/", held) or \
                (name.startswith(".") and not LEFTOVER.search(name)):
            continue  # dot files at the top (.gitattributes, ...) belong to the repository, not the tree
        if not _stray(reader, name, name):
            reader.say(name, "not part of a conf.d tree: move it out")
    uses = [_check_collection(reader, folder, everyone, schema_file, warn, shared=len(chosen) > 1) for folder in chosen]
    if schema_file is not None and len(chosen) > 1 and all(use.file != Path(str(schema_file)) for use in uses):
        raise SchemaProblem(f"describes none of the collections of the tree ({', '.join(use.pointer for use in uses)}):"
                            f" no \"properties\" along their pointers; name one with --collection", str(schema_file))
    return sorted(set(reader.problems)), uses


def _check_collection(reader: _Reader, folder: str, everyone: list[Collection], schema_file: Path | None,
                      warn: Callable[[SchemaProblem], None], shared: bool = False) -> SchemaUse:
    """Add the problems of one collection of the tree to the reader's; which schema it was checked against.

    With `shared` (several collections checked at once), `schema_file` is used for this collection only when
    it describes it (describes_collection); else the collection's own `$schema` is.
    """
    root = reader.root
    layout_file = Collection(folder=folder).layout_file
    layout_doc = reader.json(layout_file)
    collection = Collection(folder=folder)
    listed: list[str] = []
    if layout_doc is not None:
        try:
            collection = from_layout(folder, layout_doc, layout_file)
            listed = Layout.from_json(layout_doc, layout_file).containers  # the ids split wrote, for _same_names
        except BadInput as error:
            reader.say(layout_file, error.message)
    noun, prefix, base_file = collection.noun, collection.profile_prefix, collection.base_file
    globals_file = collection.globals_file
    globals_ = reader.json(globals_file)
    if globals_ is not None and type(globals_) is not dict:
        reader.say(globals_file, "must hold a JSON object")
        globals_ = None
    base = reader.layer(base_file, container=False)
    broken = set() if base is not None else {base_file}  # files that exist but cannot be read: said once, above
    base = base or Layer(base_file, {})

    profiles: dict[str, Layer] = {}
    for name in reader.listing(DEFAULTS):
        relative = f"{DEFAULTS}/{name}"
        if relative == base_file or _stray(reader, relative, name):
            continue
        if not name.startswith(prefix):
            if not any(other.owns(relative) for other in everyone):
                reader.say(relative, f"defaults/ holds {base_file[len(DEFAULTS) + 1:]} and {prefix}<name>.json only"
                           + (f"; {'a container' if collection.is_lxc else 'an entry'} file belongs in {folder}/"
                              if _looks_like_container(name) else ""))
            continue
        profile = name[len(prefix): -len(".json")]
        if not PROFILE_NAME.match(profile):
            reader.say(relative, "a profile name is lower-case letters, digits, '-' and '_'")
            continue
        layer = reader.layer(relative, container=False)
        if layer is not None:
            profiles[profile] = layer
        else:
            broken.add(profile)

    containers: dict[str, Layer] = {}
    names = reader.listing(folder)
    for name in names:
        relative = f"{folder}/{name}"
        if name.startswith(".") and not LEFTOVER.search(name):
            reader.say(relative, "a hidden file: not part of a conf.d tree")
            continue
        if _stray(reader, relative, name):
            continue
        if name.startswith(PROFILE_PREFIX):
            reader.say(relative, f"a profile belongs in defaults/, not in {folder}/")
            continue
        wrong = misnamed(name, collection, names, set(listed))  # the advice merge gives when it refuses the file
        if wrong is not None:
            reader.say(relative, wrong)
        try:
            ctid = file_id(name, set(listed))
        except UnicodeDecodeError:  # only a misnamed file, reported above
            continue
        if ctid == "":
            continue
        layer = reader.layer(relative, container=True)
        if layer is None:
            continue
        if ctid in containers:
            reader.say(relative, f"{noun} {ctid} has another file: {containers[ctid].file}")
            continue
        containers[ctid] = layer
        _name_agrees(reader, relative, name, layer, collection, names, ctid)

    _folding(reader, [layer.file for layer in containers.values()])
    _same_names(reader, containers, collection, listed)
    stacks = {}
    partial: set[str] = set()  # containers with a layer that cannot be read: their whole config is unknown
    used: set[str] = set()
    for ctid, own in containers.items():
        stack = [base]
        whole = base_file not in broken  # a layer missing from the stack would make every finding below false
        for profile in own.profiles:
            if profile in profiles:
                stack.append(profiles[profile])
                used.add(profile)
            elif profile in broken:  # its file's own error is the problem, reported on that file
                whole = False
            else:
                reader.say(own.file, unknown_profile(profile, collection, profiles),
                           "$['$profiles']")
        stack.append(own)
        stacks[ctid] = stack
        if not whole:
            partial.add(ctid)
        if collection.id_key is not None:
            _id_agrees(reader, collection, ctid, own.file, merge(stack))
        for path, lower, higher in conflicts(stack):
            reader.say(own.file, f"profiles {_profile_name(lower)} and {_profile_name(higher)} set "
                                 f"{pointer(path)} to different values; {_profile_name(higher)} wins", "$['$profiles']")
        for index, layer in enumerate(stack if whole else []):
            for path in layer.unsets:
                if all(missing(value_at(lower.values, path)) for lower in stack[:index]):
                    reader.say(layer.file, unset_deletes_nothing(path), "$['$unset']")
    reader.problems += [Problem(*warning) for warning in partial_objects(stacks)]
    for name, layer in profiles.items():
        if name not in used:
            reader.say(layer.file, f"no {noun} uses this profile")
        elif not layer.values and not layer.unsets:
            reader.say(layer.file, "an empty profile sets nothing: remove it and take it out of its members' "
                                   "$profiles")

    if schema_file is not None and shared and not describes_collection(load(schema_file), collection):
        schema_file = None  # `check --schema lxc.schema.json` of a tree that holds VMs too: theirs is their own
    explicit = schema_file is not None
    unusable: list[SchemaProblem] = []

    def unused(problem: SchemaProblem) -> None:
        unusable.append(problem)
        warn(problem)

    named = (globals_ or {}).get("$schema")
    checker = find_checker(named, root.resolve().parent, schema_file, explicit, unused, collection)
    if checker is not None:
        before = list(reader.problems)
        try:
            _schema(reader, checker, globals_, base, profiles, containers, stacks, layout_doc, partial)
        except SchemaProblem as problem:
            if explicit:
                raise
            unused(problem)
            reader.problems, checker = before, None
    if checker is not None:
        return SchemaUse(folder, collection.pointer, Path(checker.path))
    if unusable:
        reason = f"none used ({unusable[0]})"
    elif globals_ is None:
        reason = f"none found ({globals_file} cannot be read)"
    else:
        reason = f"none found ({why_no_schema(named, root.resolve().parent)})"
    return SchemaUse(folder, collection.pointer, None, reason)


def _folding(reader: _Reader, files: list[str]) -> None:
    """Container files whose ids are one id where case and Unicode normalisation are ignored (macOS, Windows):
    a checkout there keeps only one of two files with such names, or mixes up their containers."""
    ids = {file.split("/", 1)[1][: -len(".json")].split("_", 1)[0]: file for file in files}
    for first, second in folded_pairs(ids):
        reader.say(ids[second], f"its id and that of {ids[first]} differ only in letter case or Unicode "
                                f"normalisation: on macOS and Windows they are one file name; rename one")


def _same_names(reader: _Reader, containers: dict[str, Layer], collection: Collection, listed: list[str]) -> None:
    """Two files that set the same `name` in their own layer: most often one is a copy of the other saved
    under a new id (`0914_x.json` beside `914_x.json`). merge accepts both; check says so, on the file of
    the id the layout does not list (`listed`: the ids split wrote, in order), else on the later one."""
    known = {ctid: index for index, ctid in enumerate(listed)}
    first: dict[str, str] = {}
    for ctid in sorted(containers, key=lambda ctid: (ctid not in known, known.get(ctid, 0))):  # stable: else listing
        layer = containers[ctid]
        own = layer.values.get("name")
        if type(own) is not str:
            continue
        if own in first:
            reader.say(layer.file, f"sets the same name '{own}' as {first[own]}: a copy of that {collection.noun}? "
                                   "give it its own name, or delete it", json_path(("name",)))
        else:
            first[own] = layer.file


def _profile_name(file: str) -> str:
    return file.rsplit("/", 1)[-1][len(PROFILE_PREFIX): -len(".json")]


def _looks_like_container(name: str) -> bool:
    return bool(re.match(r"^[A-Za-z0-9%.-]+(_.*)?\.json$", name)) and name != "lxc_base.json"


def _name_agrees(reader: _Reader, relative: str, name: str, layer: Layer, collection: Collection,
                 taken: list[str], ctid: str) -> None:
    """The words after the id in a file name follow the container's name, when the file sets one (an id
    holding '_' has no words: names.container_file).

    The advice never names a file that is already there (`taken`: the names in the collection's folder),
    which renaming would overwrite; case is ignored, as case-insensitive file systems do.
    """
    own_name = layer.values.get("name")
    if type(own_name) is not str or "_" not in name or "_" in ctid:
        return
    words = name[: -len(".json")].split("_", 1)[1]
    expected = collection.entry_file(ctid, own_name).split("/")[1]
    noun = collection.noun
    if words != expected[: -len(".json")].partition("_")[2]:  # the words split writes, cut to fit a file name
        if expected.lower() in {other.lower() for other in taken}:
            reader.say(relative, f"its name does not follow the {noun}'s name '{own_name}', and "
                                 f"{collection.folder}/{expected} is taken: give this {noun} its own id or name")
        else:
            reader.say(relative, f"its name does not follow the {noun}'s name '{own_name}': "
                                 f"rename it {expected}")


def _id_agrees(reader: _Reader, collection: Collection, ctid: str, file: str, merged: dict) -> None:
    """A list entry's id key is what its file name says: merge refuses the tree otherwise."""
    key = collection.id_key
    if key not in merged:
        reader.say(file, f"has no \"{key}\": a {collection.folder} entry needs its id", "$")
    elif id_text(merged[key]) != ctid:
        reader.say(file, f"\"{key}\" is not {ctid}, which its file name says; rename the file or fix the id",
                   json_path((key,)))


def _schema(reader, checker, globals_, base, profiles, containers, stacks, layout_doc, partial=frozenset()) -> None:
    collection = checker.collection
    if globals_ is not None:
        reader.problems += checker.globals(globals_, collection.globals_file)
    # layers are checked against the schema of the containers that use them
    any_schema = next((s for ctid in containers if (s := checker.container_schema(ctid)) is not None), None)
    for layer in [base, *profiles.values()]:
        reader.problems += checker.layer(layer, any_schema)
    reported = {(p.file, p.message) for p in reader.problems}
    for ctid, own in containers.items():
        fragment = checker.layer(own, checker.container_schema(ctid))
        reader.problems += fragment
        said = reported | {(p.file, p.message) for p in fragment}
        for problem in [] if ctid in partial else checker.container(ctid, merge(stacks[ctid]), stacks[ctid]):
            if (problem.file, problem.message) not in said:  # else already said of the layer itself
                reader.problems.append(problem)
    if globals_ is not None:
        files = {ctid: own.file for ctid, own in containers.items()}
        order = (layout_doc or {}).get("top_level") if type(layout_doc) is dict else None
        try:
            doc = collection.put_back(globals_, order if type(order) is list else [],
                                      {ctid: merge(stack) for ctid, stack in stacks.items()}, files)
        except BadInput as error:  # the tree cannot be merged: an id problem is said above, the rest here
            if error.file == collection.globals_file:
                reader.say(error.file, error.message)
            return
        reader.problems += checker.monolith(doc, files)
