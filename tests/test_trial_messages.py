"""What operator trial 11 found in messages: what verify counts, an option that means nothing, hints on typos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURE, run


def reordered(tmp_path: Path, name: str, change) -> Path:
    """The fixture with its containers (or their keys) in another order, written with the fixture's indent."""
    doc = json.loads(FIXTURE.read_bytes())
    change(doc["lxc_configs"])
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=4))
    return path


def swap_first_two(configs: dict) -> None:
    ids = list(configs)
    ids[0], ids[1] = ids[1], ids[0]
    items = {ctid: configs.pop(ctid) for ctid in list(configs)}
    configs.update({ctid: items[ctid] for ctid in ids})


def swap_and_change(configs: dict) -> None:
    swap_first_two(configs)
    configs["950"]["cores"] = 99


OUTSIDE = "outside any container (the monolith's top-level keys or the order of its containers)"


@pytest.mark.parametrize("change, said", [
    (swap_first_two, f"1 difference(s) {OUTSIDE}, key order only"),  # trial 11: "1 difference(s) in 0 container(s)"
    (swap_and_change, f"2 difference(s): 1 in 1 container(s), 1 {OUTSIDE}"),
    (lambda configs: configs["950"].update(cores=99), "1 difference(s) in 1 container(s)"),
])
def test_verify_says_where_the_differences_are_and_when_only_key_order(tmp_path: Path, fixture_tree, change,
                                                                       said: str) -> None:
    mono = reordered(tmp_path, "changed.json", change)
    result = run("verify", fixture_tree, mono)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == f"{fixture_tree} and {mono} differ: {said}"


def test_merge_discard_edits_without_output_is_a_usage_error(fixture_tree) -> None:
    """Trial 11: accepted silently, though merge to stdout replaces no file."""
    result = run("merge", fixture_tree, "--discard-edits")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == ("splitter: merge: --discard-edits only means something with -o FILE (without it the "
                             "monolith goes to stdout and no file is replaced) (see splitter merge --help)\n")


def test_check_suggests_the_profile_a_typo_in_profiles_meant(fixture_tree) -> None:
    """Trial 11: `"$profiles": ["base_setp"]` got no "did you mean", though ids and options do."""
    own = fixture_tree / "lxc" / "101_nginx-gateway.json"
    text = own.read_text()
    assert '"base_setup"' in text
    own.write_text(text.replace('"base_setup"', '"base_setp"'))
    result = run("check", fixture_tree)
    assert result.exit_code == 1
    assert ('lxc/101_nginx-gateway.json: $[\'$profiles\']: unknown profile "base_setp" (no '
            'defaults/profile_base_setp.json) (did you mean base_setup?)\n') in result.stdout
    for command in (["merge", fixture_tree], ["show", fixture_tree, "101"]):  # the readers say it too
        said = run(*command)
        assert said.exit_code == 2 and 'unknown profile "base_setp"' in said.stderr, said.stderr
        assert said.stderr.endswith("(did you mean base_setup?)\n"), said.stderr
    own.write_text(text.replace('"base_setup"', '"zzzz"'))
    assert "did you mean" not in run("check", fixture_tree).stdout  # nothing close: no guess


def test_an_update_conflict_names_the_tree_file_that_gives_the_value(tmp_path: Path, fixture_tree) -> None:
    """Trial 11: the tree's value came from a profile, the advice said "edit the entry's file in conf.d". A
    profile edit and a script's edit of one member meet: the report names the profile and, to change that
    member alone, its own file; following the advice settles the conflict."""
    profile = fixture_tree / "defaults" / "profile_vllm.json"
    profile.write_text(profile.read_text().replace('"storage_size_gb": 128', '"storage_size_gb": 256'))
    new = reordered(tmp_path, "new.json", lambda configs: configs["950"].update(storage_size_gb=512))
    result = run("update", fixture_tree, new, "--base", FIXTURE)
    assert result.exit_code == 1
    assert f"      tree:     256    from {fixture_tree}/defaults/profile_vllm.json\n" in result.stdout
    own = fixture_tree / "lxc" / "950_vllm-qwen-coder.json"
    advice = (f"in the tree, set it in {own}, the entry's own file ({profile} gives the tree's value to every "
              f"entry that takes it); in {new}, edit the value. Then run the same update again.")
    assert advice in result.stdout and advice in result.stderr
    markdown = run("update", fixture_tree, new, "--base", FIXTURE, "--format", "markdown").stdout
    assert "| `512` | `defaults/profile_vllm.json` |" in markdown
    own.write_text(own.read_text().replace("{", '{\n  "storage_size_gb": 512,', 1))
    assert run("update", fixture_tree, new, "--base", FIXTURE).exit_code == 0
    merged = json.loads(run("merge", fixture_tree).stdout)["lxc_configs"]  # both sides' edits kept
    assert (merged["950"]["storage_size_gb"], merged["951"]["storage_size_gb"]) == (512, 256)


def test_verify_shows_where_a_long_objects_key_order_parts(tmp_path: Path, fixture_tree) -> None:
    """Trial 14: the byte report's key order line shortened both orders to the same first keys, so it showed no
    difference; it now starts at the first key out of place."""
    def swap_last_two_keys(configs: dict) -> None:
        config = configs["950"]
        keys = list(config)
        keys[-2], keys[-1] = keys[-1], keys[-2]
        items = {key: config.pop(key) for key in list(config)}
        config.update({key: items[key] for key in keys})

    mono = reordered(tmp_path, "reordered.json", swap_last_two_keys)
    result = run("verify", fixture_tree, mono, "--byte-exact")
    keys = list(json.loads(mono.read_bytes())["lxc_configs"]["950"])
    line = next(line for line in result.stdout.splitlines() if "key order:" in line)
    assert result.exit_code == 1 and len(keys) > 4
    assert f'monolith "..., {keys[-2]}, {keys[-1]}", merge writes "..., {keys[-1]}, {keys[-2]}"' in line, line


def test_verify_says_how_to_settle_a_key_order_only_difference(tmp_path: Path, fixture_tree) -> None:
    """Trial 15: an order-only report did not say what settles it; and a container added by hand, which
    layout.json does not list, was said to take its place from layout.json."""
    mono = reordered(tmp_path, "swapped.json", swap_first_two)
    result = run("verify", fixture_tree, mono)
    assert result.exit_code == 1 and (f"key order only: to keep the monolith's order, splitter update {fixture_tree} "
                                      f"{mono} records it in the tree (MIGRATION.md section 10); to keep the tree's, "
                                      f"splitter merge {fixture_tree} -o {mono} (section 13)") in result.stdout
    copy = fixture_tree / "lxc" / "100_copy.json"  # an id below every other, added by hand: listed last by id
    copy.write_bytes(next((fixture_tree / "lxc").glob("950_*.json")).read_bytes().replace(b'"name": "', b'"name": "c', 1))
    doc = json.loads(run("merge", fixture_tree).stdout)
    configs = doc["lxc_configs"]
    doc["lxc_configs"] = {"100": configs.pop("100"), **configs}  # the monolith puts it first
    mono.write_text(json.dumps(doc, indent=4))
    said = run("verify", fixture_tree, mono).stdout
    assert "from layout.json and lxc/ (containers layout.json does not list come after, by id)" in said, said
