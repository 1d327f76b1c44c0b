"""The fast paths give what the exact path gives: the same values, output bytes, errors and positions, for files
drawn to defeat them (number spellings orjson changes, repeated keys at any depth, lone surrogates, escapes)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import values, written

from splitter.errors import BadInput
from splitter.exact.parse import _parse_exact, parse, parse_many
from splitter.exact.plain import parse_plain
from splitter.exact.style import TREE_STYLE
from splitter.exact.write import dumps

NUMBERS = ["0", "7", "-1", "100", "1.0", "0.9", "0.5", "0.50", "1E3", "1e3", "2.5E+10", "1.5e-7", "-0", "-0.0",
           "1e400", "123456789012345678", "1234567890123456789", "-9223372036854775808", "18446744073709551615",
           "18446744073709551616", "123456789012345678901234567890", "0.1", "0.10000000000000001", "5e-324"]
STRINGS = ['"a"', '""', '"\\ud800"', '"\\udc00x"', '"\\ud83d\\ude00"', '"\\u0041"', '"\\"x\\":"', '"\\\\"',
           '": "', '"1E3"', '", 1.5e"', '"x\\n"', '"é"', '"-0"', '"52:54:00:1E:59"', '"a\\u0000"', '"\\/"']
# "\u0061" and "a" are one key spelled two ways: a repeat orjson would collapse
KEYS = ['"a"', '"b"', '"\\u0061"', '"$profiles"', '"c\\":"', '"é"', '""']
SPACE = ["", "", "", " ", "\n  ", "\t", "\r\n"]


@st.composite
def texts(draw, depth: int = 0) -> str:
    """JSON text built from the spellings above, with white space anywhere JSON allows it."""
    def ws() -> str:
        return draw(st.sampled_from(SPACE))

    kind = draw(st.sampled_from(["scalar", "object", "array"] if depth < 4 else ["scalar"]))
    if kind == "scalar":
        return draw(st.sampled_from(NUMBERS + STRINGS + ["true", "false", "null"]))
    items = draw(st.integers(min_value=0, max_value=4))
    if kind == "array":
        return "[" + ",".join(ws() + draw(texts(depth + 1)) + ws() for _ in range(items)) + "]"
    return "{" + ",".join(ws() + draw(st.sampled_from(KEYS)) + ws() + ":" + ws() + draw(texts(depth + 1)) + ws()
                          for _ in range(items)) + "}"


DAMAGE = [lambda raw, at: raw, lambda raw, at: raw, lambda raw, at: raw,
          lambda raw, at: raw[:at],  # cut short
          lambda raw, at: raw[:at] + b"," + raw[at:],  # a stray comma
          lambda raw, at: raw[:at] + b"\x01" + raw[at:],  # a control character
          lambda raw, at: b"\xef\xbb\xbf" + raw,  # a byte order mark
          lambda raw, at: raw[:at] + b"\xff" + raw[at:],  # not UTF-8
          lambda raw, at: raw + b"\n"]


@st.composite
def documents(draw) -> bytes:
    """Mostly objects (what a tree holds), sometimes any value; sometimes damaged."""
    inner = draw(texts())
    text = inner if inner[:1] == "{" or draw(st.booleans()) else '{"x": ' + inner + "}"
    raw = text.encode()
    return draw(st.sampled_from(DAMAGE))(raw, draw(st.integers(min_value=0, max_value=len(raw))))


def outcome(read, raw: bytes):
    """What a reader gives a user: the value (repr keeps types, Number lexemes, -0.0 and key order), the bytes it
    writes, or the one-line error with its file, line and column."""
    try:
        value = read(raw)
    except BadInput as error:
        return "error", str(error)
    try:
        written = dumps(value, TREE_STYLE)
    except BadInput as error:
        written = str(error)
    return repr(value), written


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_parse_with_its_fast_path_gives_what_the_exact_path_gives(raw: bytes) -> None:
    assert outcome(lambda data: parse(data, "f.json"), raw) == outcome(
        lambda data: _parse_exact(data, "f.json", None), raw)


@settings(max_examples=100, deadline=None)
@given(documents())
def test_what_the_fast_path_accepts_it_reads_exactly(raw: bytes) -> None:
    value = parse_plain(raw)
    if value is not None:
        assert repr(value) == repr(_parse_exact(raw, "f.json", None))


@pytest.mark.parametrize("raw", [
    b'{"a": 1E3}', b'{"a": 0.50}', b'{"a": -0}', b'{"a": [1, -0]}', b'{"a": 18446744073709551616}',
    b'{"a": 1, "a": 2}', b'{"a": {"b": [{"c": 1, "c": 1}]}}', b'{"a": 1, "\\u0061": 1}', b'{"a" : 1, "a": 1}',
    b'{"x": "\\":", "a": 1, "a": 2}', b'{"a": "\\ud800"}', b'{"a": 1e400}', b"\xef\xbb\xbf{}", b'{"a": 0.9, "b": 1.50}',
    b"[" * 300 + b"]" * 300,
])
def test_each_defeat_goes_to_the_exact_path(raw: bytes) -> None:
    """Every file the exact path reads differently from orjson (or refuses) is left to it."""
    assert parse_plain(raw) is None


@pytest.mark.parametrize("raw", [
    b'{\n  "$profiles": ["docker"],\n  "name": "web-0",\n  "network_config": {"ip": "10.0.3.4/16"},\n  "cores": 8\n}\n',
    b'{"gpu_memory_utilization": 0.9, "mac": "52:54:00:00:1E:59", "ids": [1, 2, -3], "x": "\\u00e9\\"q\\"", "e": {}}',
])
def test_plain_files_take_the_fast_path(raw: bytes) -> None:
    """What split writes (and most hand edits) is proven plain: the fast path is not a dead branch."""
    assert parse_plain(raw) is not None
    assert repr(parse_plain(raw)) == repr(_parse_exact(raw, "f.json", None))


SMALL = st.dictionaries(st.sampled_from(["a", "b", "c", "net", "fw", "$x"]), st.one_of(
    st.integers(0, 3), st.dictionaries(st.sampled_from(["a", "b", "ip", "gw"]), st.integers(0, 3), max_size=3),
    st.lists(st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 3), max_size=2), max_size=2)), max_size=5)
ORDERS = st.dictionaries(st.sampled_from([(), ("net",), ("fw", "*"), ("b",)]),
                         st.lists(st.sampled_from(["a", "b", "c", "net", "fw", "ip", "gw"]), unique=True), max_size=3)


@settings(max_examples=100, deadline=None)
@given(SMALL, st.lists(SMALL, max_size=2), st.lists(st.tuples(SMALL, st.lists(st.sampled_from(["/a", "/net/ip", "/fw"]),
                                                                             unique=True, max_size=2)), min_size=1,
                                                      max_size=4), ORDERS, st.one_of(st.none(), ORDERS))
def test_planned_containers_are_what_merging_layer_by_layer_gives(base, profiles, owns, orders, exception) -> None:
    """Assembler.container's plan (one per profiles and own keys) against the rule it stands for: the layers
    applied one by one (merge.apply), then the key orders restored (order.reorder)."""
    from splitter.exact.pointer import split_pointer
    from splitter.exact.style import Style
    from splitter.merging.assemble import Assembler
    from splitter.merging.merge import apply
    from splitter.merging.order import order_tree, reorder
    from splitter.tree.layers import Layer
    from splitter.tree.layout import Layout

    layers = {f"p{index}": Layer(f"p{index}", values) for index, values in enumerate(profiles)}
    layout = Layout(Style(), [], [], orders, {"0": exception} if exception else {})
    assembler = Assembler(Layer("base", base), layers, layout)
    for index, (values, unsets) in enumerate(owns * 2):  # twice: the second time from the plans
        own = Layer(f"c{index}", values, list(layers)[: index % 3], [split_pointer(text) for text in unsets
                                                                      if text.split("/")[1] not in values])
        expected = reorder(apply(assembler.inherited(tuple(own.profiles)), own), order_tree(orders))
        if exception and index % len(owns) == 0:
            expected = reorder(expected, order_tree(exception), indexed=True)
        got = assembler.container("0" if index % len(owns) == 0 else str(index), own)
        assert repr(got) == repr(expected)


def _one_way(side: str, argv: list[str], capsysbinary) -> list:
    """[exit code, stdout bytes, stderr] of a command line run by cli.quick ("quick") or by the Typer app."""
    from conftest import run

    from splitter.cli.quick import main

    if side == "quick":
        code = main(argv)
        captured = capsysbinary.readouterr()
        return [code, captured.out, captured.err.decode()]
    done = run(*argv)
    return [done.exit_code, done.stdout_bytes, done.stderr]


def _typer_and_quick(argv: list[str], capsysbinary) -> tuple:
    from conftest import run

    from splitter.cli.quick import main

    code = main(argv)
    captured = capsysbinary.readouterr()
    typer_run = run(*argv)
    return (code, captured.out, captured.err.decode()), (typer_run.exit_code, typer_run.stdout_bytes,
                                                          typer_run.stderr)


@pytest.mark.parametrize("case", ["merge", "merge -o", "merge -o inside", "merge missing", "verify", "verify edited",
                                  "verify swapped"])
def test_merge_and_verify_without_typer_say_what_typer_says(case: str, fixture_tree, tmp_path, capsysbinary) -> None:
    """`python -m splitter merge|verify` with plain arguments skips Typer (cli.quick): the same exit code,
    stdout and stderr as the Typer command line gives."""
    from conftest import FIXTURE

    if case == "verify edited":
        first = sorted((fixture_tree / "lxc").iterdir())[0]
        first.write_bytes(first.read_bytes().replace(b"{", b'{\n  "edited": true,', 1))
    argv = {"merge": ["merge", fixture_tree], "merge -o": ["merge", fixture_tree, "-o", tmp_path / "out.json"],
            "merge -o inside": ["merge", fixture_tree, "--output", fixture_tree / "x.json"],
            "merge missing": ["merge", tmp_path / "nothing"],
            "verify": ["verify", fixture_tree, FIXTURE, "--byte-exact"], "verify edited": ["verify", fixture_tree, FIXTURE],
            "verify swapped": ["verify", FIXTURE, fixture_tree]}[case]
    quick, typer_side = _typer_and_quick([str(arg) for arg in argv], capsysbinary)
    assert quick == typer_side
    assert quick[0] == {"merge": 0, "merge -o": 0, "verify": 0, "verify edited": 1}.get(case, 2)


@pytest.mark.parametrize("case", ["clean", "conflict", "not json", "marker size 0", "missing", "four arguments"])
def test_the_merge_driver_without_typer_does_what_typer_does(case: str, tmp_path, capsysbinary) -> None:
    """git runs `splitter merge-driver %O %A %B %P %L`, which skips Typer (cli.quick): the same exit code,
    stdout, stderr and merged file as the Typer command line gives."""
    base = b'{\n    "a": 1,\n    "b": 2,\n    "c": 3\n}\n'
    ours = {"clean": base.replace(b'"a": 1', b'"a": 10'), "conflict": base.replace(b'"b": 2', b'"b": 20'),
            "not json": b"not json\n"}.get(case, base.replace(b'"a": 1', b'"a": 10'))
    theirs = base.replace(b'"c": 3', b'"c": 30') if case != "conflict" else base.replace(b'"b": 2', b'"b": 21')
    results = []
    for side in ("quick", "typer"):
        folder = tmp_path / side
        folder.mkdir()
        for name, data in (("O", base), ("A", ours), ("B", theirs)):
            (folder / name).write_bytes(data)
        argv = ["merge-driver", str(folder / "O"), str(folder / "A"), str(folder / "B"), "etc/p.json",
                "0" if case == "marker size 0" else "7"]
        if case == "missing":
            argv[1] = str(folder / "gone")
        if case == "four arguments":
            argv = argv[:5]
        if side == "quick":
            from splitter.cli.quick import main

            code = main(argv)
            captured = capsysbinary.readouterr()
            results.append([code, captured.out, captured.err.decode(), (folder / "A").read_bytes()])
        else:
            from conftest import run

            done = run(*argv)
            results.append([done.exit_code, done.stdout_bytes, done.stderr, (folder / "A").read_bytes()])
    quick, typer_side = results
    assert [quick[0], quick[1], quick[2].replace("quick", "typer"), quick[3]] == typer_side
    assert quick[0] == {"clean": 0, "four arguments": 0, "conflict": 1, "not json": 1}.get(case, 2)


@pytest.mark.parametrize("case", ["changed", "unchanged", "swapped", "missing"])
def test_update_without_typer_does_what_typer_does(case: str, tmp_path, capsysbinary) -> None:
    """`splitter update DIR MONOLITH` skips Typer (cli.quick.update_run, the body both command lines share): the
    same exit code, stdout, stderr and tree."""
    import json as stdjson
    import shutil

    from conftest import FIXTURE, run

    doc = stdjson.loads(FIXTURE.read_bytes())
    first = next(iter(doc["lxc_configs"].values()))
    first["cores"] = 97 if case == "changed" else first.get("cores")
    monolith = tmp_path / "phoenix_lxc_configs.json"
    monolith.write_bytes((stdjson.dumps(doc, indent=4) + "\n").encode() if case == "changed" else FIXTURE.read_bytes())
    assert run("split", FIXTURE, "-o", tmp_path / "conf.d").exit_code == 0
    results = []
    for side in ("quick", "typer"):
        tree = tmp_path / side
        shutil.copytree(tmp_path / "conf.d", tree)
        argv = {"swapped": ["update", str(monolith), str(tree)],
                "missing": ["update", str(tree), str(tmp_path / "gone.json")]}.get(case, ["update", str(tree), str(monolith)])
        outcome = _one_way(side, argv, capsysbinary)
        files = {path.relative_to(tree).as_posix(): path.read_bytes() for path in sorted(tree.rglob("*.json"))}
        results.append([outcome[0], outcome[1], outcome[2].replace(str(tree), "TREE"), files])
    assert results[0] == results[1]
    assert results[0][0] == {"changed": 0, "unchanged": 0}.get(case, 2)


@pytest.mark.parametrize("case", ["new", "exists", "missing", "not json", "inside"])
def test_split_without_typer_does_what_typer_does(case: str, tmp_path, capsysbinary) -> None:
    """`splitter split MONOLITH -o DIR` skips Typer (cli.split_run, the body both command lines share): the same
    exit code, stdout, stderr and files."""
    from conftest import FIXTURE

    monolith = tmp_path / "phoenix_lxc_configs.json"
    monolith.write_bytes(b"{not json\n" if case == "not json" else FIXTURE.read_bytes())
    results = []
    for side in ("quick", "typer"):
        out = tmp_path / side / ("conf.d" if case != "inside" else "")
        if case == "exists":
            (out / "lxc").mkdir(parents=True)
            (out / "lxc" / "notes.txt").write_bytes(b"mine\n")
        argv = ["split", str(tmp_path / "gone.json" if case == "missing" else monolith), "-o", str(out)]
        if case == "inside":
            argv[-1] = str(tmp_path)  # the folder that holds the monolith: refused
        outcome = _one_way(side, argv, capsysbinary)
        files = {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*"))
                 if path.is_file()} if case not in ("inside",) and out.exists() else {}
        results.append([outcome[0], outcome[1], outcome[2].replace(str(out), "OUT"), files])
    assert results[0] == results[1]
    assert results[0][0] == {"new": 0}.get(case, 2)
    if case == "new":
        assert "proven to merge back byte for byte" in results[0][2] and len(results[0][3]) > 3


@pytest.mark.parametrize("argv", [["merge", "conf.d", "--strict"], ["verify", "conf.d", "m.json", "--format", "json"],
                                  ["merge", "--help"], ["show", "conf.d", "1"], ["merge", "a", "b"], [],
                                  ["split", "m.json"], ["split", "m.json", "-o", "d", "--force"],
                                  ["split", "m.json", "--dry-run"]])
def test_other_command_lines_go_to_typer(argv: list[str]) -> None:
    from splitter.cli.quick import main

    assert main(argv) is None


def test_deep_plain_files_take_the_fast_path_within_the_exact_limit() -> None:
    """orjson's compact writing (at most 255 levels) proves a document of 200 levels, which the exact path reads
    too; 300 levels are the exact path's to refuse."""
    deep = b"[" * 200 + b"]" * 200
    assert parse_plain(deep) is not None and repr(parse_plain(deep)) == repr(_parse_exact(deep, "f.json", None))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents(), max_size=6))
def test_many_files_read_together_give_what_each_gives_alone(raws: list[bytes]) -> None:
    """parse_many (a tree's container files proven plain together) gives each file's value, and for a batch with
    bad files the error of the first one, as parse() of each in turn does."""
    files = [f"lxc/{index}.json" for index in range(len(raws))]
    expected: list | str = []
    for raw, file in zip(raws, files):
        try:
            expected.append(repr(parse(raw, file)))
        except BadInput as error:
            expected = str(error)
            break
    try:
        together: list | str = [repr(value) for value in parse_many(raws, files)]
    except BadInput as error:
        together = str(error)
    assert together == expected


@settings(max_examples=200, deadline=None)
@given(values, values, st.integers(min_value=1, max_value=3), st.data())
def test_comparing_in_pieces_is_comparing_the_writings(first, second, piece: int, data) -> None:
    """same_canonical (the proof's comparison, piece by piece) says what comparing the whole canonical writings
    says, with pieces small enough to cut every object and list (values read exactly, lexemes kept)."""
    from splitter.exact.numbers import canonical, same_canonical

    first, second = (_parse_exact(data.draw(written(value)), "f.json", None) for value in (first, second))
    assert same_canonical(first, second, piece) == (canonical(first) == canonical(second))
    assert same_canonical(first, first, piece)


@pytest.mark.parametrize("where", ["a top-level value", "a key in every container", "a value in one container",
                                   "a container id", "no string"])
def test_a_four_space_monolith_merges_back_whatever_string_holds_two_spaces(tmp_path, where: str) -> None:
    """merge re-indents orjson's two-space text with one replace when no string of the tree holds two spaces
    in a row (assemble.spaced, from the layers), and string by string otherwise: either way the bytes."""
    import json as stdjson

    from conftest import run

    containers = {str(100 + index): {"name": f"web-{index}", "cores": 2, "tags": ["a", "b"],
                                     "net": {"ip": f"10.0.0.{index}", "gw": "10.0.0.1"}} for index in range(6)}
    doc = {"version": "1", "lxc_configs": containers}
    if where == "a top-level value":
        doc["version"] = "1  2"
    elif where == "a key in every container":
        for config in containers.values():
            config["two  spaces"] = True
    elif where == "a value in one container":
        containers["103"]["name"] = "web  3"
    elif where == "a container id":
        containers["1  9"] = dict(containers["100"], name="odd")
    raw = (stdjson.dumps(doc, indent=4) + "\n").encode()
    monolith = tmp_path / "phoenix_lxc_configs.json"
    monolith.write_bytes(raw)
    assert run("split", monolith, "-o", tmp_path / "conf.d").exit_code == 0
    merged = run("merge", tmp_path / "conf.d")
    assert merged.exit_code == 0 and merged.stdout_bytes == raw
