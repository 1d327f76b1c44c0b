"""Schemas that are not schemas or point elsewhere, long ids, orders that do not depend
on the hash seed, and file names that stay apart on case-insensitive and normalising file systems."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
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
    done = run("split", monolith, "--dry-run", "--format", "json")
    assert done.exit_code == 0
    plan = json.loads(done.stdout)  # the plan says no schema was used, and why
    assert plan["totals"]["schema_warnings"] is None and message in plan["schema"]["reason"]
    warned_once(done.stderr, message)
    assert "the schema is not used" in done.stderr
    # --strict makes it fatal: exit 2, one line, nothing written
    before = listing(tmp_path)
    strict = run("split", monolith, "-o", tmp_path / "strict.d", "--strict")
    assert strict.exit_code == 2 and message in one_line(strict.stderr) and "warning" not in strict.stderr
    assert strict.stdout == ""
    assert listing(tmp_path) == before


def test_split_merge_and_check_go_on_past_a_schema_that_is_not_one(tmp_path: Path) -> None:
    monolith = write_monolith(tmp_path, _not_json(tmp_path))
    message = "notes.txt:1:1: not JSON: expecting value; the schema is not used"
    out = tmp_path / "conf.d"
    done = run("split", monolith, "-o", out)
    assert done.exit_code == 0
    warned_once(done.stderr, message)
    assert run("verify", out, monolith, "--byte-exact").exit_code == 0
    # check and merge find the same $schema through globals.json (relative to the tree's parent folder)
    checked = run("check", out)
    assert checked.exit_code == 0
    warned_once(checked.stderr, message)
    merged = run("merge", out)
    assert merged.exit_code == 0 and merged.stdout_bytes == monolith.read_bytes()
    warned_once(merged.stderr, message)


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


def test_a_schema_that_points_elsewhere_is_one_line_never_a_fetch(tmp_path: Path,
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
    monolith = write_monolith(work, "schemas/lxc.schema.json")
    out = work / "conf.d"
    assert run("split", monolith, "-o", out).exit_code == 0  # no schema there yet
    for ref, message in REFS.items():
        schema.write_text(json.dumps(schema_with_ref(ref)))
        # found by itself: one warning, the work goes on
        for command in (["split", monolith, "--dry-run"], ["check", out], ["merge", out, "-o", work / "merged.json"]):
            done = run(*command)
            assert done.exit_code == 0, done.stderr
            warned_once(done.stderr, message)
        assert (work / "merged.json").read_bytes() == monolith.read_bytes()
        # named with --schema, or under --strict: exit 2, one line naming the schema, nothing written
        before = listing(tmp_path)
        for command in (["split", monolith, "-o", work / "new.d", "--schema", schema],
                        ["split", monolith, "-o", work / "new.d", "--strict"],
                        ["check", out, "--schema", schema],
                        ["merge", out, "-o", work / "again.json", "--schema", schema],
                        ["merge", out, "--strict"]):
            done = run(*command)
            assert done.exit_code == 2, (command, done.stderr)
            line = one_line(done.stderr)
            assert line.startswith("splitter: ") and "schemas/lxc.schema.json: $ref" in line and message in line
            assert done.stdout == ""
        assert listing(tmp_path) == before


BROKEN_SCHEMAS = [
    ({"$schema": 5}, "not a valid JSON Schema: $schema must be a string (a URI)"),
    ({"properties": {"lxc_configs": {"patternProperties": {"[": {}}}}}, "not a valid JSON Schema: '[' is not"),
    ({"$ref": "#/definitions/a", "definitions": {"a": {"$ref": "#/definitions/a"}}},
     "its $refs lead back to themselves without end"),
    (schema_with_ref("#nope"), "$ref #nope: no such anchor"),
    (dict(schema_with_ref("#/definitions/x"), definitions={"x": {"$ref": "#/definitions/y"}}),
     "$ref #/definitions/y points to nothing"),
    (dict(schema_with_ref("https://example.invalid/other/ct.json"), **{"$id": "https://example.invalid/s/lxc.json"}),
     "$ref https://example.invalid/other/ct.json is not fetched: splitter never reaches the network"),
]


def test_every_broken_schema_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    schema = tmp_path / "lxc.schema.json"
    for content, message in BROKEN_SCHEMAS:
        schema.write_text(json.dumps(content))
        for command in (["check", out], ["merge", out], ["split", FIXTURE, "--dry-run"]):
            done = run(*command, "--schema", schema)
            assert done.exit_code == 2 and done.stdout == "", (content, command, done.stderr)
            assert one_line(done.stderr).startswith(f"splitter: {schema}: {message}"), done.stderr


def test_a_reference_under_the_schema_id_is_read_from_its_folder(tmp_path: Path) -> None:
    (tmp_path / "container.json").write_text(json.dumps({"properties": {"cores": {"type": "string"}}}))
    schema = tmp_path / "lxc.schema.json"
    schema.write_text(json.dumps(dict(schema_with_ref("container.json"),
                                      **{"$id": "https://example.invalid/schemas/lxc.schema.json"})))
    assert run("split", FIXTURE, "-o", tmp_path / "conf.d").exit_code == 0
    checked = run("check", tmp_path / "conf.d", "--schema", schema)
    assert checked.exit_code == 1 and "is not of type 'string'" in checked.stdout + checked.stderr


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
    assert checked.exit_code == 1 and "is not of type 'string'" in checked.stdout + checked.stderr


# ---------------------------------------------------------------- item 3: long ids

def first_container() -> dict:
    return next(iter(MONOLITH["lxc_configs"].values()))


def test_long_ids_keep_their_file_names_within_255_bytes(tmp_path: Path) -> None:
    longest = "7" * 250  # with ".json", exactly 255 bytes
    ids = {"9" * 200: "a very long name " * 20, longest: "words that cannot fit", "9" * 240 + "%": "x"}
    monolith = write_monolith(tmp_path, containers={ctid: dict(first_container(), name=name)
                                                    for ctid, name in ids.items()})
    out = tmp_path / "conf.d"
    done = run("split", monolith, "-o", out)
    assert done.exit_code == 0, done.stderr
    names = sorted(path.name for path in (out / "lxc").iterdir())
    assert all(len(name.encode()) <= 255 for name in names), names
    assert f"{longest}.json" in names  # no room for words: the id alone
    assert any(name.startswith("9" * 200 + "_a-very-long-name-a-very") and len(name) == 255 for name in names)
    assert run("verify", out, monolith, "--byte-exact").exit_code == 0
    checked = run("check", out)  # the cut words are the words check expects
    assert checked.exit_code == 0, checked.stderr + checked.stdout


def test_an_id_that_cannot_fit_a_file_name_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    monolith = write_monolith(tmp_path, containers={"1" * 100 + "\u00e9" * 50: first_container()})
    for args in (["-o", tmp_path / "conf.d"], ["--dry-run"]):
        done = run("split", monolith, *args)
        assert done.exit_code == 2 and done.stdout == ""
        line = one_line(done.stderr)
        assert line.startswith(f"splitter: {monolith}: container id ") and "too long to name a file" in line
        assert "takes 400 bytes, at most 250 fit" in line
    assert os.listdir(tmp_path) == [monolith.name]


def test_a_profile_name_that_cannot_fit_a_file_name_is_refused(tmp_path: Path) -> None:
    done = run("split", FIXTURE, "-o", tmp_path / "conf.d", "--name", "nvidia=" + "g" * 243)
    assert done.exit_code == 2 and "at most 242" in one_line(done.stderr)
    assert os.listdir(tmp_path) == []


def test_a_long_output_name_still_gets_its_hidden_staging_folder(tmp_path: Path) -> None:
    out = tmp_path / ("d" * 250)
    done = run("split", FIXTURE, "-o", out)
    assert done.exit_code == 0, done.stderr
    merged = tmp_path / ("m" * 255)
    assert run("merge", out, "-o", merged).exit_code == 0
    assert merged.read_bytes() == FIXTURE.read_bytes()
    assert sorted(os.listdir(tmp_path)) == sorted([out.name, merged.name])


# ---------------------------------------------------------------- item 4: orders that do not depend on the hash seed

def splitter_in(seed: int, *args: object) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    return subprocess.run([sys.executable, "-m", "splitter", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, timeout=120)


def test_containers_added_by_hand_come_out_in_one_order_whatever_the_hash_seed(tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    source = next((out / "lxc").glob("103_*.json")).read_bytes()
    for ctid in ("1", "01", "001", "a1", "A1x", "b"):
        (out / "lxc" / f"{ctid}_copy.json").write_bytes(source)
    merged = {seed: splitter_in(seed, "merge", out) for seed in (0, 1, 2)}
    assert {done.returncode for done in merged.values()} == {0}
    assert len({done.stdout for done in merged.values()}) == 1
    order = list(json.loads(merged[0].stdout)["lxc_configs"])
    assert order[-6:] == ["001", "01", "1", "A1x", "a1", "b"]  # natural order, then the exact string
    (tmp_path / "merged.json").write_bytes(merged[0].stdout)
    for seed in (3,):
        assert splitter_in(seed, "verify", out, tmp_path / "merged.json", "--byte-exact").returncode == 0


@pytest.mark.slow
def test_every_output_is_the_same_under_every_hash_seed(tmp_path: Path) -> None:
    outputs = {}
    for seed in (0, 1, 2):
        out = tmp_path / f"conf.d-{seed}"
        plan = splitter_in(seed, "split", FIXTURE, "--dry-run", "--format", "json")
        assert splitter_in(seed, "split", FIXTURE, "-o", out).returncode == 0
        explained = splitter_in(seed, "show", out, "950", "--explain", "--format", "json")
        checked = splitter_in(seed, "check", out, "--format", "json")
        files = {str(path.relative_to(out)): path.read_bytes() for path in sorted(out.rglob("*.json"))}
        outputs[seed] = (plan.stdout, explained.stdout, checked.stdout, files)
    assert outputs[0] == outputs[1] == outputs[2]


# ---------------------------------------------------------------- item 5: case and Unicode in file names

def test_ids_that_differ_only_in_case_are_refused(tmp_path: Path) -> None:
    monolith = write_monolith(tmp_path, containers={"A1": first_container(), "b": first_container(),
                                                    "a1": first_container()})
    for args in (["-o", tmp_path / "conf.d"], ["--dry-run"]):
        done = run("split", monolith, *args)
        assert done.exit_code == 2 and done.stdout == ""
        assert one_line(done.stderr) == (f'splitter: {monolith}: container ids "A1" and "a1" differ only in letter '
                                         "case: their files would be one file on macOS and Windows; rename one of "
                                         "them\n")
    assert os.listdir(tmp_path) == [monolith.name]


def test_nfc_and_nfd_ids_get_names_apart_on_every_file_system(tmp_path: Path) -> None:
    nfc, nfd = "caf\u00e9", unicodedata.normalize("NFD", "caf\u00e9")
    monolith = write_monolith(tmp_path, containers={nfc: first_container(), nfd: first_container()})
    out = tmp_path / "conf.d"
    assert run("split", monolith, "-o", out).exit_code == 0
    names = [path.name for path in (out / "lxc").iterdir()]
    folded = {unicodedata.normalize("NFC", unicodedata.normalize("NFD", name).casefold()) for name in names}
    assert len(folded) == 2 and all(name.isascii() for name in names)
    assert run("verify", out, monolith, "--byte-exact").exit_code == 0
    assert run("check", out).exit_code == 0


@pytest.mark.parametrize("first,second", [("A1", "a1"), ("caf\u00e9", "cafe\u0301"), ("STRASSE", "stra\u00dfe")])
def test_check_reports_files_whose_names_fold_to_the_same(tmp_path: Path, first: str, second: str) -> None:
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    source = next((out / "lxc").glob("103_*.json")).read_bytes()
    (out / "lxc" / f"{first}_web.json").write_bytes(source)  # written by hand, as the user spells them
    (out / "lxc" / f"{second}_db.json").write_bytes(source)
    done = run("check", out)
    assert done.exit_code == 1 and "Traceback" not in done.stderr
    said = [line for line in (done.stdout + done.stderr).splitlines() if "differ only in letter case" in line]
    assert len(said) == 1, done.stdout + done.stderr
    later, earlier = sorted([f"lxc/{first}_web.json", f"lxc/{second}_db.json"], reverse=True)
    assert said[0].startswith(f"{later}: $: its id and that of {earlier} differ only in letter case or Unicode")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300), st.one_of(st.none(), st.integers(), st.text(max_size=400)))
def test_a_container_file_name_fits_and_gives_its_id_back(ctid: str, name: object) -> None:
    from splitter.errors import BadInput
    from splitter.tree.names import NAME_MAX, container_file, encode_id, file_id

    try:
        encode_id(ctid)
    except BadInput as error:
        assert ctid == "" or "too long to name a file" in error.message
        return
    leaf = container_file(ctid, name).split("/")[1]
    assert len(leaf.encode()) <= NAME_MAX and leaf.isascii()
    assert file_id(leaf, {ctid}) == ctid  # an id holding '_' is read back by the layout's ids
