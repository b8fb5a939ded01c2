"""Another revision of the page, served beside this one, for same-run comparisons.

`python3 benchmarks/run.py --compare REV` checks REV out (a git worktree in
dist/bench/) and loads it cold, interleaved with the current page, so "no
worse than before" is measured on the same machine in the same minutes.
Its assets/vendor/ is this one's when its lock is the same; otherwise its
own setup step fills its own (and makes its own snapshot, of its own Python).
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
        same = (tree / "tools" / "vendor.lock.json").read_text() == (ROOT / "tools" / "vendor.lock.json").read_text()
        if same:
            vendor.symlink_to(ROOT / "assets" / "vendor")
        else:
            (tree / "tools" / ".cache").mkdir(parents=True, exist_ok=True)
            for archive in (ROOT / "tools" / ".cache").iterdir():  # no downloads for what both pin
                link = tree / "tools" / ".cache" / archive.name
                if not link.exists():
                    link.symlink_to(archive)
            subprocess.run(["python3", "tools/dev.py", "setup"], cwd=tree, check=True, capture_output=True)
    return sha, (tree / "index.html").relative_to(ROOT).as_posix()
