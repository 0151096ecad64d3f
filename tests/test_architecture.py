"""The architecture's rules (docs/architecture.md), kept by import-linter and by the size of things."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from messageboard.core import PROJECT_ROOT

LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))
PACKAGE = PROJECT_ROOT / "messageboard"
MODULE_MAX_LINES = 300
FUNCTION_MAX_LINES = 50


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    """Run import-linter on ``project`` with the contracts in its pyproject.toml."""
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(project / "pyproject.toml"), "--no-cache"],
        cwd=project,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory) -> Path:
    """The package and its contracts, copied where a test may break them."""
    copy = tmp_path_factory.mktemp("architecture")
    shutil.copytree(PACKAGE, copy / "messageboard", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_ROOT / "pyproject.toml", copy)
    return copy


def test_the_layers_hold(project_copy):
    result = lint_imports(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split("Contracts:")[-1].strip().endswith("kept, 0 broken.")


@pytest.mark.parametrize(
    ("module", "breaking_import", "contract"),
    [
        ("core/limits.py", "import messageboard.store", "Layers"),
        ("database/errors.py", "import messageboard.page_cache", "Layers"),
        ("messages/forms.py", "import messageboard.legacy", "Layers"),
        ("core/paths.py", "import flask", "standard library"),
        ("database/sqlite.py", "import messageboard.database.postgres", "backend stands alone"),
    ],
)
def test_an_import_that_breaks_a_layer_fails_the_lint(project_copy, module, breaking_import, contract):
    path = project_copy / "messageboard" / module
    original = path.read_text()
    path.write_text(f"{original}\n{breaking_import}  # noqa\n")
    try:
        result = lint_imports(project_copy)
    finally:
        path.write_text(original)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts")[-1]
    assert contract in broken, result.stdout


def python_modules() -> list[Path]:
    """Every module of the package."""
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_is_over_300_lines():
    too_long = {
        path.relative_to(PROJECT_ROOT).as_posix(): lines
        for path in python_modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_MAX_LINES
    }
    assert too_long == {}


def test_no_function_is_over_50_lines():
    too_long = {}
    for path in python_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > FUNCTION_MAX_LINES:
                    too_long[f"{path.relative_to(PROJECT_ROOT).as_posix()}:{node.name}"] = lines
    assert too_long == {}
