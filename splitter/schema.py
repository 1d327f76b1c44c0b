"""JSON Schema checks of layers (partial schema), containers and the monolith, pinned to the files at fault."""

from __future__ import annotations

import os
import re
import stat
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import BadInput
from .exactjson import Number, map_numbers, parse
from .jsonpath import json_path
from .layers import Layer

CONTAINERS_KEY = "lxc_configs"


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    path: str  # a JSON path, as jsonschema writes them
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}"

    def to_json(self) -> dict:
        return {"file": self.file, "path": self.path, "message": self.message}


SIZE_CAP = 16 << 20  # bytes; real schemas are far smaller, and /proc or a runaway file must not fill memory
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


class SchemaProblem(BadInput):
    """A schema that cannot be used: unreadable, too big, not JSON, not a JSON Schema, or an unresolvable
    `$ref`. Fatal for a schema the user named (`--schema`) or under `--strict`; otherwise one warning."""


def locate(value: Any, base: Path) -> Path | None:
    """The schema file a `$schema` value names, or None when there is nothing there to try.

    `value` is the monolith's `$schema`; a relative path is taken from `base` (the monolith's folder). A URL
    is never fetched. Absolute paths and paths outside `base` are followed: real monoliths name the schema
    where the hypervisor keeps it (`/usr/local/phoenix_hypervisor/etc/...`). What `read_schema` refuses there
    (a device, a FIFO, a huge file) becomes a SchemaProblem, not a hang.
    """
    if type(value) is not str or not value or _URL.match(value):
        return None
    candidate = Path(value) if Path(value).is_absolute() else base / value
    return candidate if os.path.lexists(candidate) else None


def read_schema(path: Path) -> bytes:
    """The bytes of a schema file: a regular file of at most SIZE_CAP bytes, read without ever blocking.

    Raises SchemaProblem naming the file. The type is checked with stat before opening (opening a device may
    have effects) and again with fstat on what was opened (the name may have changed in between).
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise SchemaProblem("is not a regular file", str(path))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise SchemaProblem(error.strerror or str(error), str(path)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SchemaProblem("is not a regular file", str(path))
        chunks, size = [], 0
        while size <= SIZE_CAP and (chunk := os.read(fd, min(1 << 20, SIZE_CAP + 1 - size))):
            chunks.append(chunk)  # st_size is not trusted: files under /proc say 0
            size += len(chunk)
    except OSError as error:
        raise SchemaProblem(error.strerror or str(error), str(path)) from None
    finally:
        os.close(fd)
    if size > SIZE_CAP:
        raise SchemaProblem(f"is larger than {SIZE_CAP >> 20} MiB; not read as a JSON Schema", str(path))
    return b"".join(chunks)


def load(path: Path) -> dict:
    """A schema file as plain JSON values (an object); raises SchemaProblem naming the file."""
    try:
        schema = _plain(parse(read_schema(path), str(path)))
    except SchemaProblem:
        raise
    except BadInput as error:
        raise SchemaProblem(f"not JSON: {error.message}", error.file, error.line, error.column) from None
    if type(schema) is not dict:
        raise SchemaProblem("a JSON Schema must be an object", str(path))
    return schema


def _plain(value: Any) -> Any:
    """Numbers kept as lexemes become floats or ints again: jsonschema compares numbers by value."""
    return map_numbers(value, _plain_number)


def _plain_number(number: Any) -> Any:
    if type(number) is not Number:
        return number
    return float(number.text) if any(mark in number.text for mark in ".eE") else int(number.text)


_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs", "dependencies")
_SCHEMA_ONE = ("items", "additionalProperties", "additionalItems", "not", "if", "then", "else", "contains",
               "propertyNames")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "items")


def partial(schema: Any) -> Any:
    """The schema with every `required` removed: what a layer, which holds part of a container, must meet."""
    if type(schema) is not dict:
        return schema
    result = {}
    for keyword, value in schema.items():
        if keyword == "required":
            continue
        if keyword in _SCHEMA_MAPS and type(value) is dict:
            value = {name: partial(sub) for name, sub in value.items()}
        elif keyword in _SCHEMA_LISTS and type(value) is list:
            value = [partial(sub) for sub in value]
        elif keyword in _SCHEMA_ONE:
            value = partial(value)
        result[keyword] = value
    return result


class Checker:
    """Validates instances against a monolith schema; messages come from jsonschema's best_match.

    `$ref`s resolve through a `referencing.Registry` whose retrieve function reads only files in the schema's
    own folder (or below it); it never reaches the network. Every `$ref` reachable from the schema is resolved
    once here, so a dangling one is a SchemaProblem before any instance is checked.
    """

    def __init__(self, schema: dict, origin: str):
        from jsonschema import Draft7Validator, validators
        from jsonschema.exceptions import SchemaError
        from jsonschema_specifications import REGISTRY as SPECIFICATIONS
        from referencing import Registry

        if "$schema" in schema and type(schema["$schema"]) is not str:
            raise SchemaProblem("not a valid JSON Schema: $schema must be a string (a URI)", origin)
        cls = validators.validator_for(schema, default=Draft7Validator)
        try:
            cls.check_schema(schema)
        except SchemaError as error:
            raise SchemaProblem(f"not a valid JSON Schema: {error.message}", origin) from None
        self.origin = origin
        self.path = Path(origin)
        specification = _specification(schema)
        root = specification.create_resource(schema)
        # the metaschemas (draft 3 to 2020-12) are known without fetching: jsonschema ships them
        registry = SPECIFICATIONS.combine(Registry(retrieve=_retriever(self.path, root.id(), specification)))
        # the root as jsonschema itself roots it (at its $id, if any), so that both resolve $refs alike
        _resolve_all(schema, registry.resolver_with_root(root), specification, origin)
        self.full = cls(schema, registry=registry)
        containers = (schema.get("properties") or {}).get(CONTAINERS_KEY) or {}
        self._patterns = [(re.compile(pattern), sub) for pattern, sub in
                          (containers.get("patternProperties") or {}).items()]
        self._additional = containers.get("additionalProperties")
        self._globals = dict(schema, properties={k: v for k, v in (schema.get("properties") or {}).items()
                                                 if k != CONTAINERS_KEY})

    def container_schema(self, ctid: str) -> dict | None:
        for pattern, sub in self._patterns:
            if pattern.search(ctid) and type(sub) is dict:
                return sub
        return self._additional if type(self._additional) is dict else None

    def _errors(self, schema: Any, instance: Any) -> list:
        from referencing.exceptions import Unresolvable

        try:
            return list(self.full.evolve(schema=schema).iter_errors(_plain(instance)))
        except Unresolvable as error:  # a $ref below a nested $id that _resolve_all could not see
            raise SchemaProblem(_why(error), self.origin) from None
        except RecursionError:
            raise SchemaProblem("its $refs lead back to themselves without end", self.origin) from None

    def _grouped(self, schema: Any, instance: Any):
        from jsonschema.exceptions import best_match

        groups = defaultdict(list)
        for error in self._errors(schema, instance):
            groups[tuple(error.absolute_path)].append(error)
        return [(path, best_match(errors)) for path, errors in groups.items()]

    def layer(self, layer: Layer, schema: Any) -> list[Problem]:
        """A base, profile or container file against the container schema made partial."""
        if schema is None:
            return []
        return [Problem(layer.file, json_path(path), error.message)
                for path, error in self._grouped(partial(schema), layer.values)]

    def globals(self, values: dict, file: str) -> list[Problem]:
        return [Problem(file, json_path(path), error.message)
                for path, error in self._grouped(partial(self._globals), values)]

    def container(self, ctid: str, merged: dict, layers: list[Layer]) -> list[Problem]:
        """A merged container against the full schema; each problem on the file that introduced it."""
        from .explain import setter

        schema = self.container_schema(ctid)
        if schema is None:
            return []
        problems = []
        for path, error in self._grouped(schema, merged):
            culprit = setter(layers, _blamed_path(error, path)) or layers[-1]
            problems.append(Problem(culprit.file, json_path((CONTAINERS_KEY, ctid) + path), error.message))
        return problems

    def monolith(self, doc: dict, files: dict[str, str]) -> list[Problem]:
        """The whole document against the full schema, except inside containers (checked one by one).

        `files` maps container ids to their files, for a container id the schema does not allow.
        """
        problems = []
        for path, error in self._grouped(self.full.schema, doc):
            if len(path) >= 2 and path[0] == CONTAINERS_KEY:
                continue
            blamed = _blamed_path(error, path)
            file = files.get(blamed[1], "layout.json") if blamed[:1] == (CONTAINERS_KEY,) and len(blamed) > 1 \
                else "globals.json"
            problems.append(Problem(file, json_path(path), error.message))
        return problems

    def count(self, doc: dict) -> int:
        """How many places of a monolith break the schema (for warnings during split and merge)."""
        return len(self._grouped(self.full.schema, doc))


def _blamed_path(error, path: tuple) -> tuple:
    """The path whose value caused the error: a missing or unexpected key counts as set where it would be."""
    instance = error.instance
    if error.validator == "required" and type(instance) is dict:
        missing = [name for name in error.validator_value if name not in instance]
        if missing:
            return path + (missing[0],)
    if error.validator == "additionalProperties" and type(instance) is dict:
        known = set((error.schema or {}).get("properties") or {})
        patterns = [re.compile(p) for p in (error.schema or {}).get("patternProperties") or {}]
        extra = [key for key in instance if key not in known and not any(p.search(key) for p in patterns)]
        if extra:
            return path + (extra[0],)
    return path


_NOT_SCHEMAS = ("enum", "const", "default", "examples")  # values, not schemas: a "$ref" there is data


def _specification(schema: dict):
    from referencing.jsonschema import DRAFT7, specification_with

    return specification_with(schema.get("$schema", ""), default=DRAFT7) if type(schema.get("$schema")) is str \
        else DRAFT7


def _resolve_all(schema: dict, resolver, specification, origin: str) -> None:
    """Look up every `$ref` reachable from the schema, following them into the files they name, once each.

    Raises SchemaProblem for the first one that cannot be resolved.
    """
    from referencing.exceptions import Unresolvable

    seen: set[int] = {id(schema)}
    stack = [(schema, resolver, True)]
    while stack:
        node, resolver, root = stack.pop()
        if type(node) is list:
            stack.extend((item, resolver, False) for item in node)
            continue
        if type(node) is not dict:
            continue
        if not root and type(node.get("$id")) is str:
            resolver = resolver.in_subresource(specification.create_resource(node))
        ref = node.get("$ref")
        if type(ref) is str:
            try:
                resolved = resolver.lookup(ref)
            except Unresolvable as error:
                raise SchemaProblem(_why(error, ref), origin) from None
            if id(resolved.contents) not in seen:
                seen.add(id(resolved.contents))
                stack.append((resolved.contents, resolved.resolver, False))
        stack.extend((value, resolver, False) for key, value in node.items() if key not in _NOT_SCHEMAS)


class _Refused(Exception):
    """Why the retrieve function would not read a resource (referencing wraps it as the cause)."""


def _retriever(schema_path: Path, root_id: str | None, specification):
    """A retrieve function for referencing.Registry: files in the schema's folder tree only, never a URL.

    A relative `$ref` is a file beside the schema; so is one under the folder of the schema's own `$id`
    (`$id: https://example.com/lxc.json` with `$ref: ct.json`), as check-jsonschema's `--base-uri` does.
    Source: referencing's documented `Registry(retrieve=...)` hook, called for any URI not in the registry.
    """
    from urllib.parse import unquote, urljoin, urlsplit

    from referencing import Resource

    folder = schema_path.resolve().parent
    root_uri = schema_path.resolve().as_uri()
    id_folder = urljoin(root_id, ".") if root_id else None

    def retrieve(uri: str):
        if id_folder and uri.startswith(id_folder):
            uri = uri[len(id_folder):]
        parts = urlsplit(urljoin(root_uri, uri))
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise _Refused(f"$ref {uri} is not fetched: splitter never reaches the network (copy that schema "
                           f"into {folder} and refer to it by a relative path)")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(folder):
            raise _Refused(f"$ref {uri} names a file outside the schema's folder {folder}; it is not read")
        try:
            contents = load(path)
        except SchemaProblem as problem:
            where = path.relative_to(folder).as_posix()
            if problem.line is not None:
                where += f":{problem.line}:{problem.column}"
            raise _Refused(f"$ref {where}: {problem.message}") from None
        return Resource.from_contents(contents, default_specification=specification)

    return retrieve


def _why(error: BaseException, ref: str | None = None) -> str:
    """One line for an unresolvable reference, from the chain of causes referencing and jsonschema raise."""
    from referencing.exceptions import InvalidAnchor, NoSuchAnchor, PointerToNowhere, Unresolvable

    cause: BaseException | None = error
    ref = ref or getattr(error, "ref", None)
    while cause is not None:
        if isinstance(cause, _Refused):
            return str(cause)
        if isinstance(cause, (NoSuchAnchor, InvalidAnchor)):
            return f"$ref {ref or '#' + cause.anchor}: no such anchor"
        if isinstance(cause, PointerToNowhere):
            return f"$ref {ref if ref and '#' in ref else '#' + cause.ref} points to nothing"
        if isinstance(cause, Unresolvable) and not ref:
            ref = getattr(cause, "ref", None)
        cause = cause.__cause__ or getattr(cause, "_wrapped", None)
    return f"$ref {ref} cannot be resolved" if ref else f"a reference cannot be resolved ({type(error).__name__})"


def find_checker(named: Any, base: Path, override: Path | None, fatal: bool,
                 warn: Callable[[str], None]) -> Checker | None:
    """The checker for the schema a command uses, or None when there is none to use.

    `named` is the `$schema` value (looked up by `locate` from `base`); `override` the file of `--schema`.
    A schema the user named, or any schema when `fatal` (`--strict`), raises SchemaProblem when it cannot be
    used; one found by itself is reported through `warn` (one line) and left out: schemas are advisory.
    """
    path = override if override is not None else locate(named, base)
    if path is None:
        return None
    try:
        return Checker(load(path), str(path))
    except SchemaProblem as problem:
        if override is not None or fatal:
            raise
        warn(not_used(problem))
        return None


def not_used(problem: SchemaProblem) -> str:
    return f"{problem}; the schema is not used (--strict or --schema makes this an error)"
