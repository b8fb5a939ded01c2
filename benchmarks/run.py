"""Speed, size and memory of the explorer, measured in headless Chromium.

    python3 benchmarks/run.py                 # the table (a few minutes)
    python3 benchmarks/run.py --attract 10    # plus 10 minutes of kiosk attract mode
    python3 benchmarks/run.py --only-lab --runs 3 --lab-runs 20   # the lab's figures alone
    python3 benchmarks/run.py --only-lighthouse --compare 2e30d37 # Lighthouse, this page and an earlier one
    python3 benchmarks/run.py --only-slow-link --runs 2 --compare 3d418c3  # a first visit over slow 4G

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baseline  # noqa: E402
import compare  # noqa: E402
import deep as deep_bench  # noqa: E402
import kiosk  # noqa: E402
import lab as lab_bench  # noqa: E402
import lighthouse  # noqa: E402
import network  # noqa: E402
import ownloss as own_bench  # noqa: E402
import panels  # noqa: E402
import softmax as softmax_bench  # noqa: E402
import vendor  # noqa: E402
import worker as worker_bench  # noqa: E402
from common import ROOT, RUNS, cold_load, median, memory, ms, ready_page  # noqa: E402  (sets sys.path)
from project import CHROMIUM, CHROMIUM_ARGS, serve_dir  # noqa: E402


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


def memory_over_inputs(browser, url, n=10_000) -> dict:
    ctx, page, cdp = ready_page(browser, url)
    latency(page, 500)  # warm up caches and lazy paths before the baseline
    before = memory(page, cdp)
    for chunk in range(n // 500):
        latency(page, 500)
        page.evaluate("() => new Promise(r => requestAnimationFrame(r))")
    after = memory(page, cdp)
    ctx.close()
    return {"before": before, "after": after}


def _in_chromium(measure) -> None:
    """measure(browser, url) with the project served and Chromium launched, both closed after."""
    from playwright.sync_api import sync_playwright
    url, httpd = serve_dir(ROOT)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                measure(browser, url)
            finally:
                browser.close()
    finally:
        httpd.shutdown()


def lab_only(args) -> None:
    def measure(browser, url):
        for _ in range(args.runs):
            lab_bench.report(browser, url, args.lab_runs)
    _in_chromium(measure)


def boot_only(args) -> None:
    """Only the cold loads: first paint and ready in each mode beside a bare boot of the same files."""
    import dev
    from playwright.sync_api import sync_playwright
    single, lite = dev.build(), dev.build(lite=True)
    url, httpd = serve_dir(ROOT)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        other = compare.revision_site(args.compare) if args.compare else None
        modes = {"served": url, "served, no snapshot": url + "?snapshot=0", "file": (ROOT / "index.html").as_uri(),
                 "single": single.as_uri(), "lite (no snapshot)": lite.as_uri()}
        if other:
            modes[f"served {other[0]}"] = url + other[1]
        rows: dict = {}
        for _ in range(args.runs):  # interleaved, so drift on the machine hits all alike
            rows.setdefault("bare", []).append(cold_load(browser, url + "benchmarks/bare.html", "bare:ready"))
            for mode, u in modes.items():
                rows.setdefault(mode, []).append(cold_load(browser, u, "explorer:ready"))
        browser.close()
    httpd.shutdown()
    bare = median(rows["bare"], "ready")
    print(f"| mode (median of {args.runs} cold contexts) | boot | first paint | / bare | ready | / bare |")
    print("|---|---|---:|---:|---:|---:|")
    print(f"| bare Pyodide boot (loadPyodide + 1+1) | – | – | – | {ms(bare)} | 1.00 |")
    for mode in modes:
        r = rows[mode]
        boots = "/".join(sorted({x["boot"] for x in r}))
        print(f"| {mode} | {boots} | {ms(median(r, 'paint'))} | {median(r, 'paint') / bare:.2f} | "
              f"{ms(median(r, 'ready'))} | {median(r, 'ready') / bare:.2f} |")
    print("bare boot in the runs: " + ", ".join(ms(x["ready"]) for x in rows["bare"]))


def deep_only(args) -> None:
    _in_chromium(lambda browser, url: deep_bench.report(browser, url, args.deep_runs))


def softmax_only(args) -> None:
    _in_chromium(lambda browser, url: softmax_bench.report(browser, url, args.softmax_runs))


def panels_only(args) -> None:
    def measure(browser, url):
        import dev
        panels.report(browser, url, args.runs)
        deep_bench.report(browser, url, args.deep_runs)
        own_bench.report(browser, url, dev.build())
    _in_chromium(measure)


def derive_only(args) -> None:
    _in_chromium(own_bench.derivation_worker)


def worker_only(args) -> None:
    other = compare.revision_site(args.compare) if args.compare else None
    _in_chromium(lambda browser, url: worker_bench.report(browser, url, args.runs, other))


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # progress shows even when redirected to a file
    ap = argparse.ArgumentParser()
    ap.add_argument("--attract", type=float, default=0, help="minutes of kiosk attract mode to measure")
    ap.add_argument("--endurance", type=float, default=0, help="minutes of kiosk loop plus random input")
    ap.add_argument("--skip-setup", action="store_true")
    ap.add_argument("--only-long", action="store_true", help="only the --attract/--endurance runs")
    ap.add_argument("--only-lab", action="store_true", help="only the training lab's frames, long tasks and memory")
    ap.add_argument("--compare", metavar="REV", help="also load this git revision of the page, served, cold")
    ap.add_argument("--lab-runs", type=int, default=100, help="full lab courses for the memory figure")
    ap.add_argument("--runs", type=int, default=RUNS, help="cold loads per mode")
    ap.add_argument("--only-lighthouse", action="store_true", help="only the Lighthouse audits")
    ap.add_argument("--only-boot", action="store_true", help="only the cold loads in each mode (and --compare)")
    ap.add_argument("--only-panels", action="store_true",
                    help="only the panels on demand, the depth panel and your own loss")
    ap.add_argument("--only-deep", action="store_true", help="only the depth panel's frames and memory")
    ap.add_argument("--only-softmax", action="store_true",
                    help="only the three-class panel's round trip, paint, frames and memory")
    ap.add_argument("--softmax-runs", type=int, default=100, help="full three-class courses for its memory figure")
    ap.add_argument("--only-derive", action="store_true",
                    help="only the derivation's worker: hostile losses' times, its memory, a fresh worker")
    ap.add_argument("--only-worker", action="store_true",
                    help="only the main thread's share while Python starts and works (and --compare)")
    ap.add_argument("--deep-runs", type=int, default=20, help="full depth-panel courses for its memory figure")
    ap.add_argument("--lighthouse-runs", type=int, default=3, help="Lighthouse audits per page and form factor")
    ap.add_argument("--only-slow-link", action="store_true",
                    help="only a first visit over a slow link: text, figures, ready (and --compare)")
    args = ap.parse_args()
    import dev
    from playwright.sync_api import sync_playwright

    vendor.ensure(quiet=True)
    if args.only_long:
        return kiosk.long_runs(args)
    if args.only_lab:
        return lab_only(args)
    if args.only_panels:
        return panels_only(args)
    if args.only_deep:
        return deep_only(args)
    if args.only_softmax:
        return softmax_only(args)
    if args.only_boot:
        return boot_only(args)
    if args.only_worker:
        return worker_only(args)
    if args.only_derive:
        return derive_only(args)
    if args.only_slow_link:
        with sync_playwright() as pw:
            return network.slow_link(pw, args.runs, compare.revision_site(args.compare) if args.compare else None)
    if args.only_lighthouse:
        return lighthouse.report(args.lighthouse_runs, compare.revision_site(args.compare) if args.compare else None)
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
        other = compare.revision_site(args.compare) if args.compare else None
        for _ in range(args.runs):  # interleaved, so drift on the machine hits all alike
            rows.setdefault("bare", []).append(cold_load(browser, url + "benchmarks/bare.html", "bare:ready"))
            rows.setdefault("served", []).append(cold_load(browser, url, "explorer:ready"))
            rows.setdefault("served, no snapshot", []).append(cold_load(browser, url + "?snapshot=0", "explorer:ready"))
            if other:
                rows.setdefault(f"served {other[0]}", []).append(cold_load(browser, url + other[1], "explorer:ready"))
            rows.setdefault("file", []).append(cold_load(browser, (ROOT / "index.html").as_uri(), "explorer:ready"))
            rows.setdefault("single", []).append(cold_load(browser, single.as_uri(), "explorer:ready"))
            rows.setdefault("baseline", []).append(
                cold_load(browser, url + "benchmarks/baseline.html", "baseline:ready"))
        bare = median(rows["bare"], "ready")
        print(f"| mode (median of {args.runs} cold contexts) | boot | first paint | / bare boot | ready | / bare boot | bytes |")
        print("|---|---|---:|---:|---:|---:|---:|")
        print(f"| bare Pyodide boot (loadPyodide + 1+1) | – | – | – | {ms(bare)} | 1.00 | "
              f"{median(rows['bare'], 'bytes'):,} |")
        modes = [("served", "bytes"), ("served, no snapshot", "bytes"), ("file", "file_bytes"), ("single", "file_bytes")]
        if other:
            modes.insert(1, (f"served {other[0]}", "bytes"))
        for mode, key in modes:
            r = rows[mode]
            boots = "/".join(sorted({x["boot"] for x in r}))
            print(f"| {mode} | {boots} | {ms(median(r, 'paint'))} | {median(r, 'paint') / bare:.2f} | "
                  f"{ms(median(r, 'ready'))} | {median(r, 'ready') / bare:.2f} | {median(r, key):,.0f} |")
        r = rows["baseline"]
        print(f"| baseline: Bokeh's Python in the browser, served | – | – | – | {ms(median(r, 'ready'))} | "
              f"{median(r, 'ready') / bare:.2f} | {median(r, 'bytes'):,.0f} |")
        print(f"bare boot in the {args.runs} runs: " + ", ".join(ms(x['ready']) for x in rows["bare"]))
        print(f"\nbytes served / bare Pyodide core: {median(rows['served'], 'bytes') / median(rows['bare'], 'bytes'):.3f}"
              f" (baseline page: {median(rows['baseline'], 'bytes') / median(rows['bare'], 'bytes'):.2f}; "
              f"its extra Python packages: dist/bench/{site_zip.name}, {site_zip.stat().st_size:,} bytes)")
        print()
        print("served, bytes per file (last run):")
        for name, b in sorted(rows["served"][-1]["per_file"], key=lambda x: -x[1]):
            if b:
                print(f"  {b:>12,}  {name.replace(url, '/')}")
        print()

        ctx, page, _ = ready_page(browser, url)
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

        panels.report(browser, url, args.runs)
        network.report(pw, args.runs, bare)
        lab_bench.report(browser, url, args.lab_runs)
        deep_bench.report(browser, url, args.deep_runs)
        own_bench.report(browser, url, single)
        mem = memory_over_inputs(browser, url)
        b, a = mem["before"], mem["after"]
        print(f"memory over 10,000 inputs: JS heap {b['js'] / 1e6:.2f} → {a['js'] / 1e6:.2f} MB "
              f"({(a['js'] - b['js']) / 1e6:+.2f}), wasm {b['wasm'] / 1e6:.1f} → {a['wasm'] / 1e6:.1f} MB "
              f"({(a['wasm'] - b['wasm']) / 1e6:+.2f})")
        browser.close()
    httpd.shutdown()
    lighthouse.report(args.lighthouse_runs, compare.revision_site(args.compare) if args.compare else None)
    kiosk.long_runs(args)


if __name__ == "__main__":
    main()
