"""Files at a git revision (`REV:PATH`), read without a checkout: `git ls-tree -r -z` and one `git cat-file --batch`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from splitter.errors import BadInput
from splitter.exact.parse import parse
from splitter.tree.files import without_bom

_SYMLINK = b"120000"


def _git(args: list[str], spec: str, cwd: str | None, stdin: bytes | None = None,
         discover: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    if discover:  # the repository holding cwd, not the one a hook's GIT_DIR/GIT_INDEX_FILE (maybe relative) names
        for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX"):
            env.pop(name, None)
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, env=env)
    except FileNotFoundError:
        raise BadInput("git is not installed; a revision cannot be read", spec) from None


class GitSource:
    """A tree at a revision, as tree.read_source reads it: relative path -> bytes, a folder's file names.

    Blobs are read in one `git cat-file --batch` the first time a file is asked for; `blobs` (object id ->
    bytes) may be shared between sources so that a file unchanged between two revisions is read once.
    """

    def __init__(self, spec: str, entries: dict[str, tuple[bytes, bytes]], cwd: str | None,
                 blobs: dict[bytes, bytes] | None = None):
        self.spec = spec.rstrip("/")  # REV:PATH, for messages
        self.entries = entries  # relative path -> (mode, object id)
        self.cwd = cwd
        self.blobs = {} if blobs is None else blobs

    def where(self, relative: str) -> str:
        return f"{self.spec}/{relative}" if not self.spec.endswith(":") else f"{self.spec}{relative}"

    def names(self, folder: str) -> list[str]:
        prefix = folder + "/" if folder else ""  # "" is the tree's top
        found = []
        for relative, (mode, _) in self.entries.items():
            if relative.startswith(prefix) and "/" not in relative[len(prefix):]:
                if mode == _SYMLINK:
                    raise BadInput("is a symbolic link; a tree holds plain files only", self.where(relative))
                found.append(relative[len(prefix):])
        return sorted(found)

    def read(self, relative: str) -> bytes:
        entry = self.entries.get(relative)
        if entry is None:
            raise BadInput("missing from the tree", self.where(relative))
        if entry[0] == _SYMLINK:
            raise BadInput("is a symbolic link; a tree holds plain files only", self.where(relative))
        if entry[1] not in self.blobs:
            # every JSON file the tree reader may ask for, in one batch
            wanted = [sha for path, (mode, sha) in self.entries.items()
                      if path.endswith(".json") and mode != _SYMLINK and sha not in self.blobs]
            self.blobs.update(cat_files(dict.fromkeys(wanted + [entry[1]]), self.spec, self.cwd))
        return without_bom(self.blobs[entry[1]])

    def parse(self, relative: str) -> object:
        return parse(self.read(relative), self.where(relative))


def cat_files(shas, spec: str, cwd: str | None) -> dict[bytes, bytes]:
    """Object id -> content of each blob, through one `git cat-file --batch` (its documented output:
    `<oid> <type> <size>` LF `<contents>` LF per object)."""
    shas = list(shas)
    done = _git(["cat-file", "--batch"], spec, cwd, b"\n".join(shas) + b"\n")
    if done.returncode != 0:
        raise BadInput(_first_line(done.stderr) or "git cat-file failed", spec)
    data, position, blobs = done.stdout, 0, {}
    for sha in shas:
        end = data.index(b"\n", position)
        header = data[position:end].split()
        if len(header) != 3:
            raise BadInput(f"git cannot read object {sha.decode()}", spec)
        size = int(header[2])
        blobs[sha] = data[end + 1: end + 1 + size]
        position = end + 2 + size
    return blobs


def _first_line(stderr: bytes) -> str:
    lines = stderr.decode(errors="replace").strip().splitlines()
    return lines[0].removeprefix("fatal: ") if lines else ""


def resolve(spec: str, cwd: str | None = None) -> tuple[str, bytes]:
    """What `REV:PATH` names: ("tree" | "blob", object id). PATH is read as git reads it (gitrevisions(7)):
    from the repository's top, or from the current folder when it starts with ./ or ../.

    Raises BadInput naming the spec when this is no git repository, REV is no revision, or PATH is not there.
    """
    revision, _, path = spec.partition(":")
    if _git(["rev-parse", "--git-dir"], spec, cwd).returncode != 0:
        raise BadInput("not a git repository here (nor a file or folder of that name)", spec)
    done = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{tree}}"], spec, cwd)
    if done.returncode != 0 or not revision:
        raise BadInput(f"no such revision {revision!r} in this git repository", spec)
    tree = done.stdout.strip()
    wanted = path if _from_here(path) else path.strip("/")  # git needs the "./" ("./" alone: this folder)
    if not wanted:
        return "tree", tree
    done = _git(["cat-file", "--batch-check"], spec, cwd, tree + b":" + wanted.encode() + b"\n")
    fields = done.stdout.split()
    if done.returncode != 0 or len(fields) != 3 or fields[1] not in (b"tree", b"blob"):
        hint = ""
        if not _from_here(path) and _exists(tree, "./" + wanted, spec, cwd):
            hint = (f" (a path after REV: is read from the repository's top; the one in this folder is "
                    f"{revision}:./{wanted})")
        raise BadInput(f"no file or folder {path!r} at revision {revision}{hint}", spec)
    return fields[1].decode(), fields[0]


def is_revision(revision: str, cwd: str | None = None) -> bool:
    """Whether `revision` names a commit or tree in the git repository at cwd (`git rev-parse --verify
    REV^{tree}`); False outside a repository or without git."""
    try:
        done = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{tree}}"], revision, cwd)
    except BadInput:
        return False
    return done.returncode == 0 and bool(revision)


def _exists(tree: bytes, path: str, spec: str, cwd: str | None) -> bool:
    """Whether `git rev-parse --verify TREE:PATH` finds it (rev-parse reads ./ from the current folder)."""
    done = _git(["rev-parse", "--verify", "--quiet", f"{tree.decode()}:{path}"], spec, cwd)
    return done.returncode == 0


def tree_spec(revision: str, cwd: str | None = None, folder: str = "conf.d") -> str:
    """What `diff REV` compares with the working tree: `REV:PATH`, PATH from the repository's top (as git reads it).

    PATH is the tree the current folder is in: walking up from cwd to the top, the first folder that is a tree
    (holds a `layout*.json`) or holds one named `folder`; from `etc/conf.d/lxc` that is `REV:etc/conf.d`. Where
    none is found, `REV:./conf.d` if this folder holds a conf.d at that revision, else `REV:conf.d`; when that is
    not at the revision either, the revision's only `folder` anywhere (`REV:etc/conf.d` from the top), and where
    it holds several, BadInput naming them.
    """
    spec = f"{revision}:{folder}"
    top = os.path.realpath(top_level(spec, cwd))
    here = os.path.realpath(cwd or ".")
    found = _tree_above(here, top, folder)
    if found is not None:
        return f"{revision}:{os.path.relpath(found, top).replace(os.sep, '/')}"
    for candidate in (f"{revision}:./{folder}", spec):
        try:
            resolve(candidate, cwd)
            return candidate
        except BadInput as error:
            miss = error
    trees = _trees_at(revision, folder, cwd)
    if len(trees) == 1:  # one tree in the whole repository: no doubt which is meant
        return f"{revision}:{trees[0]}"
    if trees:
        named = " or ".join(f"{revision}:{path}" for path in trees[:3])
        raise BadInput(f"no {folder} in this folder or above it, nor at the repository's top at revision "
                       f"{revision}; name the tree: splitter diff {named} (a path after REV: is read from the "
                       f"top, or from this folder when it starts with ./)", spec) from None
    raise miss


def _tree_above(here: str, top: str, folder: str) -> str | None:
    """The first folder from here up to top that is a tree (a layout*.json in it) or holds `folder`."""
    current = here
    while True:
        try:
            names = os.listdir(current)
        except OSError:
            names = []
        if any(name.startswith("layout") and name.endswith(".json") for name in names):
            return current
        if folder in names and os.path.isdir(os.path.join(current, folder)):
            return os.path.join(current, folder)
        if current == top or os.path.dirname(current) == current or not current.startswith(top):
            return None
        current = os.path.dirname(current)


def _trees_at(revision: str, folder: str, cwd: str | None) -> list[str]:
    """The paths (from the top) of the folders named `folder` at revision, shortest first; [] when git says none."""
    done = _git(["ls-tree", "-r", "-d", "-z", "--name-only", "--full-tree", revision], revision, cwd)
    if done.returncode != 0:
        return []
    paths = [path.decode(errors="surrogateescape") for path in done.stdout.split(b"\0") if path]
    return sorted((path for path in paths if path.rsplit("/", 1)[-1] == folder), key=lambda path: (len(path), path))


def tree_source(spec: str, tree: bytes, cwd: str | None, blobs: dict[bytes, bytes] | None = None) -> GitSource:
    """The files under a tree object, by path relative to it, wherever in the working tree cwd is.

    `--full-tree`: without it git ls-tree lists only the part of the tree under the current folder's path
    (git-ls-tree(1)), so from conf.d/lxc the tree HEAD:conf.d would look empty.
    """
    done = _git(["ls-tree", "-r", "-z", "--full-tree", tree.decode()], spec, cwd)
    if done.returncode != 0:
        raise BadInput(_first_line(done.stderr) or "git ls-tree failed", spec)
    entries = {}
    for record in done.stdout.split(b"\0"):
        if record:
            meta, path = record.split(b"\t", 1)
            mode, kind, sha = meta.split()
            if kind == b"blob":
                entries[path.decode(errors="surrogateescape")] = (mode, sha)
    return GitSource(spec, entries, cwd, blobs)


def tree_id(root: Path, revision: str = "HEAD") -> bytes | None:
    """The id of the git tree object `revision` holds at root (a folder in a working tree; gitrevisions(7),
    `REV:./PATH`); None where root is in no repository, the revision holds nothing there, or git is missing."""
    try:
        found = _git(["rev-parse", "--verify", "--quiet", f"{revision}:./"], str(root), str(root), discover=True)
    except BadInput:
        return None
    return None if found.returncode else found.stdout.strip()


def committed_tree(root: Path, folder: str, revision: str = "HEAD", tree: bytes | None = None):
    """The tree at root (a conf.d folder in a working tree) as `revision` holds it (`tree`: its tree_id, where
    known), read as read_tree reads a folder (`folder`: its collection); None where there is none (tree_id),
    or it cannot be read (conflict markers, another collection)."""
    from splitter.tree.read import read_source

    tree = tree or tree_id(root, revision)
    if tree is None:
        return None
    try:
        return read_source(tree_source(f"{revision}:{root}", tree, str(root)), folder)
    except BadInput:
        return None


def top_level(spec: str, cwd: str | None = None) -> str:
    """The working tree's top folder, where git's `REV:PATH` paths start."""
    done = _git(["rev-parse", "--show-toplevel"], spec, cwd)
    if done.returncode != 0 or not done.stdout.strip():
        raise BadInput("not inside a git working tree", spec)
    return done.stdout.decode(errors="surrogateescape").strip()


def _from_here(path: str) -> bool:
    """Whether git reads PATH of `REV:PATH` from the current folder rather than the top (gitrevisions(7))."""
    return path.startswith(("./", "../"))


def working_path(spec: str, cwd: str | None = None) -> str:
    """The working tree's counterpart of `REV:PATH`, as a path from cwd (where `diff REV:PATH` finds its new side).

    PATH is from the top of the working tree, whatever folder of it cwd is, as git reads it; PATH starting
    with ./ or ../ is from cwd. Raises BadInput naming spec outside a git working tree.
    """
    path = spec.partition(":")[2]
    if _from_here(path):
        return os.path.normpath(path)
    top = top_level(spec, cwd)
    return os.path.relpath(os.path.join(top, path.strip("/")), os.path.abspath(cwd or "."))
