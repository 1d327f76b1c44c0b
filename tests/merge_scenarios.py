"""Two branches, one merge, in real git: scenarios cut from consecutive real versions, with and without the driver."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from conftest import run

from splitter.exact.parse import parse
from splitter.exact.style import detect_style
from splitter.exact.write import dumps
from splitter.ops.mergeinstall import install

MONOLITH = "etc/phoenix_lxc_configs.json"
TREE = "etc/conf.d"
KEY = "lxc_configs"
DRIVER = f"{sys.executable} -m splitter merge-driver %O %A %B %P %L"
ENV = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="t",
           GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org",
           GIT_MERGE_AUTOEDIT="no", LC_ALL="C")


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, env=ENV)
    assert not check or done.returncode == 0, done.stderr.decode()
    return done


@dataclass
class Scenario:
    """Ours and theirs made from one base; `target` what the two edits mean together (None: a conflict)."""

    name: str
    base: bytes
    ours: bytes
    theirs: bytes
    target: bytes | None
    values: tuple = ()  # for a conflict: the two values that must both stay in the file


@dataclass
class Outcome:
    clean: bool
    exact: bool = False  # the merged monolith is the target, byte for byte (and the tree verifies and merges to it)
    monolith: bytes = b""
    stderr: str = ""
    unmerged: list = field(default_factory=list)


def _write(doc, style) -> bytes:
    return dumps(doc, style)


def _sides(raw: bytes) -> tuple:
    return parse(raw, "corpus"), detect_style(raw)


def _with(old: dict, new: dict, ids: set, top: bool) -> dict:
    """old with the containers `ids` as new has them (added, removed or changed); with `top`, new's other keys too."""
    old_c, new_c = old[KEY], new[KEY]
    order = [i for i in new_c if i in old_c or i in ids]
    for previous, i in zip([None, *old_c], old_c):
        if i not in new_c and i not in ids:  # removed in new, kept on this side: after its old predecessor
            order.insert(order.index(previous) + 1 if previous in order else 0, i)
    containers = {i: (new_c[i] if i in ids else old_c[i]) for i in order}
    outside = new if top else old
    return {key: (containers if key == KEY else outside[key]) for key in outside}


def changed_ids(old: dict, new: dict) -> list[str]:
    old_c, new_c = old[KEY], new[KEY]
    return [i for i in dict.fromkeys([*old_c, *new_c])
            if i not in old_c or i not in new_c or dumps(old_c[i]) != dumps(new_c[i])]


def containers_dealt(old_raw: bytes, new_raw: bytes) -> Scenario | None:
    """The containers that changed between two versions, dealt alternately to two branches."""
    (old, style), (new, _) = _sides(old_raw), _sides(new_raw)
    ids = changed_ids(old, new)
    if len(ids) < 2 or type(old.get(KEY)) is not dict:
        return None
    ours, theirs = _with(old, new, set(ids[0::2]), True), _with(old, new, set(ids[1::2]), False)
    return Scenario("containers dealt", old_raw, _write(ours, style), _write(theirs, style), new_raw)


def _leaves(old, new, path=()) -> list[tuple]:
    if type(old) is dict and type(new) is dict:
        return [leaf for key in dict.fromkeys([*old, *new])
                for leaf in _leaves(old.get(key, _NONE), new.get(key, _NONE), path + (key,))]
    return [] if dumps(old) == dumps(new) else [(path, new)]


_NONE = "\0none"  # a key absent on a side (no corpus value holds a NUL)


def _apply(doc: dict, leaves: list[tuple]) -> dict:
    doc = copy.deepcopy(doc)
    for path, value in leaves:
        holder = doc
        for key in path[:-1]:
            holder = holder[key]
        if value == _NONE:
            holder.pop(path[-1], None)
        else:
            holder[path[-1]] = value
    return doc


def leaves_dealt(old_raw: bytes, new_raw: bytes) -> Scenario | None:
    """The changed leaves of the container with most of them, dealt alternately to two branches."""
    (old, style), (new, _) = _sides(old_raw), _sides(new_raw)
    if type(old.get(KEY)) is not dict:
        return None
    best = []
    for i in old[KEY]:
        if i in new[KEY] and type(old[KEY][i]) is dict and type(new[KEY][i]) is dict:
            found = [((KEY, i, *path), value) for path, value in _leaves(old[KEY][i], new[KEY][i])]
            best = found if len(found) > len(best) else best
    if len(best) < 2:
        return None
    ours, theirs = best[0::2], best[1::2]
    return Scenario("leaves dealt", old_raw, _write(_apply(old, ours), style), _write(_apply(old, theirs), style),
                    _write(_apply(old, ours + theirs), style))


def _neighbour_edits(doc: dict) -> tuple[list, list] | None:
    for i, container in doc.get(KEY, {}).items():
        keys = list(container)
        for first, second in zip(keys, keys[1:]):
            if type(container[first]) is int and type(container[second]) is int:
                return [((KEY, i, first), container[first] + 1)], [((KEY, i, second), container[second] + 1)]
    return None


def _added_edits(doc: dict) -> tuple[list, list]:
    last = list(doc[KEY].values())[-1]
    return [((KEY, "99901"), last)], [((KEY, "99902"), {**last, "name": "added-on-theirs"})]


def _scenario(name: str, raw: bytes, edits) -> Scenario | None:
    if edits is None:
        return None
    (doc, style), (ours, theirs) = _sides(raw), edits
    return Scenario(name, raw, _write(_apply(doc, ours), style), _write(_apply(doc, theirs), style),
                    _write(_apply(doc, ours + theirs), style))


def neighbours(raw: bytes) -> Scenario | None:
    """Two neighbouring integer keys of one container (boot_order, boot_delay): one changed on each branch."""
    return _scenario("neighbouring keys", raw, _neighbour_edits(_sides(raw)[0]))


def added_each(raw: bytes) -> Scenario:
    """A new container on each branch (copies of the last one under new ids): both kept, ours' first."""
    return _scenario("added on each branch", raw, _added_edits(_sides(raw)[0]))


def busy_day(raw: bytes) -> Scenario:
    """Neighbouring keys and a new container on each branch at once: what the default run merges."""
    doc = _sides(raw)[0]
    (ours, theirs), (more_ours, more_theirs) = _neighbour_edits(doc), _added_edits(doc)
    return _scenario("neighbouring keys and a container added on each branch", raw,
                     (ours + more_ours, theirs + more_theirs))


def same_leaf(raw: bytes) -> Scenario:
    """One leaf set to two values on two branches: a conflict, always."""
    doc, style = _sides(raw)
    first = next(iter(doc[KEY]))
    ours, theirs = [((KEY, first, "cores"), 101)], [((KEY, first, "cores"), 102)]
    return Scenario("same leaf, two values", raw, _write(_apply(doc, ours), style), _write(_apply(doc, theirs), style),
                    None, (b'"cores": 101', b'"cores": 102'))


def build(folder: Path, scenario: Scenario, tree: bool) -> Path:
    """A repository with the base commit and branches `ours` and `theirs`; with `tree` the tree is kept in step."""
    repo = folder / "repo"
    (repo / "etc").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / MONOLITH).write_bytes(scenario.base)
    if tree:
        assert run("split", repo / MONOLITH, "-o", repo / TREE).exit_code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    for branch, data in (("ours", scenario.ours), ("theirs", scenario.theirs)):
        git(repo, "checkout", "-qb", branch, "main")
        (repo / MONOLITH).write_bytes(data)
        if tree:
            updated = run("update", repo / TREE, repo / MONOLITH)
            assert updated.exit_code == 0, updated.stderr
        git(repo, "commit", "-qam", branch)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"{branch}: new files", check=False)
    return repo


def merge(built: Path, folder: Path, scenario: Scenario, tree: bool, driver: bool) -> Outcome:
    """Merge theirs into ours in a copy of the built repository, with the driver installed or with git's text merge."""
    repo = folder / ("driver" if driver else "text")
    shutil.copytree(built, repo, symlinks=True)
    if driver:
        install(DRIVER, [TREE, MONOLITH] if tree else [MONOLITH], cwd=str(repo))
    git(repo, "checkout", "-q", "ours")
    done = git(repo, "merge", "-q", "--no-edit", "theirs", check=False)
    unmerged = git(repo, "diff", "--name-only", "--diff-filter=U").stdout.decode().split()
    monolith = (repo / MONOLITH).read_bytes()
    outcome = Outcome(done.returncode == 0, monolith=monolith, stderr=done.stderr.decode(), unmerged=unmerged)
    if outcome.clean and scenario.target is not None:
        outcome.exact = monolith == scenario.target
        if tree:
            verified = run("verify", repo / TREE, repo / MONOLITH, "--byte-exact").exit_code == 0
            outcome.exact = outcome.exact and verified and run("merge", repo / TREE).stdout_bytes == scenario.target
    return outcome


def scenarios(old_raw: bytes, new_raw: bytes) -> list[Scenario]:
    made = [containers_dealt(old_raw, new_raw), leaves_dealt(old_raw, new_raw), neighbours(old_raw),
            added_each(old_raw), same_leaf(old_raw)]
    return [scenario for scenario in made if scenario is not None]
