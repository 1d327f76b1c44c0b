"""Bad input: exit 2, one line on stderr naming the file (and line:column for JSON), nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURE, FIXTURES, run

NEGATIVE = FIXTURES / "negative"
CASES = json.loads((NEGATIVE / "cases.json").read_text())
BAD_MONOLITHS = [(name, (NEGATIVE / name).read_bytes(), case["message"], case["position"])
                 for name, case in sorted(CASES.items())]
# too large to ship as a file: deeper than the parser itself goes
BAD_MONOLITHS.append(("parser-depth.json", ("[" * 100000).encode(), "nested deeper than 254 levels", None))


@pytest.mark.parametrize("name,content,message,position", BAD_MONOLITHS, ids=[case[0] for case in BAD_MONOLITHS])
def test_bad_monolith(tmp_path: Path, name: str, content: bytes, message: str, position: str | None) -> None:
    monolith = tmp_path / name
    monolith.write_bytes(content)
    out = tmp_path / "conf.d"
    for args in (["split", monolith, "-o", out], ["split", monolith, "--dry-run"]):
        result = run(*args)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1, result.stderr
        where = f"{monolith}:{position}: " if position else f"{monolith}: "
        assert result.stderr.startswith(f"splitter: {where}"), result.stderr
        assert message in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [monolith.name]  # nothing written, no staging left


def test_missing_monolith(tmp_path: Path) -> None:
    result = run("split", tmp_path / "nope.json", "-o", tmp_path / "out")
    assert result.exit_code == 2 and "No such file" in result.stderr
    assert not (tmp_path / "out").exists()


def test_verify_with_bad_monolith_is_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    broken = tmp_path / "broken.json"
    broken.write_bytes(FIXTURE.read_bytes()[:-40])
    result = run("verify", out, broken)
    assert result.exit_code == 2 and f"{broken}:" in result.stderr


def test_hostile_container_ids_stay_inside_the_tree(tmp_path: Path) -> None:
    ids = ["../escape", "a/b", "..", ".hidden", "x_y", "C:\\win", "caf\u00e9", "%41", "a\u0000b"]
    monolith = tmp_path / "m.json"
    monolith.write_text(json.dumps({"lxc_configs": {i: {"name": f"n{n}"} for n, i in enumerate(ids)}}, indent=4))
    out = tmp_path / "conf.d"
    result = run("split", monolith, "-o", out)
    assert result.exit_code == 0, result.stderr
    files = sorted(p.name for p in (out / "lxc").iterdir())
    assert len(files) == len(ids)
    assert all("/" not in f and not f.startswith(".") for f in files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conf.d", "m.json"]
    assert run("merge", out).stdout_bytes == monolith.read_bytes()


def fresh_tree(tmp_path: Path) -> Path:
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    return out


def edit_layer(path: Path, change) -> None:
    layer = json.loads(path.read_text())
    change(layer)
    path.write_text(json.dumps(layer))


def test_tree_unknown_profile(tmp_path: Path) -> None:
    out = fresh_tree(tmp_path)
    path = next((out / "lxc").glob("950_*.json"))
    edit_layer(path, lambda layer: layer.update({"$profiles": ["no-such-profile"]}))
    for args in (["merge", out], ["show", out, "950"], ["verify", out, FIXTURE]):
        result = run(*args)
        assert result.exit_code == 2
        assert result.stderr == f'splitter: {path}: unknown profile "no-such-profile" ' \
                                f"(no defaults/profile_no-such-profile.json)\n"


def test_tree_two_files_for_one_container(tmp_path: Path) -> None:
    out = fresh_tree(tmp_path)
    path = next((out / "lxc").glob("950_*.json"))
    (out / "lxc" / "950_copy.json").write_bytes(path.read_bytes())
    result = run("merge", out)
    assert result.exit_code == 2 and "container 950 has two files" in result.stderr


def test_tree_invalid_json_names_file_and_position(tmp_path: Path) -> None:
    out = fresh_tree(tmp_path)
    path = next((out / "lxc").glob("101_*.json"))
    path.write_text('{\n  "name": "x",\n  "cores": 2,\n}\n')
    for args in (["merge", out], ["verify", out, FIXTURE]):
        result = run(*args)
        assert result.exit_code == 2
        assert result.stderr.startswith(f"splitter: {path}:4:1: ")


def test_tree_unknown_directive(tmp_path: Path) -> None:
    out = fresh_tree(tmp_path)
    path = next((out / "lxc").glob("101_*.json"))
    edit_layer(path, lambda layer: layer.update({"$unsett": ["/x"]}))
    result = run("merge", out)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"splitter: {path}: unknown directive \"$unsett\"")
    assert '"$$unsett"' in result.stderr


def test_merge_output_not_half_written(tmp_path: Path) -> None:
    out = fresh_tree(tmp_path)
    target = tmp_path / "merged.json"
    target.write_text('{"previous": 1}')
    (out / "layout.json").write_text("{")
    assert run("merge", out, "-o", target).exit_code == 2
    assert target.read_text() == '{"previous": 1}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conf.d", "merged.json"]


def test_split_refuses_non_empty_target_without_force(tmp_path: Path) -> None:
    out = fresh_tree(tmp_path)
    (out / "mine.txt").write_text("keep me")
    result = run("split", FIXTURE, "-o", out)
    assert result.exit_code == 2 and "--force" in result.stderr
    assert (out / "mine.txt").read_text() == "keep me"
    assert run("split", FIXTURE, "-o", out, "--force").exit_code == 2  # not only files splitter wrote
    assert (out / "mine.txt").read_text() == "keep me"
    (out / "mine.txt").unlink()
    (out / "lxc" / "950_vllm-qwen-coder.json").unlink()
    lost = run("split", FIXTURE, "-o", out, "--force")  # a tree splitter wrote, edited: the deletion would be lost
    assert lost.exit_code == 2 and "950" in lost.stderr and "update" in lost.stderr
    assert run("split", FIXTURE, "-o", out, "--force", "--discard-edits").exit_code == 0
    assert run("merge", out).stdout_bytes == FIXTURE.read_bytes()
