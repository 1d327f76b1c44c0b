"""tidy on real trees after the hand edits that make a tree decay: each edit tidied, the merge byte for byte kept."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from splitter.api import merge, read_tree
from splitter.discovery.itemsets import items
from splitter.exact.parse import parse
from splitter.exact.pointer import missing, value_at
from splitter.exact.style import TREE_STYLE
from splitter.exact.write import dumps
from conftest import CORPUS, corpus_files, run

BLOCK = {"tidy_probe_block": {"enabled": True, "interval_s": 30, "endpoint": "http://mon.local/health"}}
LEAF = "tidy_probe_leaf"
LATEST = CORPUS / "testing-ideas" / "067_2b02afc.json"  # the newest by date (the manifest ends with older ones)
FLEET = 5  # four containers that share no profile, and one more, so that the block is not every container's


def _every_sixth():
    files = corpus_files()
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason="../shared/corpus is not beside the project"))]
    chosen = list(dict.fromkeys(files[::6] + [files[-1], LATEST]))
    default = {chosen[0], chosen[len(chosen) // 2], LATEST}  # a cheap default run; `-m slow` takes the rest
    return [pytest.param(path, id=f"{path.parent.name}/{path.name}", marks=() if path in default else pytest.mark.slow)
            for path in chosen]


def _load(path: Path):
    return parse(path.read_bytes(), str(path))


def _save(path: Path, doc) -> None:
    path.write_bytes(dumps(doc, TREE_STYLE))


def _files(root: Path) -> dict:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))
            if p.is_file()}


def _edit(root: Path) -> dict:
    """The four hand edits of the issue; what each one touched, to check how it was tidied."""
    tree = read_tree(root)
    own = tree.containers
    users = {name: [ctid for ctid, layer in own.items() if name in layer.profiles] for name in tree.profiles}
    touched: dict = {}
    # 1. a restated base value: a container that takes a top-level base scalar from the base writes it again
    for key, value in tree.base.values.items():
        if type(value) in (dict, list):
            continue
        holder = next((ctid for ctid, layer in own.items() if key not in layer.values and (key,) not in layer.unsets
                       and not any(key in tree.profiles[n].values for n in layer.profiles)), None)
        if holder is not None:
            doc = _load(root / own[holder].file)
            doc[key] = value
            _save(root / own[holder].file, doc)
            touched["restated"] = (holder, key)
            break
    # 2. a new leaf in every member of the largest profile
    largest = min(users, key=lambda name: (-len(users[name]), name), default=None)  # early versions: none
    for ctid in users.get(largest, []):
        doc = _load(root / own[ctid].file)
        doc[LEAF] = "added by hand"
        _save(root / own[ctid].file, doc)
    if largest is not None:
        touched["to_profile"] = (largest, users[largest])
    # 3. the same three-leaf block in four containers that share no profile (and have room for one more)
    four: list = []
    for ctid, layer in own.items():
        shared = set(layer.profiles).intersection(*(own[other].profiles for other in four)) if four else set()
        if len(layer.profiles) < 3 and not (four and shared) and not any(
                set(layer.profiles) & set(own[other].profiles) for other in four):
            four.append(ctid)
        if len(four) == 4:
            break
    for ctid in four:
        doc = _load(root / own[ctid].file)
        doc.update(BLOCK)
        _save(root / own[ctid].file, doc)
    touched["new_profile"] = four
    # 4. a base boolean overridden alike in two thirds of the containers
    for path, value in items(tree.base.values):
        if type(value) is not bool or path[0] == touched.get("restated", (None, None))[1]:
            continue
        free = [ctid for ctid, layer in own.items()
                if missing(value_at(layer.values, path)) and not any(u[:len(path)] == path[:len(u)] for u in layer.unsets)]
        chosen = free[:math.ceil(2 * len(own) / 3)]
        if 2 * len(chosen) <= len(own):
            continue
        for ctid in chosen:
            doc = _load(root / own[ctid].file)
            node = doc
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = not value
            _save(root / own[ctid].file, doc)
        touched["base_majority"] = (path, not value, chosen)
        break
    return touched


@pytest.mark.parametrize("monolith", _every_sixth())
def test_tidy_undoes_the_hand_edits_and_keeps_the_merge(monolith: Path, tmp_path: Path) -> None:
    root = tmp_path / "conf.d"
    assert run("split", monolith, "-o", root).exit_code == 0
    if len(read_tree(root).containers) < FLEET:
        pytest.skip(f"{monolith.name} holds fewer than {FLEET} containers: too few for the issue's edits")
    touched = _edit(root)
    assert {"restated", "new_profile", "base_majority"} <= set(touched), f"no place for every edit: {sorted(touched)}"
    assert "to_profile" in touched or not read_tree(root).profiles
    before = merge(root)
    files = _files(root)
    dry = run("tidy", root, "--dry-run", "--format", "json")
    assert dry.exit_code == 1
    assert _files(root) == files  # --dry-run writes nothing
    assert run("tidy", root).exit_code == 0
    assert merge(root) == before
    again = run("tidy", root, "--dry-run")
    assert again.exit_code == 0, again.stdout

    tree = read_tree(root)
    own = tree.containers
    ctid, key = touched["restated"]
    assert key not in own[ctid].values
    if "to_profile" in touched:
        name, members = touched["to_profile"]
        assert "added by hand" in (tree.profiles[name].values.get(LEAF), tree.base.values.get(LEAF))
        assert all(LEAF not in own[ctid].values for ctid in members)
    new = [n for n in tree.profiles if tree.profiles[n].values.get("tidy_probe_block") == BLOCK["tidy_probe_block"]]
    assert len(new) == 1 and all(new[0] in own[ctid].profiles and "tidy_probe_block" not in own[ctid].values
                                 for ctid in touched["new_profile"])
    path, flipped, chosen = touched["base_majority"]
    assert value_at(tree.base.values, path) is flipped
    assert all(missing(value_at(own[ctid].values, path)) for ctid in chosen)

    report = json.loads(dry.stdout)
    print(f"\n{monolith.name}: {len(own)} containers; proposals {report['by_kind']}, {report['lines_saved']} lines "
          f"saved; new profile {new[0]} for {', '.join(touched['new_profile'])}; {'/'.join(path)} flipped to "
          f"{flipped} in the base ({len(chosen)} of {len(own)} overrode it)")
