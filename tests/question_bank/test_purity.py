"""The purity rule of question_bank: no web, database, LTI or HTTP libraries, no lti_tool."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import question_bank

FORBIDDEN = ("flask", "werkzeug", "sqlalchemy", "pylti1p3", "requests", "alembic", "lti_tool")
PACKAGE = Path(question_bank.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_of_question_bank_imports_a_forbidden_package():
    offenders = {
        f"{path.relative_to(PACKAGE.parent)}: {name}"
        for path in PACKAGE.rglob("*.py")
        for name in _imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    }
    assert offenders == set()


def test_importing_the_engine_loads_none_of_them():
    code = (
        "import sys, pkgutil, importlib, question_bank\n"
        "for m in pkgutil.walk_packages(question_bank.__path__, 'question_bank.'):\n"
        "    importlib.import_module(m.name)\n"
        f"print(sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_scanner_sees_imports(tmp_path):
    """Guard for the guard: the AST scan does find a forbidden import when there is one."""
    sample = tmp_path / "sample.py"
    sample.write_text("import flask\nfrom sqlalchemy import select\nfrom . import sibling\n")
    assert _imported_modules(sample) == {"flask", "sqlalchemy"}
