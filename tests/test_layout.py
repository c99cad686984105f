"""The code stays easy to find one's way in: no module over 400 lines, no function over 50,
and services never commit (the unit of work in webapp/db.py does, at the edge)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "webapp"
MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_small(path):
    source = path.read_text()
    assert source.count("\n") <= 400, f"{path.name} is over 400 lines: split it by noun"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            assert length <= 50, f"{path.name}: {node.name} is {length} lines"


def test_services_never_commit():
    for path in sorted((PACKAGE / "services").rglob("*.py")):
        tree = ast.parse(path.read_text())
        calls = [node.func.attr for node in ast.walk(tree)
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)]
        assert "commit" not in calls, f"{path.name} commits: the caller's unit of work does"
