"""Fast paths of reading and reporting give what the plain way gives: one read(2) of a tree file, layers shared by
the two sides of a diff, the ASCII test of JSON reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from splitter.errors import BadInput
from splitter.exact.parse import parse
from splitter.ops.sides import _Recorded
from splitter.reports.escape import _JSON_UNSAFE, json_report
from splitter.tree.layers import decode
from splitter.tree.files import read_file
from splitter.tree.read import read_layer


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, (1 << 20) + 3])
@pytest.mark.parametrize("bom", [False, True])
def test_a_tree_file_is_read_whole_in_one_read(tmp_path: Path, size: int, bom: bool) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    (tmp_path / "f.json").write_bytes(data)
    assert read_file(str(tmp_path / "f.json")) == (data[3:] if bom else data)


def _reference_json_report(doc) -> bytes:
    """json_report as it was before its ASCII test (a generator over every byte)."""
    from splitter.exact.write import dumps

    data = dumps(doc)
    if any(byte >= 0x7F for byte in data):
        for raw, escaped in _JSON_UNSAFE.items():
            data = data.replace(raw, escaped)
    return data


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",))), max_size=4))
def test_json_reports_escape_what_they_escaped(values: list[str]) -> None:
    assert json_report({"values": values}) == _reference_json_report({"values": values})


class _Files:
    def __init__(self, files: dict[str, bytes]):
        self.files = files

    def where(self, relative: str) -> str:
        return "REV:" + relative

    def read(self, relative: str) -> bytes:
        return self.files[relative]


def test_both_sides_of_a_diff_share_a_layer_only_for_the_same_bytes_and_name() -> None:
    own = b'{"$profiles": ["web"], "name": "a", "cores": 2}\n'
    shared: dict = {}
    old = _Recorded(_Files({"lxc/1.json": own, "lxc/2.json": own}), shared)
    new = _Recorded(_Files({"lxc/1.json": own, "lxc/2.json": own.replace(b"2}", b"4}")}), shared)
    layers = {(side, name): read_layer(source, name, container=True)
              for side, source in (("old", old), ("new", new)) for name in ("lxc/1.json", "lxc/2.json")}
    for (side, name), layer in layers.items():
        source = old if side == "old" else new
        assert layer == decode(parse(source.read(name), name), name, container=True)
        assert layer.file == name  # the same bytes under another name: its own layer, naming its own file
    assert layers["old", "lxc/1.json"] is layers["new", "lxc/1.json"]
    assert layers["new", "lxc/2.json"].values["cores"] == 4


def test_a_bad_layer_is_named_on_each_side() -> None:
    bad = b'{"$unknown": 1}'
    shared: dict = {}
    for _ in range(2):  # not remembered: the second side says it too
        with pytest.raises(BadInput) as error:
            read_layer(_Recorded(_Files({"lxc/1.json": bad}), shared), "lxc/1.json", container=True)
        assert error.value.file == "REV:lxc/1.json" and "unknown directive" in error.value.message
