"""Mistakes are errors, never silent: --name and --profile that match nothing, a $unset that deletes nothing,
check on a folder that is not a tree, advice that would overwrite a file; show needs only its container's files;
the plan says which schema it read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE, run


def one_error(result, start: str, words: str) -> None:
    assert result.exit_code == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"splitter: {start}"), result.stderr
    assert words in result.stderr, result.stderr


@pytest.fixture()
def tree(fixture_tree: Path) -> Path:
    return fixture_tree


def test_a_name_that_renames_nothing_is_an_error(tmp_path: Path) -> None:
    out = tmp_path / "conf.d"
    result = run("split", FIXTURE, "-o", out, "--name", "nvidai=gpu")
    one_error(result, "--name nvidai=gpu", "no discovered profile is named nvidai; the discovered profiles are: "
                                            "nvidia, base_setup, vllm, docker")
    assert not out.exists()
    one_error(run("split", FIXTURE, "--dry-run", "--no-profiles", "--name", "nvidia=gpu"), "--name nvidia=gpu",
              "the discovered profiles are: (none)")
    assert run("split", FIXTURE, "--dry-run", "--name", "nvidia=gpu").exit_code == 0


def test_a_stale_unset_is_refused_by_merge_and_verify_and_reported_by_check(tree: Path) -> None:
    own = tree / "lxc" / "950_vllm-qwen-coder.json"
    layer = json.loads(own.read_text())
    layer["$unset"] = ["/portainer_rol"]  # the typo of the issue: the key stays in the merged config
    own.write_text(json.dumps(layer, indent=2))
    target = tree.parent / "phoenix_lxc_configs.json"
    message = "$unset /portainer_rol deletes nothing: no base or profile of this container sets it"
    for args in (["merge", tree], ["merge", tree, "-o", target], ["verify", tree, FIXTURE, "--byte-exact"]):
        one_error(run(*args), f"{own}: ", message)
    assert not target.exists()
    checked = run("check", tree)
    assert checked.exit_code == 1
    assert "lxc/950_vllm-qwen-coder.json: $['$unset']: " + message \
        in checked.stdout.splitlines()


@pytest.mark.parametrize("names,message", [
    (["vllm=gpu", "vllm=llm"], "--name vllm=llm: vllm is given twice (also --name vllm=gpu); rename a profile once"),
    (["vllm=gpu", "nvidia=gpu"], "--name nvidia=gpu: gpu is already the new name of vllm (--name vllm=gpu); two "
                                 "profiles cannot share a name"),
])
def test_a_name_given_twice_is_an_error(tmp_path: Path, names: list, message: str) -> None:
    args = [arg for pair in names for arg in ("--name", pair)]
    result = run("split", FIXTURE, "-o", tmp_path / "conf.d", *args)
    one_error(result, message, "")
    assert result.stderr == f"splitter: {message}\n" and not (tmp_path / "conf.d").exists()


def test_check_json_says_why_no_schema_as_the_text_does(tree: Path) -> None:
    text, data = run("check", tree), run("check", tree, "--format", "json")
    assert text.exit_code == data.exit_code == 0, text.stdout
    reason = text.stdout.splitlines()[-1].partition("; schema: ")[2]
    assert reason.startswith("none found (")
    assert json.loads(data.stdout) == {"schema": None, "schema_reason": reason, "problems": [],
                                       "schemas": [{"collection": "/lxc_configs", "folder": "lxc", "schema": None,
                                                    "schema_reason": reason}]}


def test_explain_says_how_to_see_a_cut_value_whole(tree: Path) -> None:
    note = "(values longer than 80 characters are cut, ending in ...; --format json shows them whole)"
    text = run("show", tree, "950", "--explain")
    assert text.exit_code == 0 and text.stdout.splitlines()[-1] == note
    cut = next(line for line in text.stdout.splitlines() if line.startswith("$.firewall.rules = "))
    whole = next(v for v in json.loads(run("show", tree, "950", "--explain", "--format", "json").stdout)["values"]
                 if v["path"] == "$.firewall.rules")
    assert cut.endswith("...") and len(json.dumps(whole["value"], separators=(",", ":"))) > 80
    layer = json.loads((tree / "defaults" / "lxc_base.json").read_text())
    layer["firewall"]["rules"] = []  # nothing long left to cut in 950: no note
    (tree / "defaults" / "lxc_base.json").write_text(json.dumps(layer))
    for own in (tree / "lxc").glob("950_*.json"):
        short = {k: v for k, v in json.loads(own.read_text()).items() if len(json.dumps(v)) < 60 or k[0] == "$"}
        own.write_text(json.dumps(short))
    for profile in (tree / "defaults").glob("profile_*.json"):
        profile.write_text(json.dumps({k: v for k, v in json.loads(profile.read_text()).items()
                                       if len(json.dumps(v)) < 60}))
    text = run("show", tree, "950", "--explain")
    assert text.exit_code == 0, text.stderr
    assert note not in text.stdout and not any(line.endswith("...") for line in text.stdout.splitlines())


def test_a_deletion_listed_twice_is_an_error_like_a_profile_listed_twice(tree: Path) -> None:
    own = next((tree / "lxc").glob("950_*.json"))
    layer = json.loads(own.read_text())
    layer["$unset"] = ["/portainer_role", "/portainer_role"]
    own.write_text(json.dumps(layer, indent=2))
    for args in (["merge", tree], ["verify", tree, FIXTURE], ["show", tree, "950"]):
        one_error(run(*args), f"{own}: ", "$unset lists /portainer_role twice\n")
    checked = run("check", tree)
    assert checked.exit_code == 1
    assert "lxc/950_vllm-qwen-coder.json: $: $unset lists /portainer_role twice" in checked.stdout.splitlines()


@pytest.mark.parametrize("where", ["lxc", "parent", "empty"])
def test_check_on_a_folder_that_is_not_a_tree(tree: Path, where: str) -> None:
    folder = {"lxc": tree / "lxc", "parent": tree.parent, "empty": tree.parent / "empty"}[where]
    folder.mkdir(exist_ok=True)
    one_error(run("check", folder), f"{folder}: ", "not a conf.d tree: it holds none of layout.json, globals.json, "
                                                   "defaults/lxc_base.json")
    if where == "parent":  # the folder that holds the tree: the tree is named
        one_error(run("check", folder), f"{folder}: ", f"(did you mean {tree}?)")


def test_check_dot_inside_the_trees_lxc_folder_names_the_tree(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial 14: `splitter check .` from conf.d/lxc got no hint (the parent of `.` is `.` itself)."""
    monkeypatch.chdir(tree / "lxc")
    one_error(run("check", "."), ".: ", "(did you mean ..?)")


def test_a_tree_named_from_the_wrong_folder_is_found_below(tree: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(tree, tmp_path / "top" / "etc" / "conf.d")
    monkeypatch.chdir(tmp_path / "top")  # the repository's top, with the tree in etc/
    one_error(run("merge", "conf.d"), "conf.d: ", "no such conf.d folder (did you mean etc/conf.d?)")
    one_error(run("merge", "etc/confd"), "etc/confd: ", "no such conf.d folder (did you mean etc/conf.d?)")
    # a path elsewhere is searched where it points, never in the current folder
    elsewhere = tmp_path / "elsewhere" / "conf.d"
    elsewhere.parent.mkdir()
    done = run("merge", str(elsewhere))
    assert done.exit_code == 2 and "did you mean" not in done.stderr, done.stderr


@pytest.mark.parametrize("command", [["check"], ["merge"], ["show", "950"], ["show", "950", "--explain"],
                                     ["verify", None], ["update", None, "--dry-run"], ["diff", None]])
def test_every_command_says_a_folder_is_not_a_tree(tree: Path, command: list) -> None:
    folder = tree / "lxc"
    args = [FIXTURE if arg is None else arg for arg in command[1:]]
    one_error(run(command[0], folder, *args), f"{folder}: ",
              f"not a conf.d tree: it holds none of layout.json, globals.json, defaults/lxc_base.json (did you "
              f"mean {tree}?)")


def test_verify_and_update_say_which_argument_is_which(tree: Path) -> None:
    for command in ("verify", "update"):
        usage = f"{command} takes DIR then MONOLITH"
        one_error(run(command, FIXTURE, tree), f"{FIXTURE}: ",
                  f"is a file, not a conf.d folder ({usage}: swap the two arguments)\n")
        one_error(run(command, tree, tree), f"{tree}: ", f"is a folder; MONOLITH must be a file ({usage})\n")
    one_error(run("show", FIXTURE, "950"), f"{FIXTURE}: ", "is a file, not a conf.d folder\n")


def test_diff_with_one_argument_that_is_a_folder(tree: Path) -> None:
    one_error(run("diff", tree), f"{tree}: ", "is a folder, but one argument is a git revision (REV or REV:PATH); "
                                              f"to compare two sides give both: splitter diff OLD NEW "
                                              f"(e.g. splitter diff HEAD:{tree} {tree})\n")


def test_check_never_advises_a_name_that_is_taken(tree: Path) -> None:
    shutil.copy(tree / "lxc" / "951_vllm-granite.json", tree / "lxc" / "951_copy.json")
    result = run("check", tree, "--format", "json")
    assert result.exit_code == 1
    messages = {p["file"]: p["message"] for p in json.loads(result.stdout)["problems"]
                if "name does not follow" in p["message"]}
    assert messages == {"lxc/951_copy.json": "its name does not follow the container's name 'vllm-granite', and "
                                             "lxc/951_vllm-granite.json is taken: give this container its own id "
                                             "or name"}
    existing = {path.name for path in (tree / "lxc").iterdir()}
    advice = [p["message"] for p in json.loads(result.stdout)["problems"] if "rename it" in p["message"]]
    assert not [text for text in advice if text.rsplit(" ", 1)[-1] in existing]


def test_show_reads_only_the_files_of_its_container(tree: Path) -> None:
    (tree / "lxc" / "101_nginx-gateway.json").write_text("{")
    (tree / "lxc" / "102_traefik-internal.json").unlink()
    (tree / "lxc" / "102_traefik-internal.json").symlink_to(tree.parent)
    (tree / "defaults" / "profile_docker.json").write_text("[broken")  # a profile 950 does not use
    (tree / "globals.json").write_text("not json")
    shown = run("show", tree, "950")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["name"] == "vllm-qwen-coder", shown.stderr
    assert run("show", tree, "950", "--explain").exit_code == 0
    one_error(run("show", tree, "101"), f"{tree / 'lxc' / '101_nginx-gateway.json'}:1:2: ", "")
    one_error(run("show", tree, "102"), f"{tree / 'lxc' / '102_traefik-internal.json'}: ", "symbolic link")
    one_error(run("show", tree, "104"), f"{tree / 'defaults' / 'profile_docker.json'}:", "")
    one_error(run("show", tree, "9"), f"{tree}: ", "no container '9' in the tree")
    one_error(run("show", tree, "9S0"), f"{tree}: ", "no container '9S0' in the tree (did you mean 960 or 950?)")
    one_error(run("show", tree, "vllm-qwen-coder"), f"{tree}: ", "(did you mean 950?)")  # a name for an id
    one_error(run("split", tree, "-o", tree.parent / "new"), f"{tree}: ", "is a folder; a monolith is a JSON file")
    shutil.copy(tree / "lxc" / "951_vllm-granite.json", tree / "lxc" / "951_copy.json")
    one_error(run("show", tree, "951"), f"{tree / 'lxc' / '951_vllm-granite.json'}: ", "container 951 has two files")


def plan(monolith: Path, form: str) -> str:
    result = run("split", monolith, "--dry-run", "--format", form)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_the_plan_says_no_schema_was_found_and_why(tmp_path: Path) -> None:
    monolith = tmp_path / "phoenix_lxc_configs.json"
    monolith.write_bytes(FIXTURE.read_bytes())  # its $schema names a file that is not there
    why = f"$schema names ./phoenix_lxc_configs.schema.json, which is not in {tmp_path}"
    assert plan(monolith, "text").splitlines()[-1] == f"no schema found ({why})"
    assert "schema warnings" not in plan(monolith, "text")
    data = json.loads(plan(monolith, "json"))
    assert data["schema"] == {"file": None, "reason": why} and data["totals"]["schema_warnings"] is None
    assert f"no schema found ({why})." in plan(monolith, "markdown")
    for value, reason in ((None, "the monolith has no $schema"), ("https://example.invalid/s.json", "is a URL"),
                          (".", f"{tmp_path}: is not a regular file")):
        doc = json.loads(FIXTURE.read_text())
        if value is None:
            del doc["$schema"]
        else:
            doc["$schema"] = value
        monolith.write_text(json.dumps(doc, indent=4) + "\n")
        assert reason in json.loads(plan(monolith, "json"))["schema"]["reason"]


def test_the_plan_names_the_schema_it_read(tmp_path: Path) -> None:
    monolith = tmp_path / "phoenix_lxc_configs.json"
    monolith.write_bytes(FIXTURE.read_bytes())
    schema = tmp_path / "phoenix_lxc_configs.schema.json"
    schema.write_text('{"properties": {"nvidia_driver_version": {"type": "integer"}}}')
    assert plan(monolith, "text").splitlines()[-1] == f"schema {schema}: 1 place(s) break it"
    data = json.loads(plan(monolith, "json"))
    assert data["schema"] == {"file": str(schema), "warnings": 1} and data["totals"]["schema_warnings"] == 1
    assert f"schema {schema}: 1 place(s) break it." in plan(monolith, "markdown")
