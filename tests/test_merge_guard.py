"""merge -o never throws away a monolith's edits the tree lacks unless told to (--discard-edits)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURE, run
from merge_scenarios import git
from test_conflict_markers import mark

from splitter.cli import quick


def edit(path: Path, ctid: str | None, cores: int, when: float) -> None:
    """Set cores (of container ctid in a monolith, or of a container file), then the file's mtime to `when`."""
    doc = json.loads(path.read_text())
    (doc["lxc_configs"][ctid] if ctid else doc)["cores"] = cores
    path.write_text(json.dumps(doc, indent=4) + "\n")
    os.utime(path, (when, when))


@pytest.fixture()
def setup(fixture_tree: Path) -> tuple[Path, Path, Path]:
    """(tree, monolith beside it, container 103's file); the monolith as split; every file modified at one old time."""
    mono = fixture_tree.parent / "phoenix_lxc_configs.json"
    shutil.copy(FIXTURE, mono)
    for path in [mono, *fixture_tree.rglob("*")]:
        os.utime(path, (1_000_000, 1_000_000))
    return fixture_tree, mono, next((fixture_tree / "lxc").glob("103_*.json"))


def test_monolith_edit_the_tree_lacks_is_refused_and_kept(setup: tuple[Path, Path, Path]) -> None:
    tree, mono, file103 = setup
    edit(mono, "950", 12, 2_000_000)  # a script edits the monolith
    edit(file103, None, 24, 3_000_000)  # then the operator edits the tree
    before = mono.read_bytes()
    result = run("merge", tree, "-o", mono)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert f"splitter: {mono}: holds edits" in result.stderr and "(containers: 950)" in result.stderr
    assert f"splitter update {tree} {mono} --base" in result.stderr and "--discard-edits" in result.stderr
    assert mono.read_bytes() == before
    assert quick.main(["merge", str(tree), "-o", str(mono)]) == 2 and mono.read_bytes() == before
    forced = run("merge", tree, "-o", mono, "--discard-edits")
    assert forced.exit_code == 0 and mono.read_bytes() == run("merge", tree).stdout_bytes


def test_outside_git_a_tree_edited_after_the_monolith_is_written(setup: tuple[Path, Path, Path]) -> None:
    tree, mono, file103 = setup
    edit(file103, None, 24, 3_000_000)  # a pull or an edit of the tree, after the monolith was built
    assert quick.main(["merge", str(tree), "-o", str(mono)]) == 0
    assert json.loads(mono.read_text())["lxc_configs"]["103"]["cores"] == 24


def test_outside_git_a_later_base_edit_does_not_hide_an_older_own_value_the_monolith_changed(
        setup: tuple[Path, Path, Path]) -> None:
    tree, mono, _ = setup
    edit(mono, "103", 12, 2_000_000)  # a script edits one container's own value in the monolith
    base = tree / "defaults" / "lxc_base.json"
    doc = json.loads(base.read_text())
    flag = next(key for key, value in doc.items() if type(value) is bool)
    doc[flag] = not doc[flag]  # then the operator edits the base, a value of every container
    base.write_text(json.dumps(doc, indent=2) + "\n")
    os.utime(base, (3_000_000, 3_000_000))
    before = mono.read_bytes()
    result = run("merge", tree, "-o", mono)
    assert result.exit_code == 2 and "(containers: 103)" in result.stderr, result.stderr
    assert mono.read_bytes() == before
    # once the script's edit is in 103's file too, the base edit goes through for every container
    edit(next((tree / "lxc").glob("103_*.json")), None, 12, 3_000_000)
    assert quick.main(["merge", str(tree), "-o", str(mono)]) == 0
    merged = json.loads(mono.read_text())["lxc_configs"]
    assert merged["103"]["cores"] == 12 and all(config[flag] is doc[flag] for config in merged.values()
                                                 if flag in config)


@pytest.mark.parametrize("layer", ["base", "profile"])
def test_outside_git_a_later_edit_of_a_shared_file_does_not_hide_an_inherited_value_the_monolith_changed(
        setup: tuple[Path, Path, Path], layer: str) -> None:
    """Trial 14: a script changes, for one container, a value it takes from the base (or a profile); then someone
    edits another key of that file. The file is newer than the monolith, but its value at that path is the one
    the other containers still hold in the monolith: the difference is the script's, and merge -o keeps it."""
    tree, mono, _ = setup
    shared = tree / "defaults" / "lxc_base.json" if layer == "base" else sorted(
        (tree / "defaults").glob("profile_*.json"))[0]
    values = json.loads(shared.read_text())
    key = next(key for key, value in values.items() if type(value) is str)
    takers = [ctid for ctid, own in ((path.stem.split("_")[0], json.loads(path.read_text()))
                                     for path in sorted((tree / "lxc").glob("*.json")))
              if key not in own and (layer == "base" or shared.stem[len("profile_"):] in own.get("$profiles", []))]
    assert len(takers) >= 2, takers  # the fixture has them: the case needs another container to compare with
    doc = json.loads(mono.read_text())
    doc["lxc_configs"][takers[0]][key] = "changed-by-a-script"
    mono.write_text(json.dumps(doc, indent=4))
    os.utime(mono, (2_000_000, 2_000_000))
    other = next(name for name, value in values.items() if type(value) in (bool, int) and name != key)
    values[other] = (not values[other]) if type(values[other]) is bool else values[other] + 1
    shared.write_text(json.dumps(values, indent=2) + "\n")
    os.utime(shared, (3_000_000, 3_000_000))
    before = mono.read_bytes()
    refused = run("merge", tree, "-o", mono)
    assert refused.exit_code == 2 and f"(containers: {takers[0]})" in refused.stderr, refused.stderr
    assert mono.read_bytes() == before
    # outside git the advice names each value to carry over (trial 15: diff's list also held the tree's own edit)
    own = next((tree / "lxc").glob(f"{takers[0]}_*.json")).relative_to(tree).as_posix()
    assert (f'copy them into the tree, each into its own container\'s file ({takers[0]} /{key} '
            f'"changed-by-a-script" in {own})') in refused.stderr, refused.stderr
    # as it says: the value into that container's own file, then merge -o keeps both edits
    file = tree / own
    file.write_text(json.dumps({**json.loads(file.read_text()), key: "changed-by-a-script"}, indent=2) + "\n")
    kept = run("merge", tree, "-o", mono)
    merged = json.loads(mono.read_text())["lxc_configs"]
    assert kept.exit_code == 0 and merged[takers[0]][key] == "changed-by-a-script", kept.stderr
    assert all(config.get(other) == values[other] for ctid, config in merged.items() if ctid in takers)


def commit(tree: Path, mono: Path) -> Path:
    repo = tree.parent
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "in step")
    return repo


@pytest.mark.parametrize("how", ["tree not committed", "tree committed", "merged on the script's branch"])
def test_for_a_committed_script_edit_the_advice_takes_the_monolith_before_it(setup: tuple[Path, Path, Path],
                                                                            how: str) -> None:
    """A script commits its monolith edit; the operator then edits the tree (and commits it, or merges the two
    branches on the script's): HEAD's monolith holds the edit, so the advice's base is the monolith before the
    script's commit (its parent, or the merge base), and following it once keeps both edits: update --base, then
    merge -o goes through (HEAD's base, or the merge commit's parent, looped: the same refusal again)."""
    tree, mono, file103 = setup
    repo = commit(tree, mono)
    git(repo, "branch", "-q", "work")
    edit(mono, "950", 12, 2_000_000)
    git(repo, "commit", "-q", "-am", "script")
    script = git(repo, "rev-parse", "HEAD").stdout.decode().strip()
    if how == "merged on the script's branch":
        git(repo, "checkout", "-q", "work")
        edit(file103, None, 24, 3_000_000)
        assert run("merge", tree, "-o", mono).exit_code == 0  # the tree branch keeps its monolith in step
        git(repo, "commit", "-q", "-am", "tree")
        git(repo, "checkout", "-q", "-")
        git(repo, "merge", "-q", "--no-edit", "work")  # clean: 950 from the script, 103 from the tree
    else:
        edit(file103, None, 24, 3_000_000)
        if how == "tree committed":
            git(repo, "commit", "-q", "-am", "tree")
    refused = run("merge", tree, "-o", mono)
    assert refused.exit_code == 2 and "(containers: 950)" in refused.stderr, refused.stderr
    shown = re.search(rf"git -C {re.escape(str(repo))} show (\w+):./phoenix_lxc_configs.json > /tmp/last.json",
                      refused.stderr)
    assert shown and shown.group(1) not in ("HEAD", script[:12]), refused.stderr  # before the script's commit
    assert how.startswith("merged") or git(repo, "merge-base", "--is-ancestor", shown.group(1), script).returncode == 0
    (repo / "last.json").write_bytes(git(repo, "show", f"{shown.group(1)}:./phoenix_lxc_configs.json").stdout)
    assert run("update", tree, mono, "--base", repo / "last.json").exit_code == 0
    done = run("merge", tree, "-o", mono)
    assert done.exit_code == 0, done.stderr
    merged = json.loads(mono.read_text())["lxc_configs"]
    assert (merged["950"]["cores"], merged["103"]["cores"]) == (12, 24)


def follow_advice(repo: Path, tree: Path, mono: Path, refused: str) -> None:
    """Do what merge -o's refusal says, once: the named monolith as the base of update --base, then merge -o."""
    shown = re.search(r"git -C \S+ show (\S+):\./phoenix_lxc_configs.json > /tmp/last.json", refused)
    assert shown, refused
    (repo / "last.json").write_bytes(git(repo, "show", f"{shown.group(1)}:./phoenix_lxc_configs.json").stdout)
    assert run("update", tree, mono, "--base", repo / "last.json").exit_code == 0
    done = run("merge", tree, "-o", mono)
    assert done.exit_code == 0, done.stderr


@pytest.mark.parametrize("how", ["stopped merge, one container from both", "stopped merge, two containers",
                                 "two script commits"])
def test_script_commits_survive_stopped_merges_and_each_other(setup: tuple[Path, Path, Path], how: str) -> None:
    """A script's committed monolith edits (103's memory; in the last case 102's too, a commit later) and a tree
    edit (103's or 101's cores, on a branch that kept its monolith in step, merged without committing as a
    pre-merge-commit hook stops it; or uncommitted): merge -o refuses rather than lose a script's edit, and its
    advice, followed once, keeps every edit."""
    tree, mono, file103 = setup
    (tree.parent / ".gitattributes").write_text("*.json merge=splitter\n")  # the merge driver, as section 13 has it
    repo = commit(tree, mono)
    git(repo, "config", "merge.splitter.driver", f"{sys.executable} -m splitter merge-driver %O %A %B %P %L")
    git(repo, "branch", "-q", "work")

    def script(ctid: str, memory: int) -> None:
        doc = json.loads(mono.read_text())
        doc["lxc_configs"][ctid]["memory_mb"] = memory
        mono.write_text(json.dumps(doc, indent=4) + "\n")
        git(repo, "commit", "-q", "-am", f"script {ctid}")

    script("103", 1536)
    if how == "two script commits":
        script("102", 3072)
        edit(file103, None, 24, 3_000_000)
        expected = {"103": (1536, 24), "102": (3072, None)}
    else:
        git(repo, "checkout", "-q", "work")
        own = file103 if how.endswith("from both") else next((tree / "lxc").glob("101_*.json"))
        edit(own, None, 24, 3_000_000)
        assert run("merge", tree, "-o", mono).exit_code == 0
        git(repo, "commit", "-q", "-am", "tree")
        git(repo, "checkout", "-q", "-")
        git(repo, "merge", "-q", "--no-commit", "--no-ff", "work")  # a pre-merge-commit hook stops here
        expected = {"103": (1536, 24)} if how.endswith("from both") else {"103": (1536, None), "101": (None, 24)}
    refused = run("merge", tree, "-o", mono)
    assert refused.exit_code == 2 and "103" in refused.stderr, refused.stderr
    follow_advice(repo, tree, mono, refused.stderr)
    merged = json.loads(mono.read_text())["lxc_configs"]
    for ctid, (memory, cores) in expected.items():
        assert memory is None or merged[ctid]["memory_mb"] == memory, (ctid, merged[ctid])
        assert cores is None or merged[ctid]["cores"] == cores, (ctid, merged[ctid])
    assert run("verify", tree, mono, "--byte-exact").exit_code == 0


def test_update_refusal_advice_keeps_a_committed_script_edit_in_one_round(setup: tuple[Path, Path, Path]) -> None:
    """A script commits 101's memory; the operator edits 103 in the tree, uncommitted. A plain update refuses;
    its named base (where monolith and tree last agreed on every entry they hold differently) keeps both
    edits in one round of update --base and merge -o."""
    tree, mono, file103 = setup
    repo = commit(tree, mono)
    doc = json.loads(mono.read_text())
    doc["lxc_configs"]["101"]["memory_mb"] = 4096
    mono.write_text(json.dumps(doc, indent=4) + "\n")
    git(repo, "commit", "-q", "-am", "script 101")
    edit(file103, None, 24, 3_000_000)
    refused = run("update", tree, mono)
    assert refused.exit_code == 2 and "containers: 103" in refused.stderr, refused.stderr
    shown = re.search(r"\((git -C \S+ show (\S+):\./phoenix_lxc_configs.json) > /tmp/last.json", refused.stderr)
    assert shown and shown.group(2) != "HEAD", refused.stderr
    (repo / "last.json").write_bytes(git(repo, "show", f"{shown.group(2)}:./phoenix_lxc_configs.json").stdout)
    assert run("update", tree, mono, "--base", repo / "last.json").exit_code == 0
    assert run("merge", tree, "-o", mono).exit_code == 0
    merged = json.loads(mono.read_text())["lxc_configs"]
    assert (merged["101"]["memory_mb"], merged["103"]["cores"]) == (4096, 24)


def test_update_keeps_a_tree_edit_committed_without_merge_o(setup: tuple[Path, Path, Path]) -> None:
    """The tree's edit of 103 committed alone (no merge -o), then a script's commit of 102: a plain update would
    give 103 the monolith's old value back; it refuses, and its advice keeps both in one round."""
    tree, mono, file103 = setup
    repo = commit(tree, mono)
    edit(file103, None, 8, 3_000_000)
    git(repo, "commit", "-q", "-am", "tree 103, no merge -o")
    doc = json.loads(mono.read_text())
    doc["lxc_configs"]["102"]["memory_mb"] = 4096
    mono.write_text(json.dumps(doc, indent=4) + "\n")
    git(repo, "commit", "-q", "-am", "script 102")
    refused = run("update", tree, mono)
    assert refused.exit_code == 2 and "containers: 103" in refused.stderr, refused.stderr
    shown = re.search(r"\(git -C \S+ show (\S+):\./phoenix_lxc_configs.json > /tmp/last.json", refused.stderr)
    assert shown, refused.stderr
    (repo / "last.json").write_bytes(git(repo, "show", f"{shown.group(1)}:./phoenix_lxc_configs.json").stdout)
    assert run("update", tree, mono, "--base", repo / "last.json").exit_code == 0
    assert run("merge", tree, "-o", mono).exit_code == 0
    merged = json.loads(mono.read_text())["lxc_configs"]
    assert (merged["103"]["cores"], merged["102"]["memory_mb"]) == (8, 4096)
    assert run("update", tree, mono).exit_code == 0  # in step again: nothing to refuse


def test_beyond_the_history_looked_through_the_advice_says_how_to_find_the_base(
        setup: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from splitter.ops import instep

    tree, mono, file103 = setup
    repo = commit(tree, mono)
    edit(mono, "950", 12, 2_000_000)
    git(repo, "commit", "-q", "-am", "script")
    for cores in (30, 31, 32):  # tree-only commits of another container, each without merge -o
        edit(file103, None, cores, 3_000_000 + cores)  # another time each: git tells a change by time and size
        git(repo, "commit", "-q", "-am", f"tree {cores}")
    monkeypatch.setattr(instep, "LIMIT", 2)
    refused = run("merge", tree, "-o", mono)
    assert refused.exit_code == 2 and "COMMIT being the last one where the monolith and the tree agreed (none of " \
        "the last 2 did; git log -- phoenix_lxc_configs.json lists them)" in refused.stderr, refused.stderr


def test_update_goes_through_where_merge_o_wrote_the_tree_edit_and_a_script_another_key(
        setup: tuple[Path, Path, Path]) -> None:
    """The daily loop without a commit between its steps: a tree edit of 103 written into the monolith by merge -o,
    then a script's edit of another key of 103. Nothing of the tree's is lost: update goes through."""
    tree, mono, file103 = setup
    commit(tree, mono)
    edit(file103, None, 5, 3_000_000)
    assert run("merge", tree, "-o", mono).exit_code == 0
    doc = json.loads(mono.read_text())
    doc["lxc_configs"]["103"]["memory_mb"] = 4444
    mono.write_text(json.dumps(doc, indent=4) + "\n")
    done = run("update", tree, mono)
    assert done.exit_code == 0, done.stderr
    shown = json.loads(run("show", tree, "103", "--format", "json").stdout)
    assert (shown["cores"], shown["memory_mb"]) == (5, 4444)


def test_in_git_the_advice_brings_the_tree_in_step(setup: tuple[Path, Path, Path]) -> None:
    tree, mono, file103 = setup
    repo = commit(tree, mono)
    edit(mono, "950", 12, 2_000_000)  # a script edits the monolith, then the operator the tree
    edit(file103, None, 24, 3_000_000)
    refused = run("merge", tree, "-o", mono)
    assert refused.exit_code == 2 and "(containers: 950)" in refused.stderr
    assert f"git -C {repo} show HEAD:./phoenix_lxc_configs.json > /tmp/last.json" in refused.stderr
    (repo / "last.json").write_bytes(git(repo, "show", "HEAD:./phoenix_lxc_configs.json").stdout)
    assert run("update", tree, mono, "--base", repo / "last.json").exit_code == 0
    assert run("merge", tree, "-o", mono).exit_code == 0  # the monolith's edit is in the tree now
    merged = json.loads(mono.read_text())["lxc_configs"]
    assert (merged["950"]["cores"], merged["103"]["cores"]) == (12, 24)


@pytest.mark.parametrize("how", ["commit", "stage"])
def test_a_monolith_edit_git_holds_is_still_refused(setup: tuple[Path, Path, Path], how: str) -> None:
    """git holding the edit does not keep it: the next commit of the merged monolith would revert it."""
    tree, mono, file103 = setup
    repo = commit(tree, mono)
    edit(mono, "950", 12, 3_000_000)
    git(repo, "add", mono.name)
    if how == "commit":
        git(repo, "commit", "-q", "-m", "script")
    edit(file103, None, 24, 4_000_000)
    before = mono.read_bytes()
    refused = run("merge", tree, "-o", mono)
    assert refused.exit_code == 2 and "(containers: 950)" in refused.stderr and mono.read_bytes() == before


def test_merge_o_again_after_a_second_edit_of_the_same_entry(setup: tuple[Path, Path, Path]) -> None:
    """merge -o's own earlier output is older than the edits made since: it is replaced."""
    tree, mono, file103 = setup
    commit(tree, mono)
    edit(file103, None, 3, time.time() - 20)
    assert run("merge", tree, "-o", mono).exit_code == 0
    os.utime(mono, (time.time() - 10, time.time() - 10))
    edit(file103, None, 5, time.time())
    assert run("merge", tree, "-o", mono).exit_code == 0
    assert json.loads(mono.read_text())["lxc_configs"]["103"]["cores"] == 5


def test_a_monolith_left_in_conflict_is_replaced(setup: tuple[Path, Path, Path]) -> None:
    tree, mono, _ = setup
    mark(mono, 5)
    assert run("merge", tree, "-o", mono).exit_code == 0
    assert mono.read_bytes() == run("merge", tree).stdout_bytes


def test_an_ignored_monolith_follows_the_outside_git_rule(setup: tuple[Path, Path, Path]) -> None:
    tree, mono, file103 = setup
    (tree.parent / ".gitignore").write_text(mono.name + "\n")
    commit(tree, mono)
    edit(mono, "950", 12, 2_000_000)
    edit(file103, None, 24, 3_000_000)
    refused = run("merge", tree, "-o", mono)
    assert refused.exit_code == 2 and "(containers: 950)" in refused.stderr and "git show" not in refused.stderr
    shutil.copy(FIXTURE, mono)
    os.utime(mono, (2_000_000, 2_000_000))  # built before the tree's edit, as a hook builds it
    assert run("merge", tree, "-o", mono).exit_code == 0


def test_a_hooks_git_variables_do_not_hide_the_monoliths_repository(setup: tuple[Path, Path, Path], tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    tree, mono, _ = setup
    repo = commit(tree, mono)
    edit(mono, "950", 12, 3_000_000)
    git(repo, "commit", "-q", "-a", "-m", "script")
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))  # as git exports them to a hook (githooks(5))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    refused = run("merge", tree, "-o", mono)  # the monolith's repository is found: its advice names git
    assert refused.exit_code == 2 and f"git -C {repo} show" in refused.stderr


def test_a_tree_file_saved_unchanged_does_not_count_as_an_edit(setup: tuple[Path, Path, Path]) -> None:
    """In git, a file an editor or formatter saved without changing it is no edit: the monolith's edit of that
    container is still refused (file times alone would have let merge -o throw it away)."""
    tree, mono, file103 = setup
    commit(tree, mono)
    edit(mono, "103", 13, time.time() - 20)  # a script edits the monolith
    os.utime(file103, (time.time(), time.time()))  # then 103's file is only touched
    before = mono.read_bytes()
    refused = run("merge", tree, "-o", mono)
    assert refused.exit_code == 2 and "(containers: 103)" in refused.stderr and mono.read_bytes() == before


def test_a_monolith_as_committed_gives_way_to_the_tree_after_a_branch_switch(setup: tuple[Path, Path, Path]) -> None:
    """The monolith is git's (HEAD's bytes), 103's file was edited since: the tree's edit goes in, even when a
    branch switch wrote the monolith after the edit (file times alone refused it, and the advice looped)."""
    tree, mono, file103 = setup
    repo = commit(tree, mono)
    edit(file103, None, 40, time.time() - 20)  # the operator edits the tree, not committed yet
    os.utime(mono, (time.time(), time.time()))  # git switch away and back wrote the monolith again
    assert git(repo, "status", "--porcelain", mono.name).stdout == b""
    merged = run("merge", tree, "-o", mono)
    assert merged.exit_code == 0, merged.stderr
    assert json.loads(mono.read_text())["lxc_configs"]["103"]["cores"] == 40


@pytest.mark.parametrize("then", ["reformatted", "committed, then touched", "the base edited elsewhere"])
def test_a_monolith_edit_survives_what_the_tree_does_to_other_values(setup: tuple[Path, Path, Path],
                                                                     then: str) -> None:
    """In git each side is compared with its own committed version as configs: a container file reformatted
    (same values), a committed script edit followed by a touch, or a base edit of another key change nothing
    the monolith's edit of 103 is about; merge -o refuses and keeps it."""
    tree, mono, file103 = setup
    repo = commit(tree, mono)
    edit(mono, "103", 13, time.time() - 20)  # a script raises 103's cores in the monolith
    if then == "reformatted":
        file103.write_text(json.dumps(json.loads(file103.read_text()), indent=4) + "\n")
    elif then == "committed, then touched":
        git(repo, "commit", "-q", "-am", "script")
        os.utime(file103, (time.time(), time.time()))
    else:
        base = tree / "defaults" / "lxc_base.json"
        doc = json.loads(base.read_text())
        doc["tidy_guard_probe"] = 1
        base.write_text(json.dumps(doc, indent=2) + "\n")
    before = mono.read_bytes()
    refused = run("merge", tree, "-o", mono)
    assert refused.exit_code == 2 and "103" in refused.stderr and mono.read_bytes() == before


def test_a_tree_edit_committed_alone_goes_in_after_a_branch_switch(setup: tuple[Path, Path, Path]) -> None:
    """The tree's edit committed without the monolith: the monolith equals HEAD, so merge -o builds it from the
    tree even when a branch switch wrote the monolith later (before, it refused, and its advice looped)."""
    tree, mono, file103 = setup
    repo = commit(tree, mono)
    edit(file103, None, 41, time.time() - 20)
    git(repo, "commit", "-q", "-m", "tree only", str(file103))
    os.utime(mono, (time.time(), time.time()))
    merged = run("merge", tree, "-o", mono)
    assert merged.exit_code == 0, merged.stderr
    assert json.loads(mono.read_text())["lxc_configs"]["103"]["cores"] == 41


def _xattrs(path: Path) -> bool:
    try:
        os.setxattr(path, "user.splitter.probe", b"1")
        return True
    except OSError:
        return False


def test_merge_o_own_output_is_replaced_even_when_the_tree_goes_back(setup: tuple[Path, Path, Path]) -> None:
    """The monolith merge -o wrote (its stamp: the SHA-256 of its bytes, an extended attribute) holds nobody's
    edit: a tree edit taken back to the committed value goes in, the output is the tree's merge again."""
    tree, mono, file103 = setup
    if not _xattrs(mono):
        pytest.skip("this file system keeps no extended attributes")
    commit(tree, mono)
    original = json.loads(file103.read_text())["cores"]
    edit(file103, None, 77, time.time() - 20)
    assert run("merge", tree, "-o", mono).exit_code == 0
    edit(file103, None, original, time.time() - 10)  # taken back: the tree is as committed again
    assert run("merge", tree, "-o", mono).exit_code == 0
    assert json.loads(mono.read_text())["lxc_configs"]["103"]["cores"] == original


def test_a_committed_script_edit_survives_a_later_commit_elsewhere_in_the_tree(setup: tuple[Path, Path, Path]) -> None:
    """The commit disagrees for 103 (a script committed its monolith edit); a later commit of another file of the
    tree does not make the tree the later side for 103."""
    tree, mono, file103 = setup
    repo = commit(tree, mono)
    edit(mono, "103", 13, time.time() - 20)
    git(repo, "commit", "-q", "-am", "script")
    other = next((tree / "lxc").glob("101_*.json"))
    edit(other, None, 9, time.time() - 10)
    git(repo, "commit", "-q", "-am", "another container")
    before = mono.read_bytes()
    refused = run("merge", tree, "-o", mono)
    assert refused.exit_code == 2 and "(containers: 103" in refused.stderr and mono.read_bytes() == before


def test_one_value_changed_on_both_sides_is_refused_whatever_the_file_times(setup: tuple[Path, Path, Path]) -> None:
    """103's cores changed in the tree and, each its own way, in the monolith; a later touch of the base (a
    save without change) does not make the tree's value win in git."""
    tree, mono, file103 = setup
    commit(tree, mono)
    edit(file103, None, 20, time.time() - 30)
    edit(mono, "103", 42, time.time() - 20)
    os.utime(tree / "defaults" / "lxc_base.json", (time.time(), time.time()))
    before = mono.read_bytes()
    refused = run("merge", tree, "-o", mono)
    assert refused.exit_code == 2 and "103" in refused.stderr and mono.read_bytes() == before


@pytest.mark.parametrize("how", ["merged branch", "merge in progress", "merge in progress, script committed"])
def test_a_script_edit_survives_a_branch_that_changed_only_the_tree(setup: tuple[Path, Path, Path], how: str) -> None:
    """A branch changed 103's cores in the tree only; on main a script raised 103's memory in the monolith
    (committed, or not even staged while git merges): merge -o after the merge keeps the script's edit."""
    tree, mono, file103 = setup
    repo = commit(tree, mono)
    git(repo, "switch", "-q", "-c", "feat")
    edit(file103, None, 24, time.time() - 30)
    git(repo, "commit", "-q", "-am", "tree only")
    git(repo, "switch", "-q", "-")
    doc = json.loads(mono.read_text())
    doc["lxc_configs"]["103"]["memory_mb"] = 4242
    mono.write_text(json.dumps(doc, indent=4) + "\n")
    if how == "merged branch":
        git(repo, "commit", "-q", "-am", "script")
        git(repo, "merge", "-q", "--no-edit", "feat")
    elif how == "merge in progress, script committed":  # the pre-merge-commit hook stopped it, say
        git(repo, "commit", "-q", "-am", "script")
        git(repo, "merge", "-q", "--no-commit", "--no-ff", "feat")
    else:
        git(repo, "merge", "-q", "--no-commit", "--no-ff", "feat")
    before = mono.read_bytes()
    refused = run("merge", tree, "-o", mono)
    assert refused.exit_code == 2 and "103" in refused.stderr and mono.read_bytes() == before


@pytest.mark.parametrize("later", ["another key of 103 committed", "103 reformatted and committed",
                                   "a container the script added, then another container committed"])
def test_a_committed_script_edit_survives_later_commits_of_the_same_files(setup: tuple[Path, Path, Path],
                                                                         later: str) -> None:
    """The last commit's monolith holds a script's edit its tree lacks: a later commit of 103's own file (another
    key, or a reformat), or of another container after the script added one, does not make it stale."""
    tree, mono, file103 = setup
    repo = commit(tree, mono)
    doc = json.loads(mono.read_text())
    if later.startswith("a container"):
        doc["lxc_configs"]["960"] = dict(doc["lxc_configs"]["103"], name="added-by-script")
    else:
        doc["lxc_configs"]["103"]["memory_mb"] = 4242
    mono.write_text(json.dumps(doc, indent=4) + "\n")
    git(repo, "commit", "-q", "-am", "script")
    if later == "another key of 103 committed":
        edit(file103, None, 7, time.time())
    elif later == "103 reformatted and committed":
        file103.write_text(json.dumps(json.loads(file103.read_text()), indent=4) + "\n")
    else:
        edit(next((tree / "lxc").glob("101_*.json")), None, 7, time.time())
    git(repo, "commit", "-q", "-am", "tree")
    before = mono.read_bytes()
    refused = run("merge", tree, "-o", mono)
    assert refused.exit_code == 2 and mono.read_bytes() == before
    assert ("960" if later.startswith("a container") else "103") in refused.stderr


def test_a_monolith_left_behind_by_a_commit_of_the_tree_alone_gives_way(setup: tuple[Path, Path, Path]) -> None:
    """103's file committed without merge -o, then the monolith reformatted by a script (no value changed) and
    committed: the committed monolith holds 103 as the tree did before its commit, so the tree's edit goes in."""
    tree, mono, file103 = setup
    repo = commit(tree, mono)
    edit(file103, None, 7, time.time())
    git(repo, "commit", "-q", "-am", "tree only")
    mono.write_text(json.dumps(json.loads(mono.read_text()), indent=2) + "\n")
    git(repo, "commit", "-q", "-am", "reformat")
    merged = run("merge", tree, "-o", mono)
    assert merged.exit_code == 0, merged.stderr
    assert json.loads(mono.read_text())["lxc_configs"]["103"]["cores"] == 7
