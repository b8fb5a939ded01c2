"""Ruff, as configured in pyproject.toml, over every Python file of the repository."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "py", "tests", "tools", "benchmarks"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_tools_import_no_test_and_no_cycle():
    """dev.py imports snapshot.py and both import project.py; nothing under tools/ or benchmarks/ imports
    the tests, and project.py imports no other tool."""
    import ast
    imported = {}
    for path in [*(ROOT / "tools").glob("*.py"), *(ROOT / "benchmarks").glob("*.py")]:
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
        imported[path.relative_to(ROOT).as_posix()] = names
        assert "tests" not in names, path
    assert "dev" not in imported["tools/snapshot.py"]
    assert not imported["tools/project.py"] & {"dev", "snapshot", "vendor", "screenshots"}
