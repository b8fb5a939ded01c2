"""The training panels' budgets (the lab's and, through the same helpers, the
depth panel's): frame cost while one trains, long tasks, memory over many runs."""
from __future__ import annotations

import statistics

from common import memory, percentile, ready_page

# Every requestAnimationFrame callback timed, grouped by frame; the app's own
# clock (a Python proxy) told apart from BokehJS's paints by its text.
_TIME_FRAMES = """() => {
    if (window.__frames) return;  // wrapped once: a second wrapper would count every callback twice
    window.__frames = new Map();
    const raf = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = cb => raf(ts => {
        const t0 = performance.now();
        try { return cb(ts); } finally {
            const f = window.__frames.get(ts) || {app: 0, all: 0};
            const dt = performance.now() - t0;
            f.all += dt;
            if (!/^function|^class|=>/.test(String(cb))) f.app += dt;  // not JS: the Python clock
            window.__frames.set(ts, f);
        }
    });
}"""

_RUN = """([panel, button]) => new Promise(resolve => {
    const long = [];
    const obs = new PerformanceObserver(l => long.push(...l.getEntries().map(e => e.duration)));
    obs.observe({type: 'longtask', buffered: false});
    window.__frames.clear();
    const t0 = performance.now();
    document.getElementById(button + 'Run').click();
    const poll = setInterval(() => {
        if (document.documentElement.dataset[panel] !== 'done') return;
        clearInterval(poll);
        obs.disconnect();
        const frames = [...window.__frames.values()];
        resolve({seconds: (performance.now() - t0) / 1000, long: long.length, worst: Math.max(0, ...long),
                 app: frames.map(f => f.app).filter(v => v > 0), all: frames.map(f => f.all)});
    }, 50);
})"""


def frames(page, panel: str = "lab", button: str = "") -> dict:
    """One whole course of a panel ("lab", "deep", "softmax"; its buttons' id prefix when it differs), animated,
    on a ready page."""
    page.evaluate(_TIME_FRAMES)
    r = page.evaluate(_RUN, [panel, button or panel])
    # With Python in its worker no frame callback is Python's own: the main thread's share of a
    # frame is then every callback (the bridge applying Python's patch, BokehJS's paints).
    app = r["app"] or [v for v in r["all"] if v > 0]
    return {"frames": len(app), "seconds": r["seconds"], "long": r["long"], "worst": r["worst"],
            "app_p50": statistics.median(app), "app_p95": percentile(app, 0.95), "app_max": max(app),
            "all_p95": percentile(r["all"], 0.95)}


def skip_memory(browser, url, runs=100, panel: str = "lab", checkpoints: int = 1, button: str = "") -> dict:
    """Full courses (Train, then skip to the end) one after another: memory before and after,
    and the JS heap after each of `checkpoints` equal parts (a leak grows with the count)."""
    ctx, page, cdp = ready_page(browser, url, panel)
    button = button or panel

    def course():
        page.click(f"#{button}Run")
        page.click(f"#{button}Run")
        page.wait_for_function(f"document.documentElement.dataset.{panel} === 'done'", timeout=120_000)
        page.click(f"#{button}Reset")

    for _ in range(5):  # warm-up
        course()
    before = memory(page, cdp)
    along = []
    for i in range(1, runs + 1):
        course()
        if i % max(1, runs // checkpoints) == 0 and i < runs:
            along.append((i, memory(page, cdp)["js"]))
    after = memory(page, cdp)
    ctx.close()
    return {"before": before, "after": after, "runs": runs, "along": along}


def report(browser, url, runs=100) -> None:
    ctx, page, _ = ready_page(browser, url)
    # On screen, as for someone pressing Train. Scrolling there first also lays
    # out the text below it (content-visibility: auto), a one-off task that
    # belongs to the scroll, not to the run.
    page.evaluate("""() => new Promise(done => {
        document.getElementById('lab').scrollIntoView();
        requestAnimationFrame(() => requestAnimationFrame(done));
    })""")
    for label, hash_ in (("s = 4", ""), ("s = 6", "#ls=6")):
        if hash_:
            page.evaluate("h => { location.hash = h; }", hash_)
            page.wait_for_function("document.getElementById('labS').value === '6'")
        f = frames(page)
        print(f"lab, one course animated ({label}): {f['seconds']:.1f} s, {f['frames']} frames; the app's frame "
              f"(training + figures' data) p50 {f['app_p50']:.2f} ms, p95 {f['app_p95']:.2f} ms, max "
              f"{f['app_max']:.1f} ms; all rAF callbacks (incl. BokehJS paints) p95 {f['all_p95']:.1f} ms; "
              f"long tasks > 50 ms: {f['long']} (worst {f['worst']:.0f} ms)")
    ctx.close()
    m = skip_memory(browser, url, runs)
    b, a = m["before"], m["after"]
    print(f"memory over {m['runs']} full lab courses: JS heap {b['js'] / 1e6:.2f} → {a['js'] / 1e6:.2f} MB "
          f"({(a['js'] - b['js']) / 1e6:+.2f}), wasm {b['wasm'] / 1e6:.1f} → {a['wasm'] / 1e6:.1f} MB "
          f"({(a['wasm'] - b['wasm']) / 1e6:+.2f})")
