"""Shared fixtures: a static server for the project, and a Chromium that can
reach nothing but 127.0.0.1."""
from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("EXPLORER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run",
    # Every host but loopback is unresolvable: a request elsewhere fails
    # loudly instead of silently working on a connected machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
# Chromium's sampling heap profiler is on in a random share of browser
# sessions, and it crashed boots that ran Python on a JSPI stack (see hideJspi
# in assets/app/pyworker.js). The tests turn it on in every session, so that
# such a crash fails every run instead of one run in several.
HEAP_PROFILER_ON = "--enable-features=HeapProfilerReporting:nonstable-probability/1/stable-probability/1"


def serve_dir(root: Path):
    """Start the project's own static server on a free port; returns (url, server)."""
    from dev import make_server
    httpd = make_server(0, root)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/", httpd


@pytest.fixture(scope="session")
def base_url():
    url, httpd = serve_dir(ROOT)
    yield url
    httpd.shutdown()


BROWSER_LOG = ROOT / "dist" / "chromium.log"


def browser_log_tail(lines: int = 40) -> str:
    """Chromium's own last words (a renderer crash says why only there), without D-Bus noise."""
    if not BROWSER_LOG.is_file():
        return "(no browser log)"
    kept = [line for line in BROWSER_LOG.read_text(errors="replace").splitlines() if "dbus" not in line]
    return "\n".join(kept[-lines:])


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    # Playwright's driver inherits stderr when it starts and, with DEBUG set,
    # copies the browser's stderr there: point both at a file for crash reports.
    BROWSER_LOG.parent.mkdir(exist_ok=True)
    with open(BROWSER_LOG, "w") as log:
        stderr, sys.stderr = sys.stderr, log
        os.environ["DEBUG"] = "pw:browser"
        try:
            manager = sync_playwright()
            pw = manager.start()
        finally:
            sys.stderr = stderr
            del os.environ["DEBUG"]
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, HEAP_PROFILER_ON])
        yield b
        b.close()
    finally:
        manager.__exit__(None, None, None)
