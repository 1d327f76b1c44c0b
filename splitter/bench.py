"""Benchmark: split, merge, verify and update against the floor of this machine, measured in the same run."""

#     python -m splitter.bench                 # 1,000 and 10,000 containers
#     python -m splitter.bench 1000 10000 100000
#
# The floor is what any tool must do: parse the monolith, write one file per
# container (its `write`), read them all back and write them as one document (its
# `read`), with orjson and no checks, each phase a process of its own as the
# commands are. The commands run as a user
# runs them, each in its own process, and report seconds, their ratio to the
# floor and their peak memory; steps up to 10,000 containers run three times
# and the best time of each counts. `update` brings the split tree up to date
# with the same fleet where 10 containers changed; its figure is a ratio to `merge`
# on the same tree (the bound: at most 2x). `diff` runs between two git
# commits of the tree, one profile edited, and is reported as a ratio to `merge`.


from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from splitter.discovery.fleet import edited_monolith_bytes, monolith_bytes


# The floor as a program of its own: what any tool written in Python must do, with orjson and nothing else,
# started as a process as the commands are (the interpreter and orjson's import count on both sides).
_FLOOR = """
import gc, os, sys, time, orjson
gc.disable()  # no reference cycles here: the cyclic collector would only walk the growing heap again and again
started = time.process_time()  # the work alone, without the interpreter's start and orjson's import
mode, monolith, folder = sys.argv[1:]
if mode == "write":
    with open(monolith, "rb") as handle:
        doc = orjson.loads(handle.read())
    os.mkdir(folder)
    for ctid, config in doc["lxc_configs"].items():
        with open(os.path.join(folder, ctid + ".json"), "wb") as handle:
            handle.write(orjson.dumps(config, option=orjson.OPT_INDENT_2))
else:
    configs = {}
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), "rb") as handle:
            configs[name[:-5]] = orjson.loads(handle.read())
    with open(monolith, "wb") as handle:
        handle.write(orjson.dumps({"lxc_configs": configs}, option=orjson.OPT_INDENT_2))
print(time.process_time() - started)
"""


def _floor(monolith: Path, folder: Path) -> dict[str, float]:
    """Seconds (wall clock) and CPU seconds of the floor's two processes: `write` parses the monolith and writes
    one file per container, `read` reads them all back and writes them as one document; `*_work` is the CPU
    time of the work alone (the process's, less its start-up and orjson's import)."""
    result = {}
    for phase, path in (("write", monolith), ("read", folder.with_suffix(".floor.json"))):
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", _FLOOR, phase, str(path), str(folder)],
                                   stdout=subprocess.PIPE)
        work = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"the floor's {phase} failed")
        result[phase], result[f"{phase}_cpu"] = time.perf_counter() - started, usage.ru_utime + usage.ru_stime
        result[f"{phase}_work"] = float(work)
    folder.with_suffix(".floor.json").unlink()
    return result


def compile_package() -> None:
    """Write the package's bytecode, as `pip install` does: an editable install under PYTHONDONTWRITEBYTECODE
    (as on CI) would otherwise compile every module from source in every process the bench starts."""
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parent), quiet=2)


def _run(*args: str, cwd: Path | None = None, expect: int = 0) -> tuple[float, int, int]:
    """Seconds, exit code and peak memory (MiB) of one command in its own process."""
    elapsed, _, code, peak = _run_cpu(*args, cwd=cwd, expect=expect)
    return elapsed, code, peak


# A command is started by this small process, not by the bench: a child started by vfork(2) or fork(2) and
# exec(2) keeps, as its ru_maxrss, the high-water mark of the memory it was started from (exec_mmap records the
# old mm's), so after the bench had held a 100,000-container fleet every command's peak read as the bench's.
_MEASURE = """
import os, sys, time
null = os.open(os.devnull, os.O_WRONLY)
started = time.perf_counter()
pid = os.posix_spawn(sys.executable, [sys.executable, "-m", "splitter", *sys.argv[1:]], os.environ,
                     file_actions=[(os.POSIX_SPAWN_DUP2, null, 1)])
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - started
print(elapsed, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def _run_cpu(*args: str, cwd: Path | None = None, expect: int = 0) -> tuple[float, float, int, int]:
    """Seconds, CPU seconds (user and system), exit code and peak memory (MiB) of one command in its own process,
    as a small process of its own (_MEASURE) that starts it and waits for it measures them."""
    process = subprocess.run([sys.executable, "-c", _MEASURE, *args], capture_output=True, cwd=cwd)
    elapsed, seconds, code, peak = process.stdout.split()
    if int(code) != expect:
        sys.stderr.write(process.stderr.decode(errors="replace"))
    return float(elapsed), float(seconds), int(code), int(peak) // 1024


def bench(count: int, root: Path, repeat: int) -> dict:
    """The best of `repeat` runs of each step: file creation times on a shared disk vary from run to run."""
    monolith = root / f"fleet-{count}.json"
    monolith.write_bytes(monolith_bytes(count))
    edited = root / f"fleet-{count}-edited.json"
    edited.write_bytes(edited_monolith_bytes(count, edits=10))
    result: dict = {"count": count, "megabytes": monolith.stat().st_size / 2**20}
    for attempt in range(repeat):
        os.sync()  # start each run with no writes of the last one still pending
        floor = _floor(monolith, root / f"floor-{count}-{attempt}")
        tree = root / f"conf.d-{count}-{attempt}"
        merged = root / f"merged-{count}-{attempt}.json"
        os.sync()
        timed = {"split": _run_cpu("split", str(monolith), "-o", str(tree)),
                 "merge": _run_cpu("merge", str(tree), "-o", str(merged)),
                 "verify": _run_cpu("verify", str(tree), str(monolith), "--byte-exact")}
        assert merged.read_bytes() == monolith.read_bytes(), "merge did not give the monolith back"
        runs = {command: (run[0], run[2], run[3]) for command, run in timed.items()}
        for command, run in timed.items():  # CPU time against this attempt's floor; the best attempt counts
            phase = "write" if command == "split" else "read"
            for suffix, floor_cpu in (("", floor[f"{phase}_cpu"]), ("_work", floor[f"{phase}_work"])):
                ratio, best = run[1] / floor_cpu, result.setdefault("cpu", {})
                best[command + suffix] = min(ratio, best.get(command + suffix, ratio))
        if attempt == 0:
            result["tree_lines"] = sum(path.read_bytes().count(b"\n") for folder in ("defaults", "lxc")
                                       for path in (tree / folder).iterdir())
            result["monolith_lines"] = monolith.read_bytes().count(b"\n") + 1
        for command, run in (("update", _run_cpu("update", str(tree), str(edited))),  # after the lines are counted
                             ("diff", _diff_run(tree))):  # after the tree's lines are counted: it edits a profile
            runs[command] = (run[0], run[2], run[3])
            ratio, best = run[1] / timed["merge"][1], result.setdefault("cpu", {})
            best[command] = min(ratio, best.get(command, ratio))
        for phase, seconds in floor.items():
            result.setdefault("floor", {})[phase] = min(seconds, result.get("floor", {}).get(phase, seconds))
        for command, run in runs.items():
            if command not in result or run[0] < result[command][0]:
                result[command] = run
        shutil.rmtree(root / f"floor-{count}-{attempt}")
        shutil.rmtree(tree)
    result["mining"] = _mining_time(monolith)
    return result


def paired(count: int, root: Path, pairs: int = 5) -> dict:
    """CPU time of split, merge and verify as ratios to the floor's write (split) or read, each run paired with a
    floor taken just before it, as the median of `pairs` runs: CPU time and pairing keep the ratios steady on a
    machine that other work shares. Keys `split`, `merge`, `verify`: ratios to the floor's processes; the same
    with `_work`: ratios to the floor's work alone (its CPU time less start-up), the stricter figure; with
    `_wall`: wall-clock ratios of the same pairs (what a user waits for, disk waits included)."""
    monolith = root / f"fleet-{count}.json"
    if not monolith.exists():
        monolith.write_bytes(monolith_bytes(count))
    ratios: dict[str, list[float]] = {}
    for attempt in range(pairs):
        os.sync()
        floor = _floor(monolith, root / f"paired-floor-{count}")
        tree, merged = root / f"paired-{count}", root / f"paired-{count}.json"
        runs = {"split": _run_cpu("split", str(monolith), "-o", str(tree)),
                "merge": _run_cpu("merge", str(tree), "-o", str(merged)),
                "verify": _run_cpu("verify", str(tree), str(monolith), "--byte-exact")}
        for command, run in runs.items():
            phase = "write" if command == "split" else "read"
            ratios.setdefault(command, []).append(run[1] / floor[f"{phase}_cpu"])
            ratios.setdefault(f"{command}_work", []).append(run[1] / floor[f"{phase}_work"])
            ratios.setdefault(f"{command}_wall", []).append(run[0] / floor[phase])
        shutil.rmtree(root / f"paired-floor-{count}")
        shutil.rmtree(tree)
        merged.unlink()
    return {command: statistics.median(values) for command, values in ratios.items()}


def startup(root: Path, repeat: int = 20) -> tuple[float, float] | None:
    """Best of `repeat` of `python -c "import orjson"` and of `merge` of the newest corpus file's tree (seconds),
    taken in turns; None without the corpus (../shared/corpus)."""
    corpus = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
    try:
        rows = [line.split("\t") for line in (corpus / "manifest.tsv").read_text().splitlines()[1:] if line]
    except OSError:
        return None
    newest = corpus / max(rows, key=lambda row: (row[1], row[0]))[0]
    tree = root / "startup-tree"
    if _run("split", str(newest), "-o", str(tree))[1] != 0:
        return None
    python = merge = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import orjson"], check=True)
        python = min(python, time.perf_counter() - started)
        merge = min(merge, _run("merge", str(tree))[0])
    return python, merge


def _git(tree: Path, *args: str) -> None:
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=str(tree / ".git" / "no-global-config"))
    # gc.auto=0: no packing in the background, started by a commit of 10,000 new files, while diff is timed
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "gc.auto=0",
                    *args], cwd=tree,
                   env=env, check=True, capture_output=True)


def _diff_run(tree: Path) -> tuple[float, float, int, int]:
    """`diff` between two commits of the tree, one profile edited (a key added: every member changes), in a packed
    repository (git reads 10,000 loose objects, just committed, in about 0.4 s more)."""
    _git(tree, "init", "-q")
    _git(tree, "add", "-A")
    _git(tree, "commit", "-qm", "split")
    profiles = sorted((tree / "defaults").glob("profile_*.json"))
    edited = next((path for path in profiles if path.name == "profile_vllm.json"), profiles[0])
    edited.write_bytes(edited.read_bytes().replace(b"{", b'{\n  "bench_edited": true,', 1))
    _git(tree, "commit", "-qam", "edit one profile")
    _git(tree, "gc", "-q")  # packed, as git's automatic gc leaves a repository past 6,700 loose objects
    return _run_cpu("diff", "HEAD~1:", "HEAD:", "--format", "json", cwd=tree, expect=1)


def _mining_time(monolith: Path) -> float:
    """Seconds to find the profiles once the monolith is parsed (in this process)."""
    from splitter.discovery.mining import mine
    from splitter.tree.monolith import read_monolith

    containers = read_monolith(monolith).containers
    started = time.perf_counter()
    mine(containers)
    return time.perf_counter() - started


def help_time(repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "splitter", "--help"], check=True, capture_output=True)
        best = min(best, time.perf_counter() - started)
    return best


def report(result: dict) -> str:
    floor = result["floor"]
    lines = [f"{result['count']:>7} containers, {result['megabytes']:.1f} MiB monolith; floor (each a process): "
             f"write {floor['write']:.3f}s, read {floor['read']:.3f}s",
             f"        profiles found in {result['mining']:.2f}s after parsing; tree lines {result['tree_lines']} = "
             f"{result['tree_lines'] / result['monolith_lines']:.3f} x the monolith's {result['monolith_lines']}"]
    for command, against in (("split", "write"), ("merge", "read"), ("verify", "read")):
        seconds, code, peak = result[command]
        lines.append(f"        {command:<6} {seconds:7.3f}s = {seconds / floor[against]:5.2f} x floor {against:<5}"
                     f"  peak {peak} MiB  exit {code}")
    cpu = result["cpu"]
    lines.append(f"        CPU time, best of the runs above: split {cpu['split']:.2f} x floor write, merge "
                 f"{cpu['merge']:.2f} x and verify {cpu['verify']:.2f} x floor read; against the floor's work "
                 f"alone: split {cpu['split_work']:.2f} x, merge {cpu['merge_work']:.2f} x, verify "
                 f"{cpu['verify_work']:.2f} x")
    seconds, code, peak = result["update"]
    lines.append(f"        update {seconds:7.3f}s = {seconds / result['merge'][0]:5.2f} x merge       "
                 f"  peak {peak} MiB  exit {code}  (10 containers changed; CPU time {cpu['update']:.2f} x merge's)")
    seconds, code, peak = result["diff"]
    lines.append(f"        diff   {seconds:7.3f}s = {seconds / result['merge'][0]:5.2f} x merge        "
                 f"  peak {peak} MiB  exit {code}  (two commits, one profile edited; CPU time {cpu['diff']:.2f} x "
                 f"merge's, git's included)")
    return "\n".join(lines)


def tidy_bench(count: int, root: Path, repeat: int = 3) -> str:
    """`tidy` on a split tree of `count` containers as a ratio to `merge` of the same tree (the issue's bound: at
    most 3x), best of `repeat`: `--dry-run` on the tree as split, and a real run after 10 container files restate a
    base value (found, removed, proven, written)."""
    from splitter.exact.write import dumps

    monolith = root / f"tidy-{count}.json"
    monolith.write_bytes(monolith_bytes(count))
    tree = root / f"tidy-{count}"
    _run("split", str(monolith), "-o", str(tree))
    key, value = next((k, v) for k, v in orjson.loads((tree / "defaults" / "lxc_base.json").read_bytes()).items()
                      if type(v) in (int, str, bool))
    best: dict[str, tuple] = {}
    cpu: dict[str, float] = {}
    for _ in range(repeat):
        edited = [path for path in sorted((tree / "lxc").iterdir()) if f'"{key}"'.encode() not in path.read_bytes()]
        for path in edited[:10]:
            path.write_bytes(path.read_bytes().replace(b"{", b'{\n  "' + key.encode() + b'": ' + dumps(value) + b",", 1))
        runs = {"merge": _run_cpu("merge", str(tree)), "tidy": _run_cpu("tidy", str(tree)),
                "dry": _run_cpu("tidy", str(tree), "--dry-run")}
        best = {name: min((run[0], run[2], run[3]), best.get(name, (run[0], run[2], run[3])))
                for name, run in runs.items()}
        cpu = {name: min(run[1], cpu.get(name, run[1])) for name, run in runs.items()}
    merge = best["merge"][0]
    return (f"        tidy   {best['tidy'][0]:7.3f}s = {best['tidy'][0] / merge:5.2f} x merge         peak "
            f"{best['tidy'][2]} MiB  exit {best['tidy'][1]}  (10 restated values removed and written; CPU time "
            f"{cpu['tidy'] / cpu['merge']:.2f} x merge's); --dry-run on a tidy tree {best['dry'][0]:.3f}s = "
            f"{best['dry'][0] / merge:.2f} x merge (CPU time {cpu['dry'] / cpu['merge']:.2f} x), exit {best['dry'][1]}")


def main(argv: list[str]) -> int:
    counts = [int(arg) for arg in argv] or [1000, 10000]
    root = Path(tempfile.mkdtemp(prefix="splitter-bench-"))
    compile_package()
    try:
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; splitter --help: {help_time():.3f}s")
        for count in counts:
            print(report(bench(count, root, repeat=3 if count <= 10000 else 1)), flush=True)
            print(tidy_bench(count, root, repeat=3 if count <= 10000 else 1), flush=True)
            if count <= 10000:
                cpu = paired(count, root)
                print(f"        CPU time, median of 5 paired runs: split {cpu['split']:.2f} x floor write, merge "
                      f"{cpu['merge']:.2f} x floor read, verify {cpu['verify']:.2f} x floor read; against the "
                      f"floor's work alone (less its start-up): split {cpu['split_work']:.2f} x, merge "
                      f"{cpu['merge_work']:.2f} x, verify {cpu['verify_work']:.2f} x; wall-clock time of the same "
                      f"pairs: split {cpu['split_wall']:.2f} x, merge {cpu['merge_wall']:.2f} x, verify "
                      f"{cpu['verify_wall']:.2f} x", flush=True)
        times = startup(root)
        if times:
            print(f"start-up: merge of the newest corpus file's tree {times[1] * 1000:.0f} ms = "
                  f"{times[1] / times[0]:.2f} x python -c 'import orjson' ({times[0] * 1000:.0f} ms), best of 20")
        print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
        for count in counts:  # the driver's bound is at 10,000 containers; larger sizes once each
            print(merge_driver_report(root, count, repeat=5 if count <= 10000 else 1), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def merge_driver_report(root: Path, count: int, repeat: int = 5) -> str:
    """`merge-driver` on a monolith of `count` containers, one container changed on each side, against `merge` of
    its tree in the same run (the issue's bound: at most 2x); the best of `repeat` runs of each."""
    from splitter.exact.style import Style
    from splitter.exact.write import dumps

    doc = orjson.loads(monolith_bytes(count))
    base, tree = root / f"driver-{count}-base.json", root / f"driver-{count}-conf.d"
    base.write_bytes(dumps(doc, Style(indent="    ")))
    _run("split", str(base), "-o", str(tree))
    first, last = list(doc["lxc_configs"])[0], list(doc["lxc_configs"])[-1]
    sides = []
    for ctid in (first, last):
        doc["lxc_configs"][ctid]["cores"] = 64
        sides.append(dumps(doc, Style(indent="    ")))
    expected = sides[1]  # both edits: the second side was written with the first's edit in it
    doc["lxc_configs"][first]["cores"] = orjson.loads(base.read_bytes())["lxc_configs"][first]["cores"]
    ours, theirs = root / "driver-ours.json", root / "driver-theirs.json"
    theirs.write_bytes(dumps(doc, Style(indent="    ")))
    best: dict = {}
    cpu: dict = {}
    for _ in range(repeat):
        ours.write_bytes(sides[0])
        (root / "driver-merged.json").unlink(missing_ok=True)
        for name, args in (("driver", ("merge-driver", str(base), str(ours), str(theirs), "phoenix_lxc_configs.json")),
                           ("merge", ("merge", str(tree), "-o", str(root / "driver-merged.json")))):
            elapsed, seconds, code, peak = _run_cpu(*args)
            best[name] = min(best.get(name, (elapsed, code, peak)), (elapsed, code, peak))
            cpu[name] = min(cpu.get(name, seconds), seconds)
        assert ours.read_bytes() == expected, "the driver did not give both edits in ours' style"
    seconds, code, peak = best["driver"]
    return (f"{count:>7} containers: merge-driver {seconds:.3f}s = {seconds / best['merge'][0]:.2f} x merge of its "
            f"tree ({best['merge'][0]:.3f}s), CPU time {cpu['driver'] / cpu['merge']:.2f} x  peak {peak} MiB  "
            f"exit {code}  (one container changed on each side; best of {repeat})")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
