"""split, then merge, gives the monolith back byte for byte; verify notices any change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURE, FIXTURES, corpus_params, run


def split_ok(monolith: Path, out: Path) -> None:
    result = run("split", monolith, "-o", out)
    assert result.exit_code == 0, result.stderr


def change_one_value(tree: Path) -> tuple[Path, str]:
    """Change the first own scalar value of the first container file (or give it one); return file and key."""
    path = sorted((tree / "lxc").glob("*.json"))[0]
    layer = json.loads(path.read_text())
    key = next((k for k, v in layer.items() if not k.startswith("$") and isinstance(v, (str, int))), "name")
    layer[key] = "changed by hand" if layer.get(key) != "changed by hand" else "changed twice"
    path.write_text(json.dumps(layer, indent=2) + "\n")
    return path, key


@pytest.mark.parametrize("monolith", corpus_params())
def test_corpus_round_trip(monolith: Path, tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    split_ok(monolith, out)
    merged = run("merge", out)
    assert merged.exit_code == 0, merged.stderr
    assert merged.stdout_bytes == monolith.read_bytes()
    verified = run("verify", out, monolith, "--byte-exact")
    assert verified.exit_code == 0, verified.stderr
    assert "bytes: identical" in verified.stdout

    changed, key = change_one_value(out)
    verified = run("verify", out, monolith)
    assert verified.exit_code == 1
    assert key in verified.stdout and changed.name in verified.stdout


def test_fixture_round_trip_and_report(tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    split_ok(FIXTURE, out)
    assert run("merge", out).stdout_bytes == FIXTURE.read_bytes()
    target = tmp_path / "again.json"
    assert run("merge", out, "-o", target).exit_code == 0
    assert target.read_bytes() == FIXTURE.read_bytes()

    path, key = change_one_value(out)
    report = run("verify", out, FIXTURE, "--format", "json")
    assert report.exit_code == 1
    data = json.loads(report.stdout)
    assert data["same_document"] is False and data["same_bytes"] is False
    (difference,) = data["differences"]
    ctid = path.name.split("_")[0]
    assert difference["container"] == ctid
    assert difference["path"] == f"$.lxc_configs['{ctid}'].{key}"
    assert difference["kind"] == "changed"
    assert difference["conf_d"] in ("changed by hand", "changed twice")
    assert difference["file"] == f"lxc/{path.name}"
    assert report.stderr == ""


def test_verify_reports_type_change_not_equality(tmp_path: Path) -> None:
    monolith = tmp_path / "m.json"
    monolith.write_text('{"lxc_configs": {"1": {"a": 1, "b": true, "c": 0.50}, "2": {"a": 1, "b": true, "c": 0.50}}}')
    out = tmp_path / "conf.d"
    split_ok(monolith, out)
    edited = tmp_path / "edited.json"
    edited.write_text('{"lxc_configs": {"1": {"a": 1.0, "b": 1, "c": 0.5}, "2": {"a": 1, "b": true, "c": 0.50}}}')
    report = run("verify", out, edited, "--format", "json")
    assert report.exit_code == 1
    data = json.loads(report.stdout)
    kinds = {d["path"]: d["kind"] for d in data["differences"]}
    # 0.50 and 0.5 are one value spelled two ways: a formatting difference, named in the byte report
    assert kinds == {"$.lxc_configs['1'].a": "type", "$.lxc_configs['1'].b": "type"}
    spelling = [d for d in data["byte_differences"] if d["kind"] == "number spelling"]
    assert [(d["path"], d["monolith"], d["conf_d"]) for d in spelling] == [("$.lxc_configs['1'].c", "0.5", "0.50")]


def test_mixed_style_same_document_bytes_differ(tmp_path: Path) -> None:
    monolith = tmp_path / "m.json"
    monolith.write_text('{\n    "lxc_configs": {\n  "1": {"a": 1}\n    }\n}\n')
    out = tmp_path / "conf.d"
    result = run("split", monolith, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "same document" in result.stderr
    verified = run("verify", out, monolith)
    assert verified.exit_code == 0 and "bytes: differ" in verified.stdout
    assert run("verify", out, monolith, "--byte-exact").exit_code == 1


@pytest.mark.parametrize("monolith", sorted((FIXTURES / "positive").glob("*.json")), ids=lambda p: p.name)
def test_positive_fixtures_round_trip_byte_for_byte(monolith: Path, tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    result = run("split", monolith, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "byte for byte" in result.stderr
    assert run("merge", out).stdout_bytes == monolith.read_bytes()
    assert run("verify", out, monolith, "--byte-exact").exit_code == 0


def test_verify_same_document_in_another_style(tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    split_ok(FIXTURE, out)
    restyled = tmp_path / "two-spaces.json"
    restyled.write_text(json.dumps(json.loads(FIXTURE.read_text()), indent=2, ensure_ascii=False)
                        .replace('"gpu_memory_utilization": 0.9,', '"gpu_memory_utilization": 0.90,')
                        .replace('"gpu_memory_utilization": 0.5,', '"gpu_memory_utilization": 0.50,')
                        .replace('"rope_freq_scale": 0.5', '"rope_freq_scale": 0.50'))
    result = run("verify", out, restyled)
    assert result.exit_code == 0 and "bytes: differ" in result.stdout
    assert run("verify", out, restyled, "--byte-exact").exit_code == 1
