"""A file git left in conflict: every command names it, `merge -o` may settle the monolith; split --force keeps edits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE, run
from merge_scenarios import git

MARKED = "<<<<<<< ours\n  \"cores\": 9,\n||||||| base\n  \"cores\": 8,\n=======\n  \"cores\": 10,\n>>>>>>> theirs\n"


def mark(path: Path, after_line: int = 1) -> int:
    """Put a conflict git's way into a file, after the given line; the line number of its <<<<<<<."""
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:after_line]) + MARKED + "".join(lines[after_line:]))
    return after_line + 1


@pytest.mark.parametrize("command", ["merge {tree}", "verify {tree} {mono}", "show {tree} 950", "check {tree}",
                                     "update {tree} {mono}", "diff {tree} {mono}"])
def test_markers_in_a_tree_file_are_named_by_every_command(fixture_tree: Path, command: str) -> None:
    file = fixture_tree / "lxc" / "950_vllm-qwen-coder.json"
    line = mark(file)
    result = run(*command.format(tree=fixture_tree, mono=FIXTURE).split())
    assert result.exit_code == 2
    assert f"unresolved merge conflict in {file} at line {line}" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("command", ["split {mono} -o {out}", "verify {tree} {mono}", "update {tree} {mono}",
                                     "diff {mono} {tree}"])
def test_markers_in_a_monolith_are_named_by_every_command(fixture_tree: Path, tmp_path: Path, command: str) -> None:
    mono = tmp_path / "phoenix_lxc_configs.json"
    shutil.copy(FIXTURE, mono)
    line = mark(mono, 5)
    result = run(*command.format(tree=fixture_tree, mono=mono, out=tmp_path / "new").split())
    assert result.exit_code == 2 and f"unresolved merge conflict in {mono} at line {line}" in result.stderr


def test_merge_o_replaces_a_monolith_git_left_in_conflict(fixture_tree: Path, tmp_path: Path) -> None:
    mono = tmp_path / "phoenix_lxc_configs.json"
    shutil.copy(FIXTURE, mono)
    mark(mono, 5)
    result = run("merge", fixture_tree, "-o", mono)
    assert result.exit_code == 0, result.stderr
    assert mono.read_bytes() == FIXTURE.read_bytes()
    mono.write_text("<<<<<<< ours\nnotes\n=======\nother notes\n>>>>>>> theirs\n")  # in conflict, but no monolith
    result = run("merge", fixture_tree, "-o", mono)
    assert result.exit_code == 2 and "not a monolith" in result.stderr and "notes" in mono.read_text()


def test_split_force_refuses_edits_found_nowhere_else(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "etc").mkdir(parents=True)
    git(repo, "init", "-q")
    mono, tree = repo / "etc" / "phoenix_lxc_configs.json", repo / "etc" / "conf.d"
    shutil.copy(FIXTURE, mono)
    assert run("split", mono, "-o", tree).exit_code == 0
    file = tree / "lxc" / "950_vllm-qwen-coder.json"
    original = file.read_bytes()
    assert b'"cores": 8,' in original
    file.write_bytes(original.replace(b'"cores": 8,', b'"cores": 7,'))
    before = file.read_bytes()
    refused = run("split", mono, "-o", tree, "--force")
    assert refused.exit_code == 2 and "950" in refused.stderr and f"splitter update {tree} {mono}" in refused.stderr
    assert file.read_bytes() == before
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "edited tree")  # committed unchanged: git has the edit, nothing is lost
    replaced = run("split", mono, "-o", tree, "--force")
    assert replaced.exit_code == 0 and file.read_bytes() == original
    # ...but it is said (trial 14: the committed edit was reverted without a word)
    assert (f"splitter: {tree}: held other values than {mono} (containers: 950); they are replaced by the "
            f"monolith's (git keeps what was committed: git diff HEAD -- {tree})") in replaced.stderr
    again = run("split", mono, "-o", tree, "--force")  # not committed, but merges into the monolith
    assert again.exit_code == 0 and "held other values" not in again.stderr
    file.write_bytes(original.replace(b'"cores": 8,', b'"cores": 6,'))  # in neither the monolith nor git
    assert run("split", mono, "-o", tree, "--force").exit_code == 2
    assert run("split", mono, "-o", tree, "--force", "--discard-edits").exit_code == 0
    assert file.read_bytes() == original


def test_each_side_of_the_markers_is_read_back() -> None:
    from splitter.exact.conflicts import side

    diff3 = b'{\n<<<<<<< ours\n  "a": 1,\n||||||| base\n  "a": 0,\n=======\n  "a": 2,\n>>>>>>> theirs\n  "b": 1\n}\n'
    assert [side(diff3, part) for part in (b"<", b"|", b"=")] == [
        b'{\n  "a": 1,\n  "b": 1\n}\n', b'{\n  "a": 0,\n  "b": 1\n}\n', b'{\n  "a": 2,\n  "b": 1\n}\n']
    merge_style = diff3.replace(b'||||||| base\n  "a": 0,\n', b"")  # no ancestor part: none to give
    assert side(merge_style, b"|") is None and side(merge_style, b"=") == b'{\n  "a": 2,\n  "b": 1\n}\n'


def test_split_force_outside_git_says_it_cannot_tell_which_side_moved(tmp_path: Path) -> None:
    """Trial 12: outside git, only the monolith changed (a script); the refusal must not blame the tree, and must
    name update first (what brings the tree to the monolith and keeps its design)."""
    mono, tree = tmp_path / "phoenix_lxc_configs.json", tmp_path / "conf.d"
    shutil.copy(FIXTURE, mono)
    assert run("split", mono, "-o", tree).exit_code == 0
    mono.write_bytes(mono.read_bytes().replace(b'"cores": 8,', b'"cores": 7,', 1))
    refused = run("split", mono, "-o", tree, "--force")
    assert refused.exit_code == 2 and "outside git splitter cannot tell which side changed" in refused.stderr
    assert refused.stderr.index(f"splitter update {tree} {mono}") < refused.stderr.index("splitter merge")
    assert run("update", tree, mono).exit_code == 0 and run("verify", tree, mono, "--byte-exact").exit_code == 0


def test_suggested_commands_quote_a_path_with_a_space(tmp_path: Path) -> None:
    """Trial 15: `git diff HEAD -- my etc/conf.d` and `splitter update my etc/conf.d ...`, pasted, did nothing or
    failed; every command a message suggests quotes such a path as a shell reads it back."""
    folder = tmp_path / "my etc"
    folder.mkdir()
    mono, tree = folder / "phoenix_lxc_configs.json", folder / "conf.d"
    shutil.copy(FIXTURE, mono)
    assert run("split", mono, "-o", tree).exit_code == 0
    mono.write_bytes(mono.read_bytes().replace(b'"cores": 8,', b'"cores": 7,', 1))
    refused = run("split", mono, "-o", tree, "--force")
    assert refused.exit_code == 2 and f"(splitter update '{tree}' '{mono}')" in refused.stderr, refused.stderr
    assert f"(splitter merge '{tree}' -o '{mono}')" in refused.stderr
