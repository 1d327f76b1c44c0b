"""Issue 8, robustness: schemas that are not schemas or point elsewhere, long ids, orders that do not depend
on the hash seed, and file names that stay apart on case-insensitive and normalising file systems."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from conftest import FIXTURE, ROOT, run

MONOLITH = json.loads(FIXTURE.read_text())


def write_monolith(folder: Path, schema: object = None, containers: dict | None = None) -> Path:
    doc = dict(MONOLITH)
    if schema is not None:
        doc["$schema"] = schema
    if containers is not None:
        doc["lxc_configs"] = containers
    path = folder / "phoenix_lxc_configs.json"
    path.write_text(json.dumps(doc, indent=4, ensure_ascii=False) + "\n")
    return path


def one_line(text: str) -> str:
    assert text.count("\n") == 1 and "Traceback" not in text, text
    return text


def warned_once(stderr: str, message: str) -> None:
    """One warning line carrying the message; whatever else a command says there is not a diagnostic."""
    warnings = [line for line in stderr.splitlines() if line.startswith("splitter:")]
    assert len(warnings) == 1 and warnings[0].startswith("splitter: warning: ") and message in warnings[0], stderr
    assert "Traceback" not in stderr


def listing(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


# ---------------------------------------------------------------- item 1: a $schema that is not a schema

def _not_json(folder: Path) -> str:
    (folder / "notes.txt").write_text("not JSON\n")
    return "notes.txt"


def _not_a_schema(folder: Path) -> str:
    (folder / "bad.schema.json").write_text('{"type": 12}')
    return "bad.schema.json"


def _too_big(folder: Path) -> str:
    with open(folder / "big.schema.json", "wb") as handle:
        handle.truncate((16 << 20) + 1)  # sparse: costs no disk
    return "big.schema.json"


NOT_SCHEMAS = {
    "proc": (lambda folder: "/proc/self/status", "/proc/self/status:1:1: not JSON"),
    "device": (lambda folder: "/dev/zero", "/dev/zero: is not a regular file"),
    "folder": (lambda folder: str(folder), "is not a regular file"),
    "not-json": (_not_json, "notes.txt:1:1: not JSON"),
    "not-a-schema": (_not_a_schema, "bad.schema.json: not a valid JSON Schema: 12 is not valid"),
    "too-big": (_too_big, "big.schema.json: is larger than 16 MiB"),
}


@pytest.mark.parametrize("case", sorted(NOT_SCHEMAS))
def test_a_schema_that_is_not_a_schema_warns_once_and_the_split_goes_on(tmp_path: Path, case: str) -> None:
    make, message = NOT_SCHEMAS[case]
    if case == "proc" and not Path("/proc/self/status").exists():
        pytest.skip("no /proc here")
    monolith = write_monolith(tmp_path, make(tmp_path))
    out = tmp_path / "conf.d"
    done = run("split", monolith, "-o", out)
    assert done.exit_code == 0, done.stderr
    warned_once(done.stderr, message)
    assert "the schema is not used" in done.stderr
    assert run("verify", out, monolith, "--byte-exact").exit_code == 0
    # check and merge find the same $schema through globals.json (relative to the tree's parent folder)
    checked = run("check", out)
    assert checked.exit_code == 0
    warned_once(checked.stderr, message)
    merged = run("merge", out)
    assert merged.exit_code == 0 and merged.stdout_bytes == monolith.read_bytes()
    warned_once(merged.stderr, message)
    # --strict makes it fatal: exit 2, one line, nothing written
    before = listing(tmp_path)
    strict = run("split", monolith, "-o", tmp_path / "strict.d", "--strict")
    assert strict.exit_code == 2 and message in one_line(strict.stderr) and "warning" not in strict.stderr
    assert strict.stdout == ""
    assert listing(tmp_path) == before


def test_an_explicit_schema_that_is_not_a_schema_is_fatal(tmp_path: Path) -> None:
    monolith = write_monolith(tmp_path)
    _not_json(tmp_path)
    for args in (["split", monolith, "-o", tmp_path / "conf.d"], ["split", monolith, "--dry-run"]):
        done = run(*args, "--schema", tmp_path / "notes.txt")
        assert done.exit_code == 2 and done.stdout == ""
        assert one_line(done.stderr) == f"splitter: {tmp_path / 'notes.txt'}:1:1: not JSON: expecting value\n"
    assert sorted(os.listdir(tmp_path)) == ["notes.txt", "phoenix_lxc_configs.json"]
    assert run("split", monolith, "-o", tmp_path / "conf.d").exit_code == 0
    for command in ("check", "merge"):
        done = run(command, tmp_path / "conf.d", "--schema", "/dev/zero")
        assert done.exit_code == 2 and one_line(done.stderr) == "splitter: /dev/zero: is not a regular file\n"
        assert done.stdout == ""


# ---------------------------------------------------------------- item 2: a schema that points elsewhere

def schema_with_ref(ref: str) -> dict:
    return {"type": "object", "properties": {"lxc_configs": {
        "type": "object", "additionalProperties": {"$ref": ref}}}}


REFS = {
    "https://example.invalid/container.schema.json": "is not fetched: splitter never reaches the network",
    "#/nope": "$ref #/nope points to nothing",
    "file:///etc/hostname": "names a file outside the schema's folder",
    "../outside.json": "names a file outside the schema's folder",
    "missing.json": "$ref missing.json: ",
}


@pytest.mark.parametrize("ref", sorted(REFS))
def test_a_schema_that_points_elsewhere_is_one_line_never_a_fetch(tmp_path: Path, ref: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import socket
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("splitter tried to reach the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    work = tmp_path / "work"
    (work / "schemas").mkdir(parents=True)
    (tmp_path / "outside.json").write_text('{"type": "object"}')  # readable, but outside the schema's folder
    schema = work / "schemas" / "lxc.schema.json"
    schema.write_text(json.dumps(schema_with_ref(ref)))
    monolith = write_monolith(work, "schemas/lxc.schema.json")
    out = work / "conf.d"
    message = REFS[ref]

    # found by itself: one warning, the work goes on
    for command in (["split", monolith, "-o", out], ["check", out], ["merge", out, "-o", work / "merged.json"]):
        done = run(*command)
        assert done.exit_code == 0, done.stderr
        warned_once(done.stderr, message)
    assert (work / "merged.json").read_bytes() == monolith.read_bytes()

    # named with --schema, or under --strict: exit 2, one line naming the schema, nothing written
    before = listing(tmp_path)
    for command in (["split", monolith, "-o", work / "new.d", "--schema", schema],
                    ["split", monolith, "-o", work / "new.d", "--strict"],
                    ["split", monolith, "--dry-run", "--schema", schema],
                    ["check", out, "--schema", schema],
                    ["merge", out, "-o", work / "again.json", "--schema", schema],
                    ["merge", out, "--strict"]):
        done = run(*command)
        assert done.exit_code == 2, (command, done.stderr)
        line = one_line(done.stderr)
        assert line.startswith("splitter: ") and "schemas/lxc.schema.json: $ref" in line and message in line
        assert done.stdout == ""
    assert listing(tmp_path) == before


def test_a_reference_inside_the_schema_folder_is_followed(tmp_path: Path) -> None:
    (tmp_path / "defs").mkdir()
    (tmp_path / "defs" / "container.json").write_text(json.dumps(
        {"type": "object", "properties": {"cores": {"$ref": "#/definitions/count"}},
         "definitions": {"count": {"type": "string"}}}))
    schema = tmp_path / "lxc.schema.json"
    schema.write_text(json.dumps(dict(schema_with_ref("defs/container.json"), properties={
        "$schema": {"$ref": "http://json-schema.org/draft-07/schema#/properties/$id"},  # a metaschema: known
        "lxc_configs": schema_with_ref("defs/container.json")["properties"]["lxc_configs"]})))
    monolith = write_monolith(tmp_path, "lxc.schema.json")
    done = run("split", monolith, "--dry-run")
    assert done.exit_code == 0 and "place(s) break the schema" in done.stderr
    assert run("split", monolith, "-o", tmp_path / "conf.d").exit_code == 0
    checked = run("check", tmp_path / "conf.d")
    assert checked.exit_code == 1 and "is not of type 'string'" in checked.stderr
