"""The three-class panel's budgets (issue 27): input → readouts through the
worker, a course's frames and long tasks, the panel's paint in tasks, and
memory over 100 courses. The explorer's own round trip, measured in the same
run, is the baseline the slider's is read against."""
from __future__ import annotations

import statistics

from common import ready_page
from lab import frames, skip_memory
from worker import round_trip

# One logit slider moved, then wait until Python's readouts for that value are on the page.
SM_ROUND_TRIP = """async n => {
  const el = document.getElementById('smZ1');
  const bars = Bokeh.documents.map(d => d.get_model_by_name('sm_bars')).find(Boolean);
  const ts = [];
  for (let i = 0; i < n; i++) {
    await new Promise(r => setTimeout(r, 20));
    const v = Number((-8 + 16 * ((i * 37) % 160) / 160).toFixed(2));
    if (el.value === v.toFixed(2)) continue;
    const before = bars.data.p[0];
    const shown = new Promise(resolve => {
      const mo = new MutationObserver(() => {
        if (document.getElementById('smZ1Num').value !== '' && bars.data.p[0] !== before) { mo.disconnect(); resolve(); }
      });
      mo.observe(document.getElementById('smP1'), {attributes: true});
    });
    el.value = String(v);
    const t0 = performance.now();
    el.dispatchEvent(new Event('input', {bubbles: true}));
    await shown;
    ts.push(performance.now() - t0);
  }
  return ts;
}"""

# The panel's paint: long tasks from asking for it until Python has bound it.
PAINT = """() => new Promise(resolve => {
  const long = [];
  const obs = new PerformanceObserver(l => long.push(...l.getEntries().map(e => e.duration)));
  obs.observe({type: 'longtask', buffered: false});
  const t0 = performance.now();
  explorerPanels.want('softmax').then(() => {
    const done = () => document.documentElement.dataset.softmaxPanel === 'ready'
      ? setTimeout(() => { obs.disconnect(); resolve({ms: performance.now() - t0, long}); }, 200)
      : requestAnimationFrame(done);
    done();
  });
})"""


def report(browser, url, runs=100) -> None:
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(url + "?panel_idle=never")
    page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=120_000)
    page.wait_for_timeout(1500)
    paint = page.evaluate(PAINT)
    print(f"three-class panel, asked for on a settled page: bound after {paint['ms']:.0f} ms; long tasks "
          f"{len(paint['long'])} ({', '.join(f'{t:.0f}' for t in paint['long']) or 'none'} ms)")
    base = round_trip(page)
    page.evaluate(SM_ROUND_TRIP, 30)  # warm-up
    ts = sorted(page.evaluate(SM_ROUND_TRIP, 300))
    p95 = ts[int(0.95 * len(ts)) - 1]
    print(f"logit slider → readouts and sm_bars through the worker (n={len(ts)}): p50 {statistics.median(ts):.2f} ms, "
          f"p95 {p95:.2f} ms, max {ts[-1]:.1f} ms; the explorer's z in the same run: p50 {base['p50']:.2f}, "
          f"p95 {base['p95']:.2f} ms")
    ctx.close()
    ctx, page, _ = ready_page(browser, url + "?panel_idle=never", "softmax")
    for hash_ in ("#ss=4&slr=1", "#ss=8&slr=0.3"):
        page.evaluate("h => { location.hash = h; }", hash_)
        page.wait_for_function("document.documentElement.dataset.softmax === 'idle'")
        f = frames(page, "softmax", "sm")
        print(f"three-class course animated ({hash_}): {f['seconds']:.1f} s, {f['frames']} frames; the app's frame "
              f"p50 {f['app_p50']:.2f} ms, p95 {f['app_p95']:.2f} ms, max {f['app_max']:.1f} ms; all rAF callbacks "
              f"p95 {f['all_p95']:.1f} ms; long tasks > 50 ms: {f['long']} (worst {f['worst']:.0f} ms)")
    ctx.close()
    m = skip_memory(browser, url + "?panel_idle=never", runs, "softmax", checkpoints=4, button="sm")
    b, a = m["before"], m["after"]
    print(f"memory over {m['runs']} full three-class courses: JS heap {b['js'] / 1e6:.2f} → {a['js'] / 1e6:.2f} MB "
          f"({(a['js'] - b['js']) / 1e6:+.2f}), wasm {b['wasm'] / 1e6:.1f} → {a['wasm'] / 1e6:.1f} MB "
          f"({(a['wasm'] - b['wasm']) / 1e6:+.2f}); JS heap along the way: "
          + ", ".join(f"{n}: {js / 1e6:.2f}" for n, js in m["along"]))
