"""Another revision of the page, served beside this one, for same-run comparisons.

`python3 benchmarks/run.py --compare REV` checks REV out (a git worktree in
dist/bench/, its assets/vendor/ linked to this one's) and loads it cold,
interleaved with the current page, so "no worse than before" is measured
on the same machine in the same minutes.
"""
from __future__ import annotations

import subprocess

from common import ROOT

OUT = ROOT / "dist" / "bench"


def revision_site(rev: str) -> tuple[str, str]:
    """(short sha, path of its index.html relative to ROOT)."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout.strip()
    tree = OUT / f"rev-{sha}"
    if not tree.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), sha], cwd=ROOT, check=True,
                       capture_output=True)
    vendor = tree / "assets" / "vendor"
    if not vendor.exists():
        vendor.symlink_to(ROOT / "assets" / "vendor")
    return sha, (tree / "index.html").relative_to(ROOT).as_posix()
