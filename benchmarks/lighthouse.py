"""An outside audit beside our own figures: Lighthouse (npm, pinned) against
the page served as from a static host (benchmarks/network.py: another host
name, gzip), mobile and desktop, beside the same page without its figures
(the ceiling any first paint without BokehJS could reach) and optionally
beside an earlier revision.

    python3 benchmarks/run.py --only-lighthouse [--compare REV] [--lighthouse-runs N]

Lighthouse is installed into benchmarks/out/ (git-ignored) on first use and
drives this machine's Chromium (CHROME_PATH); it never downloads a browser.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile

import network
from common import ROOT
from project import CHROMIUM, CHROMIUM_ARGS

VERSION = "12.8.2"  # 12.x runs on Node 20
HOME = ROOT / "benchmarks" / "out" / "lighthouse"
CLI = HOME / "node_modules" / "lighthouse" / "cli" / "index.js"
AUDITS = {"tbt": "total-blocking-time", "lcp": "largest-contentful-paint", "fcp": "first-contentful-paint",
          "main": "mainthread-work-breakdown", "tti": "interactive"}


def install() -> None:
    installed = HOME / "node_modules" / "lighthouse" / "package.json"
    if installed.is_file() and json.loads(installed.read_text())["version"] == VERSION:
        return
    HOME.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(HOME), f"lighthouse@{VERSION}"],
                   check=True, capture_output=True)


def quoted(flag: str) -> str:
    """Lighthouse splits --chrome-flags itself (yargs-parser): double quotes keep a value with spaces whole."""
    if " " not in flag:
        return flag
    name, value = flag.split("=", 1)
    return f'{name}="{value}"'


def audit(url: str, port: int, desktop: bool) -> dict:
    flags = [a for a in CHROMIUM_ARGS if not a.startswith("--host-resolver-rules")] + [
        "--headless=new", f"--host-resolver-rules=MAP {network.HOST} 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--unsafely-treat-insecure-origin-as-secure=http://{network.HOST}:{port}"]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report.json")
        cmd = ["node", str(CLI), url, "--output=json", f"--output-path={out}", "--quiet",
               "--only-categories=performance,accessibility", "--chrome-flags=" + " ".join(map(quoted, flags))]
        if desktop:
            cmd.append("--preset=desktop")
        subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "CHROME_PATH": CHROMIUM},
                       timeout=300)
        report = json.loads(open(out).read())
    a = report["audits"]
    row = {k: a[v]["numericValue"] for k, v in AUDITS.items()}
    row["performance"] = round(100 * report["categories"]["performance"]["score"])
    row["accessibility"] = round(100 * report["categories"]["accessibility"]["score"])
    return row


# This page with its figures never painted and BokehJS never fetched: the most a first paint without
# BokehJS could score (static first figures, say), for whoever decides whether to have one. The edits
# are to a copy in dist/bench/; each must still find its line, or the row would measure the page.
FIGURELESS = {
    "boot.js": [("    if (!figuresLater()) return R.preloadBokeh();", "    return null;"),
                ("const bokeh = bokehHere.then(() => (figuresLater() ? null : R.loadBokeh()));",
                 "const bokeh = bokehHere;"),
                ("const figures = bokeh.then(firstPaint);", "const figures = Promise.resolve();")],
    # Python's patches then name models that are not there: not a fault to show.
    "bridge.js": [("function fault(op, err) {", "function fault(op, err) { return;")],
}


def figureless_site() -> str:
    """Path (relative to ROOT) of that copy's index.html, made afresh from the current page."""
    tree = ROOT / "dist" / "bench" / "figureless"
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(ROOT / "assets" / "app", tree / "assets" / "app")
    (tree / "assets" / "vendor").symlink_to(ROOT / "assets" / "vendor")
    shutil.copy(ROOT / "index.html", tree / "index.html")
    for name, edits in FIGURELESS.items():
        path = tree / "assets" / "app" / name
        text = path.read_text()
        for old, new in edits:
            if text.count(old) != 1:
                raise SystemExit(f"lighthouse: {name} no longer has `{old}` once; update FIGURELESS")
            text = text.replace(old, new)
        path.write_text(text)
    return (tree / "index.html").relative_to(ROOT).as_posix()


def report(runs: int = 3, other: tuple[str, str] | None = None) -> None:
    install()
    httpd, url = network.serve()
    port = httpd.server_address[1]
    # `figures=now`: the explorer's figures painted during the boot at any width, as before the
    # phone's were painted only when near.
    pages = [("this page", url), ("this page, figures painted at once (as before)", url + "?figures=now"),
             ("this page without its figures (ceiling)", url + figureless_site() + "?panel_idle=never")]
    if other:
        pages.append((f"revision {other[0]}", url + other[1]))
    rows: dict = {}
    try:
        # Interleaved, so drift on the machine hits all alike; each round starts with another page and
        # alternates the form factors, so no page is always audited first.
        for i in range(runs):
            for name, u in pages[i % len(pages):] + pages[:i % len(pages)]:
                for desktop in ((False, True) if i % 2 == 0 else (True, False)):
                    rows.setdefault((name, desktop), []).append(audit(u, port, desktop))
    finally:
        httpd.shutdown()
    print(f"\nLighthouse {VERSION} ({network.HOST}, gzip; median of {runs}; mobile = Lighthouse's 4× CPU "
          "slowdown and simulated slow 4G):")
    print("| page | form factor | performance | TBT | LCP | FCP | TTI | main-thread work | accessibility |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for (label, desktop), r in sorted(rows.items(), key=lambda kv: ([n for n, _ in pages].index(kv[0][0]), kv[0][1])):
        med = {k: statistics.median(x[k] for x in r) for k in r[0]}
        print(f"| {label} | {'desktop' if desktop else 'mobile'} | {med['performance']:.0f} | {med['tbt']:,.0f} ms | "
              f"{med['lcp']:,.0f} ms | {med['fcp']:,.0f} ms | {med['tti']:,.0f} ms | {med['main']:,.0f} ms | "
              f"{med['accessibility']:.0f} |")
