"""The long kiosk runs of the benchmark: attract mode alone, and attract mode
with random visitors. Run by benchmarks/run.py with --attract / --endurance."""
from __future__ import annotations

import time

from common import ROOT, memory, python_heap
from project import CHROMIUM, CHROMIUM_ARGS, serve_dir


def _sample(page, cdp, t0: float) -> dict:
    m = memory(page, cdp)
    m["nodes"] = cdp.send("Memory.getDOMCounters")["nodes"]
    m.update(python_heap(page))
    m["min"] = (time.monotonic() - t0) / 60
    return m


def attract(browser, url, minutes: float, every_min: float = 5.0) -> dict:
    """The kiosk left alone: its demo plays every panel in turn. Memory (JS heap,
    wasm, DOM nodes) sampled along the way; the Python instances counted at the end."""
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url + "?kiosk=1&idle=1")
    page.wait_for_function("document.documentElement.dataset.demo === 'running'", timeout=120_000)
    t0 = time.monotonic()
    samples = [_sample(page, cdp, t0)]
    end = t0 + minutes * 60
    while time.monotonic() < end:
        page.wait_for_timeout(min(every_min * 60, end - time.monotonic()) * 1000)
        samples.append(_sample(page, cdp, t0))
    running = page.evaluate("document.documentElement.dataset.demo")
    panels = page.evaluate("['lab', 'deep', 'softmax'].filter(p => document.documentElement.dataset[p + 'Panel'] === 'ready')")
    derivers = page.evaluate("explorerDeriver.counts().started")
    workers = len(page.workers)
    ctx.close()
    return {"samples": samples, "errors": errors, "still_running": running == "running", "panels": panels,
            "workers": workers, "derivers": derivers}


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


def long_runs(args) -> None:
    if not (args.attract or args.endurance):
        return
    from playwright.sync_api import sync_playwright
    url, httpd = serve_dir(ROOT)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        if args.attract:
            m = attract(browser, url, args.attract)
            print(f"attract mode for {args.attract:g} min (1920 px), every panel in the demo:")
            print("| minute | JS heap | wasm | Python's heap: top / in use / free | DOM nodes |\n"
                  "|---:|---:|---:|---:|---:|")
            for r in m["samples"]:
                print(f"| {r['min']:.1f} | {r['js'] / 1e6:.2f} MB | {r['wasm'] / 1e6:.1f} MB | {r['top'] / 1e6:.2f} / "
                      f"{r['used'] / 1e6:.2f} / {r['free'] / 1e6:.2f} MB | {r['nodes']:,} |")
            print(f"panels painted: {', '.join(m['panels']) or 'none'}; workers: {m['workers']} (derivation workers "
                  f"started: {m['derivers']}); errors: {len(m['errors'])} {m['errors'][:3]}; "
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


