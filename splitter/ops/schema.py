"""JSON Schema checks of layers (partial schema), containers and the monolith, pinned to the files at fault."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from splitter.exact.jsonpath import json_path
from splitter.ops.schemafile import SchemaProblem, load, locate, offline_registry, plain, why
from splitter.tree.collection import LXC, Collection
from splitter.tree.layers import Layer


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    path: str  # a JSON path, as jsonschema writes them
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}"

    def to_json(self) -> dict:
        return {"file": self.file, "path": self.path, "message": self.message}


_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs", "dependencies")
_SCHEMA_ONE = ("items", "additionalProperties", "additionalItems", "not", "if", "then", "else", "contains",
               "propertyNames")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "items")


# what only a whole object can meet: a layer holds part of a container, so another layer may add the key
_WHOLE = ("required", "dependentRequired", "minProperties")


def partial(schema: Any) -> Any:
    """The schema without the keywords that only a whole object can meet (`required`, `dependentRequired`,
    `minProperties`, a `dependencies` list of names): what a layer, which holds part of a container, must meet."""
    if type(schema) is not dict:
        return schema
    result = {}
    for keyword, value in schema.items():
        if keyword in _WHOLE:
            continue
        if keyword == "dependencies" and type(value) is dict:
            value = {name: sub for name, sub in value.items() if type(sub) is not list}  # keep schema dependencies
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

    `$ref`s resolve through `offline_registry`: files in the schema's folder only, never the network.
    Raises SchemaProblem for a schema that is not valid or whose `$ref`s do not resolve.
    """

    def __init__(self, schema: dict, origin: str, collection: Collection = LXC):
        from jsonschema import Draft7Validator, validators
        from jsonschema.exceptions import SchemaError

        if "$schema" in schema and type(schema["$schema"]) is not str:
            raise SchemaProblem("not a valid JSON Schema: $schema must be a string (a URI)", origin)
        cls = validators.validator_for(schema, default=Draft7Validator)
        try:
            cls.check_schema(schema)
        except SchemaError as error:
            raise SchemaProblem(f"not a valid JSON Schema: {error.message}", origin) from None
        self.origin = origin
        self.path = Path(origin)
        self.full = cls(schema, registry=offline_registry(schema, self.path, origin))
        self.collection = collection
        self._tokens = collection.tokens
        containers = schema
        for token in self._tokens:  # the schema of the collection: properties along its pointer
            containers = ((containers.get("properties") or {}) if type(containers) is dict else {}).get(token) or {}
        containers = containers if type(containers) is dict else {}
        self._patterns = [(re.compile(pattern), sub) for pattern, sub in
                          (containers.get("patternProperties") or {}).items()]
        # a map's entries meet additionalProperties, a list's entries its items
        self._additional = containers.get("items" if collection.id_key is not None else "additionalProperties")
        top = self._tokens[0] if self._tokens else None
        self._globals = dict(schema, properties={k: v for k, v in (schema.get("properties") or {}).items()
                                                 if k != top})

    def container_schema(self, ctid: str) -> dict | None:
        for pattern, sub in self._patterns:
            if pattern.search(ctid) and type(sub) is dict:
                return sub
        return self._additional if type(self._additional) is dict else None

    def _errors(self, schema: Any, instance: Any) -> list:
        from referencing.exceptions import Unresolvable

        try:
            return list(self.full.evolve(schema=schema).iter_errors(plain(instance)))
        except Unresolvable as error:  # a $ref below a nested $id that _resolve_all could not see
            raise SchemaProblem(why(error), self.origin) from None
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
        from splitter.ops.explain import giver

        schema = self.container_schema(ctid)
        if schema is None:
            return []
        problems = []
        for path, error in self._grouped(schema, merged):
            culprit = giver(layers, _blamed_path(error, path))
            problems.append(Problem(culprit.file, json_path(self._tokens + (ctid,) + path), error.message))
        return problems

    def monolith(self, doc: dict, files: dict[str, str]) -> list[Problem]:
        """The whole document against the full schema, except inside containers (checked one by one).

        `files` maps container ids to their files, for a container id the schema does not allow.
        """
        problems = []
        tokens, ids = self._tokens, list(files)
        for path, error in self._grouped(self.full.schema, doc):
            if len(path) > len(tokens) and path[: len(tokens)] == tokens:
                continue
            blamed = _blamed_path(error, path)
            file = self.collection.globals_file
            if len(blamed) > len(tokens) and blamed[: len(tokens)] == tokens:
                key = blamed[len(tokens)]  # a list's entry by its index, a map's by its id
                key = ids[key] if type(key) is int and 0 <= key < len(ids) else key
                file = files.get(key, self.collection.layout_file)
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
    if error.validator in ("dependencies", "dependentRequired") and type(instance) is dict:
        for name, needs in (error.validator_value or {}).items():  # the key that needs the missing ones
            if name in instance and type(needs) is list and any(need not in instance for need in needs):
                return path + (name,)
    if "propertyNames" in error.relative_schema_path and type(instance) is str:
        return path + (instance,)  # the name that breaks it, which jsonschema gives as the instance
    if error.validator == "additionalProperties" and type(instance) is dict:
        known = set((error.schema or {}).get("properties") or {})
        patterns = [re.compile(p) for p in (error.schema or {}).get("patternProperties") or {}]
        extra = [key for key in instance if key not in known and not any(p.search(key) for p in patterns)]
        if extra:
            return path + (extra[0],)
    return path


def describes_collection(schema: Any, collection: Collection) -> bool:
    """Whether a monolith schema describes the collection's place: `properties` along its pointer
    (properties.lxc_configs for /lxc_configs, properties.vms for /vms; any schema for a monolith that is the
    list itself). This is how `check --schema FILE` of a tree of several collections tells whose schema FILE is."""
    node = schema
    for token in collection.tokens:
        properties = node.get("properties") if type(node) is dict else None
        if type(properties) is not dict or token not in properties:
            return False
        node = properties[token]
    return True


def find_checker(named: Any, base: Path, override: Path | None, fatal: bool,
                 warn: Callable[[SchemaProblem], None], collection: Collection = LXC) -> Checker | None:
    """The checker for the schema a command uses, or None when there is none to use.

    `named` is the `$schema` value (looked up by `locate` from `base`); `override` the file of `--schema`.
    A schema the user named, or any schema when `fatal` (`--strict`), raises SchemaProblem when it cannot be
    used; one found by itself is handed to `warn` and left out: schemas are advisory.
    """
    path = override if override is not None else locate(named, base)
    if path is None:
        return None
    try:
        return Checker(load(path), str(path), collection)
    except SchemaProblem as problem:
        if override is not None or fatal:
            raise
        warn(problem)
        return None


def not_used(problem: SchemaProblem) -> str:
    return f"{problem}; the schema is not used (--strict or --schema makes this an error)"
