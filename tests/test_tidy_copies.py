"""tidy after the guide's "add a container" by copy: identity values stay put, no proposal costs lines."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import CORPUS, run

from splitter.discovery.blocks import identity_like

LATEST = CORPUS / "testing-ideas" / "067_2b02afc.json"
IDENTITY = ("/mac_address", "/network_config/ip", "/name")


def _copy(tree: Path, source: str, ctid: str) -> Path:
    """MIGRATION §8's recipe: copy a container file under a new id, give the copy a new `name`."""
    original = next((tree / "lxc").glob(f"{source}_*.json"))
    copy = tree / "lxc" / f"{ctid}_{original.stem.split('_', 1)[1]}-2.json"
    shutil.copyfile(original, copy)
    text = re.sub(r'(?m)^  "name": "([^"]*)"', r'  "name": "\1-2"', copy.read_text())
    copy.write_text(text)
    return copy


def _proposals(tree: Path) -> list[dict]:
    result = run("tidy", tree, "--dry-run", "--format", "json")
    assert result.exit_code in (0, 1)
    return json.loads(result.stdout)["proposals"]


@pytest.mark.skipif(not LATEST.exists(), reason="../shared/corpus is not beside the project")
def test_after_copying_containers_tidy_leaves_their_addresses_and_never_costs_lines(tmp_path: Path) -> None:
    tree = tmp_path / "conf.d"
    assert run("split", LATEST, "-o", tree).exit_code == 0
    _copy(tree, "102", "955")
    _copy(tree, "101", "956")
    proposals = _proposals(tree)
    assert proposals  # the pairs' shared blocks and settings are still worth a profile
    moved = [p["why"] for p in proposals if p["why"].split(":")[0] in IDENTITY]
    assert moved == [], moved  # a copy's MAC, IP and name never go into a profile shared with its original
    assert all(p["lines_saved"] > 0 for p in proposals), [(p["why"], p["lines_saved"]) for p in proposals]
    named = {p["files"][0]: p["files"][1:] for p in proposals if p["kind"] == "new_profile"}
    # the pairs' own words: traefik (a features word only they hold), nginx (their names' word: every features
    # word of theirs is one of a profile they use already), not step_cli_firewall
    assert {name: sorted(files) for name, files in named.items()} == {
        "defaults/profile_traefik.json": ["lxc/102_traefik-internal.json", "lxc/955_traefik-internal-2.json"],
        "defaults/profile_nginx.json": ["lxc/101_nginx-phoenix.json", "lxc/956_nginx-phoenix-2.json"]}
    assert run("tidy", tree).exit_code == 0
    profiles = "".join(p.read_text() for p in (tree / "defaults").glob("profile_*.json"))
    assert "mac_address" not in profiles and '"ip"' not in profiles


def test_a_leaf_move_that_costs_a_line_is_not_proposed(tmp_path: Path) -> None:
    """Two members set `svc.b` alike, but the profile's one-line `svc` would grow to four lines: -1, not tidying."""
    tree = tmp_path / "conf.d"
    configs = {str(100 + n): {"name": f"c{n}", "cores": n + 1} for n in range(4)}
    monolith = tmp_path / "m.json"
    monolith.write_text(json.dumps({"lxc_configs": configs}, indent=4) + "\n")
    assert run("split", monolith, "-o", tree).exit_code == 0
    (tree / "defaults" / "profile_svc.json").write_text('{\n  "svc": {"a": 1}\n}\n')
    for ctid in ("100", "101"):
        file = next((tree / "lxc").glob(f"{ctid}_*.json"))
        doc = json.loads(file.read_text())
        doc = {"$profiles": ["svc"], **doc, "svc": {"b": 2}}
        file.write_text(json.dumps(doc, indent=2) + "\n")
    result = run("tidy", tree, "--dry-run", "--format", "json")
    assert "/svc/b" not in result.stdout
    assert result.exit_code == 0, result.stdout


MAC, IP = b'"52:54:00:AA:BB:CB"', b'"10.0.0.12/24"'


@pytest.mark.parametrize("path, text, values, expected", [
    (("mac_address",), MAC, [MAC, MAC, b'"52:54:00:AA:BB:CC"', b'"52:54:00:AA:BB:CD"', b'"52:54:00:AA:BB:CE"'], True),
    (("network_config", "ip"), IP, [IP, IP, b'"10.0.0.13/24"', b'"10.0.0.13/24"', b'"10.0.0.14/24"',
                                    b'"10.0.0.15/24"', b'"10.0.0.16/24"', b'"10.0.0.17/24"', b'"10.0.0.18/24"'],
     True),  # two copied pairs
    (("network_config", "ip"), IP, [IP, IP, b'"10.0.0.13/24"', b'"10.0.0.14/24"'], False),  # half: no sign
    (("network_config", "gw"), b'"10.0.0.1"', [b'"10.0.0.1"'] * 5 + [b'"10.0.0.254"'], False),  # all share it
    (("nameservers",), b'"10.0.0.13"', [b'"10.0.0.13"'] * 4 + [b'"8.8.8.8"'], False),  # a few share, one differs
    (("nfs_server",), b'"10.0.0.5"', [b'"10.0.0.5"'] * 3, False),
    (("name",), b'"traefik"', [b'"traefik"', b'"traefik"', b'"nginx"', b'"step-ca"', b'"dns"'], True),
    (("model",), b'"qwen"', [b'"qwen"', b'"qwen"', b'"granite"', b'"llama"', b'"phi"'], False),  # not an address
    (("memory_mb",), b"2048", [b"2048", b"2048", b"1024", b"4096", b"8192"], False),
])
def test_identity_like(path, text, values, expected) -> None:
    assert identity_like(path, text, values) is expected



def test_a_block_many_containers_paste_names_the_first_ten(tmp_path: Path) -> None:
    """Trial 14: on a big fleet the new_profile line listed every one of 334 ids; it names ten and counts the rest."""
    configs = {str(100 + n): {"name": f"c{n}", "cores": n + 1, **({"svc": {"a": 1, "b": 2, "c": 3}} if n < 14 else {})}
               for n in range(30)}
    monolith = tmp_path / "m.json"
    monolith.write_text(json.dumps({"lxc_configs": configs}, indent=4) + "\n")
    tree = tmp_path / "conf.d"
    assert run("split", monolith, "-o", tree, "--no-profiles").exit_code == 0
    result = run("tidy", tree, "--dry-run")
    said = next(line for line in result.stdout.splitlines() if line.startswith("new_profile"))
    assert said.endswith("14 containers hold the same block (100, 101, 102, 103, 104, 105, 106, 107, 108, 109 "
                         "and 4 more)"), said
