"""splitter diff: two sides (a tree, a monolith, or REV:PATH of either in a real git repository) compared."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from conftest import FIXTURE, ROOT, run
from markdown_it import MarkdownIt

from splitter.exact.numbers import Number, canonical_value, same_value
from splitter.exact.write import dumps
from splitter.exact.parse import parse

VLLM = ["950", "951", "952", "953", "954"]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ignore the machine's git config (and NO_COLOR) for this test; commits get a fixed author."""
    empty = tmp_path / "gitconfig"
    empty.write_text("")
    for name, value in {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(empty), "HOME": str(tmp_path),
                        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch repository whose first commit holds the fixture and its tree; the machine's git config is ignored."""
    isolated_git(tmp_path, monkeypatch)
    work = tmp_path / "repo"
    work.mkdir()
    shutil.copy(FIXTURE, work / "phoenix_lxc_configs.json")
    assert run("split", work / "phoenix_lxc_configs.json", "-o", work / "conf.d").exit_code == 0
    git(work, "init", "-q")
    git(work, "config", "user.name", "t")
    git(work, "config", "user.email", "t@example.invalid")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "split")
    monkeypatch.chdir(work)
    return work


def edit(path: Path, change) -> None:
    """Change a layer file as a person would: every other number keeps its lexeme (0.90 stays 0.90)."""
    doc = parse(path.read_bytes(), str(path))
    change(doc)
    path.write_bytes(dumps(doc))


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


def diff_json(*args: str) -> tuple[int, dict]:
    result = run("diff", *args, "--format", "json")
    assert result.stderr == ""
    return result.exit_code, json.loads(result.stdout)


def merged(repo: Path, revision: str) -> dict:
    """Every container's final config at a revision, by merge from a checkout of its own (not by diff)."""
    folder = repo.parent / f"checkout-{revision.replace('~', '-')}"
    git(repo, "worktree", "add", "-q", "--detach", str(folder), revision)
    result = run("merge", folder / "conf.d")
    assert result.exit_code == 0
    return json.loads(result.stdout)["lxc_configs"]


def test_a_profile_edit_reports_every_member_naming_the_profile(repo: Path) -> None:
    edit(repo / "conf.d/defaults/profile_vllm.json", lambda doc: doc["vllm_engine_config"]["CacheConfig"]
         .update(swap_space=8))
    commit(repo, "more swap")
    result = run("diff", "HEAD~1:conf.d", "HEAD:conf.d")
    assert result.exit_code == 1 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "defaults/profile_vllm.json changed: 5 containers affected (950, 951, 952, 953, 954)"
    assert lines[1].startswith("5 container(s) changed, 0 added, 0 removed, 9 unchanged")
    for ctid in VLLM:
        assert f"container {ctid} (" in result.stdout
    assert result.stdout.count("  changed  $.vllm_engine_config.CacheConfig.swap_space: 4 -> 8    from "
                               "defaults/profile_vllm.json (profile vllm)") == 5
    assert "\x1b[" not in result.stdout  # not a terminal: no colour
    code, report = diff_json("HEAD~1:conf.d", "HEAD:conf.d")
    assert code == 1 and report["format"] == "splitter-diff/1"
    assert report["summary"] == [{"file": "defaults/profile_vllm.json", "containers": VLLM}]
    assert [c["id"] for c in report["containers"]] == VLLM
    assert report["containers"][0]["changes"] == [{
        "path": "$.vllm_engine_config.CacheConfig.swap_space", "pointer": "/vllm_engine_config/CacheConfig/swap_space",
        "kind": "changed", "old": 4, "new": 8, "file": "defaults/profile_vllm.json", "layer": "profile vllm",
        "side": "new"}]


def test_an_added_container_and_its_new_profile_are_reported_as_added(repo: Path) -> None:
    """A container file added with a new profile only it uses: its file is `added` (not `changed`) and the
    profile is not reported as affecting no container."""
    tree = repo / "conf.d"
    (tree / "defaults" / "profile_edge.json").write_bytes(b'{\n  "edge": true\n}\n')
    (tree / "lxc" / "977_edge.json").write_bytes(b'{\n  "$profiles": ["edge"],\n  "name": "edge"\n}\n')
    commit(repo, "edge")
    result = run("diff", "HEAD~1:conf.d", "HEAD:conf.d")
    assert result.exit_code == 1
    assert "lxc/977_edge.json added: 1 container affected (977)" in result.stdout
    assert "no container affected" not in result.stdout and "977_edge.json changed" not in result.stdout
    own = next((tree / "lxc").glob("103_*.json"))  # the new profile given to a container that was there
    edit(own, lambda doc: doc.update({"$profiles": [*doc.get("$profiles", []), "edge"]}))
    commit(repo, "edge for 103")
    given = run("diff", "HEAD~1:conf.d", "HEAD:conf.d")
    assert "defaults/profile_edge.json changed: 1 container affected (103)" in given.stdout
    (tree / "defaults" / "profile_mon.json").write_bytes(b'{\n  "monitoring": true\n}\n')
    edit(own, lambda doc: doc.update({"$profiles": [*doc["$profiles"], "mon"]}))
    commit(repo, "mon for 103")
    added = run("diff", "HEAD~1:conf.d", "HEAD:conf.d")
    assert "defaults/profile_mon.json added: 1 container affected (103)" in added.stdout


def test_a_renamed_container_file_is_reported_as_renamed(repo: Path) -> None:
    old = next((repo / "conf.d" / "lxc").glob("103_*.json"))
    new = old.with_name("103_ca.json")
    old.rename(new)
    edit(new, lambda doc: doc.update(cores=9))
    commit(repo, "rename 103")
    result = run("diff", "HEAD~1:conf.d", "HEAD:conf.d")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == f"lxc/103_ca.json renamed from lxc/{old.name}: 1 container affected (103)"


def test_one_argument_compares_the_working_tree_with_the_revision(repo: Path) -> None:
    edit(repo / "conf.d/lxc/950_vllm-qwen-coder.json", lambda doc: doc.update(cores=3, extra_key=[1]))
    code, report = diff_json("HEAD:conf.d")
    assert code == 1 and report["new"].endswith("conf.d")
    [container] = report["containers"]
    assert container["id"] == "950" and container["file"] == "lxc/950_vllm-qwen-coder.json"
    kinds = {change["path"]: change["kind"] for change in container["changes"]}
    assert kinds == {"$.cores": "changed", "$.extra_key": "added"}
    assert diff_json("HEAD")[1]["containers"] == report["containers"]  # PATH defaults to conf.d


@pytest.mark.parametrize("folder", ["conf.d", "conf.d/lxc"])
def test_revision_paths_are_from_the_top_in_any_folder(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                       folder: str) -> None:
    edit(repo / "conf.d/lxc/950_vllm-qwen-coder.json", lambda doc: doc.update(cores=3))
    commit(repo, "3 cores")
    monkeypatch.chdir(repo / folder)
    for old, new in [("HEAD~1:conf.d", "HEAD:conf.d"), ("HEAD~1:phoenix_lxc_configs.json", "HEAD:conf.d"),
                     ("HEAD~1:conf.d", str(repo / "conf.d"))]:
        code, report = diff_json(old, new)
        assert code == 1 and [c["id"] for c in report["containers"]] == ["950"], (old, new)
    # one argument: the same PATH, from the top, in the working tree
    edit(repo / "conf.d/lxc/951_vllm-granite.json", lambda doc: doc.update(cores=5))
    here = os.path.relpath(repo / "conf.d")
    for spec in ("HEAD", "HEAD:conf.d"):
        code, report = diff_json(spec)
        assert code == 1 and report["new"] == here and [c["id"] for c in report["containers"]] == ["951"]
    code, report = diff_json("HEAD:phoenix_lxc_configs.json")
    assert report["new"] == os.path.relpath(repo / "phoenix_lxc_configs.json")
    assert code == 0 and report["unchanged"] == 14  # the monolith file itself was not edited
    # a PATH starting with ./ or ../ is from this folder, as git reads it
    code, report = diff_json(f"HEAD:{here}/")
    assert code == 1 and report["new"] == here and [c["id"] for c in report["containers"]] == ["951"]


def test_a_base_edit_overridden_by_some_containers_reports_only_the_others(repo: Path) -> None:
    edit(repo / "conf.d/defaults/lxc_base.json", lambda doc: doc.update(boot_delay=7))
    commit(repo, "a longer boot delay by default")
    before, after = merged(repo, "HEAD~1"), merged(repo, "HEAD")
    expected = [ctid for ctid in after if before[ctid] != after[ctid]]
    assert 0 < len(expected) < len(after)  # some containers override boot_delay
    code, report = diff_json("HEAD~1:conf.d", "HEAD:conf.d")
    assert code == 1
    assert_base_edit(report, expected, "defaults/lxc_base.json", "boot_delay", 5, 7)


def assert_base_edit(report: dict, expected: list[str], base: str, key: str, old, new) -> None:
    """Exactly the expected containers (or entries) changed, each in one top-level key, from the base file."""
    assert [c["id"] for c in report["containers"]] == expected
    assert report["summary"] == [{"file": base, "containers": expected}]
    assert all(c["changes"] == [{"path": f"$.{key}", "pointer": f"/{key}", "kind": "changed", "old": old,
                                 "new": new, "file": base, "layer": "base", "side": "new"}]
               for c in report["containers"])


def test_a_renamed_container_file_is_no_change(repo: Path) -> None:
    git(repo, "mv", "conf.d/lxc/101_nginx-gateway.json", "conf.d/lxc/101_gateway.json")
    commit(repo, "rename")
    result = run("diff", "HEAD~1:conf.d", "HEAD:conf.d")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == ("no container's final config changes (0 container(s) changed, 0 added, "
                             "0 removed, 14 unchanged)\n")  # the one line MIGRATION.md quotes
    assert f"`{result.stdout.strip()}`" in " ".join((ROOT / "MIGRATION.md").read_text().split())


def test_moving_a_key_from_container_files_into_a_profile_is_no_change(repo: Path) -> None:
    # the old side: the docker profile's key written in each docker container's own file, not in the profile
    members = [path for path in (repo / "conf.d/lxc").iterdir()
               if "docker" in json.loads(path.read_text()).get("$profiles", [])]
    assert len(members) == 4
    profile = repo / "conf.d/defaults/profile_docker.json"
    original = profile.read_bytes()
    key, value = next(iter(json.loads(original).items()))
    edit(profile, lambda doc: doc.pop(key))
    for path in members:
        edit(path, lambda doc: doc.update({key: value}))
    commit(repo, "key in each file")
    for path in members:
        edit(path, lambda doc: doc.pop(key))
    profile.write_bytes(original)
    commit(repo, "role moved into the profile")
    result = run("diff", "HEAD~1:conf.d", "HEAD:conf.d")
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("no container's final config changes (0 container(s) changed")
    # every edited file is still named, with why it changed nothing
    assert lines[:-1] == ["defaults/profile_docker.json changed: no container affected (its members' final configs "
                          "are the same)"] + sorted(
        f"lxc/{path.name} changed: no container affected (its container's final config is the same)"
        for path in members)


def test_a_profile_edit_every_member_overrides_is_named_and_changes_nothing(repo: Path) -> None:
    # the base_setup profile's members get their features from their own file (9000) or a later profile
    # (docker): the new value reaches nobody
    profile = repo / "conf.d/defaults/profile_base_setup.json"
    edit(profile, lambda doc: doc.update({"features": ["template"]}))
    line = "defaults/profile_base_setup.json changed: no container affected (every member overrides it)"
    result = run("diff", "HEAD")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.splitlines() == [line, "no container's final config changes (0 container(s) changed, "
                                                "0 added, 0 removed, 14 unchanged)"]
    code, report = diff_json("HEAD")
    assert code == 0 and report["changed"] is False and report["summary"] == []
    assert report["no_effect"] == [{"file": "defaults/profile_base_setup.json", "change": "changed",
                                    "why": "every member overrides it"}]
    markdown = run("diff", "HEAD", "--format", "markdown")
    assert markdown.exit_code == 0
    cells = [token.content for token in _markdown(markdown.stdout) if token.type == "inline"]
    assert "`defaults/profile_base_setup.json`" in cells and "none (changed; every member overrides it)" in cells


def test_a_new_profile_nobody_uses_is_named(repo: Path) -> None:
    (repo / "conf.d/defaults/profile_spare.json").write_text('{"cores": 64}\n')
    code, report = diff_json("HEAD")
    assert code == 0 and report["no_effect"] == [{"file": "defaults/profile_spare.json", "change": "added",
                                                  "why": "no container uses it"}]


def test_a_profile_edit_some_members_see_is_not_listed_as_no_effect(repo: Path) -> None:
    profile = repo / "conf.d/defaults/profile_base_setup.json"
    edit(profile, lambda doc: doc.update({"features": ["template"], "onboot_note": "x"}))
    code, report = diff_json("HEAD")
    assert code == 1 and report["no_effect"] == []
    assert report["summary"] == [{"file": "defaults/profile_base_setup.json", "containers": ["9000", "101", "102", "104", "105"]}]


def test_formatting_and_key_order_are_counted_apart(repo: Path) -> None:
    path = repo / "conf.d/lxc/952_vllm-embed.json"
    doc = json.loads(path.read_text())
    path.write_text(json.dumps(dict(reversed(list(doc.items()))), indent=4))
    code, report = diff_json("HEAD:conf.d", "conf.d")
    assert code == 0 and report["containers"] == [] and report["formatting"] == ["lxc/952_vllm-embed.json"]


def reformat(path: Path) -> None:
    """Rewrite a JSON file as Python's json writes it (as jq does, numbers like 0.50 become 0.5)."""
    path.write_text(json.dumps(json.loads(path.read_text()), indent=2))


def test_number_spelling_is_formatting_and_a_value_change_is_not(repo: Path) -> None:
    edit(repo / "conf.d/defaults/profile_vllm.json",
         lambda doc: doc.update(temperature=Number("0.70"), ratios=[Number("0.50"), Number("1E3"), 2]))
    commit(repo, "sampling")
    for path in (repo / "conf.d").rglob("*.json"):
        reformat(path)
    assert '"temperature": 0.7,' in (repo / "conf.d/defaults/profile_vllm.json").read_text()
    code, report = diff_json("HEAD")
    assert code == 0 and report["containers"] == [] and report["globals"] == []
    assert report["respelled"] == ["950", "951", "952", "953", "954", "961"]  # 961: its own 0.50
    assert {"defaults/profile_vllm.json", "lxc/950_vllm-qwen-coder.json", "lxc/961_llamacpp-gpu0.json"} \
        <= set(report["formatting"])
    result = run("diff", "HEAD")
    assert result.exit_code == 0 and "; only number spelling changed in 6 (950, 951, 952, 953, 954, 961)" \
        in result.stdout.splitlines()[0]
    # the same type and exact value only: 1E3 -> 1000 turns a fraction into an integer, and
    # 0.70000000000000001 is another decimal (though the same binary float)
    edit(repo / "conf.d/defaults/profile_vllm.json",
         lambda doc: doc.update(temperature=Number("0.70000000000000001"), ratios=[Number("0.5"), 1000, 2]))
    result = run("diff", "HEAD", "--format", "text")
    assert result.exit_code == 1 and "5 container(s) changed" in result.stdout
    assert result.stdout.count("  changed  $.temperature: 0.70 -> 0.70000000000000001    from "
                               "defaults/profile_vllm.json (profile vllm)") == 5
    assert result.stdout.count("      - [1] 1E3\n      + [1] 1000\n") == 5  # 0.50 -> 0.5 is no list change
    assert "[0]" not in result.stdout and "only number spelling changed in 1 (961)" in result.stdout


def test_a_respelled_monolith_is_formatting(repo: Path) -> None:
    reformat(repo / "phoenix_lxc_configs.json")
    code, report = diff_json("HEAD:phoenix_lxc_configs.json", "phoenix_lxc_configs.json")
    assert (code, report["containers"], report["globals"]) == (0, [], [])
    assert report["respelled"] == ["950", "954", "961"] and report["formatting"] == ["phoenix_lxc_configs.json"]
    assert diff_json("HEAD:conf.d", "phoenix_lxc_configs.json")[1]["respelled"] == ["950", "954", "961"]


# small parts, so that two draws often spell one value (0.5, 5e-1, 0.50) or one digit string (10, 1.0)
_LEXEME = r"-?(0|[1-9]0?)(\.[05]0?)?([eE][-+]?[01])?"


@settings(max_examples=int(os.environ.get("SPLITTER_EXAMPLES", "200")) // 2, deadline=None)
@given(st.from_regex(_LEXEME, fullmatch=True), st.from_regex(_LEXEME, fullmatch=True))
def test_same_value_is_the_same_type_and_exact_decimal(first: str, second: str) -> None:
    """Two numbers are the same value, spelling aside, when both are integers or both fractions (RFC 8259's
    grammar, as Python's json reads them) of the same exact decimal, the sign of zero included."""
    def kind(text: str) -> bool:
        return any(mark in text for mark in ".eE")

    expected = (kind(first) == kind(second) and Decimal(first) == Decimal(second)
                and Decimal(first).is_signed() == Decimal(second).is_signed())
    values = [parse(f'{{"x": [{text}]}}'.encode(), "t") for text in (first, second)]
    assert same_value(*values) is expected
    assert (canonical_value(values[0]) == canonical_value(values[1])) is expected


def test_monolith_against_tree(repo: Path) -> None:
    result = run("diff", "phoenix_lxc_configs.json", "conf.d")
    assert result.exit_code == 0 and "14 unchanged" in result.stdout
    assert run("diff", "HEAD:phoenix_lxc_configs.json", "HEAD:conf.d").exit_code == 0
    edit(repo / "conf.d/defaults/profile_docker.json", lambda doc: doc.update(cores=4))
    edit(repo / "conf.d/lxc/103_step-ca.json", lambda doc: doc.pop("name"))
    code, report = diff_json("HEAD:phoenix_lxc_configs.json", "conf.d")
    assert code == 1
    by_id = {c["id"]: c["changes"] for c in report["containers"]}
    assert sorted(by_id) == ["101", "102", "103", "104", "105"]
    assert by_id["101"][0]["file"] == "defaults/profile_docker.json"
    # a value gone from the tree: the cause is on the old side, the monolith, which has no layers
    assert by_id["103"] == [{"path": "$.name", "pointer": "/name", "kind": "removed", "old": "step-ca",
                             "file": "HEAD:phoenix_lxc_configs.json", "layer": "monolith", "side": "old"}]
    # and the other way round: on the new side, a monolith is its own cause
    code, report = diff_json("conf.d", "HEAD:phoenix_lxc_configs.json")
    assert code == 1 and report["summary"][0] == {"file": "HEAD:phoenix_lxc_configs.json",
                                                  "containers": ["101", "102", "103", "104", "105"]}


def test_added_and_removed_containers_and_lists(repo: Path) -> None:
    shutil.copy(repo / "conf.d/lxc/951_vllm-granite.json", repo / "conf.d/lxc/955_vllm-granite.json")
    (repo / "conf.d/lxc/9000_template-base.json").unlink()
    edit(repo / "conf.d/defaults/profile_vllm.json", lambda doc: doc.update(features=["nvidia", "vllm", "x"]))
    code, report = diff_json("HEAD:conf.d", "conf.d")
    assert code == 1
    status = {c["id"]: c["status"] for c in report["containers"]}
    assert status == {**{ctid: "changed" for ctid in VLLM}, "955": "added", "9000": "removed"}
    change = report["containers"][0]["changes"][0]
    assert change["path"] == "$.features" and change["list"] == [{"op": "+", "index": 2, "value": "x"}]


@pytest.mark.parametrize("spec, message", [
    ("nope:conf.d", "nope:conf.d: no such revision 'nope' in this git repository"),
    ("HEAD:no-such-dir", "HEAD:no-such-dir: no file or folder 'no-such-dir' at revision HEAD"),
    ("no-such-dir", "no-such-dir: no such file or folder (a git revision is written REV:PATH)"),
])
def test_bad_input_is_exit_2_and_one_line(repo: Path, spec: str, message: str) -> None:
    result = run("diff", spec, "conf.d")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"splitter: {message}\n")


def test_outside_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    result = run("diff", "HEAD:conf.d", "conf.d")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "splitter: HEAD:conf.d: not a git repository here (nor a file or folder of that name)\n"


def test_a_bad_file_at_a_revision_is_named(repo: Path) -> None:
    (repo / "conf.d/lxc/101_nginx-gateway.json").write_text("{\n  \"cores\": 2,\n}\n")
    commit(repo, "broken")
    result = run("diff", "HEAD~1:conf.d", "HEAD:conf.d")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("splitter: HEAD:conf.d/lxc/101_nginx-gateway.json:3:1: ")
    assert result.stderr.count("\n") == 1


def _markdown(text: str):
    return MarkdownIt("commonmark").enable("table").parse(text)


def test_markdown_has_a_summary_table_and_one_details_section_per_container(repo: Path) -> None:
    edit(repo / "conf.d/defaults/profile_vllm.json", lambda doc: doc["health_check"].update(retries=11))
    edit(repo / "conf.d/lxc/101_nginx-gateway.json", lambda doc: doc.update(name="a|b`c"))
    result = run("diff", "HEAD:conf.d", "conf.d", "--format", "markdown")
    assert result.exit_code == 1 and result.stderr == ""
    tokens = _markdown(result.stdout)
    table = [tokens[i + 1].content for i, token in enumerate(tokens) if token.type in ("th_open", "td_open")]
    assert table == ["file", "containers affected", "`defaults/profile_vllm.json`", "5: 950, 951, 952, 953, 954",
                     "`lxc/101_nginx-gateway.json`", "1: 101"]
    details = [token.content for token in tokens if token.type == "html_block" and "<details>" in token.content]
    assert len(details) == 6 and "<summary>container 101 (a|b`c): 1 change(s)</summary>" in details[-1]
    fences = [token for token in tokens if token.type == "fence"]
    assert [fence.info for fence in fences] == ["diff"] * 6
    assert fences[0].content.splitlines() == [
        "- $.health_check.retries: 10", "+ $.health_check.retries: 11    # defaults/profile_vllm.json (profile vllm)"]


def test_markdown_past_the_limit_says_what_it_left_out(repo: Path) -> None:
    edit(repo / "conf.d/defaults/lxc_base.json", lambda doc: doc.update(boot_delay=6, template="t" * 300))
    full = run("diff", "HEAD:conf.d", "conf.d", "--format", "markdown").stdout
    cut = run("diff", "HEAD:conf.d", "conf.d", "--format", "markdown", "--limit", "2000").stdout
    assert len(full) > 2000 >= len(cut)
    tokens = _markdown(cut)
    shown = sum(token.type == "html_block" and "<details>" in token.content for token in tokens)
    total = sum(token.type == "html_block" and "<details>" in token.content for token in _markdown(full))
    assert 0 < shown < total
    assert f"**Truncated:** {total - shown} of {total} sections are not shown" in cut
    assert cut.startswith(full[:200])


def test_colour_only_on_a_terminal_and_never_with_no_color(repo: Path) -> None:
    import pty

    edit(repo / "conf.d/lxc/950_vllm-qwen-coder.json", lambda doc: doc.update(cores=3))
    script = "import sys; from splitter.cli.app import app; sys.argv = ['splitter', 'diff', 'HEAD']; app()"
    outputs = {}
    for no_color in ("", "1"):
        env = dict(os.environ, NO_COLOR=no_color, TERM="xterm-256color")
        if not no_color:
            env.pop("NO_COLOR")
        leader, follower = pty.openpty()
        process = subprocess.Popen([sys.executable, "-c", script], stdout=follower,
                                   stderr=subprocess.PIPE, env=env)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait() == 1
        os.close(leader)
        outputs[no_color] = b"".join(chunks).decode()
    assert "\x1b[" in outputs[""] and "\x1b[" not in outputs["1"]
    assert "container 950 (vllm-qwen-coder): 1 change(s)" in outputs["1"]


def test_consecutive_corpus_versions_compare_as_a_plain_json_reading_says() -> None:
    """Each real monolith against the next: the containers diff reports are those whose JSON differs."""
    import orjson
    from conftest import corpus_files

    from splitter.ops.diff import compare
    from splitter.ops.sides import load_side

    files = [path for path in corpus_files() if path.parent.name == "testing-ideas"]
    if len(files) < 2:
        pytest.skip("../shared/corpus is not beside the project")
    checked = 0
    for older, newer in zip(files, files[1:]):
        report = compare(load_side(str(older)), load_side(str(newer)))
        before, after = (orjson.loads(path.read_bytes())["lxc_configs"] for path in (older, newer))
        expected = {ctid for ctid in {*before, *after} if ctid not in before or ctid not in after
                    or orjson.dumps(before[ctid], option=orjson.OPT_SORT_KEYS)
                    != orjson.dumps(after[ctid], option=orjson.OPT_SORT_KEYS)}
        assert {c.id for c in report.containers} == expected, (older.name, newer.name)
        assert all(change.file == str(newer if change.side == "new" else older) and change.layer == "monolith"
                   for c in report.containers for change in c.changes)
        checked += bool(expected)
    assert checked > 10  # the corpus has many versions that change containers


# ---------------------------------------------------------------- collections besides lxc_configs

VMS = FIXTURE.parent / "collections" / "phoenix_vm_configs.json"
VM_SPLIT = ["--collection", "/vms", "--id-key", "vmid"]


@pytest.fixture
def vm_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch repository whose first commit holds the VM monolith and its tree (vms/, no lxc/)."""
    isolated_git(tmp_path, monkeypatch)
    work = tmp_path / "repo"
    work.mkdir()
    shutil.copy(VMS, work / VMS.name)
    assert run("split", work / VMS.name, "-o", work / "conf.d", *VM_SPLIT).exit_code == 0
    git(work, "init", "-q")
    commit(work, "split the VMs")
    monkeypatch.chdir(work)
    return work


def test_vm_profile_and_base_edits_list_the_affected_vms_naming_the_file(vm_repo: Path) -> None:
    tree = vm_repo / "conf.d"
    members = sorted(path.name.split("_")[0] for path in (tree / "vms").iterdir()
                     if "ai" in json.loads(path.read_text()).get("$profiles", []))
    assert len(members) >= 2
    assert run("diff", f"HEAD:{VMS.name}", "HEAD:conf.d").exit_code == 0  # a monolith and a tree at a revision
    edit(tree / "defaults/vms_profile_ai.json", lambda doc: doc.update(cores=20))
    commit(vm_repo, "more cores for the AI VMs")
    result = run("diff", "HEAD~1:conf.d", "HEAD:conf.d")
    assert result.exit_code == 1 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == f"defaults/vms_profile_ai.json changed: {len(members)} entries affected ({', '.join(members)})"
    assert lines[1].startswith(f"{len(members)} entries changed, 0 added, 0 removed")
    assert result.stdout.count("  changed  $.cores: 16 -> 20    from defaults/vms_profile_ai.json (profile ai)") \
        == len(members)
    assert "container" not in result.stdout
    assert all(f"entry {vmid} (" in result.stdout for vmid in members)

    # a base edit: the VMs that do not override the key, as merge itself says
    before = run("merge", tree).stdout_bytes
    edit(tree / "defaults/vms_base.json", lambda doc: doc.update(disk_size_gb=80))
    after = run("merge", tree).stdout_bytes
    old = {str(vm["vmid"]): vm for vm in json.loads(before)["vms"]}
    expected = [str(vm["vmid"]) for vm in json.loads(after)["vms"] if old[str(vm["vmid"])] != vm]
    assert 0 < len(expected) < len(old)  # some VMs set their own disk size
    code, report = diff_json("HEAD:conf.d")  # the working tree against the last commit
    assert code == 1 and report["collection"] == "/vms"
    assert_base_edit(report, expected, "defaults/vms_base.json", "disk_size_gb", 64, 80)


def test_vm_monolith_against_tree_and_two_vm_monoliths(tmp_path: Path) -> None:
    tree = tmp_path / "conf.d"
    assert run("split", VMS, "-o", tree, *VM_SPLIT).exit_code == 0
    equal = run("diff", VMS, tree)  # the monolith side reads the collection the tree records
    assert equal.exit_code == 0 and equal.stderr == ""
    assert equal.stdout == "no entry's final config changes (0 entries changed, 0 added, 0 removed, 6 unchanged)\n"
    assert run("diff", tree, VMS).exit_code == 0
    own = tree / "vms" / "8005_ubuntu-dev.json"
    edit(own, lambda doc: doc.update(memory_mb=4096))
    code, report = diff_json(str(VMS), str(tree))
    assert code == 1 and report["collection"] == "/vms"
    [entry] = report["containers"]
    assert (entry["id"], entry["file"]) == ("8005", "vms/8005_ubuntu-dev.json")
    assert [(c["path"], c["new"], c["file"], c["layer"]) for c in entry["changes"]] == \
        [("$.memory_mb", 4096, "vms/8005_ubuntu-dev.json", "container")]
    # two monoliths: --collection and --id-key choose (default /lxc_configs)
    edited = tmp_path / "edited.json"
    edited.write_bytes(run("merge", tree).stdout_bytes)
    assert run("diff", VMS, VMS, *VM_SPLIT).exit_code == 0
    text = run("diff", VMS, edited, *VM_SPLIT)
    assert text.exit_code == 1 and text.stdout.startswith(
        f"{edited} changed: 1 entry affected (8005)\n1 entry changed, 0 added, 0 removed, 5 unchanged\n\n"
        "entry 8005 (Ubuntu-Dev): 1 change(s)\n")
    for options, message in [([], f'{VMS}: has no "lxc_configs" object'),
                             (["--collection", "/vms"], '"/vms" must be an object of entries'),
                             (["--collection", "vms", "--id-key", "vmid"], "two monoliths have no folders"),
                             (["--id-key", "vmid"], 'has no "/lxc_configs" list')]:
        refused = run("diff", VMS, edited, *options)
        assert refused.exit_code == 2 and refused.stdout == "" and refused.stderr.count("\n") == 1
        assert message in refused.stderr, (options, refused.stderr)
    wrong_key = run("diff", VMS, tree, "--id-key", "name")  # a tree records its own id key
    assert wrong_key.exit_code == 2 and "id key vmid" in wrong_key.stderr


def test_a_tree_of_lxc_and_vms_is_diffed_per_collection(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    for tree in (old, new):
        assert run("split", FIXTURE, "-o", tree).exit_code == 0
        assert run("split", VMS, "-o", tree, *VM_SPLIT).exit_code == 0
    edit(new / "defaults/vms_profile_gpu.json", lambda doc: doc.update(hugepages="1G"))
    members = sorted(path.name.split("_")[0] for path in (new / "vms").iterdir()
                     if "gpu" in json.loads(path.read_text()).get("$profiles", []))
    assert len(members) >= 2
    for selector in ("vms", "/vms"):
        code, report = diff_json(str(old), str(new), "--collection", selector)
        assert code == 1 and report["collection"] == "/vms"
        assert report["summary"] == [{"file": "defaults/vms_profile_gpu.json", "containers": members}]
    # without --collection: lxc, as merge, verify and show do; the VM edit is not its business
    lxc = run("diff", old, new)
    assert lxc.exit_code == 0 and lxc.stdout.startswith("no container's final config changes (0 container(s)")
    assert run("diff", old, new, "--collection", "lxc").exit_code == 0
    assert run("diff", VMS, new, "--collection", "vms").exit_code == 1  # the monolith reads the chosen one
    assert run("diff", FIXTURE, new).exit_code == 0
    missing = run("diff", old, new, "--collection", "qemu")
    assert missing.exit_code == 2
    assert missing.stderr == f"splitter: {old}: has no collection 'qemu' (it holds lxc, vms)\n"
    # two trees whose default collections differ are refused, not compared
    vms_only = tmp_path / "vms-only"
    assert run("split", VMS, "-o", vms_only, *VM_SPLIT).exit_code == 0
    differ = run("diff", vms_only, new)
    assert differ.exit_code == 2 and differ.stdout == ""
    assert differ.stderr == (f"splitter: {new}: its collection lxc (/lxc_configs) is not {vms_only}'s vms (/vms, "
                             "id key vmid); choose one with --collection\n")
    assert run("diff", vms_only, new, "--collection", "vms").exit_code == 1


def fleet_change(tmp_path: Path, edited: int, description: str = "changed by the test") -> tuple[Path, Path]:
    """A 300-container tree and a copy with `edited` container files given a description, the first 40
    reformatted."""
    from splitter.discovery.fleet import monolith_bytes

    (tmp_path / "fleet.json").write_bytes(monolith_bytes(300))
    old, new = tmp_path / "old" / "conf.d", tmp_path / "new" / "conf.d"
    assert run("split", tmp_path / "fleet.json", "-o", old).exit_code == 0
    shutil.copytree(old, new)
    files = sorted((new / "lxc").glob("*.json"))
    for path in files[40:40 + edited]:
        edit(path, lambda doc: doc.update(description=description))
    for path in files[:40]:
        reformat(path)
    return old, new


@pytest.mark.parametrize("limit", [1000, 3000])
def test_markdown_limit_counts_the_whole_comment_on_a_big_change(tmp_path: Path, limit: int) -> None:
    """Trial 11: `--limit 1000` printed 3,487 characters (the table and header were not counted). A change to
    260 container files of a 300-container tree, the 40 others reformatted: the whole comment stays under the
    limit, says what it left out, and is still a valid comment (its table, the sections that fit)."""
    old, new = fleet_change(tmp_path, 260)
    full = run("diff", old, new, "--format", "markdown", "--limit", "100000").stdout
    cut = run("diff", old, new, "--format", "markdown", "--limit", str(limit))
    assert cut.exit_code == 1 and cut.stderr == ""
    assert "Truncated" not in full and len(full) > 2 * limit and len(cut.stdout) < limit
    assert f"of 260 sections are not shown: this whole comment is kept under {limit} characters" in cut.stdout
    tokens = _markdown(cut.stdout)
    cells = [tokens[i + 1].content for i, token in enumerate(tokens) if token.type == "td_open"]
    assert cells[-2:] == ["...", f"{260 - len(cells) // 2 + 1} more files"] and len(cells) >= 4
    assert cut.stdout.startswith(full.split("\n| file")[0].split("\nChanged only")[0])


def test_markdown_under_the_limit_by_shortening_the_summary_says_so(tmp_path: Path) -> None:
    """One container changed, 40 files reformatted: the list of those files would pass 1000 characters; without
    it the whole comment fits, its one section too, and it says the lists were left out."""
    old, new = fleet_change(tmp_path, 1, "a longer description, so that the full comment passes 1000 " * 3)
    full = run("diff", old, new, "--format", "markdown").stdout
    cut = run("diff", old, new, "--format", "markdown", "--limit", "1000").stdout
    assert len(full) >= 1000 > len(cut) and "Truncated" not in cut and cut.count("<details>") == 1
    assert "layout: 40 file(s)." in cut and "**Shortened:** the summary's lists of ids and files are left out" in cut
