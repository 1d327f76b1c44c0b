"""Installing the merge driver: `merge.splitter.*` in git config and `merge=splitter` lines in `.gitattributes`."""

from __future__ import annotations

import os
from pathlib import Path

from splitter.errors import BadInput
from splitter.ops.gitsource import _git, top_level
from splitter.tree.write import write_atomic

DRIVER = "splitter"  # the driver's name in `merge.<name>.driver` and in the `merge=<name>` attribute
DRIVER_NAME = "splitter: leaf-level three-way merge of exact JSON"
# without paths: every collection's monolith (phoenix_lxc_configs.json, phoenix_stacks_config.json, ...) and
# every JSON file of a folder named conf.d, wherever they are in the repository
DEFAULT_PATTERNS = ("phoenix_*_config*.json", "**/conf.d/**/*.json")


def attribute_patterns(paths: list[str], top: str, cwd: str) -> list[str]:
    """gitattributes(5) patterns for the given trees (folders: their JSON files) and monoliths, from the top.

    A pattern holding a slash is matched from the folder of `.gitattributes` (the top here), as in gitignore(5);
    spaces are written `[ ]` since a pattern ends at white space. Without paths: DEFAULT_PATTERNS. Raises
    BadInput for a path that does not exist or is outside the repository.
    """
    if not paths:
        return list(DEFAULT_PATTERNS)
    patterns = []
    for path in paths:
        full = os.path.abspath(os.path.join(cwd, path))
        if not os.path.exists(full):  # a pattern for nothing would leave every later merge to git's text merge
            raise BadInput("no such file or folder (a path is read from the current folder)", path)
        relative = os.path.relpath(full, top)
        if relative.startswith(".."):
            raise BadInput("is outside the git repository", path)
        relative = relative.replace(os.sep, "/").replace(" ", "[ ]")
        patterns.append(f"/{relative}/**/*.json" if os.path.isdir(full) else f"/{relative}")
    return patterns


def install(command: str, paths: list[str], global_config: bool = False, cwd: str = ".") -> list[str]:
    """Register the driver (`command` runs it with git's %O %A %B %P %L) and its attribute lines; idempotent.

    Writes `merge.splitter.name` and `merge.splitter.driver` to the repository's git config (the user's with
    `global_config`) where they differ, and appends to the `.gitattributes` at the repository's top the
    `PATTERN merge=splitter` lines it lacks (gitattributes(5), "Defining a custom merge driver"). Returns one
    line per change made (none when all was in place). Raises BadInput outside a git working tree.
    """
    top = top_level("install-merge-driver", cwd)
    patterns = attribute_patterns(paths, top, cwd)  # a bad path changes nothing
    changes = []
    scope = ["--global"] if global_config else []
    where = "~/.gitconfig" if global_config else ".git/config"
    for key, value in ((f"merge.{DRIVER}.name", DRIVER_NAME), (f"merge.{DRIVER}.driver", command)):
        current = _git(["config", *scope, "--get", key], key, top).stdout.decode().rstrip("\n")
        if current != value:
            done = _git(["config", *scope, key, value], key, top)
            if done.returncode != 0:
                raise BadInput(f"git config failed: {done.stderr.decode(errors='replace').strip()}", where)
            changes.append(f"{where}: {key} = {value}")
    attributes = os.path.join(top, ".gitattributes")
    try:
        with open(attributes, "rb") as handle:
            text = handle.read().decode()
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"cannot be read: {error}", attributes) from None
    present = {line.strip() for line in text.splitlines()}
    added = [f"{pattern} merge={DRIVER}" for pattern in patterns]
    added = [line for line in added if line not in present]
    if added:
        lead = "\n" if text and not text.endswith("\n") else ""
        write_atomic(Path(attributes), (text + lead + "".join(line + "\n" for line in added)).encode())
        changes += [f".gitattributes: {line}" for line in added]
    return changes
