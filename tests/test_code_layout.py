"""The layout of the code: folders as layers (import-linter contracts), small modules, the Python face."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE

import splitter

PACKAGE = Path(splitter.__file__).parent


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_import_contracts_hold() -> None:
    # lint-imports reads the contracts in pyproject.toml: the layers, and no terminal outside cli/
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint, "import-linter is a test dependency"
    done = subprocess.run([lint, "--no-cache"], cwd=PACKAGE.parent, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def test_folders_show_the_parts() -> None:
    folders = {path.parent.name for path in modules() if path.parent != PACKAGE}
    assert {"exact", "tree", "merging", "discovery", "ops", "reports", "cli"} <= folders
    top = [path.name for path in PACKAGE.glob("*.py") if path.name not in ("__init__.py", "__main__.py")]
    assert len(top) <= 6, top


@pytest.mark.parametrize("path", modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_each_module_is_small_and_says_what_it_holds(path: Path) -> None:
    text = path.read_text()
    assert text.count("\n") <= 400, f"{path.name}: {text.count(chr(10))} lines"
    doc = ast.get_docstring(ast.parse(text))
    assert doc and "\n" not in doc.strip(), "a one-line module docstring"


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):  # lazy imports inside functions count too
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("splitter"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("splitter"))
    return found


def test_no_import_cycle() -> None:
    name = {path: ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
            for path in modules()}
    graph = {name[path]: imports_of(path) for path in modules()}
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            raise AssertionError("import cycle: " + " -> ".join(trail[trail.index(module):] + [module]))
        if module in done or module not in graph:
            return
        for target in sorted(graph[module]):
            if target != "splitter":  # the package's face is loaded lazily (PEP 562)
                visit(target, trail + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_only_the_command_line_imports_a_terminal_library() -> None:
    for path in modules():
        if "cli" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not [n for n in names if n.split(".")[0] in ("typer", "click", "rich")], path


def test_the_python_face(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from splitter.errors import BadInput

    root = tmp_path / "conf.d"
    subprocess.run([sys.executable, "-m", "splitter", "split", str(FIXTURE), "-o", str(root)], check=True,
                   capture_output=True)
    tree = splitter.read_tree(root)
    assert splitter.merge(tree) == FIXTURE.read_bytes() == splitter.merge(root)
    config = splitter.entry(root, "950")
    assert str(config["cores"]) == "8" and list(config)[0] == "name"
    assert splitter.document(tree)["lxc_configs"]["950"] == config
    assert splitter.verify(tree, FIXTURE).same_bytes
    edited = root / "lxc" / next(p.name for p in (root / "lxc").iterdir() if p.name.startswith("950_"))
    edited.write_text(edited.read_text().replace('"cores": 8', '"cores": 9'))
    verdict = splitter.verify(root, FIXTURE)
    assert not verdict.same_document and verdict.differences
    report = splitter.diff(str(FIXTURE), str(root))
    assert report.changed and [c.id for c in report.containers] == ["950"]
    with pytest.raises(BadInput, match="no_such"):
        splitter.entry(root, "no_such")


def test_importing_the_package_loads_no_library() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys, splitter; print(sorted(m for m in sys.modules "
                           "if m.startswith('splitter.')))"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
