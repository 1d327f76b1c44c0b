"""Nothing is lost: split --force and merge -o replace only what splitter wrote, and refuse the rest untouched."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import FIXTURE, run

from splitter.tree.guard import tree_holds


def everything(folder: Path) -> dict[str, object]:
    """Every entry below folder: file bytes, link targets and folders, so any change shows."""
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[relative] = ("link", os.readlink(path))
        elif path.is_dir():
            found[relative] = "folder"
        else:
            found[relative] = path.read_bytes()
    return found


def refused(result, target: Path, words: str) -> None:
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"splitter: {target}: ")
    assert words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture()
def danger(tmp_path: Path) -> Path:
    """The issue's folder: the monolith, a notes file and a repository, where the tree is to go."""
    folder = tmp_path / "danger"
    folder.mkdir()
    (folder / "phoenix_lxc_configs.json").write_bytes(FIXTURE.read_bytes())
    (folder / "notes.txt").write_text("ssh keys are in the safe\n")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return folder


def test_force_never_replaces_a_folder_holding_the_monolith_git_and_notes(danger: Path) -> None:
    before = everything(danger)
    siblings = sorted(p.name for p in danger.parent.iterdir())
    result = run("split", danger / "phoenix_lxc_configs.json", "-o", danger, "--force")
    refused(result, danger, "holds .git (a repository); --force replaces only an empty folder or a tree splitter "
                            "wrote")
    assert everything(danger) == before
    assert sorted(p.name for p in danger.parent.iterdir()) == siblings  # no staging left behind
    (danger / ".git" / "HEAD").unlink()
    (danger / ".git").rmdir()
    result = run("split", danger / "phoenix_lxc_configs.json", "-o", danger, "--force")
    refused(result, danger, "holds notes.txt, which a tree does not hold")
    (danger / "notes.txt").unlink()
    result = run("split", danger / "phoenix_lxc_configs.json", "-o", danger, "--force")
    refused(result, danger, "holds phoenix_lxc_configs.json, an input of this split")
    assert (danger / "phoenix_lxc_configs.json").read_bytes() == FIXTURE.read_bytes()


@pytest.mark.parametrize("stray,named", [
    ("lxc/notes.md", "lxc/notes.md"), ("defaults/README", "defaults/README"),
    ("lxc/.101_x.json.swp", "lxc/.101_x.json.swp"), (".gitattributes", ".gitattributes"),
    ("vms/100.json", "vms/"), ("lxc/sub/101_x.json", "lxc/sub/")])  # a folder no tree has is named itself
def test_force_refuses_a_tree_holding_any_other_file(tmp_path: Path, stray: str, named: str) -> None:
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    (out / stray).parent.mkdir(parents=True, exist_ok=True)
    (out / stray).write_text("mine")
    before = everything(out)
    refused(run("split", FIXTURE, "-o", out, "--force"), out, f"holds {named}, which a tree does not hold")
    assert everything(out) == before


def test_force_refuses_a_folder_splitter_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    (out / "lxc").mkdir(parents=True)
    (out / "lxc" / "101_web.json").write_text('{"name": "web"}')  # looks like a tree file, has no layout
    before = everything(out)
    refused(run("split", FIXTURE, "-o", out, "--force"), out, 'has no layout.json with "format": "splitter/1"')
    assert everything(out) == before
    (out / "layout.json").write_text('{"format": "other/2"}')
    refused(run("split", FIXTURE, "-o", out, "--force"), out, "so splitter did not write it")


def test_force_replaces_an_empty_folder_and_an_edited_tree(tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    out.mkdir()
    assert run("split", FIXTURE, "-o", out, "--force").exit_code == 0
    (out / "lxc" / "999_by-hand.json").write_text('{"name": "by hand"}')
    (out / "defaults" / "profile_mine.json").write_text('{"cores": 2}')
    lost = run("split", FIXTURE, "-o", out, "--force")  # the hand-added container is in neither monolith nor git
    assert lost.exit_code == 2 and "999" in lost.stderr and (out / "lxc" / "999_by-hand.json").exists()
    result = run("split", FIXTURE, "-o", out, "--force", "--discard-edits")
    assert result.exit_code == 0, result.stderr
    assert not (out / "lxc" / "999_by-hand.json").exists()
    assert run("merge", out).stdout_bytes == FIXTURE.read_bytes()


def test_what_a_tree_holds() -> None:
    held = ["layout.json", "globals.json", "defaults/", "lxc/", "defaults/lxc_base.json",
            "defaults/profile_vllm.json", "lxc/101_web.json", "lxc/%2E_x.json"]
    foreign = [".git/", "notes.txt", "defaults/notes.json", "lxc/101_web.json~", "lxc/.hidden.json",
               "lxc/sub/", "lxc/sub/1.json", "profile_vllm.json", "phoenix_lxc_configs.json", "lxc"]
    assert [name for name in held if not tree_holds(name)] == []
    assert [name for name in foreign if tree_holds(name)] == []


@pytest.fixture()
def tree(fixture_tree: Path) -> Path:
    return fixture_tree


def test_merge_never_writes_into_the_tree_it_reads(tree: Path) -> None:
    before = everything(tree)
    for target in (tree / "lxc" / "950_vllm-qwen-coder.json", tree / "layout.json", tree / "merged.json",
                   tree / "lxc" / ".." / "globals.json"):
        refused(run("merge", tree, "-o", target), target, "is inside the tree merge reads")
    assert everything(tree) == before


@pytest.mark.parametrize("kind", ["text", "folder", "symlink", "list"])
def test_merge_replaces_only_a_monolith(tree: Path, kind: str) -> None:
    target = tree.parent / "out.json"
    if kind == "text":
        target.write_text("my notes\n")
    elif kind == "folder":
        target.mkdir()
        (target / "keep.txt").write_text("keep")
    elif kind == "symlink":
        (tree.parent / "elsewhere.json").write_text("{}")
        target.symlink_to(tree.parent / "elsewhere.json")
    else:
        target.write_text("[1, 2]")
    before = everything(tree.parent)
    words = {"text": "holds text that is not JSON, not a monolith", "folder": "is not a regular file",
             "symlink": "symbolic link", "list": "holds a JSON array, not a monolith"}[kind]
    refused(run("merge", tree, "-o", target), target, words)
    assert everything(tree.parent) == before


def test_merge_replaces_the_monolith_it_wrote_or_any_monolith(tree: Path) -> None:
    target = tree.parent / "phoenix_lxc_configs.json"
    target.write_text('{"old": 123456789012345678901234567890, "lxc_configs": {}}')  # beyond 64 bits: still one
    result = run("merge", tree, "-o", target, "--discard-edits")  # its edits (test_merge_guard): told to go
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""
    assert target.read_bytes() == FIXTURE.read_bytes()
    assert run("merge", tree, "-o", target).exit_code == 0
    assert target.read_bytes() == FIXTURE.read_bytes()


def test_split_refuses_to_write_over_its_input(tmp_path: Path) -> None:
    monolith = tmp_path / "phoenix_lxc_configs.json"
    monolith.write_bytes(FIXTURE.read_bytes())
    refused(run("split", monolith, "-o", monolith, "--force"), monolith, "exists and is not a folder")
    assert monolith.read_bytes() == FIXTURE.read_bytes()
    refused(run("split", monolith, "-o", tmp_path, "--force"), tmp_path,
            "holds phoenix_lxc_configs.json, an input of this split")
    assert [p.name for p in tmp_path.iterdir()] == ["phoenix_lxc_configs.json"]


def test_force_refuses_a_tree_holding_a_profile_file_it_reads(tree: Path) -> None:
    mine = tree / "defaults" / "profile_gpu.json"
    mine.write_text(json.dumps({"gpu_assignment": "0", "features": ["nvidia", "vllm"],
                                "application_script": "phoenix_lxc_vllm.sh", "clone_from_ctid": "9001"}))
    before = everything(tree)
    refused(run("split", FIXTURE, "-o", tree, "--force", "--profile", mine), tree,
            "holds defaults/profile_gpu.json, an input of this split")
    assert everything(tree) == before
