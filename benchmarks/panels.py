"""Panels on demand (SPEC §13): how long a panel takes to paint and bind
once it is scrolled to, on a settled page, and what `ready` would cost if
every panel were loaded before it (the page as it was: the lab right after)."""
from __future__ import annotations

import statistics

from common import mark

SCROLL_TO = """name => new Promise(resolve => {
    const t0 = performance.now();
    document.querySelector(`[data-panel=${name}]`).scrollIntoView();
    const done = () => document.documentElement.dataset[name + 'Panel'] === 'ready'
        ? resolve({paint: performance.getEntriesByName(`explorer:${name}-paint`)[0].startTime - t0,
                   bound: performance.getEntriesByName(`explorer:${name}-bound`)[0].startTime - t0})
        : requestAnimationFrame(done);
    done();
})"""


def scrolled_to(browser, url: str, name: str) -> dict:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.goto(url + "?panel_idle=never")
    page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=120_000)
    page.wait_for_timeout(1000)  # settled: the explorer's own start-up work is over
    out = page.evaluate(SCROLL_TO, name)
    out["ready"] = mark(page, "explorer:ready")
    ctx.close()
    return out


def report(browser, url: str, runs: int) -> None:
    rows = [scrolled_to(browser, url, "lab") for _ in range(runs)]
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    print(f"lab panel, scrolled to on a settled page (median of {runs}): painted after {med['paint']:.0f} ms, "
          f"bound (live) after {med['bound']:.0f} ms")
