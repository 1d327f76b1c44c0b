"""The guide's git workflow with the tree under etc/, tried in real git: a clean merge that is still wrong, the
ways out that split --force and update --base name, and diff HEAD from inside the tree."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE, ROOT, run

GUIDE = (ROOT / "MIGRATION.md").read_text()
BIN = Path(sys.executable).parent


@pytest.fixture
def env(tmp_path: Path) -> dict:
    """The machine's git config ignored, a fixed author, this project's splitter first on PATH."""
    empty = tmp_path / "gitconfig"
    empty.write_text("")
    return dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=str(empty), HOME=str(tmp_path),
                GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t",
                GIT_COMMITTER_EMAIL="t@example.invalid", PRE_COMMIT_HOME=str(tmp_path / "cache"),
                PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")


def sh(line: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def ok(line: str, cwd: Path, env: dict) -> str:
    done = sh(line, cwd, env)
    assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
    return done.stdout


def etc_repo(tmp_path: Path, env: dict) -> Path:
    """A repository holding etc/phoenix_lxc_configs.json and its tree etc/conf.d, not yet committed."""
    repo = tmp_path / "repo"
    (repo / "etc").mkdir(parents=True)
    ok("git init -q -b main", repo, env)
    shutil.copy(FIXTURE, repo / "etc" / "phoenix_lxc_configs.json")
    ok("splitter split etc/phoenix_lxc_configs.json -o etc/conf.d", repo, env)
    return repo


def guide_block(fence: str, marker: str) -> str:
    """The guide's code block of that fence that holds marker."""
    [block] = [b for b in re.findall(rf"```{fence}\n(.*?)```", GUIDE, re.S) if marker in b]
    return block


def write_hooks(repo: Path, how: str) -> None:
    """Section 7's .pre-commit-config.yaml (to be committed), its verify hook alone: a copied container is what
    check and tidy are there to report."""
    if how == "pre-commit":
        yaml = pytest.importorskip("yaml")
        pytest.importorskip("pre_commit", reason="pre-commit is not installed")
        config = yaml.safe_load(guide_block("yaml", "repo: local"))
        config["repos"][0]["hooks"] = [hook for hook in config["repos"][0]["hooks"] if hook["id"] == "splitter-verify"]
        (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))


def install_hooks(repo: Path, env: dict, how: str) -> None:
    """The verify hook at the merge commit, installed as section 7 says: by pre-commit, or as a plain git hook."""
    if how == "pre-commit":
        ok(f"{sys.executable} -m pre_commit install", repo, env)
        assert (repo / ".git" / "hooks" / "pre-merge-commit").exists()
    else:
        script = guide_block("shell", "# pre-commit / pre-merge-commit")
        for name in ("pre-commit", "pre-merge-commit"):
            hook = repo / ".git" / "hooks" / name
            hook.write_text(script)
            hook.chmod(0o755)


@pytest.mark.parametrize("how", ["pre-commit", pytest.param("plain git hook", marks=pytest.mark.slow)])  # +4 s
def test_a_clean_merge_whose_monolith_disagrees_with_its_tree_stops_before_the_merge_commit(
        tmp_path: Path, env: dict, how: str) -> None:
    repo = etc_repo(tmp_path, env)
    ok("splitter install-merge-driver etc/conf.d etc/phoenix_lxc_configs.json", repo, env)
    write_hooks(repo, how)
    ok("git add -A && git commit -qm split", repo, env)
    rebuild = "splitter merge etc/conf.d -o etc/phoenix_lxc_configs.json"
    ok(f"git switch -qc a && sed -i 's/\"dtype\": \"auto\"/\"dtype\": \"bfloat16\"/' "
       f"etc/conf.d/defaults/profile_vllm.json && {rebuild} && git commit -qam dtype", repo, env)
    ok(f"git switch -q main && git switch -qc b && cp etc/conf.d/lxc/950_vllm-qwen-coder.json "
       f"etc/conf.d/lxc/913_vllm-copy.json && sed -i 's/^  \"name\": \"[^\"]*\"/  \"name\": \"vllm-copy\"/' "
       f"etc/conf.d/lxc/913_vllm-copy.json && {rebuild} && git add -A && git commit -qm 913", repo, env)
    ok("git switch -q a", repo, env)
    before = ok("git rev-parse HEAD", repo, env)
    install_hooks(repo, env, how)  # only now: the branches' own commits were made elsewhere, and it saves time

    merged = sh("git merge --no-edit b", repo, env)  # no conflict: each file merges cleanly on its own
    said = merged.stdout + merged.stderr
    assert merged.returncode != 0 and "CONFLICT" not in said, said
    assert "913" in said and "ModelConfig.dtype" in said and "Not committing merge" in said, said
    assert ok("git rev-parse HEAD", repo, env) == before and (repo / ".git" / "MERGE_HEAD").exists()
    assert sh("splitter verify etc/conf.d etc/phoenix_lxc_configs.json", repo, env).returncode == 1

    # the guide's way out (section 13), after the git merge it shows
    way_out = [line.split("#")[0].strip() for line in guide_block("shell", "Not committing merge").splitlines()[1:]]
    for line in filter(None, way_out):
        ok(line, repo, env)
    assert ok("git rev-list --parents -n 1 HEAD", repo, env).split()[2:]  # a merge commit, two parents
    assert ok("git status --porcelain", repo, env) == ""
    ok("splitter verify etc/conf.d etc/phoenix_lxc_configs.json --byte-exact", repo, env)
    monolith = json.loads((repo / "etc" / "phoenix_lxc_configs.json").read_text())["lxc_configs"]
    assert monolith["913"]["vllm_engine_config"]["ModelConfig"]["dtype"] == "bfloat16"


def test_split_force_over_unmerged_edits_names_ways_that_keep_them(tmp_path: Path, env: dict) -> None:
    repo = etc_repo(tmp_path, env)
    ok("git add -A && git commit -qm split", repo, env)
    own = repo / "etc" / "conf.d" / "lxc" / "103_step-ca.json"
    own.write_text(own.read_text().replace('"cores": ', '"cores": 1', 1))  # 2 -> 12, say: an edit of the tree only
    edited = json.loads(own.read_text())["cores"]
    refused = sh("splitter split phoenix_lxc_configs.json -o conf.d --force", repo / "etc", env)
    assert refused.returncode == 2 and "103" in refused.stderr
    assert "splitter merge conf.d -o phoenix_lxc_configs.json" in refused.stderr
    shown = re.search(r"\((git -C \S+ show [^&]+) && (splitter update [^,)]+)", refused.stderr)
    assert shown and "--base" in shown.group(2), refused.stderr
    # the update --base way, as the message writes it, from etc/: the tree's edit is kept
    ok(shown.group(1), repo / "etc", env)
    ok(shown.group(2), repo / "etc", env)
    assert json.loads(ok("splitter show conf.d 103 --format json", repo / "etc", env))["cores"] == edited
    # the merge way: the monolith takes the edit, and the forced split then keeps it
    ok("splitter merge conf.d -o phoenix_lxc_configs.json", repo / "etc", env)
    ok("splitter split phoenix_lxc_configs.json -o conf.d --force", repo / "etc", env)
    assert json.loads(ok("splitter show conf.d 103 --format json", repo / "etc", env))["cores"] == edited


def test_split_force_keeps_uncommitted_files_that_change_no_merge(tmp_path: Path, env: dict) -> None:
    """A draft profile nobody uses yet, or a profile renamed by hand, changes no container's config; split --force
    would remove the file: refused (exit 2) naming it, until it is committed or --discard-edits is given. A file
    an editor only reformatted is no work: the split goes through."""
    repo = etc_repo(tmp_path, env)
    ok("git add -A && git commit -qm split", repo, env)
    etc = repo / "etc"
    draft = etc / "conf.d" / "defaults" / "profile_draft.json"
    draft.write_text('{\n  "memory_mb": 65536\n}\n')
    refused = sh("splitter split phoenix_lxc_configs.json -o conf.d --force", etc, env)
    assert refused.returncode == 2 and "defaults/profile_draft.json" in refused.stderr, refused.stderr
    assert len(refused.stderr.splitlines()) == 1 and draft.exists()
    ok("git add -A && git commit -qm draft", repo, env)  # committed: git keeps it, the split may remove it
    ok("splitter split phoenix_lxc_configs.json -o conf.d --force", etc, env)
    assert not draft.exists()
    ok("git checkout -q -- . && git clean -qfd", repo, env)
    base = etc / "conf.d" / "defaults" / "lxc_base.json"
    base.write_text(json.dumps(json.loads(base.read_text()), indent=4, sort_keys=True) + "\n")  # an editor's reformat
    ok("splitter split phoenix_lxc_configs.json -o conf.d --force", etc, env)
    draft.write_text('{\n  "memory_mb": 65536\n}\n')
    ok("splitter split phoenix_lxc_configs.json -o conf.d --force --discard-edits", etc, env)
    assert not draft.exists()


def test_a_plain_update_refuses_to_undo_uncommitted_tree_edits(tmp_path: Path, env: dict) -> None:
    """The tree edited (not committed) and a script's edit of another value in the monolith: a plain update would
    give the container the monolith's old value back; it refuses (exit 2, nothing written) and names the ways
    that keep the edit; --dry-run warns; the way it names keeps both edits."""
    repo = etc_repo(tmp_path, env)
    ok("git add -A && git commit -qm split", repo, env)
    etc = repo / "etc"
    own = etc / "conf.d" / "lxc" / "103_step-ca.json"
    own.write_text(own.read_text().replace('"cores": ', '"cores": 1', 1))
    cores = json.loads(own.read_text())["cores"]
    doc = json.loads((etc / "phoenix_lxc_configs.json").read_text())
    doc["lxc_configs"]["103"]["memory_mb"] = 3072
    (etc / "phoenix_lxc_configs.json").write_text(json.dumps(doc, indent=4) + "\n")
    before = own.read_bytes()
    refused = sh("splitter update conf.d phoenix_lxc_configs.json", etc, env)
    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1, refused.stderr
    assert "containers: 103" in refused.stderr and "--discard-edits" in refused.stderr and own.read_bytes() == before
    assert "files changed since the last commit: lxc/103_step-ca.json" in refused.stderr
    dry = sh("splitter update conf.d phoenix_lxc_configs.json --dry-run", etc, env)
    assert dry.returncode == 2 and "a real run would refuse" in dry.stderr and own.read_bytes() == before
    assert "103" in dry.stdout  # the changes a real run would make are still shown, said to be refused
    assert dry.stdout.startswith("A real run would refuse this update and write nothing")
    shown = re.search(r"\((git -C \S+ show [^&]+) && (splitter update [^;)]+)", refused.stderr)
    assert shown, refused.stderr
    ok(shown.group(1), etc, env)
    ok(shown.group(2), etc, env)
    config = json.loads(ok("splitter show conf.d 103 --format json", etc, env))
    assert config["cores"] == cores and config["memory_mb"] == 3072
    # committed without merge -o, the tree's edit is still not in the monolith: refused again, and the tree is
    # the newer side, so merge -o brings the monolith in step
    ok("git add -A && git commit -qm both", repo, env)
    again = sh("splitter update conf.d phoenix_lxc_configs.json", etc, env)
    assert again.returncode == 2 and "containers: 103" in again.stderr, again.stderr
    ok("splitter merge conf.d -o phoenix_lxc_configs.json && splitter update conf.d phoenix_lxc_configs.json", etc, env)
    ok("splitter verify conf.d phoenix_lxc_configs.json --byte-exact", etc, env)


def test_merge_o_says_which_monolith_conflicts_the_tree_merge_decides(tmp_path: Path, env: dict) -> None:
    """One branch raises a profile's value, the other gives one member its own: the tree merges cleanly (two
    files), the monolith conflicts at that member. merge -o writes the tree's answer and names the conflict
    with both sides and the value it took, on stderr (exit 0)."""
    repo = etc_repo(tmp_path, env)
    ok("splitter install-merge-driver etc/conf.d etc/phoenix_lxc_configs.json", repo, env)
    ok("git add -A && git commit -qm split", repo, env)
    rebuild = "splitter merge etc/conf.d -o etc/phoenix_lxc_configs.json"
    ok(f"git switch -qc a && sed -i 's/\"retries\": 10/\"retries\": 20/' etc/conf.d/defaults/profile_vllm.json "
       f"&& {rebuild} && git commit -qam profile", repo, env)
    ok("git switch -q main && git switch -qc b", repo, env)
    own = repo / "etc" / "conf.d" / "lxc" / "950_vllm-qwen-coder.json"
    config = json.loads(own.read_text())
    config.setdefault("health_check", {})["retries"] = 5
    own.write_text(json.dumps(config, indent=2) + "\n")
    ok(f"{rebuild} && git commit -qam own", repo, env)
    merged = sh("git merge --no-edit a", repo, env)
    assert merged.returncode != 0 and "phoenix_lxc_configs.json" in merged.stdout + merged.stderr
    assert ok("git diff --name-only --diff-filter=U", repo, env).split() == ["etc/phoenix_lxc_configs.json"]
    marked = (repo / "etc" / "phoenix_lxc_configs.json").read_bytes()
    done = sh(rebuild, repo, env)
    assert done.returncode == 0, done.stderr
    assert "holds 1 conflict(s) between git's markers; the tree's merge decides them" in done.stderr, done.stderr
    assert "/lxc_configs/950/health_check/retries: ours 5, theirs 20; the tree's merge gives 5" in done.stderr
    # the same markers staged by a slip (git add), or copied from elsewhere: read from the file, said the same
    (repo / "etc" / "phoenix_lxc_configs.json").write_bytes(marked)
    ok("git add etc/phoenix_lxc_configs.json", repo, env)
    assert ok("git diff --name-only --diff-filter=U", repo, env).split() == []
    done = sh(rebuild, repo, env)
    assert done.returncode == 0, done.stderr
    assert "/lxc_configs/950/health_check/retries: ours 5, theirs 20; the tree's merge gives 5" in done.stderr
    monolith = json.loads((repo / "etc" / "phoenix_lxc_configs.json").read_text())["lxc_configs"]
    assert monolith["950"]["health_check"]["retries"] == 5 and monolith["951"]["health_check"]["retries"] == 20


def test_diff_head_reads_the_tree_the_current_folder_is_in(tmp_path: Path, env: dict) -> None:
    repo = etc_repo(tmp_path, env)
    (repo / "docs").mkdir()
    (repo / "docs" / "notes.txt").write_text("notes\n")
    ok("git add -A && git commit -qm split", repo, env)
    own = repo / "etc" / "conf.d" / "lxc" / "951_vllm-granite.json"
    own.write_text(own.read_text().replace('"cores": ', '"cores": 1', 1))
    for folder in ("etc/conf.d/lxc", "etc/conf.d", "etc"):
        done = sh("splitter diff HEAD --format json", repo / folder, env)
        assert done.returncode == 1, (folder, done.stderr)
        report = json.loads(done.stdout)
        assert report["old"] == "HEAD:etc/conf.d" and [c["id"] for c in report["containers"]] == ["951"]
        assert (repo / folder / report["new"]).resolve() == repo / "etc" / "conf.d"
    # where no tree is, here or above: the repository's only tree (trial 14), and where it holds several, one
    # line naming them
    for folder in (repo, repo / "docs"):
        found = sh("splitter diff HEAD --format json", folder, env)
        assert found.returncode == 1 and json.loads(found.stdout)["old"] == "HEAD:etc/conf.d", found.stderr
    shutil.copytree(repo / "etc" / "conf.d", repo / "other" / "conf.d")
    ok("git add -A && git commit -qm another", repo, env)
    for folder in (repo, repo / "docs"):
        missed = sh("splitter diff HEAD", folder, env)
        assert missed.returncode == 2 and missed.stdout == "", missed.stderr
        assert len(missed.stderr.splitlines()) == 1 and "splitter diff HEAD:etc/conf.d or HEAD:other/conf.d" \
            in missed.stderr, missed.stderr


def test_split_force_into_a_folder_that_is_no_tree_says_so_before_asking_for_a_commit(tmp_path: Path,
                                                                                       env: dict) -> None:
    repo = etc_repo(tmp_path, env)
    ok("git add -A && git commit -qm split", repo, env)
    own = repo / "etc" / "conf.d" / "lxc" / "951_vllm-granite.json"
    own.write_text(own.read_text().replace('"cores": ', '"cores": 1', 1))  # an edit not committed
    for wrong in (".", "conf.d/lxc"):
        done = sh(f"splitter split phoenix_lxc_configs.json -o {wrong} --force", repo / "etc", env)
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
        assert "--force replaces only an empty folder or a tree splitter wrote" in done.stderr, done.stderr
        assert "commit" not in done.stderr, done.stderr
    assert '"cores": 1' in own.read_text()


def test_diff_of_two_revisions_alone_compares_the_tree_here_at_each(tmp_path: Path, env: dict) -> None:
    repo = etc_repo(tmp_path, env)
    ok("git add -A && git commit -qm split && git branch before", repo, env)
    own = repo / "etc" / "conf.d" / "lxc" / "951_vllm-granite.json"
    own.write_text(own.read_text().replace('"cores": ', '"cores": 1', 1))
    ok("git commit -qam cores", repo, env)
    done = sh("splitter diff before HEAD --format json", repo / "etc" / "conf.d", env)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert (report["old"], report["new"]) == ("before:etc/conf.d", "HEAD:etc/conf.d")
    assert [c["id"] for c in report["containers"]] == ["951"]
    same = sh("splitter diff HEAD HEAD", repo / "etc", env)
    assert same.returncode == 0, same.stderr
    typo = sh("splitter diff befor HEAD", repo / "etc", env)  # not a revision: said as before, naming it
    assert typo.returncode == 2 and "befor" in typo.stderr and len(typo.stderr.splitlines()) == 1


def test_an_update_base_conflict_says_how_to_settle_it(tmp_path: Path, env: dict) -> None:
    repo = etc_repo(tmp_path, env)
    etc = repo / "etc"
    ok("git add -A && git commit -qm split", repo, env)
    own = etc / "conf.d" / "lxc" / "103_step-ca.json"
    ok("sed -i 's/\"cores\": [0-9]*,/\"cores\": 24,/' conf.d/lxc/103_step-ca.json", etc, env)
    ok("""sed -i '/"103": {/,/"cores"/ s/"cores": [0-9]*,/"cores": 16,/' phoenix_lxc_configs.json""", etc, env)
    ok("git show HEAD:./phoenix_lxc_configs.json > last.json", etc, env)
    update = "splitter update conf.d phoenix_lxc_configs.json --base last.json"
    before = own.read_bytes()
    conflict = sh(update, etc, env)
    assert conflict.returncode == 1 and own.read_bytes() == before
    last = conflict.stderr.strip().splitlines()[-1]
    assert "nothing was written" in last and "To settle each" in last and "run the same update again" in last
    assert conflict.stdout.strip().splitlines()[-1] == last.split("nothing was written. ")[1]
    # settled as it says: the tree's file takes the monolith's value, and the same update goes through
    ok("sed -i 's/\"cores\": 24,/\"cores\": 16,/' conf.d/lxc/103_step-ca.json", etc, env)
    ok(update, etc, env)
    ok("splitter verify conf.d phoenix_lxc_configs.json --byte-exact", etc, env)


def test_the_guide_reads_git_paths_from_the_current_folder() -> None:
    """`git show REV:PATH` and diff's `REV:PATH` of a file beside you need `./`, or they fail outside the top."""
    shown = re.findall(r"git show (\S+:\S+)", GUIDE) + re.findall(r'splitter diff "\$\([^)]*\):(\S+)"', GUIDE)
    assert len(shown) >= 4
    assert [spec for spec in shown if ":" in spec and not spec.split(":", 1)[1].startswith("./")
            or ":" not in spec and not spec.startswith("./")] == []


def test_the_guides_hook_forms_agree() -> None:
    """Section 7's remote form runs what its local form runs, at the merge commit too; section 8's tidy hook is
    section 7's, complete (pre-commit needs name, entry and language under `repo: local`)."""
    yaml = pytest.importorskip("yaml")
    local = yaml.safe_load(guide_block("yaml", "repo: local"))
    remote = yaml.safe_load(guide_block("yaml", "repo: <URL"))
    assert local["default_install_hook_types"] == remote["default_install_hook_types"] == ["pre-commit",
                                                                                          "pre-merge-commit"]
    manifest = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    entries = {hook["id"]: hook["entry"] for hook in local["repos"][0]["hooks"]}
    ran = {hook["id"]: " ".join([manifest[hook["id"]]["entry"], *hook["args"]]) for hook in remote["repos"][0]["hooks"]}
    assert ran == {id: entry for id, entry in entries.items() if id in manifest} and len(ran) == len(manifest)
    assert all("pre-merge-commit" in hook["stages"] for hook in manifest.values())
    [tidy] = yaml.safe_load(re.search(r"```yaml\n(      - id: splitter-tidy\n.*?)```", GUIDE, re.S).group(1))
    assert tidy == next(hook for hook in local["repos"][0]["hooks"] if hook["id"] == "splitter-tidy")
