"""The merge rules and the file format of layers, as a person reading conf.d sees them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run

from splitter.errors import BadInput
from splitter.tree.layers import Layer, decode, parse_pointer
from splitter.exact.pointer import pointer
from splitter.merging.merge import merge


def split(tmp_path: Path, containers: dict, **top) -> Path:
    monolith = tmp_path / "m.json"
    monolith.write_text(json.dumps({**top, "lxc_configs": containers}, indent=4))
    out = tmp_path / "conf.d"
    result = run("split", monolith, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert run("merge", out).stdout_bytes == monolith.read_bytes()
    return out


def read(out: Path, relative: str) -> dict:
    return json.loads((out / relative).read_text())


def test_missing_null_empty_object_and_empty_list_stay_apart(tmp_path: Path) -> None:
    shared = {"a": 1, "b": 2, "c": 3, "d": {"x": 1}}
    out = split(tmp_path, {
        "1": {**shared, "v": None},
        "2": {**shared, "v": {}},
        "3": {**shared, "v": []},
        "4": {**shared},
        "5": {"a": 1, "b": 2, "c": 3, "d": {}},
    })
    assert read(out, "defaults/lxc_base.json") == {"a": 1, "b": 2, "c": 3, "d": {"x": 1}}
    assert read(out, "lxc/1.json") == {"v": None}
    assert read(out, "lxc/2.json") == {"v": {}}
    assert read(out, "lxc/3.json") == {"v": []}
    assert read(out, "lxc/4.json") == {}
    assert read(out, "lxc/5.json") == {"$unset": ["/d/x"]}


def test_container_lacking_an_inherited_key_carries_a_deletion_marker(tmp_path: Path) -> None:
    common = {"firewall": {"enabled": True, "rules": []}, "unprivileged": True, "cores": 2}
    out = split(tmp_path, {str(n): dict(common, name=f"c{n}") for n in range(4)} | {
        "9": {"name": "odd", "cores": 2, "firewall": {"enabled": True}}})
    assert read(out, "lxc/9_odd.json") == {"$unset": ["/firewall/rules", "/unprivileged"],
                                           "name": "odd"}


def test_marker_look_alikes_are_escaped_and_survive(tmp_path: Path) -> None:
    odd = {"$profiles": ["x"], "profiles": ["y"], "$unset": "/a", "$$x": 1, "a/b": {"c.d": 2}, "": 0, "名前": "値"}
    out = split(tmp_path, {"1": dict(odd), "2": dict(odd, extra=True)})
    base = read(out, "defaults/lxc_base.json")
    assert base == {"$$profiles": ["x"], "profiles": ["y"], "$$unset": "/a", "$$$x": 1, "a/b": {"c.d": 2},
                    "": 0, "名前": "値"}


def test_unset_pointer_escaping() -> None:
    assert pointer(("a/b", "~x", "")) == "/a~1b/~0x/"
    assert parse_pointer("/a~1b/~0x/", "f") == ("a/b", "~x", "")
    with pytest.raises(BadInput, match="~0"):
        parse_pointer("/a~2", "f")
    with pytest.raises(BadInput, match="JSON pointer"):
        parse_pointer("a", "f")


def test_merge_order_and_rules() -> None:
    base = Layer("base", {"a": {"x": 1, "y": [1, 2]}, "n": None, "s": "base"})
    profile = Layer("p", {"a": {"y": [3]}, "s": "profile"})
    own = Layer("own", {"a": {"z": {}}, "n": 0}, unsets=[("a", "x")])
    assert merge([base, profile, own]) == {"a": {"y": [3], "z": {}}, "n": 0, "s": "profile"}
    # a whole object replaced: removed first, then given anew
    replace = Layer("own", {"a": {"q": 1}}, unsets=[("a",)])
    assert merge([base, replace]) == {"n": None, "s": "base", "a": {"q": 1}}


@pytest.mark.parametrize("doc,message", [
    ({"$profiles": "gpu"}, "must be a list of profile names"),
    ({"$profiles": ["gpu", "gpu"]}, "names a profile twice"),
    ({"$unset": "/a"}, "must be a list of JSON pointers"),
    ({"$unset": ["/a", "/b", "/a"]}, "$unset lists /a twice"),
    ({"$unset": ["/a~1b", "/a~1b"]}, "$unset lists /a~1b twice"),
    ({"$unset": ["/a"], "a": 1}, "both removed by $unset and given a value"),
    ({"$other": 1}, 'unknown directive "$other"'),
    ([], "must hold a JSON object"),
])
def test_bad_container_layers(doc, message) -> None:
    with pytest.raises(BadInput, match=message.replace("$", r"\$")):
        decode(doc, "lxc/1.json", container=True)


def test_directives_belong_to_container_files() -> None:
    with pytest.raises(BadInput, match="belongs in container files"):
        decode({"$unset": ["/a"]}, "defaults/lxc_base.json", container=False)
