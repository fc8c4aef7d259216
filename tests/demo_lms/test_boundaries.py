"""The demo LMS is a separate platform: it talks to the tool over HTTP only."""

from __future__ import annotations

import ast
from pathlib import Path

import lti_tool.demo_lms

FORBIDDEN = ("pylti1p3", "lti_tool.lti", "lti_tool.web", "lti_tool.cli", "lti_tool.services")


def test_demo_lms_imports_nothing_of_the_tool_side() -> None:
    package = Path(lti_tool.demo_lms.__file__).parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(FORBIDDEN)]
    assert offenders == []
