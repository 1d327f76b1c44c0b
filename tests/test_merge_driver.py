"""`splitter merge-driver`: what git gets back for each kind of change, and every kind of conflict marked and named."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
from conftest import FIXTURE, run
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import Lexeme, monoliths, values
from merge_scenarios import Scenario, build, merge

from splitter.exact.numbers import Number, canonical
from splitter.exact.parse import parse
from splitter.exact.style import detect_style
from splitter.exact.write import dumps
from splitter.merging.threeway_json import MISSING, merge_json
from splitter.ops.mergedriver import merge_files

BASE = (b'{\n    "a": {\n        "cores": 8,\n        "util": 0.50,\n        "tags": ["x", "y", "z"]\n    },\n'
        b'    "b": {\n        "cores": 2\n    }\n}')


def drive(tmp_path: Path, base: bytes, ours: bytes, theirs: bytes, name: str = "etc/phoenix_lxc_configs.json"):
    """Run the driver as git does (%O %A %B %P %L) on three temporary files; (run, bytes left in %A)."""
    paths = []
    for label, data in (("O", base), ("A", ours), ("B", theirs)):
        path = tmp_path / f".merge_file_{label}"
        path.write_bytes(data)
        paths.append(path)
    result = run("merge-driver", *paths, name, 7)
    return result, paths[1].read_bytes()


def edit(text: bytes, old: str, new: str) -> bytes:
    assert old.encode() in text
    return text.replace(old.encode(), new.encode(), 1)


def test_one_side_unchanged_gives_the_other_byte_for_byte(tmp_path: Path) -> None:
    theirs = b'{"b":{"cores":2},"a":{"cores":8}}'  # another writer altogether: still taken as it is
    result, merged = drive(tmp_path, BASE, BASE, theirs)
    assert result.exit_code == 0 and merged == theirs
    result, merged = drive(tmp_path, BASE, theirs, BASE)
    assert result.exit_code == 0 and merged == theirs


def test_changes_on_both_sides_merge_in_ours_style(tmp_path: Path) -> None:
    ours = edit(BASE, '"cores": 8', '"cores": 9')
    theirs = edit(BASE, '"cores": 2', '"cores": 4')
    result, merged = drive(tmp_path, BASE, ours, theirs)
    assert result.exit_code == 0, result.stderr
    assert merged == edit(ours, '"cores": 2', '"cores": 4')  # 0.50 and the 4-space layout kept


def test_a_respelled_number_is_no_conflict(tmp_path: Path) -> None:
    ours = edit(BASE, '"util": 0.50', '"util": 0.5')  # a reformat on ours
    theirs = edit(BASE, '"util": 0.50', '"util": 0.90')
    result, merged = drive(tmp_path, BASE, ours, theirs)
    assert result.exit_code == 0 and b'"util": 0.90' in merged


def test_keys_added_on_both_sides_are_all_kept_ours_first(tmp_path: Path) -> None:
    ours = edit(BASE, '"cores": 2\n', '"cores": 2,\n        "swap": 1\n')
    theirs = edit(BASE, '"cores": 2\n', '"cores": 2,\n        "disk": 5\n')
    result, merged = drive(tmp_path, BASE, ours, theirs)
    assert result.exit_code == 0
    assert list(json.loads(merged)["b"]) == ["cores", "swap", "disk"]


def test_list_edits_apart_merge_and_layout_ids_merge_as_ordered_sets(tmp_path: Path) -> None:
    ours = edit(BASE, '"x", "y"', '"w", "x", "y"')
    theirs = edit(BASE, '"y", "z"', '"y", "z", "q"')
    result, merged = drive(tmp_path, BASE, ours, theirs)
    assert result.exit_code == 0 and json.loads(merged)["a"]["tags"] == ["w", "x", "y", "z", "q"]
    layout = b'{\n  "containers": [\n    "1",\n    "2"\n  ]\n}\n'
    result, merged = drive(tmp_path, layout, edit(layout, '"2"', '"2",\n    "3"'), edit(layout, '"2"', '"2",\n    "4"'),
                           "etc/conf.d/layout.json")
    assert result.exit_code == 0 and json.loads(merged)["containers"] == ["1", "2", "3", "4"]


@pytest.mark.parametrize("kind,ours,theirs,shown", [
    ("change/change", ('"cores": 8', '"cores": 9'), ('"cores": 8', '"cores": 10'), ("8", "9", "10")),
    ("delete/change", ('"b": {\n        "cores": 2\n    }', '"b": {}'), ('"cores": 2', '"cores": 3'),
     ("2", "(none)", "3")),
    ("list overlap", ('"z"]', '"z2"]'), ('"z"]', '"z3"]'), ('["x","y","z"]', '["x","y","z2"]', '["x","y","z3"]')),
])
def test_each_kind_of_conflict_is_marked_and_named(tmp_path: Path, kind: str, ours, theirs, shown) -> None:
    mine, other = edit(BASE, *ours), edit(BASE, *theirs)
    result, merged = drive(tmp_path, BASE, mine, other)
    assert result.exit_code == 1
    pointer = {"change/change": "/a/cores", "delete/change": "/b/cores", "list overlap": "/a/tags"}[kind]
    assert (f"etc/phoenix_lxc_configs.json: conflict at {pointer} ({kind}): base {shown[0]}, ours {shown[1]}, "
            f"theirs {shown[2]}") in result.stderr
    lines = merged.decode().splitlines()
    opening, closing = lines.index("<<<<<<< ours"), lines.index(">>>>>>> theirs")
    assert "||||||| base" in lines and "=======" in lines
    marked = "\n".join(lines[opening:closing + 1])
    new_values = [part.split(": ", 1)[1] if ": " in part else part for part in (ours[1], theirs[1])]
    assert all(value.rstrip("]") in marked for value in new_values)  # both sides kept, nothing chosen
    assert closing - opening <= 11 < len(lines) - 4  # the lines around the conflict, not the whole file
    assert '"util": 0.50' in merged.decode()  # untouched bytes as ours has them
    assert run("merge-driver", "--help").exit_code == 0


def test_an_object_deleted_against_a_change_inside_it_names_what_changed(tmp_path: Path) -> None:
    """Trial 14: a container deleted on one side and changed on the other was shown by its first keys, cut off
    before the value that differs; the message now names what the other side changed."""
    ours = edit(BASE, '    "a": {\n        "cores": 8,\n        "util": 0.50,\n        "tags": ["x", "y", "z"]\n    },\n', "")
    theirs = edit(BASE, '"cores": 8', '"cores": 12')
    result, merged = drive(tmp_path, BASE, ours, theirs)
    assert result.exit_code == 1 and b"<<<<<<< ours" in merged
    assert "conflict at /a (delete/change): ours deleted it, theirs changed /a/cores 8 -> 12" in result.stderr


def test_a_side_that_is_not_json_falls_back_to_git_merge_file(tmp_path: Path) -> None:
    text = b"line 1\nline 2\nline 3\n"
    result, merged = drive(tmp_path, text, b"line one\nline 2\nline 3\n", b"line 1\nline 2\nline three\n", "notes")
    assert result.exit_code == 0 and merged == b"line one\nline 2\nline three\n"
    assert "merged as text" in result.stderr
    result, merged = drive(tmp_path, text, b"mine\n" + text[7:], b"yours\n" + text[7:], "notes")
    assert result.exit_code == 1 and b"<<<<<<< ours\nmine\n" in merged and b"yours\n>>>>>>> theirs" in merged


def test_the_fixture_merges_as_its_writer_writes_it(tmp_path: Path) -> None:
    base = FIXTURE.read_bytes()
    ours = edit(base, '"memory_mb": 2048', '"memory_mb": 4096')
    theirs = edit(base, '"mac_address": "52:54:00:10:00:0B"', '"mac_address": "52:54:00:10:00:0C"')
    result, merged = drive(tmp_path, base, ours, theirs)
    assert result.exit_code == 0
    assert merged == edit(ours, '"mac_address": "52:54:00:10:00:0B"', '"mac_address": "52:54:00:10:00:0C"')


def exact(value):
    """A drawn value as the parser gives it: a Lexeme or a big integer becomes the Number it stands for."""
    if type(value) is dict:
        return {key: exact(child) for key, child in value.items()}
    if type(value) is list:
        return [exact(child) for child in value]
    if type(value) is int and not -(2**63) <= value < 2**64:
        return Number(str(value))  # as the parser keeps integers beyond 64 bits
    return Number(value.text) if type(value) is Lexeme else value


@settings(max_examples=int(os.environ.get("SPLITTER_EXAMPLES", "200")) // 2, deadline=None)
@given(values, values, values)
def test_the_three_way_rule(base, ours, theirs) -> None:
    base, ours, theirs = exact(base), exact(ours), exact(theirs)
    same = canonical
    assert same(merge_json(base, ours, base)[0]) == same(ours)  # one side changed: that side, exactly
    assert same(merge_json(base, base, theirs)[0]) == same(theirs)
    assert same(merge_json(base, ours, ours)[0]) == same(ours)  # changed alike: taken once
    merged, conflicts = merge_json(base, ours, theirs)
    swapped, swapped_conflicts = merge_json(base, theirs, ours)
    assert len(conflicts) == len(swapped_conflicts)  # a conflict does not depend on which side is ours
    for conflict in conflicts:  # nothing settled silently: each names two different new values
        assert conflict.ours is MISSING or conflict.theirs is MISSING or same(conflict.ours) != same(conflict.theirs)


def test_install_merge_driver_from_a_subfolder_is_idempotent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from merge_scenarios import git

    repo = tmp_path / "repo"
    (repo / "etc" / "conf.d").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / ".gitattributes").write_text("*.sh text eol=lf")  # the user's own line, no final newline
    (repo / "etc" / "phoenix_lxc_configs.json").write_text("{}\n")
    monkeypatch.chdir(repo)
    wrong = run("install-merge-driver", "conf.d", "phoenix_lxc_configs.json")  # from the wrong folder
    assert wrong.exit_code == 2 and wrong.stderr.startswith("splitter: conf.d: no such file or folder")
    assert (repo / ".gitattributes").read_text() == "*.sh text eol=lf"
    monkeypatch.chdir(repo / "etc")
    first = run("install-merge-driver", "conf.d", "phoenix_lxc_configs.json")
    assert first.exit_code == 0
    assert ".gitattributes: /etc/conf.d/**/*.json merge=splitter" in first.stdout.splitlines()
    assert ".gitattributes: /etc/phoenix_lxc_configs.json merge=splitter" in first.stdout.splitlines()
    assert any(line.startswith(".git/config: merge.splitter.driver = ") and
               "merge-driver %O %A %B %P %L; s=$?; }; " in line for line in first.stdout.splitlines())
    assert (repo / ".gitattributes").read_text() == ("*.sh text eol=lf\n/etc/conf.d/**/*.json merge=splitter\n"
                                                     "/etc/phoenix_lxc_configs.json merge=splitter\n")
    again = run("install-merge-driver", "conf.d", "phoenix_lxc_configs.json")
    assert again.exit_code == 0 and again.stdout == ""
    attribute = git(repo, "check-attr", "merge", "etc/conf.d/lxc/1_x.json", "etc/phoenix_lxc_configs.json",
                    "phoenix_lxc_configs.json").stdout.decode().splitlines()
    assert [line.rsplit(": ", 1)[1] for line in attribute] == ["splitter", "splitter", "unspecified"]
    monkeypatch.chdir(tmp_path)
    outside = run("install-merge-driver")
    assert outside.exit_code == 2 and "not inside a git working tree" in outside.stderr


def test_update_base_takes_a_change_over_a_respelling() -> None:
    from splitter.ops.threeway import three_way

    def doc(util):
        return {"lxc_configs": {"950": {"name": "x", "util": util}}}

    merged, conflicts, _ = three_way(doc(Number("0.50")), doc(Number("0.90")), doc(0.5))
    assert conflicts == [] and merged["lxc_configs"]["950"]["util"] == Number("0.90")
    merged, conflicts, _ = three_way(doc(Number("0.50")), doc(0.5), doc(Number("0.90")))
    assert conflicts == [] and merged["lxc_configs"]["950"]["util"] == Number("0.90")
    assert len(three_way(doc(Number("0.50")), doc(Number("0.60")), doc(Number("0.90")))[1]) == 1


def test_a_number_only_respelled_by_theirs_is_taken_as_any_change_of_theirs() -> None:
    """MIGRATION.md section 13: a respelling counts as unchanged where the other side changed the number (its
    change stands); where the other side did not, it is theirs' change like any other: a jq branch (theirs)
    that wrote 0.50 as 0.5 gives 0.5, as git gives it in a tree file only that branch changed."""
    base = b'{\n    "util": 0.50,\n    "a": 1,\n    "b": 1\n}\n'
    ours = base.replace(b'"a": 1', b'"a": 2')
    theirs = b'{\n    "util": 0.5,\n    "a": 1,\n    "b": 3\n}\n'
    result = merge_files(base, ours, theirs, "p.json", 7)
    assert result.merged == b'{\n    "util": 0.5,\n    "a": 2,\n    "b": 3\n}\n' and not result.conflicts
    merged, conflicts = merge_json({"u": Number("0.50")}, {"u": Number("0.50")}, {"u": 0.5})
    assert merged["u"] == 0.5 and type(merged["u"]) is float and conflicts == []
    merged, conflicts = merge_json({"u": Number("0.50")}, {"u": Number("0.90")}, {"u": 0.5})  # ours' change stands
    assert merged["u"] == Number("0.90") and conflicts == []


def test_a_style_splitter_cannot_write_back_is_merged_as_text_or_rewritten_whole(tmp_path: Path) -> None:
    base = b'{\n  "a": 1, "b": 2,\n  "x": 0,\n  "y": 0,\n  "c": 3\n}\n'  # two keys a line: no writer we know
    result, merged = drive(tmp_path, base, base.replace(b'"c": 3', b'"c": 5'), base.replace(b'"a": 1', b'"a": 4'))
    assert result.exit_code == 0 and merged == base.replace(b'"c": 3', b'"c": 5').replace(b'"a": 1', b'"a": 4')
    assert result.stderr == ""  # git's text merge, clean and meaning the JSON merge: kept as written
    result, merged = drive(tmp_path, base, base.replace(b'"a": 1', b'"a": 4'), base.replace(b'"b": 2', b'"b": 6'))
    assert result.exit_code == 0 and json.loads(merged) == {"a": 4, "b": 6, "x": 0, "y": 0, "c": 3}  # one line
    assert "cannot reproduce: written in its detected style" in result.stderr


@settings(max_examples=int(os.environ.get("SPLITTER_EXAMPLES", "200")) // 10, deadline=None)
@given(monoliths(), st.data())
def test_any_writers_style_is_kept_by_a_merge(raw: bytes, data) -> None:
    """Two containers' values changed, one on each side, in a monolith of any writer: ours' bytes stay but
    for theirs' change, and the merge is what splitter's writer gives in the style detected from ours."""
    style = detect_style(raw)
    doc = parse(raw, "drawn")
    assume(dumps(doc, style) == raw and len(doc["lxc_configs"]) >= 2)
    first, second = data.draw(st.lists(st.sampled_from(list(doc["lxc_configs"])), min_size=2, max_size=2,
                                       unique=True))

    def changed(*ids):
        edited = copy.deepcopy(doc)
        for ctid in ids:
            edited["lxc_configs"][ctid]["zz_edited"] = ctid
        return edited

    ours, theirs, both = (dumps(changed(*ids), style) for ids in ((first,), (second,), (first, second)))
    merged = merge_files(raw, ours, theirs, "phoenix_lxc_configs.json")
    assert merged.clean and merged.merged == both


def test_install_merge_driver_without_paths_covers_every_monolith_and_conf_d(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from merge_scenarios import git

    git(tmp_path, "init", "-q")
    monkeypatch.chdir(tmp_path)
    assert run("install-merge-driver").exit_code == 0
    files = ["conf.d/layout_vms.json", "etc/conf.d/defaults/profile_vllm.json", "etc/phoenix_lxc_configs.json",
             "phoenix_stacks_config.json", "package.json", "etc/conf.d.txt"]
    found = git(tmp_path, "check-attr", "merge", *files).stdout.decode().splitlines()
    assert [line.rsplit(": ", 1)[1] for line in found] == ["splitter"] * 4 + ["unspecified"] * 2


LOOSE = [1, 1.0, True, Number("1.0"), Number("1E0"), "1", None, {}, [], {"a": 1}, {"a": 1.0}, [1], [True]]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LOOSE), st.sampled_from(LOOSE), st.sampled_from(LOOSE)),
                min_size=16, max_size=40))
def test_many_keys_merge_as_each_key_alone(triples) -> None:
    """An object of many keys (a monolith's containers) settles the keys equal on both sides together; values
    Python's == calls equal (1, 1.0, true, a lexeme) still merge as key by key does."""
    import splitter.merging.threeway_json as threeway

    sides = [{f"k{index}": triple[side] for index, triple in enumerate(triples)} for side in range(3)]
    together = merge_json(*sides)
    original, threeway._same_values = threeway._same_values, lambda ours, theirs: set()
    try:
        alone = merge_json(*sides)
    finally:
        threeway._same_values = original
    assert canonical(together[0]) == canonical(alone[0])
    assert [(c.path, c.kind) for c in together[1]] == [(c.path, c.kind) for c in alone[1]]


def test_a_tree_file_saved_with_a_byte_order_mark_merges_as_json() -> None:
    """Tree files may start with a BOM (an editor's); the driver merges them leaf by leaf, ours' BOM kept."""
    bom = b"\xef\xbb\xbf"
    base = b'{\n  "a": 1,\n  "b": 1,\n  "c": 1\n}\n'
    ours, theirs = bom + base.replace(b'"a": 1', b'"a": 2'), base.replace(b'"c": 1', b'"c": 3')
    result = merge_files(base, ours, theirs, "conf.d/lxc/101_x.json", 7)
    assert result.clean and result.how == "json"
    assert result.merged == bom + b'{\n  "a": 2,\n  "b": 1,\n  "c": 3\n}\n'
    plain = merge_files(bom + base, base.replace(b'"a": 1', b'"a": 2'), bom + theirs, "conf.d/lxc/101_x.json", 7)
    assert plain.clean and plain.merged == b'{\n  "a": 2,\n  "b": 1,\n  "c": 3\n}\n'


def test_a_final_newline_theirs_added_is_kept() -> None:
    """The end of the file merges as a leaf: a jq branch (theirs) wrote the monolith with a final newline where
    base and ours had none; the merge has one (and layout.json's "trailer", merged the same way, agrees)."""
    base = b'{\n    "a": 1,\n    "b": 1\n}'
    ours, theirs = base.replace(b'"a": 1', b'"a": 2'), base.replace(b'"b": 1', b'"b": 3') + b"\n"
    result = merge_files(base, ours, theirs, "phoenix_lxc_configs.json", 7)
    assert result.clean and result.merged == b'{\n    "a": 2,\n    "b": 3\n}\n'
    kept = merge_files(base + b"\n", ours, theirs, "phoenix_lxc_configs.json", 7)  # ours removed it: ours' stands
    assert kept.clean and kept.merged == b'{\n    "a": 2,\n    "b": 3\n}'



def test_a_reformatting_theirs_alone_made_is_taken_with_both_edits() -> None:
    """A jq branch (theirs) rewrote the monolith with two spaces and a final newline and changed a value; ours
    changed another in the original style. The merge holds both, written as jq writes: the layout.json record
    of the style, which only theirs changed, is taken from theirs as well. Where ours reformatted too, ours'."""
    base = b'{\n    "a": 1,\n    "b": [\n        1\n    ]\n}'
    ours = base.replace(b'"a": 1', b'"a": 2')
    theirs = b'{\n  "a": 1,\n  "b": [\n    3\n  ]\n}\n'
    result = merge_files(base, ours, theirs, "phoenix_lxc_configs.json", 7)
    assert result.clean and result.merged == b'{\n  "a": 2,\n  "b": [\n    3\n  ]\n}\n'
    tabs = ours.replace(b"    ", b"\t")  # ours changed the indent too: ours' indent, theirs' final newline
    result = merge_files(base, tabs, theirs, "phoenix_lxc_configs.json", 7)
    assert result.clean and result.merged == b'{\n\t"a": 2,\n\t"b": [\n\t\t3\n\t]\n}\n'


def test_a_jq_branch_merged_into_a_tree_branch_verifies(tmp_path: Path) -> None:
    """Trial 11: ours edited the tree and merged it into the monolith; theirs rewrote the monolith with jq (two
    spaces, a final newline, a value changed) and ran update, which recorded jq's style in layout.json. Git takes
    theirs' layout.json whole (ours did not touch it) and merges the monolith with the driver: the two agree."""
    raw = FIXTURE.read_bytes()
    doc, style = parse(raw, "fixture"), detect_style(raw)
    first, second = list(doc["lxc_configs"])[:2]
    ours_doc = copy.deepcopy(doc)
    ours_doc["lxc_configs"][first]["cores"] = 77
    theirs_doc = json.loads(raw)  # as jq reads it: 0.50 becomes 0.5, every number respelled its way
    theirs_doc["lxc_configs"][second]["memory_mb"] = 1234
    both = copy.deepcopy(theirs_doc)
    both["lxc_configs"][first]["cores"] = 77
    jq = lambda value: json.dumps(value, indent=2).encode() + b"\n"  # noqa: E731 - jq's two spaces, final newline
    scenario = Scenario("jq branch", raw, dumps(ours_doc, style), jq(theirs_doc), jq(both))
    assert dumps(doc, style) == raw and b"0.50" in raw and b"0.50" not in scenario.theirs
    outcome = merge(build(tmp_path, scenario, tree=True), tmp_path, scenario, tree=True, driver=True)
    assert outcome.clean and outcome.exact, outcome.stderr
