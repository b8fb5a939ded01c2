"""Your own loss (issue 20's budgets): typing a new expression to readouts and
curves updated (p95 ≤ 16 ms); SymPy's first use, in each mode, to the typeset
derivative; later derivations."""
from __future__ import annotations

import statistics

from common import ROOT

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


def _pct(v, q):
    v = sorted(v)
    return v[max(0, int(q * len(v)) - 1)]


def typing(page) -> dict:
    page.evaluate(_TYPE, TEXTS * 3)  # warm-up
    r = page.evaluate(_TYPE, TEXTS * 10)
    return {"n": len(r["ts"]), "p50": statistics.median(r["ts"]), "p95": _pct(r["ts"], 0.95), "max": max(r["ts"]),
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
        return {"first": first, "later_p50": statistics.median(later), "later_p95": _pct(later, 0.95)}
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
