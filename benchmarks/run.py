"""Speed, size and memory of the explorer, measured in headless Chromium.

    python3 benchmarks/run.py                 # the table (a few minutes)
    python3 benchmarks/run.py --attract 10    # plus 10 minutes of kiosk attract mode

Not part of the test run and asserts nothing: it prints figures, each next to
a baseline measured in the same run (this machine is shared and noisy).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tools"), str(ROOT / "py"), str(ROOT / "benchmarks")]

import baseline  # noqa: E402
import vendor  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, serve_dir  # noqa: E402

RUNS = 5


def ms(v: float) -> str:
    return f"{v:,.0f} ms"


def mark(page, name: str) -> float:
    return page.evaluate("n => performance.getEntriesByName(n)[0]?.startTime ?? -1", name)


def cold_load(browser, url: str, ready_mark: str, state="ready") -> dict:
    """One load in a fresh context (empty cache); times from navigation start."""
    ctx = browser.new_context()
    page = ctx.new_page()
    files = []
    page.on("request", lambda r: files.append(r.url))
    page.goto(url)
    page.wait_for_function(f"document.documentElement.dataset.state === '{state}'", timeout=120_000)
    out = {"ready": mark(page, ready_mark), "paint": mark(page, "explorer:first-paint")}
    res = page.evaluate("""() => performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))
        .map(e => [e.name, e.encodedBodySize || e.transferSize || 0])""")
    out["bytes"] = sum(b for _, b in res)
    out["per_file"] = res
    local = {unquote(urlparse(u).path) for u in files if u.startswith("file:")}
    out["file_bytes"] = sum(os.path.getsize(p) for p in local if os.path.isfile(p))
    ctx.close()
    return out


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def bench_setup() -> dict:
    real = vendor.VENDOR, vendor.CACHE
    with tempfile.TemporaryDirectory() as tmp:
        vendor.VENDOR, vendor.CACHE = Path(tmp) / "vendor", Path(tmp) / "cache"
        try:
            t = time.perf_counter()
            vendor.ensure(quiet=True)
            cold = time.perf_counter() - t
            t = time.perf_counter()
            vendor.ensure(quiet=True)
            warm = time.perf_counter() - t
        finally:
            vendor.VENDOR, vendor.CACHE = real
    return {"cold": cold, "warm": warm}


def latency(page, n=200) -> dict:
    # Each input event is handled synchronously by Python (a PyProxy listener),
    # so the time around dispatchEvent covers readouts and op_source.
    r = page.evaluate("""n => {
        const el = document.getElementById('z');
        const op = Bokeh.documents[0].get_model_by_name('op_source');
        const ts = []; let stale = 0;
        for (let i = 0; i < n; i++) {
            const v = Number((-8 + 16 * ((i * 37) % 160) / 160).toFixed(2));
            el.value = String(v);
            const t0 = performance.now();
            el.dispatchEvent(new Event('input', {bubbles: true}));
            ts.push(performance.now() - t0);
            if (op.data.z[0] !== v || Number(document.getElementById('zNum').value) !== v) stale++;
        }
        return {ts, stale};
    }""", n)
    ts = sorted(r["ts"])
    return {"p50": statistics.median(ts), "p95": ts[int(0.95 * len(ts)) - 1], "max": ts[-1], "stale": r["stale"],
            "n": n}


def to_painted(page, n=30, pending: str | None = None) -> dict:
    """Input → the frame that shows it: the handler (and, for the baseline, its
    promise), then the next animation frame, which runs after BokehJS's paint."""
    r = page.evaluate("""async ([n, pending]) => {
        const el = document.getElementById('z');
        const ts = [];
        for (let i = 0; i < n; i++) {
            await new Promise(r => setTimeout(r, 30));  // settle between inputs
            el.value = String(Number((-6 + 12 * ((i * 37) % 41) / 41).toFixed(2)));
            const t0 = performance.now();
            el.dispatchEvent(new Event('input', {bubbles: true}));
            const handled = performance.now() - t0;
            if (pending) await window[pending];
            const updated = performance.now() - t0;
            await new Promise(r => requestAnimationFrame(r));
            ts.push([handled, updated, performance.now() - t0]);
        }
        return ts;
    }""", [n, pending])
    col = lambda i: sorted(t[i] for t in r)  # noqa: E731
    return {k: {"p50": statistics.median(col(i)), "p95": col(i)[int(0.95 * len(r)) - 1]}
            for i, k in enumerate(("handled", "updated", "painted"))} | {"n": n}


def fast_drag(page, seconds=10, rate=60) -> dict:
    return page.evaluate("""([seconds, rate]) => new Promise(resolve => {
        const long = [];
        const obs = new PerformanceObserver(l => long.push(...l.getEntries().map(e => e.duration)));
        obs.observe({type: 'longtask', buffered: false});
        const el = document.getElementById('z');
        let i = 0, last = 0;
        const id = setInterval(() => {
            last = Number((8 * Math.sin(i / 20)).toFixed(2));
            el.value = String(last);
            el.dispatchEvent(new Event('input', {bubbles: true}));
            if (++i >= seconds * rate) {
                clearInterval(id);
                setTimeout(() => {
                    obs.disconnect();
                    const op = Bokeh.documents[0].get_model_by_name('op_source');
                    resolve({inputs: i, long: long.length, worst: Math.max(0, ...long),
                             final_ok: op.data.z[0] === last && document.getElementById('zNum').value === last.toFixed(2)});
                }, 300);
            }
        }, 1000 / rate);
    })""", [seconds, rate])


def memory(page, cdp) -> dict:
    cdp.send("HeapProfiler.collectGarbage")
    js = cdp.send("Runtime.getHeapUsage")["usedSize"]
    return {"js": js, "wasm": page.evaluate("explorerBoot.wasmBytes()")}


def memory_over_inputs(browser, url, n=10_000) -> dict:
    ctx = browser.new_context()
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    page.goto(url)
    page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=120_000)
    latency(page, 500)  # warm up caches and lazy paths before the baseline
    before = memory(page, cdp)
    for chunk in range(n // 500):
        latency(page, 500)
        page.evaluate("() => new Promise(r => requestAnimationFrame(r))")
    after = memory(page, cdp)
    ctx.close()
    return {"before": before, "after": after}


def attract(browser, url, minutes: float) -> dict:
    ctx = browser.new_context()
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url + "?kiosk=1&idle=1")
    page.wait_for_function("document.documentElement.dataset.demo === 'running'", timeout=120_000)
    before = memory(page, cdp)
    page.wait_for_timeout(minutes * 60_000)
    after = memory(page, cdp)
    running = page.evaluate("document.documentElement.dataset.demo")
    ctx.close()
    return {"before": before, "after": after, "errors": errors, "still_running": running == "running"}


def endurance(browser, url, minutes: float, seed: int = 7) -> dict:
    """Kiosk loop plus random visitors: errors, memory at start and end, sanity at the end."""
    import random
    rnd = random.Random(seed)
    ctx = browser.new_context()
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url + "?kiosk=1&idle=3")
    page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=120_000)
    before = memory(page, cdp)
    end = time.monotonic() + minutes * 60
    actions = 0
    bad = ["", "-", "e", "1e400", "abc", "  ", "99", "-99", "1e-400"]
    while time.monotonic() < end:
        kind = rnd.random()
        if kind < 0.3:
            page.fill("#zNum", rnd.choice(bad) if rnd.random() < 0.3 else f"{rnd.uniform(-9, 9):.2f}")
            page.press("#zNum", "Enter")
        elif kind < 0.45:
            page.click(f"label[for=y{rnd.randint(0, 1)}]")
        elif kind < 0.6:
            page.focus("#z")
            for _ in range(rnd.randint(1, 30)):
                page.keyboard.press(rnd.choice(["ArrowLeft", "ArrowRight", "Shift+ArrowLeft", "PageUp"]))
        elif kind < 0.7:
            page.click("#race")
        elif kind < 0.75:
            page.click("#sweep")
        elif kind < 0.8:
            page.fill("#zRange", rnd.choice(["4", "8", "20", "50", "0", "x"]))
            page.press("#zRange", "Enter")
        else:  # leave it alone long enough for the attract mode to take over
            page.wait_for_timeout(rnd.uniform(3_500, 15_000))
        actions += 1
        page.wait_for_timeout(rnd.uniform(100, 1500))
    after = memory(page, cdp)
    texts = page.evaluate("[...document.querySelectorAll('dd')].map(e => e.textContent).join(' ')")
    state = page.evaluate("document.documentElement.dataset.state")
    ctx.close()
    return {"before": before, "after": after, "errors": errors, "actions": actions,
            "sane": state == "ready" and "NaN" not in texts and "Infinity" not in texts}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--attract", type=float, default=0, help="minutes of kiosk attract mode to measure")
    ap.add_argument("--endurance", type=float, default=0, help="minutes of kiosk loop plus random input")
    ap.add_argument("--skip-setup", action="store_true")
    ap.add_argument("--only-long", action="store_true", help="only the --attract/--endurance runs")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    import dev

    vendor.ensure(quiet=True)
    if args.only_long:
        return long_runs(args)
    single = dev.build()
    site_zip = baseline.prepare()
    print(f"# Explorer benchmark — {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Chromium at {CHROMIUM} (headless)\n")
    if not args.skip_setup:
        s = bench_setup()
        print(f"setup step: cold {s['cold']:.1f} s (empty assets/vendor and archive cache; "
              f"pip/npm caches as found), warm {s['warm']:.2f} s\n")

    lock = json.loads(vendor.LOCK.read_text())
    print("| vendored file | bytes |\n|---|---:|")
    for rel in sorted(vendor.expected_files(lock)):
        print(f"| {rel} | {(vendor.VENDOR / rel).stat().st_size:,} |")
    print()

    url, httpd = serve_dir(ROOT)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        rows = {}
        for _ in range(RUNS):  # interleaved, so drift on the machine hits all alike
            rows.setdefault("bare", []).append(cold_load(browser, url + "benchmarks/bare.html", "bare:ready"))
            rows.setdefault("served", []).append(cold_load(browser, url, "explorer:ready"))
            rows.setdefault("file", []).append(cold_load(browser, (ROOT / "index.html").as_uri(), "explorer:ready"))
            rows.setdefault("single", []).append(cold_load(browser, single.as_uri(), "explorer:ready"))
            rows.setdefault("baseline", []).append(
                cold_load(browser, url + "benchmarks/baseline.html", "baseline:ready"))
        bare = median(rows["bare"], "ready")
        print(f"| mode (median of {RUNS} cold contexts) | first paint | / bare boot | ready | / bare boot | bytes |")
        print("|---|---:|---:|---:|---:|---:|")
        print(f"| bare Pyodide boot (loadPyodide + 1+1) | – | – | {ms(bare)} | 1.00 | "
              f"{median(rows['bare'], 'bytes'):,} |")
        for mode, key in (("served", "bytes"), ("file", "file_bytes"), ("single", "file_bytes")):
            r = rows[mode]
            print(f"| {mode} | {ms(median(r, 'paint'))} | {median(r, 'paint') / bare:.2f} | "
                  f"{ms(median(r, 'ready'))} | {median(r, 'ready') / bare:.2f} | {median(r, key):,.0f} |")
        r = rows["baseline"]
        print(f"| baseline: Bokeh's Python in the browser, served | – | – | {ms(median(r, 'ready'))} | "
              f"{median(r, 'ready') / bare:.2f} | {median(r, 'bytes'):,.0f} |")
        print(f"bare boot in the {RUNS} runs: " + ", ".join(ms(x['ready']) for x in rows["bare"]))
        print(f"\nbytes served / bare Pyodide core: {median(rows['served'], 'bytes') / median(rows['bare'], 'bytes'):.3f}"
              f" (baseline page: {median(rows['baseline'], 'bytes') / median(rows['bare'], 'bytes'):.2f}; "
              f"its extra Python packages: dist/bench/{site_zip.name}, {site_zip.stat().st_size:,} bytes)")
        print()
        print("served, bytes per file (last run):")
        for name, b in sorted(rows["served"][-1]["per_file"], key=lambda x: -x[1]):
            if b:
                print(f"  {b:>12,}  {name.replace(url, '/')}")
        print()

        ctx = browser.new_context()
        page = ctx.new_page()
        page.goto(url)
        page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=120_000)
        latency(page, 50)
        lat = latency(page, 300)
        print(f"input → readouts + op_source (n={lat['n']}): p50 {lat['p50']:.2f} ms, p95 {lat['p95']:.2f} ms, "
              f"max {lat['max']:.2f} ms, stale after the event: {lat['stale']}")
        ours = to_painted(page)
        drag = fast_drag(page)
        print(f"fast drag, 60 inputs/s for 10 s: {drag['inputs']} inputs, long tasks > 50 ms: {drag['long']} "
              f"(worst {drag['worst']:.0f} ms), final state correct: {drag['final_ok']}")
        ctx.close()

        ctx = browser.new_context()
        page = ctx.new_page()
        page.goto(url + "benchmarks/baseline.html")
        page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=180_000)
        to_painted(page, 3, pending="pending")  # warm-up
        base = to_painted(page, 20, pending="pending")
        ctx.close()
        print("\ninput → figures show it, against the common pattern (rebuild in Python, json_item, re-embed):")
        print("| page | n | handler p50 / p95 | + data in the models p50 / p95 | + next frame painted p50 / p95 |")
        print("|---|---:|---:|---:|---:|")
        for name, r in (("explorer (data pushed into the built figures)", ours), ("baseline (re-embed)", base)):
            print(f"| {name} | {r['n']} | " + " | ".join(
                f"{r[k]['p50']:.1f} / {r[k]['p95']:.1f} ms" for k in ("handled", "updated", "painted")) + " |")
        print(f"explorer faster by: {base['updated']['p50'] / ours['updated']['p50']:.0f}× to the data, "
              f"{base['painted']['p50'] / ours['painted']['p50']:.0f}× to the painted frame (p50)\n")

        mem = memory_over_inputs(browser, url)
        b, a = mem["before"], mem["after"]
        print(f"memory over 10,000 inputs: JS heap {b['js'] / 1e6:.2f} → {a['js'] / 1e6:.2f} MB "
              f"({(a['js'] - b['js']) / 1e6:+.2f}), wasm {b['wasm'] / 1e6:.1f} → {a['wasm'] / 1e6:.1f} MB "
              f"({(a['wasm'] - b['wasm']) / 1e6:+.2f})")
        browser.close()
    httpd.shutdown()
    long_runs(args)


def long_runs(args) -> None:
    if not (args.attract or args.endurance):
        return
    from playwright.sync_api import sync_playwright
    url, httpd = serve_dir(ROOT)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        if args.attract:
            m = attract(browser, url, args.attract)
            b, a = m["before"], m["after"]
            print(f"attract mode for {args.attract:g} min: JS heap {b['js'] / 1e6:.2f} → {a['js'] / 1e6:.2f} MB, "
                  f"wasm {b['wasm'] / 1e6:.1f} → {a['wasm'] / 1e6:.1f} MB, errors: {len(m['errors'])}, "
                  f"demo still running: {m['still_running']}", flush=True)
        if args.endurance:
            m = endurance(browser, url, args.endurance)
            b, a = m["before"], m["after"]
            print(f"endurance, {args.endurance:g} min of kiosk loop + {m['actions']} random inputs: "
                  f"JS heap {b['js'] / 1e6:.2f} → {a['js'] / 1e6:.2f} MB, wasm {b['wasm'] / 1e6:.1f} → "
                  f"{a['wasm'] / 1e6:.1f} MB, errors: {len(m['errors'])} {m['errors'][:3]}, "
                  f"final state sane: {m['sane']}", flush=True)
        browser.close()
    httpd.shutdown()


if __name__ == "__main__":
    main()
