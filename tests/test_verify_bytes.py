"""verify says where bytes differ (line, column, JSON path, kind) and takes number spellings for formatting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURE, run

MONOLITH = """{
    "lxc_configs": {
        "1": {
            "name": "a/b",
            "ratio": 0.50,
            "size": 1E3,
            "cores": 2,
            "net": {"ip": "10.0.0.1", "gw": "10.0.0.254"}
        },
        "2": {
            "name": "c",
            "ratio": 0.50,
            "size": 1E3,
            "cores": 4,
            "net": {"ip": "10.0.0.2", "gw": "10.0.0.254"}
        }
    }
}"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    monolith = tmp_path / "m.json"
    monolith.write_text(MONOLITH.replace('{"ip": "10.0.0.1", "gw": "10.0.0.254"}',
                                         '{\n                "ip": "10.0.0.1",\n                "gw": "10.0.0.254"\n'
                                         '            }').replace('{"ip": "10.0.0.2", "gw": "10.0.0.254"}',
                                         '{\n                "ip": "10.0.0.2",\n                "gw": "10.0.0.254"\n'
                                         '            }'))
    out = tmp_path / "conf.d"
    result = run("split", monolith, "-o", out)
    assert result.exit_code == 0 and "byte for byte" in result.stderr, result.stderr
    return out


def edited(tree: Path, old: str, new: str, count: int = 1) -> Path:
    monolith = tree.parent / "m.json"
    text = monolith.read_text()
    assert text.count(old) >= count
    target = tree.parent / "edited.json"
    target.write_text(text.replace(old, new, count))
    return target


def report(*args: object) -> tuple[int, str, dict]:
    """Exit code, the text report (whichever stream carries it) and the JSON report."""
    text = run("verify", *args)
    data = run("verify", *args, "--format", "json")
    assert data.exit_code == text.exit_code
    return text.exit_code, text.stdout + text.stderr, json.loads(data.stdout)


def test_number_spelling_is_formatting(tree: Path) -> None:
    target = edited(tree, '"ratio": 0.50', '"ratio": 0.5')
    code, text, data = report(tree, target)
    assert code == 0 and data["same_document"] is True and data["same_bytes"] is False
    assert "same document" in text and "number spelling" in text and "(formatting only)" in text
    assert "5:22  $.lxc_configs['1'].ratio  number spelling" in text
    assert data["byte_differences"] == [{"line": 5, "column": 22, "path": "$.lxc_configs['1'].ratio",
                                         "kind": "number spelling", "monolith": "0.5", "conf_d": "0.50"}]
    assert data["byte_difference_counts"] == {"number spelling": 1}
    code, text, _ = report(tree, target, "--byte-exact")
    assert code == 1 and "$.lxc_configs['1'].ratio  number spelling" in text


def test_exponent_and_fraction_spell_one_value_but_int_is_another_type(tree: Path) -> None:
    same = edited(tree, '"size": 1E3', '"size": 1000.0')
    code, _, data = report(tree, same)
    assert code == 0 and data["byte_difference_counts"] == {"number spelling": 1}
    other_type = edited(tree, '"size": 1E3', '"size": 1000')
    code, _, data = report(tree, other_type)
    assert code == 1 and [d["kind"] for d in data["differences"]] == ["type"]
    assert data["byte_difference_counts"] == {"value": 1}


def test_escaping_white_space_and_key_order_are_named(tree: Path) -> None:
    target = edited(tree, '"name": "a/b"', '"name": "a\\/b"')
    code, _, data = report(tree, target)
    assert code == 0
    assert [(d["line"], d["column"], d["kind"]) for d in data["byte_differences"]] == [(4, 21, "escaping")]

    target = edited(tree, '            "cores": 2', '          "cores": 2')
    code, _, data = report(tree, target)
    assert code == 0
    (place,) = data["byte_differences"]
    assert (place["line"], place["column"], place["kind"], place["path"]) == (7, 11, "white space",
                                                                            "$.lxc_configs['1'].cores")
    assert (place["monolith"], place["conf_d"]) == ("\n          ", "\n            ")

    reordered = json.loads(MONOLITH)
    reordered["lxc_configs"]["2"] = dict(reversed(list(reordered["lxc_configs"]["2"].items())))
    target = tree.parent / "reordered.json"
    target.write_text(json.dumps(reordered, indent=4))
    code, text, data = report(tree, target)
    assert code == 1 and [d["kind"] for d in data["differences"]] == ["order"]
    order = [d for d in data["byte_differences"] if d["kind"] == "key order"]
    assert [(d["line"], d["path"]) for d in order] == [(13, "$.lxc_configs['2']")]
    assert "key order" in text


def test_many_places_are_counted_and_the_first_shown(tree: Path) -> None:
    target = tree.parent / "two.json"
    target.write_text(json.dumps(json.loads(MONOLITH), indent=2).replace("0.5,", "0.50,").replace("1000.0", "1E3"))
    code, text, data = report(tree, target)
    assert code == 0
    counts = data["byte_difference_counts"]
    assert set(counts) == {"white space"} and counts["white space"] > 10
    assert len(data["byte_differences"]) == 10
    assert f"... and {counts['white space'] - 10} more white space place(s)" in text


def test_mixed_writer_conventions_are_the_same_document(tmp_path: Path) -> None:
    monolith = tmp_path / "m.json"
    monolith.write_text('{\n  "lxc_configs": {\n    "1": {\n      "a": "x\\/y",\n      "b": "p/q"\n    }\n  }\n}\n')
    out = tmp_path / "conf.d"
    result = run("split", monolith, "-o", out)
    assert result.exit_code == 0 and "same document" in result.stderr
    code, text, data = report(out, monolith)
    assert code == 0 and data["same_document"] is True and data["same_bytes"] is False
    assert data["byte_difference_counts"] == {"escaping": 1}
    assert run("verify", out, monolith, "--byte-exact").exit_code == 1


def test_a_long_list_of_differences_is_cut_in_text_and_whole_in_json(fixture_tree: Path) -> None:
    """A tree far from its monolith (a hook after a run cut short: thousands of containers) lists the first 100
    differences in text, then how many more; --format json lists every one."""
    import json as stdjson

    base = fixture_tree / "defaults" / "lxc_base.json"
    doc = stdjson.loads(base.read_bytes())
    doc.update({f"added_{index}": index for index in range(8)})
    base.write_text(stdjson.dumps(doc, indent=2) + "\n")
    text = run("verify", fixture_tree, FIXTURE)
    count = int(text.stdout.split(" difference(s)")[0].rsplit(" ", 1)[1])
    assert text.exit_code == 1 and count > 100
    assert text.stdout.count("      monolith: ") == 100
    assert f"  ... and {count - 100} more difference(s) (--format json lists every one)" in text.stdout
    listed = stdjson.loads(run("verify", fixture_tree, FIXTURE, "--format", "json").stdout)
    assert len(listed["differences"]) == count
