"""Finding and reading JSON Schemas safely: local regular files under a size cap, `$ref`s kept in the folder."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

from splitter.errors import BadInput
from splitter.exact.numbers import Number, map_numbers
from splitter.exact.parse import parse

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
        schema = plain(parse(read_schema(path), str(path)))
    except SchemaProblem:
        raise
    except BadInput as error:
        raise SchemaProblem(f"not JSON: {error.message}", error.file, error.line, error.column) from None
    if type(schema) is not dict:
        raise SchemaProblem("a JSON Schema must be an object", str(path))
    return schema


def plain(value: Any) -> Any:
    """Numbers kept as lexemes become floats or ints again: jsonschema compares numbers by value."""
    return map_numbers(value, _plain_number)


def _plain_number(number: Any) -> Any:
    if type(number) is not Number:
        return number
    return float(number.text) if any(mark in number.text for mark in ".eE") else int(number.text)


def offline_registry(schema: dict, path: Path, origin: str):
    """A `referencing.Registry` for a schema (a dict, read from `path`) that resolves `$ref`s without the network.

    It knows the metaschemas (drafts 3 to 2020-12, shipped with jsonschema) and retrieves files in the schema's
    folder or below it only. Every `$ref` reachable from the schema is looked up here, once, so a dangling one
    raises SchemaProblem (naming `origin`) before any instance is checked.
    """
    from jsonschema_specifications import REGISTRY as SPECIFICATIONS
    from referencing import Registry

    specification = _specification(schema)
    root = specification.create_resource(schema)
    registry = SPECIFICATIONS.combine(Registry(retrieve=_retriever(path, root.id(), specification)))
    # the root as jsonschema itself roots it (at its $id, if any), so that both resolve $refs alike
    _resolve_all(schema, registry.resolver_with_root(root), specification, origin)
    return registry


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
                raise SchemaProblem(why(error, ref), origin) from None
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


def why(error: BaseException, ref: str | None = None) -> str:
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
