"""What every benchmark module shares: paths, cold loads, medians, memory."""
from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tools"), str(ROOT / "py"), str(ROOT / "benchmarks")]

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
    out = {"ready": mark(page, ready_mark), "paint": mark(page, "explorer:first-paint"),
           "boot": page.evaluate("document.documentElement.dataset.boot || '-'")}
    res = page.evaluate("""() => performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))
        .map(e => [e.name, e.encodedBodySize || e.transferSize || 0])""")
    out["bytes"] = sum(b for _, b in res)
    out["per_file"] = res
    local = {unquote(urlparse(u).path) for u in files if u.startswith("file:")}
    out["file_bytes"] = sum(os.path.getsize(p) for p in local if os.path.isfile(p))
    ctx.close()
    return out


def ready_page(browser, url: str, panel: str = "lab"):
    """A fresh tab on `url`, waited until ready and `panel` has joined (its
    controls are disabled until then); returns (context, page, DevTools session)."""
    ctx = browser.new_context()
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    page.goto(url)
    page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=120_000)
    page.evaluate("name => explorerPanels.want(name).then(() => true)", panel)  # panels load on demand
    page.wait_for_function(f"document.documentElement.dataset.{panel}Panel === 'ready'", timeout=60_000)
    return ctx, page, cdp


def percentile(values, q: float) -> float:
    """The q-quantile as the benchmarks report it: the value at rank ⌊q·n⌋ of the sorted values."""
    v = sorted(values)
    return v[max(0, int(q * len(v)) - 1)] if v else float("nan")


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def memory(page, cdp) -> dict:
    cdp.send("HeapProfiler.collectGarbage")
    js = cdp.send("Runtime.getHeapUsage")["usedSize"]
    return {"js": js, "wasm": page.evaluate("explorerBoot.wasmBytes()")}


# Inside the wasm memory, Python's heap (Emscripten's dlmalloc): the break (the heap's top, which
# the memory grows to hold, by a fifth at a time, and never gives back), the bytes in use and free.
_HEAP = """
import pyodide_js
m = pyodide_js._module
p = m._calloc(1, 64)
m._mallinfo(p)
v = [m.HEAPU32[p // 4 + i] for i in range(10)]
m._free(p)
(m._sbrk(0), v[7], v[8])
"""


def python_heap(page) -> dict:
    top, used, free = page.evaluate("code => explorerBridge.python(code)", _HEAP)
    return {"top": top, "used": used, "free": free}


