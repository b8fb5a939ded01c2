"""The depth panel's budgets (issue 19): the app's frame while a course plays,
long tasks, memory over 20 full courses. Same measures as the lab's."""
from __future__ import annotations

from urllib.parse import quote

from common import ready_page
from lab import frames, skip_memory

CASES = (("sigmoid, 3 layers", ""), ("ReLU, 3 layers", "#da=2"), ("sigmoid, 6 layers", "#dl=6&da=0"),
         ("sigmoid, 6 layers, skips and batch norm", "#dl=6&da=sigmoid&dsk=1&dbn=1"),
         ("leaky ReLU, 6 layers, batch norm, Glorot start", "#dl=6&da=leaky&dsk=0&dbn=1&di=glorot"),
         ("sigmoid, 3 layers, with your loss: three runners, three maps",
          "#dl=3&da=0&dsk=0&dbn=0&di=fan-in&loss=" + quote("-(0.25*y*(1-p)**2*log(p) + 0.75*(1-y)*p**2*log(1-p))")))


MEMORY_HASH = "#dl=6&da=sigmoid&dsk=1&dbn=1"


def report(browser, url, runs=20) -> None:
    ctx, page, _ = ready_page(browser, url, "deep")
    # every panel in place first: one that loads while idle would land in a course's frames
    page.evaluate("Promise.all(explorerPanels.names().map(n => explorerPanels.want(n))).then(() => true)")
    page.evaluate("""() => new Promise(done => {
        document.getElementById('deep').scrollIntoView();
        requestAnimationFrame(() => requestAnimationFrame(done));
    })""")
    for label, hash_ in CASES:
        if hash_:
            page.evaluate("h => { location.hash = h; }", hash_)
            page.wait_for_function("document.documentElement.dataset.deep === 'idle'")
            if "loss=" in hash_:  # SymPy's first use (its import is one long task) is measured on its own
                page.wait_for_function("document.getElementById('ownDeriv').dataset.state === 'ready'",
                                       timeout=120_000)
        f = frames(page, "deep")
        print(f"depth panel, one course animated ({label}): {f['seconds']:.1f} s, {f['frames']} frames; the app's "
              f"frame (training + figures' data) p50 {f['app_p50']:.2f} ms, p95 {f['app_p95']:.2f} ms, max "
              f"{f['app_max']:.1f} ms; all rAF callbacks p95 {f['all_p95']:.1f} ms; long tasks > 50 ms: "
              f"{f['long']} (worst {f['worst']:.0f} ms)")
    ctx.close()
    # memory with the remedies on (issue 26): the heaviest course, 6 layers with skips and batch norm
    m = skip_memory(browser, url + MEMORY_HASH, runs, "deep", checkpoints=4)
    b, a = m["before"], m["after"]
    print(f"memory over {m['runs']} full depth-panel courses ({MEMORY_HASH}): JS heap {b['js'] / 1e6:.2f} → {a['js'] / 1e6:.2f} MB "
          f"({(a['js'] - b['js']) / 1e6:+.2f}), wasm {b['wasm'] / 1e6:.1f} → {a['wasm'] / 1e6:.1f} MB "
          f"({(a['wasm'] - b['wasm']) / 1e6:+.2f}); JS heap along the way: "
          + ", ".join(f"{n}: {js / 1e6:.2f}" for n, js in m["along"]))
