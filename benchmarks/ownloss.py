"""Your own loss (issue 20's budgets): typing a new expression to readouts and
curves updated (p95 ≤ 16 ms); SymPy's first use, in each mode, to the typeset
derivative; later derivations."""
from __future__ import annotations

import statistics

from common import ROOT, percentile

# Each input event is handled synchronously by Python (a PyProxy listener):
# the time around dispatchEvent covers the parse, the evaluation, the readouts
# and the curves' and point's sources.
_TYPE = """texts => {
    const f = document.getElementById('lossExpr');
    const ts = [];
    let stale = 0;
    for (const t of texts) {
        f.value = t;
        const t0 = performance.now();
        f.dispatchEvent(new Event('input', {bubbles: true}));
        ts.push(performance.now() - t0);
        if (document.getElementById('own').dataset.value === '') stale++;
    }
    return {ts, stale};
}"""
TEXTS = ["(p - y)**2", "-(y*log(p) + (1-y)*log(1-p))", "softplus(z) - y*z", "max(0, 1 - (2*y - 1)*z)",
         "exp(-(2*y - 1)*z)", "-(0.25*y*(1-p)**2*log(p) + 0.75*(1-y)*p**2*log(1-p))", "sqrt(1 + (p - y)**2) - 1",
         "abs(p - y)**1.5", "log1p(exp(-(2*y-1)*z))", "tanh(abs(p - y))"]
DERIVED = "document.getElementById('ownDeriv').dataset.state === 'ready'"


def typing(page) -> dict:
    page.evaluate(_TYPE, TEXTS * 3)  # warm-up
    r = page.evaluate(_TYPE, TEXTS * 10)
    return {"n": len(r["ts"]), "p50": statistics.median(r["ts"]), "p95": percentile(r["ts"], 0.95), "max": max(r["ts"]),
            "stale": r["stale"]}


def first_derivation(browser, url: str) -> dict:
    """A cold page: pick a preset, time to the typeset derivative; then later derivations."""
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(url)
        page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=120_000)
        page.wait_for_timeout(1000)  # settled
        t0 = page.evaluate("performance.now()")
        page.select_option("#lossPreset", "cross-entropy")
        page.wait_for_function(DERIVED, timeout=120_000)
        first = page.evaluate("performance.now()") - t0
        later = []
        for text in TEXTS[2:]:
            # the next write to ownDeriv, whatever it says (two losses may share a derivative)
            page.evaluate("""() => { const box = document.getElementById('ownDeriv');
                window.__next = new Promise(r => new MutationObserver((m, o) => { o.disconnect(); r(); })
                    .observe(box, {childList: true, subtree: true, attributes: true})); }""")
            t0 = page.evaluate("performance.now()")
            page.fill("#lossExpr", text)
            page.evaluate("() => window.__next")
            page.wait_for_function(DERIVED, timeout=60_000)
            later.append(page.evaluate("performance.now()") - t0)
        return {"first": first, "later_p50": statistics.median(later), "later_p95": percentile(later, 0.95)}
    finally:
        ctx.close()


def report(browser, url: str, single) -> None:
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(url + "?panel_idle=never")
    page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=120_000)
    t = typing(page)
    ctx.close()
    print(f"your own loss, typing → readouts and curves updated (n={t['n']}): p50 {t['p50']:.2f} ms, "
          f"p95 {t['p95']:.2f} ms, max {t['max']:.1f} ms (stale after the event: {t['stale']})")
    for mode, u in (("served", url + "?panel_idle=never"), ("file", (ROOT / "index.html").as_uri()),
                    ("single", single.as_uri())):
        d = first_derivation(browser, u)
        print(f"your own loss, {mode}: first derivation (SymPy loaded and imported) {d['first']:,.0f} ms; "
              f"later derivations (350 ms pause after typing included) p50 {d['later_p50']:,.0f} ms, "
              f"p95 {d['later_p95']:,.0f} ms")


# Issue 29: losses that froze the page before the bounds, and others of the grammar that make SymPy work hard.
HOSTILE = ["9**9**9", "2**2**2**2**2**2", "(z+1)**(10**10)", "(p+1)**(9**9)", "(z**2+1)**(64**64)",
           "exp(exp(exp(z)))**99999", "(p + 1)**999999", "(z + 1)**64 * (z - 1)**64",
           "tanh(tanh(tanh(tanh(tanh(z)))))**16", "log(1 + exp(-z))**3 / (1 + sigmoid(p))**7"]
_NEXT_WRITE = """() => { const box = document.getElementById('ownDeriv');
    window.__next = new Promise(r => new MutationObserver((m, o) => {
        if (box.dataset.state !== 'pending') { o.disconnect(); r(); } })
        .observe(box, {attributes: true, attributeFilter: ['data-state']})); }"""


def _derive(page, text: str) -> tuple[float, str]:
    """Typed, to the derivation shown or refused (350 ms pause after typing included): ms, state."""
    page.evaluate(_NEXT_WRITE)
    t0 = page.evaluate("performance.now()")
    page.fill("#lossExpr", text)
    page.evaluate("() => window.__next")
    return page.evaluate("performance.now()") - t0, page.get_attribute("#ownDeriv", "data-state")


def derivation_worker(browser, url: str) -> None:
    """The derivation's worker: each hostile loss's time, its memory, and a fresh worker after one is ended."""
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(url + "?panel_idle=never")
        page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=120_000)
        main0 = page.evaluate("explorerBoot.wasmBytes()")
        t0 = page.evaluate("performance.now()")
        page.fill("#lossExpr", "z")
        page.wait_for_function(DERIVED, timeout=120_000)  # past "loading": SymPy's worker started, SymPy imported
        first = page.evaluate("performance.now()") - t0
        print(f"derivation's worker: started and first derivation {first:,.0f} ms; wasm memory: its own "
              f"{page.evaluate('explorerDeriver.wasmBytes()') / 2**20:.1f} MB, Python's main worker "
              f"{main0 / 2**20:.1f} → {page.evaluate('explorerBoot.wasmBytes()') / 2**20:.1f} MB")
        print("| loss | derived or refused in | shows |\n|---|---:|---|")
        for text in HOSTILE:
            ms, state = _derive(page, text)
            print(f"| `{text}` | {ms:,.0f} ms | {state} |")
        counts = page.evaluate("explorerDeriver.counts()")
        print(f"worker started {counts['started']}, ended by the page {counts['ended']} time(s)")
        page.evaluate("explorerDeriver.budget(1)")
        ms, state = _derive(page, "z**5")
        page.evaluate("explorerDeriver.budget()")
        fresh, state2 = _derive(page, "z**6")
        print(f"with a 1 ms budget: {state} after {ms:,.0f} ms (worker ended); the next loss on a fresh "
              f"worker: {state2} after {fresh:,.0f} ms")
    finally:
        ctx.close()
