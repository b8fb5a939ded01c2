"""Python off the main thread (SPEC §16): what the main thread still does.

    python3 benchmarks/run.py --only-worker [--compare REV] [--runs N]

Main-thread blocking while Python starts (long tasks, > 50 ms, between the
first paint and `ready`, as a share of the time to `ready`), for the
snapshot and the normal boot, beside a bare Pyodide boot and a bare Pyodide
+ numpy boot of the same files, and optionally beside an earlier revision,
with where each boot's time to `ready` goes;
the longest main-thread task while SymPy first derives, while the lab and
the depth panel train (their paints included); and the round trip of an
input to its readouts, through the worker and back, alone and in a drag.
"""
from __future__ import annotations

import statistics

from common import ms, percentile

# Every long task from the start of the page, kept for the measurement.
LONG_TASKS = """(() => {
  window.__long = [];
  new PerformanceObserver(l => { for (const e of l.getEntries()) window.__long.push([e.startTime, e.duration]); })
    .observe({type: 'longtask', buffered: true});
})()"""


# Where the time to `ready` goes, from navigation start: the page's worker made, its start message
# (the runtime's bytes) sent, the runtime up (booted, restored from the snapshot, or a bare boot's
# loadPyodide returned), PyScript done with its own set-up (py/main.py's first stage); each the first
# of its marks that the page made.
STAGES = {"worker": ("explorer:worker-created",), "start": ("explorer:worker-started",),
          "runtime": ("explorer:booted", "explorer:restored", "bare:booted"), "pyscript": ("explorer:packages",)}


PHONE = {"width": 412, "height": 823}  # Lighthouse's mobile screen: the explorer's figures painted when near


def cold(browser, url: str, ready_mark: str = "explorer:ready", viewport: dict | None = None) -> dict:
    ctx = browser.new_context(viewport=viewport) if viewport else browser.new_context()
    page = ctx.new_page()
    page.add_init_script(LONG_TASKS)
    page.goto(url)
    page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=180_000)
    page.wait_for_timeout(100)  # the observer's last entries
    marks: dict = {}  # name → its first entry's time, -1 for none
    for name, t in page.evaluate("performance.getEntriesByType('mark').map(m => [m.name, m.startTime])"):
        marks.setdefault(name, t)
    at = lambda *names: next((marks[n] for n in names if n in marks), -1.0)  # noqa: E731
    # The first paint: the figures', or the text's where the figures wait (phone width)
    figures = at("explorer:first-paint")
    ready, paint = at(ready_mark), at("explorer:first-paint", "explorer:text-painted")
    paint_start = at("explorer:paint-start")
    painted = at("explorer:figures-painted")  # the last plot's paint, a frame after first-paint
    paint_end = painted if painted >= 0 else figures
    long = page.evaluate("window.__long")
    boot = page.evaluate("document.documentElement.dataset.boot || '-'")
    ctx.close()
    # The long tasks that began in [start, end] (none where the page made no such mark).
    within = lambda start, end: [d for t, d in long if start <= t <= end] if start >= 0 else []  # noqa: E731
    during = within(paint, ready)
    # The same window opened at the text's paint, where the figures are the first paint (1280 px):
    # BokehJS's evaluation and the figures' build fall inside it.
    from_text = sum(within(at("explorer:text-painted"), ready))
    # The figures' own paint: BokehJS building them, one task each, up to the last plot's paint.
    painting = within(paint_start, paint_end) if figures >= 0 else []
    return {"ready": ready, "paint": paint, "boot": boot, "n": len(during), "sum": sum(during),
            "painting": paint_end - paint_start if figures >= 0 else 0.0, "paint_max": max(painting, default=0.0),
            "max": max(during, default=0.0), "share": sum(during) / ready if ready > 0 else 0.0,
            "share_text": from_text / ready if ready > 0 else 0.0,
            "all_sum": sum(within(0.0, ready)),
            **{stage: at(*names) for stage, names in STAGES.items()}}


def boot_table(browser, url: str, runs: int, other: tuple[str, str] | None) -> dict:
    pages = {"snapshot boot": url, "normal boot (?snapshot=0)": url + "?snapshot=0",
             # the same pages, Python compiling PyScript's package and the app from source (no bytecode.mjs)
             "snapshot boot, no bytecode": url + "?bytecode=0", "normal boot, no bytecode": url + "?bytecode=0&snapshot=0",
             # at phone width: the figures wait until near (no first-paint mark before `ready`)
             "snapshot boot, phone": (url, PHONE), "normal boot, phone": (url + "?snapshot=0", PHONE)}
    if other:
        pages[f"{other[0]}, snapshot"] = url + other[1]
        pages[f"{other[0]}, normal"] = url + other[1] + "?snapshot=0"
        pages[f"{other[0]}, snapshot, phone"] = (url + other[1], PHONE)
        pages[f"{other[0]}, normal, phone"] = (url + other[1] + "?snapshot=0", PHONE)
    rows: dict = {}
    for _ in range(runs):  # interleaved, so drift on the machine hits all alike
        rows.setdefault("bare", []).append(cold(browser, url + "benchmarks/bare.html", "bare:ready"))
        rows.setdefault("bare+numpy", []).append(cold(browser, url + "benchmarks/bare.html?numpy=1", "bare:ready"))
        for name, u in pages.items():
            u, viewport = u if isinstance(u, tuple) else (u, None)
            rows.setdefault(name, []).append(cold(browser, u, viewport=viewport))
    med = lambda name, k: statistics.median(r[k] for r in rows[name])  # noqa: E731
    bare, bare_np = med("bare", "ready"), med("bare+numpy", "ready")
    print(f"\nmain thread while Python starts (median of {runs} cold loads; long tasks between first paint and ready; "
          "at phone width the first paint is the text's, the figures waiting until near):")
    print("| page | boot | first paint | ready | / bare | / bare+numpy | long tasks | their time | share of ready | longest "
          "| figures' paint | its longest task | share from the text's paint |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| bare Pyodide | – | – | {ms(bare)} | 1.00 | – | – | – | – | – | – | – | – |")
    print(f"| bare Pyodide + numpy | – | – | {ms(bare_np)} | {bare_np / bare:.2f} | 1.00 | – | – | – | – | – | – | – |")
    for name in pages:
        boots = "/".join(sorted({r["boot"] for r in rows[name]}))
        print(f"| {name} | {boots} | {ms(med(name, 'paint'))} | {ms(med(name, 'ready'))} | "
              f"{med(name, 'ready') / bare:.2f} | {med(name, 'ready') / bare_np:.2f} | {med(name, 'n'):.0f} | "
              f"{ms(med(name, 'sum'))} | {med(name, 'share'):.3f} | {ms(med(name, 'max'))} | "
              f"{ms(med(name, 'painting'))} | {ms(med(name, 'paint_max'))} | {med(name, 'share_text'):.3f} |")
    print("bare boots: " + ", ".join(ms(r["ready"]) for r in rows["bare"]) + "; with numpy: "
          + ", ".join(ms(r["ready"]) for r in rows["bare+numpy"]))
    print("\nwhere the time to ready goes (median, from navigation start; runtime up = booted or restored):")
    print("| page | worker made | start message | runtime up | PyScript's set-up done | ready |")
    print("|---|---:|---:|---:|---:|---:|")
    shown = lambda name, k: ms(med(name, k)) if med(name, k) >= 0 else "–"  # noqa: E731
    for name in ("bare", "bare+numpy", *pages):
        print(f"| {name} | {shown(name, 'worker')} | {shown(name, 'start')} | {shown(name, 'runtime')} | "
              f"{shown(name, 'pyscript')} | {ms(med(name, 'ready'))} |")
    return rows


# Input → its readouts and op_source, through the worker and back, on a settled page.
ROUND_TRIP = """async n => {
  const el = document.getElementById('z');
  const p = document.getElementById('p');
  const op = Bokeh.documents[0].get_model_by_name('op_source');
  const ts = [];
  for (let i = 0; i < n; i++) {
    await new Promise(r => setTimeout(r, 20));
    const v = Number((-8 + 16 * ((i * 37) % 160) / 160).toFixed(2));
    if (v === op.data.z[0]) continue;
    const shown = new Promise(resolve => {
      const mo = new MutationObserver(() => { if (op.data.z[0] === v) { mo.disconnect(); resolve(); } });
      mo.observe(p, {attributes: true});
    });
    el.value = String(v);
    const t0 = performance.now();
    el.dispatchEvent(new Event('input', {bubbles: true}));
    await shown;
    ts.push(performance.now() - t0);
  }
  return ts;
}"""


def round_trip(page, n: int = 300) -> dict:
    """The round trip, and where it goes: bridge.js's trace gives, per batch, the time from its
    message to the worker until the patch that answers it arrives (Python's side, both hops
    included) and the time to apply that patch on the main thread."""
    page.evaluate(ROUND_TRIP, 30)  # warm-up
    page.evaluate("window.__bridgeTrace = []")
    ts = sorted(page.evaluate(ROUND_TRIP, n))
    trace = page.evaluate("window.__bridgeTrace")
    page.evaluate("delete window.__bridgeTrace")
    sent = {seq: at for kind, at, _, seq in trace if kind == "sent"}
    answered = [(at - sent[seq], took) for kind, at, took, seq in trace if kind == "patch" and seq in sent]
    away, apply = [a for a, _ in answered], [b for _, b in answered]
    return {"n": len(ts), "p50": statistics.median(ts), "p95": percentile(ts, 0.95), "max": ts[-1],
            "away_p50": statistics.median(away), "away_p95": percentile(away, 0.95),
            "apply_p50": statistics.median(apply), "apply_p95": percentile(apply, 0.95)}


# A drag: one input each animation frame, at its start, as a browser delivers a pointer's moves,
# so that each input's answer meets that frame's paint (the plots repainting the previous
# answer). Each input's time until its readouts and op_source show it or a later input (a busy
# Python is given only the latest).
DRAG = """async n => {
  const el = document.getElementById('z'), p = document.getElementById('p');
  const op = Bokeh.documents[0].get_model_by_name('op_source');
  const inputs = [], ts = [];
  let answered = 0;
  const mo = new MutationObserver(() => {
    const now = performance.now();
    let last = -1;
    for (let k = answered; k < inputs.length; k++) if (inputs[k][0] === op.data.z[0]) last = k;
    for (; answered <= last; answered++) ts.push(now - inputs[answered][1]);
  });
  mo.observe(p, {attributes: true});
  await new Promise(done => {
    let i = 0;
    const step = () => {
      if (i === n) return done();
      el.value = (-6 + 12 * (i % 200) / 200 + 0.003 * Math.floor(i / 200)).toFixed(3);
      inputs.push([Number(el.value), performance.now()]);
      el.dispatchEvent(new Event('input', {bubbles: true}));
      i++;
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  await new Promise(r => setTimeout(r, 300));
  mo.disconnect();
  return ts.sort((a, b) => a - b);
}"""


def drag(page, n: int = 400) -> dict:
    page.evaluate(DRAG, 60)  # warm-up
    ts = page.evaluate(DRAG, n)
    return {"n": len(ts), "p50": statistics.median(ts), "p95": percentile(ts, 0.95), "max": ts[-1]}


WATCH = """() => {
  window.__tasks = [];
  window.__taskObs = new PerformanceObserver(l => { for (const e of l.getEntries()) window.__tasks.push(e.duration); });
  window.__taskObs.observe({type: 'longtask', buffered: false});
}"""
STOP = "() => { window.__taskObs.disconnect(); return window.__tasks; }"


def after_ready(browser, url: str, reps: int = 3) -> dict:
    """The longest main-thread task while each thing happens, on a ready page (panels not yet
    painted), `reps` fresh pages each."""
    out: dict = {}
    for _ in range(reps):
        for name, start, done in (
            ("SymPy's first derivation", "document.getElementById('lossPreset').value = 'cross-entropy';"
             "document.getElementById('lossPreset').dispatchEvent(new Event('change', {bubbles: true}))",
             "document.getElementById('ownDeriv').dataset.state === 'ready'"),
            ("lab: painted, then a course", "explorerPanels.want('lab').then(() => document.getElementById('labRun').click())",
             "document.documentElement.dataset.lab === 'done'"),
            ("depth panel: painted, then sigmoid ×3",
             "explorerPanels.want('deep').then(() => document.getElementById('deepRun').click())",
             "document.documentElement.dataset.deep === 'done'"),
            ("three classes: painted, then a course",
             "explorerPanels.want('softmax').then(() => document.getElementById('smRun').click())",
             "document.documentElement.dataset.softmax === 'done'"),
        ):
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(url + "?panel_idle=never")
            page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=180_000)
            page.wait_for_timeout(1500)  # settled
            page.evaluate(WATCH)
            page.evaluate(f"() => {{ {start}; }}")
            page.wait_for_function(done, timeout=180_000, polling=200)
            tasks = page.evaluate(STOP)
            ctx.close()
            out.setdefault(name, []).append(tasks)
    print(f"\nafter ready, main-thread long tasks while (budget: none over 100 ms; {reps} fresh pages each):")
    for name, runs in out.items():
        print(f"  {name}: " + "; ".join(f"{len(t)} long, longest {max(t, default=0.0):.0f} ms, {sum(t):.0f} ms in all"
                                        for t in runs))
    return out


def report(browser, url: str, runs: int, other=None) -> None:
    from common import ready_page
    boot_table(browser, url, runs, other)
    # A fresh page per measurement, the revisions interleaved: on a shared machine
    # one page's p95 moves by a millisecond or two from run to run.
    pages = [("this revision", url)] + ([(other[0], url + other[1])] if other else [])
    trips = {name: [] for name, _ in pages}
    drags = {name: [] for name, _ in pages}
    for _ in range(3):
        for name, address in pages:
            ctx, page, _ = ready_page(browser, address)
            trips[name].append(round_trip(page))
            drags[name].append(drag(page))
            ctx.close()
    print("\ninput → readouts and op_source, the round trip through the worker (budget: p95 ≤ 5 ms):")
    for name, rs in trips.items():
        print(f"  {name}: " + "; ".join(f"p50 {r['p50']:.2f} ms, p95 {r['p95']:.2f} ms, max {r['max']:.1f} ms (n={r['n']})"
                                        for r in rs))
        print("    of it, with Python (message out → its patch in): " + "; ".join(
            f"p50 {r['away_p50']:.2f}, p95 {r['away_p95']:.2f} ms" for r in rs))
        print("    applying the patch on the main thread: " + "; ".join(
            f"p50 {r['apply_p50']:.2f}, p95 {r['apply_p95']:.2f} ms" for r in rs))
    print("\na drag, one input each animation frame: input → its readouts (or a later input's)")
    for name, rs in drags.items():
        print(f"  {name}: " + "; ".join(f"p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, max {r['max']:.1f} ms (n={r['n']})"
                                        for r in rs))
    after_ready(browser, url)
