"""Every relative-precision assertion states its absolute tolerance.

`pytest.approx(x, rel=r)` silently keeps a default absolute tolerance of
1e-12, so it cannot see a wrong value below about 1e-12 / r: a 1e-3 relative
error in p - 1 at z = 30 (about 9.4e-14) passes it. Hence `abs=` is always
given, 0 unless the expected value is exactly 0 by construction.
"""
from __future__ import annotations

import ast

from tests.conftest import ROOT


def approx_calls_without_abs(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        keys = {k.arg for k in node.keywords}
        if name == "approx" and "rel" in keys and "abs" not in keys:
            lines.append(node.lineno)
    return lines


def test_the_check_sees_a_relative_tolerance_without_an_absolute_one():
    assert approx_calls_without_abs("assert a == pytest.approx(\n  b, rel=1e-9)\n") == [1]
    assert approx_calls_without_abs("from pytest import approx\nx = approx(b, rel=1e-9)\n") == [2]
    assert approx_calls_without_abs("assert a == pytest.approx(b, rel=1e-9, abs=0)\n") == []


def test_no_test_asserts_a_relative_tolerance_without_an_absolute_one():
    found = {}
    for path in sorted((ROOT / "tests").rglob("*.py")):
        lines = approx_calls_without_abs(path.read_text())
        if lines:
            found[str(path.relative_to(ROOT))] = lines
    assert not found, f"approx(..., rel=...) without abs= (blind below 1e-12): {found}"
