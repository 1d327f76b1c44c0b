"""`check`: everything wrong with a conf.d tree, each problem as file, JSON path and message, sorted."""

from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import BadInput
from .exactjson import parse
from .explain import conflicts
from .layers import Layer, decode, pointer
from .layout import Layout
from .merge import merge, missing, value_at
from .schema import Checker, Problem, load, schema_path_for
from .tree import (
    BASE,
    DEFAULTS,
    GLOBALS,
    LAYOUT,
    LXC,
    PROFILE_NAME,
    PROFILE_PREFIX,
    container_file,
    encode_id,
    id_of_file,
    slug,
    tree_holds,
    unknown_profile,
)

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
            return parse(path.read_bytes(), relative)
        except OSError as error:
            self.say(relative, error.strerror or str(error))
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


def check_tree(root: Path, schema_file: Path | None = None) -> tuple[list[Problem], Path | None]:
    """All problems of a tree, and the schema that was used (None when there was none to use)."""
    reader = _Reader(root)
    if not root.is_dir():
        raise BadInput("no such conf.d folder", str(root))
    if not any((root / name).exists() for name in (LAYOUT, GLOBALS, BASE)):
        # like merge and show: a folder that is no tree at all is bad input, not a list of strays
        raise BadInput(f"not a conf.d tree: it holds none of {LAYOUT}, {GLOBALS}, {BASE}", str(root))
    for name in reader.listing("."):
        if tree_holds(name) or tree_holds(name + "/") or (name.startswith(".") and not LEFTOVER.search(name)):
            continue  # dot files at the top (.gitattributes, ...) belong to the repository, not the tree
        if not _stray(reader, name, name):
            reader.say(name, "not part of a conf.d tree: move it out")
    layout_doc = reader.json(LAYOUT)
    if layout_doc is not None:
        try:
            Layout.from_json(layout_doc, LAYOUT)  # only its form matters here: order plays no part in checks
        except BadInput as error:
            reader.say(LAYOUT, error.message)
    globals_ = reader.json(GLOBALS)
    if globals_ is not None and type(globals_) is not dict:
        reader.say(GLOBALS, "must hold a JSON object")
        globals_ = None
    base = reader.layer(BASE, container=False) or Layer(BASE, {})

    profiles: dict[str, Layer] = {}
    for name in reader.listing(DEFAULTS):
        relative = f"{DEFAULTS}/{name}"
        if relative == BASE or _stray(reader, relative, name):
            continue
        if not name.startswith(PROFILE_PREFIX):
            reader.say(relative, "defaults/ holds lxc_base.json and profile_<name>.json only"
                       + ("; a container file belongs in lxc/" if _looks_like_container(name) else ""))
            continue
        profile = name[len(PROFILE_PREFIX): -len(".json")]
        if not PROFILE_NAME.match(profile):
            reader.say(relative, "a profile name is lower-case letters, digits, '-' and '_'")
            continue
        layer = reader.layer(relative, container=False)
        if layer is not None:
            profiles[profile] = layer

    containers: dict[str, Layer] = {}
    names = reader.listing(LXC)
    for name in names:
        relative = f"{LXC}/{name}"
        if name.startswith(".") and not LEFTOVER.search(name):
            reader.say(relative, "a hidden file: not part of a conf.d tree")
            continue
        if _stray(reader, relative, name):
            continue
        if name.startswith(PROFILE_PREFIX):
            reader.say(relative, "a profile belongs in defaults/, not in lxc/")
            continue
        try:
            ctid = id_of_file(name)
            canonical_name = container_file(ctid, None).split("/")[1][: -len(".json")]
        except (UnicodeDecodeError, BadInput):
            reader.say(relative, "its name does not start with a container id")
            continue
        if name.split("_", 1)[0].removesuffix(".json") != canonical_name:
            reader.say(relative, f"its name says container {ctid!r}, which is written "
                                 f"{encode_id(ctid)!r} in file names")
        layer = reader.layer(relative, container=True)
        if layer is None:
            continue
        if ctid in containers:
            reader.say(relative, f"container {ctid} has another file: {containers[ctid].file}")
            continue
        containers[ctid] = layer
        _name_agrees(reader, relative, name, layer, names)

    stacks = {}
    used: set[str] = set()
    for ctid, own in containers.items():
        stack = [base]
        for profile in own.profiles:
            if profile in profiles:
                stack.append(profiles[profile])
                used.add(profile)
            else:
                reader.say(own.file, unknown_profile(profile), "$['$profiles']")
        stack.append(own)
        stacks[ctid] = stack
        for path, lower, higher in conflicts(stack):
            reader.say(own.file, f"profiles {_profile_name(lower)} and {_profile_name(higher)} set "
                                 f"{pointer(path)} to different values; {_profile_name(higher)} wins", "$['$profiles']")
        for index, layer in enumerate(stack):
            for path in layer.unsets:
                if all(missing(value_at(lower.values, path)) for lower in stack[:index]):
                    reader.say(layer.file, f"deletes {pointer(path)}, which nothing below sets", "$['$unset']")
    for name, layer in profiles.items():
        if name not in used:
            reader.say(layer.file, "no container uses this profile")

    schema_path = schema_path_for(globals_ or {}, root.resolve().parent, schema_file)
    if schema_path is not None:
        checker = Checker(load(schema_path), str(schema_path))
        _schema(reader, checker, globals_, base, profiles, containers, stacks)
    return sorted(set(reader.problems)), schema_path


def _profile_name(file: str) -> str:
    return file.rsplit("/", 1)[-1][len(PROFILE_PREFIX): -len(".json")]


def _looks_like_container(name: str) -> bool:
    return bool(re.match(r"^[A-Za-z0-9%.-]+(_.*)?\.json$", name)) and name != "lxc_base.json"


def _name_agrees(reader: _Reader, relative: str, name: str, layer: Layer, taken: list[str]) -> None:
    """The words after the id in a file name follow the container's name, when the file sets one.

    The advice never names a file that is already there (`taken`: the names in lxc/), which renaming
    would overwrite; case is ignored, as case-insensitive file systems do.
    """
    own_name = layer.values.get("name")
    if type(own_name) is not str or "_" not in name:
        return
    words = name[: -len(".json")].split("_", 1)[1]
    if words != slug(own_name):
        expected = container_file(id_of_file(name), own_name).split("/")[1]
        if expected.lower() in {other.lower() for other in taken}:
            reader.say(relative, f"its name does not follow the container's name {own_name!r}, and "
                                 f"{LXC}/{expected} is taken: give this container its own id or name")
        else:
            reader.say(relative, f"its name does not follow the container's name {own_name!r}: "
                                 f"rename it {expected}")


def _schema(reader, checker, globals_, base, profiles, containers, stacks) -> None:
    if globals_ is not None:
        reader.problems += checker.globals(globals_, GLOBALS)
    # layers are checked against the schema of the containers that use them
    any_schema = next((s for ctid in containers if (s := checker.container_schema(ctid)) is not None), None)
    for layer in [base, *profiles.values()]:
        reader.problems += checker.layer(layer, any_schema)
    reported = {(p.file, p.message) for p in reader.problems}
    for ctid, own in containers.items():
        fragment = checker.layer(own, checker.container_schema(ctid))
        reader.problems += fragment
        said = reported | {(p.file, p.message) for p in fragment}
        for problem in checker.container(ctid, merge(stacks[ctid]), stacks[ctid]):
            if (problem.file, problem.message) not in said:  # else already said of the layer itself
                reader.problems.append(problem)
    if globals_ is not None:
        doc = dict(globals_)
        doc["lxc_configs"] = {ctid: merge(stack) for ctid, stack in stacks.items()}
        reader.problems += checker.monolith(doc, {ctid: own.file for ctid, own in containers.items()})

