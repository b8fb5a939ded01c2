"""Shared fixtures: a static server for the project, and a Chromium that can
reach nothing but 127.0.0.1."""
from __future__ import annotations

import os
import sys

import pytest
from project import CHROMIUM, CHROMIUM_ARGS, ROOT, serve_dir

# Chromium's sampling heap profiler is on in a random share of browser
# sessions, and it crashed boots that ran Python on a JSPI stack (see hideJspi
# in assets/app/pyworker.js). The tests turn it on in every session, so that
# such a crash fails every run instead of one run in several.
HEAP_PROFILER_ON = "--enable-features=HeapProfilerReporting:nonstable-probability/1/stable-probability/1"


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
