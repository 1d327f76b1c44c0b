"""Installing the merge driver: `merge.splitter.*` in git config and `merge=splitter` lines in `.gitattributes`."""

from __future__ import annotations

import os
import re
import shlex
import sys
import sysconfig
from pathlib import Path

from splitter.errors import BadInput
from splitter.ops.gitsource import _git, top_level
from splitter.tree.write import write_atomic

DRIVER = "splitter"  # the driver's name in `merge.<name>.driver` and in the `merge=<name>` attribute
DRIVER_NAME = "splitter: leaf-level three-way merge of exact JSON"
# without paths: every collection's monolith (phoenix_lxc_configs.json, phoenix_stacks_config.json, ...) and
# every JSON file of a folder named conf.d, wherever they are in the repository
DEFAULT_PATTERNS = ("phoenix_*_config*.json", "**/conf.d/**/*.json")
# git runs the driver line with sh -c. A program that is not there is not run (the shell would say so in a
# line holding the whole command); 126 and 127 are the shell's own "cannot execute" and "not found" (POSIX, Shell
# Command Language 2.8.2: a #! interpreter gone), which splitter never exits with. Only then did no splitter run,
# %A is still ours' text and git's text merge writes the markers. splitter's 2 (an error, said on stderr), and a
# 1 that left no marker in %A (a crash: Python exits 1 on an uncaught exception, as when an editable install's
# checkout is gone), also leave ours' text unmerged: without markers a `git add` would take ours silently, so
# git's text merge runs there too. echo, not printf: git reads %s as its own.
FALLBACK = ('case $s in 126|127) echo >&2 "splitter: "%P": cannot start $p: merged as text by git merge-file; '
            'run splitter install-merge-driver again";; 1) grep -q "^<<<<<<<" %A && exit 1; echo >&2 "splitter: "%P'
            '": failed without marking a conflict: merged as text by git merge-file instead";; 2) echo >&2 '
            '"splitter: "%P": merged as text by git merge-file instead";; *) exit $s;; esac; '
            'git merge-file --marker-size=%L -L ours -L base -L theirs %A %O %B')


def driver_command(program: list[str]) -> str:
    """The `merge.splitter.driver` line that runs `program` (argv, e.g. `["/venv/bin/splitter"]`): one sh line.

    Runs `program merge-driver %O %A %B %P %L`. Where the program cannot be started at all (no executable file
    at its path, or the shell's exit 126 or 127: a moved or deleted virtualenv, an uninstalled splitter, a
    script's interpreter gone) it says so in one line on stderr and runs `git merge-file`, which merges %A
    cleanly or writes conflict markers into it, and exits 0 only for a clean merge (git-merge-file(1): the
    number of conflicts, up to 127; negative on error). So it does after splitter's own exit 2 (an error said)
    and after an exit 1 that left no `<<<<<<<` line in %A (a crash): both leave ours' text, which git would
    otherwise take for a conflict without markers. Any other exit of splitter's (1 with its markers written,
    130: interrupted) is git's answer as it is, without a second merge (gitattributes(5): a non-zero exit is a
    conflict, %A the result)."""
    call = " ".join(['"$p"', *map(shlex.quote, program[1:]), "merge-driver %O %A %B %P %L"])
    return f"p={shlex.quote(program[0])}; s=127; [ -x \"$p\" ] && {{ {call}; s=$?; }}; {FALLBACK}"


def driver_program(executable: str = sys.executable) -> list[str]:
    """The program that runs this splitter, as argv for driver_command: `[script]` for the `splitter` console
    script installed with the interpreter `executable` (a path), else `[executable, "-m", "splitter"]`.

    A script counts where its #! line (or pip's `exec` line, for an interpreter path with a space) names an
    interpreter in `executable`'s folder. The script goes with the package on `pip uninstall` and with its
    virtualenv, so a driver line naming it fails as "not found" (127) once splitter is gone, where `python -m
    splitter` would start and exit 1 as a conflict does.
    """
    folders = [sysconfig.get_path("scripts")]
    if f"{os.name}_user" in sysconfig.get_scheme_names():  # pip install --user
        folders.append(sysconfig.get_path("scripts", f"{os.name}_user"))
    for folder in folders:
        script = os.path.join(folder, "splitter")
        interpreter = _interpreter(script)
        if interpreter and os.path.dirname(interpreter) == os.path.dirname(os.path.abspath(executable)):
            return [script]
    return [executable, "-m", "splitter"]


def _interpreter(script: str) -> str | None:
    """The interpreter an executable script names: on its #! line, or on the exec line under pip's `#!/bin/sh`
    (written where the path holds a space or is long); None for a missing file or any other."""
    if not os.path.isfile(script) or not os.access(script, os.X_OK):
        return None
    try:
        with open(script, "rb") as handle:
            first, second = handle.readline(4096), handle.readline(4096)
        if first.rstrip() == b"#!/bin/sh":
            words = shlex.split(second.decode())
            return words[1] if len(words) > 1 and words[0] == "exec" else None
        words = first[2:].decode().split()
    except (OSError, UnicodeDecodeError, ValueError):  # ValueError: unbalanced quotes, no line pip wrote
        return None
    return words[0] if first.startswith(b"#!") and words else None


def attribute_patterns(paths: list[str], top: str, cwd: str) -> list[str]:
    """gitattributes(5) patterns for the given trees (folders: their JSON files) and monoliths, from the top.

    A pattern holding a slash is matched from the folder of `.gitattributes` (the top here), as in gitignore(5).
    A real name's glob characters (`*?[\\`) are escaped with a backslash (fnmatch(3), git's wildmatch), and a
    pattern holding white space, a double quote or a control character is C-quoted, since a bare pattern ends
    at white space (gitattributes(5): "a pattern that begins with a double quote is quoted in C style").
    Without paths: DEFAULT_PATTERNS. Raises BadInput for a path that does not exist or is outside the repository.
    """
    return [_quoted(pattern) for pattern, _ in _targets(paths, top, cwd)]


def _targets(paths: list[str], top: str, cwd: str) -> list[tuple[str, str]]:
    """(unquoted pattern, the pattern earlier versions of splitter wrote for the path: spaces as `[ ]`, which git
    splits into two fields) for each path; DEFAULT_PATTERNS (twice) without paths."""
    if not paths:
        return [(pattern, pattern) for pattern in DEFAULT_PATTERNS]
    targets = []
    for path in paths:
        full = os.path.abspath(os.path.join(cwd, path))
        if not os.path.exists(full):  # a pattern for nothing would leave every later merge to git's text merge
            raise BadInput("no such file or folder (a path is read from the current folder)", path)
        relative = os.path.relpath(full, top)
        if relative.startswith(".."):
            raise BadInput("is outside the git repository", path)
        relative = relative.replace(os.sep, "/")
        tail = "/**/*.json" if os.path.isdir(full) else ""
        escaped = re.sub(r"([*?\[\\])", r"\\\1", relative)
        targets.append((f"/{escaped}{tail}",
                        f"/{relative.replace(' ', '[ ]')}{tail}"))
    return targets


def _quoted(pattern: str) -> str:
    """The pattern as a .gitattributes line starts it: bare, or C-quoted where it holds white space, a double
    quote or a control character (what git's unquote_c_style reads: \\\\ \\" \\t \\n, else three octal digits)."""
    if not re.search(r'[\s"\x00-\x1f\x7f]', pattern):
        return pattern
    named = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n"}
    return '"' + re.sub(r'[\\"\x00-\x1f\x7f]', lambda m: named.get(m[0], f"\\{ord(m[0]):03o}"), pattern) + '"'


def install(command: str, paths: list[str], global_config: bool = False, cwd: str = ".") -> list[str]:
    """Register the driver (`command` runs it with git's %O %A %B %P %L) and its attribute lines; idempotent.

    Writes `merge.splitter.name` and `merge.splitter.driver` to the repository's git config (the user's with
    `global_config`) where they differ (an older driver line is replaced), and appends to the `.gitattributes`
    at the repository's top the `PATTERN merge=splitter` lines it lacks (gitattributes(5), "Defining a custom
    merge driver"); a line an older splitter wrote for the same path that git cannot read (`[ ]` for a space)
    is rewritten where it stands. Returns one line per change made (none when all was in place). Raises
    BadInput outside a git working tree.
    """
    top = top_level("install-merge-driver", cwd)
    targets = _targets(paths, top, cwd)  # a bad path changes nothing
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
    lines = text.splitlines(keepends=True)
    added, written = [], []
    for pattern, old in targets:
        line = f"{_quoted(pattern)} merge={DRIVER}"
        if line in {each.strip() for each in lines} or line in added:
            continue
        stale = [i for i, each in enumerate(lines) if old != pattern and each.strip() == f"{old} merge={DRIVER}"]
        for i in stale:
            lines[i] = line + "\n"
        added += [] if stale else [line]
        written.append(line)
    if written:
        text = "".join(lines)
        lead = "\n" if text and not text.endswith("\n") else ""
        write_atomic(Path(attributes), (text + lead + "".join(line + "\n" for line in added)).encode())
        changes += [f".gitattributes: {line}" for line in written]
    return changes
