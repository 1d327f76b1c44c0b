"""Shared helpers: the fixtures folder, the real corpus (when present beside the project), and a CLI runner."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from splitter.cli.app import app

# CI draws the same examples on every run, so that main stays green or red for a reason in the code;
# a developer's runs draw new ones each time (and `-m slow` draws 10,000), which is where faults are found
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
FIXTURE = FIXTURES / "phoenix_lxc_configs.json"
CORPUS = ROOT.parent / "shared" / "corpus"


def corpus_files() -> list[Path]:
    if not (CORPUS / "manifest.tsv").exists():
        return []
    with open(CORPUS / "manifest.tsv", newline="") as handle:
        return [CORPUS / row["config"] for row in csv.DictReader(handle, delimiter="\t")]


CORPUS_SAMPLE = 9  # the default run takes every 9th corpus file and the latest; `-m slow` runs the rest


def corpus_params():
    """One param per corpus file: a spread sample (every 9th and the latest) in the default run, the others slow."""
    files = corpus_files()
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason="../shared/corpus is not beside the project"))]
    sample = set(files[::CORPUS_SAMPLE]) | {files[-1]}
    return [pytest.param(path, id=f"{path.parent.name}/{path.name}", marks=() if path in sample else pytest.mark.slow)
            for path in files]


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    stdout_bytes: bytes


def run(*args: object) -> Run:
    result = CliRunner().invoke(app, [str(arg) for arg in args], catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr, result.stdout_bytes)


@pytest.fixture()
def fixture_tree(tmp_path: Path) -> Path:
    """The shipped fixture split into tmp_path/conf.d."""
    out = tmp_path / "conf.d"
    assert run("split", FIXTURE, "-o", out).exit_code == 0
    return out
