"""The page served as from a real static host: another host name (not this
machine, so the snapshot policy for networks applies), https-like (a secure
context), gzip for what static hosts compress, and a throttled link.

Two figures come from here: `ready` on a second visit (the snapshot then
comes from the Cache API) and `ready` on a cold first visit over a slow link,
each next to the same page with the snapshot switched off, in the same run.
"""
from __future__ import annotations

import functools
import gzip
import http.server
import io
import statistics
import threading

from common import ROOT, mark, ms
from project import CHROMIUM, CHROMIUM_ARGS

HOST = "explorer.test"
COMPRESSED = (".js", ".mjs", ".wasm", ".json", ".html", ".css", ".svg", "/")
LINK = {"offline": False, "latency": 40, "downloadThroughput": 20e6 / 8, "uploadThroughput": 20e6 / 8}


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzipped where GitHub Pages and the like would gzip them."""
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
                      ".whl": "application/zip"}
    _cache: dict = {}
    _lock = threading.Lock()

    def log_message(self, *args):
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        if "gzip" not in self.headers.get("Accept-Encoding", "") or not self.path.split("?")[0].endswith(COMPRESSED):
            return super().send_head()
        if path.endswith("/"):
            path += "index.html"
        try:
            with self._lock:
                if path not in self._cache:
                    with open(path, "rb") as f:
                        self._cache[path] = gzip.compress(f.read(), 6)
                body = self._cache[path]
        except OSError:
            return super().send_head()
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        return io.BytesIO(body)


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A tab closed mid-download resets its connections: expected, not news.
        import sys
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve():
    httpd = QuietServer(("127.0.0.1", 0), functools.partial(GzipHandler, directory=str(ROOT)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://{HOST}:{httpd.server_address[1]}/"


def browser(pw, port: int):
    args = [a for a in CHROMIUM_ARGS if not a.startswith("--host-resolver-rules")]
    args += [f"--host-resolver-rules=MAP {HOST} 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
             f"--unsafely-treat-insecure-origin-as-secure=http://{HOST}:{port}"]
    return pw.chromium.launch(executable_path=CHROMIUM, args=args)


def _load(page, url: str, ready_mark: str) -> dict:
    page.goto(url)
    page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=180_000)
    return {"ready": mark(page, ready_mark), "paint": mark(page, "explorer:first-paint"),
            "boot": page.evaluate("document.documentElement.dataset.boot || '-'"),
            "bytes": page.evaluate("performance.getEntriesByType('resource').concat("
                                   "performance.getEntriesByType('navigation')).reduce((s, e) => s + e.transferSize, 0)")}


def second_visit(b, url: str, ready_mark: str, snapshot: bool) -> dict:
    """Visit, let the page settle (and store the snapshot), visit again in a new tab."""
    ctx = b.new_context()
    first = ctx.new_page()
    _load(first, url, ready_mark)
    if snapshot:
        first.wait_for_function("caches.open('explorer-snapshot').then(async c => { const k = await c.keys();"
                                " if (k.length !== 1) return false; const r = await c.match(k[0]);"
                                " return (await r.arrayBuffer()).byteLength > 1e6; })", timeout=60_000)
    out = _load(ctx.new_page(), url, ready_mark)
    ctx.close()
    return out


def throttled(b, url: str, ready_mark: str) -> dict:
    ctx = b.new_context()
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", LINK)
    out = _load(page, url, ready_mark)
    ctx.close()
    return out


def report(pw, runs: int, bare_cold: float) -> None:
    httpd, url = serve()
    port = httpd.server_address[1]
    b = browser(pw, port)
    try:
        rows: dict = {}
        for _ in range(runs):
            rows.setdefault("warm bare", []).append(second_visit(b, url + "benchmarks/bare.html", "bare:ready", False))
            rows.setdefault("warm", []).append(second_visit(b, url, "explorer:ready", True))
            rows.setdefault("warm, no snapshot", []).append(second_visit(b, url + "?snapshot=0", "explorer:ready", False))
        for _ in range(runs):
            rows.setdefault("throttled bare", []).append(throttled(b, url + "benchmarks/bare.html", "bare:ready"))
            rows.setdefault("throttled", []).append(throttled(b, url, "explorer:ready"))
            rows.setdefault("throttled, no snapshot", []).append(throttled(b, url + "?snapshot=0", "explorer:ready"))
            rows.setdefault("throttled, snapshot forced", []).append(throttled(b, url + "?snapshot=1", "explorer:ready"))
    finally:
        b.close()
        httpd.shutdown()
    med = {k: statistics.median(x["ready"] for x in v) for k, v in rows.items()}
    print(f"\nserved as from a static host ({HOST}, gzip, a secure context), median of {runs}:")
    print("| visit | boot | ready | / cold bare boot | / same visit, bare | bytes over the wire |")
    print("|---|---|---:|---:|---:|---:|")
    for name, ref in (("warm bare", "warm bare"), ("warm", "warm bare"), ("warm, no snapshot", "warm bare"),
                      ("throttled bare", "throttled bare"), ("throttled", "throttled bare"),
                      ("throttled, no snapshot", "throttled bare"), ("throttled, snapshot forced", "throttled bare")):
        r = rows[name]
        boots = "/".join(sorted({x["boot"] for x in r}))
        print(f"| {name} | {boots} | {ms(med[name])} | {med[name] / bare_cold:.2f} | {med[name] / med[ref]:.2f} | "
              f"{statistics.median(x['bytes'] for x in r):,.0f} |")
    print(f"(throttled: {LINK['downloadThroughput'] * 8 / 1e6:.0f} Mbit/s, {LINK['latency']} ms latency; "
          "'warm' is a second visit in a new tab of the same browser profile)")
    print(f"throttled, snapshot policy vs no snapshot: {med['throttled'] / med['throttled, no snapshot']:.2f}×")


# Lighthouse's "slow 4G": what a first visit on a phone in a busy classroom gets.
SLOW_LINK = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 0.75e6 / 8}
SLOW_MARKS = """() => ({text: performance.getEntriesByName('first-contentful-paint')[0].startTime,
    figures: performance.getEntriesByName('explorer:first-paint')[0]?.startTime ?? null,  // null: painted when near
    ready: performance.getEntriesByName('explorer:ready')[0].startTime})"""


def slow_link(pw, runs: int, other: tuple[str, str] | None) -> None:
    """A first visit over a slow link at phone width: when the text, the figures and
    Python arrive (each load ~50 s: 9.4 MB over 1.6 Mbit/s), beside an earlier revision."""
    httpd, url = serve()
    b = browser(pw, httpd.server_address[1])
    pages = [("this page", url + "?panel_idle=never")]
    if other:
        pages.append((f"revision {other[0]}", url + other[1] + "?panel_idle=never"))
    rows: dict = {}
    try:
        for _ in range(runs):
            for name, u in pages:
                ctx = b.new_context(viewport={"width": 412, "height": 823})
                page = ctx.new_page()
                cdp = ctx.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
                page.goto(u)
                page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=300_000,
                                       polling=200)
                rows.setdefault(name, []).append(page.evaluate(SLOW_MARKS))
                ctx.close()
    finally:
        b.close()
        httpd.shutdown()
    print(f"\nfirst visit over a slow link ({SLOW_LINK['downloadThroughput'] * 8 / 1e6:.1f} Mbit/s, "
          f"{SLOW_LINK['latency']} ms latency; {HOST}, gzip; 412 px), median of {runs}:")
    print("| page | text painted | figures painted | ready |\n|---|---:|---:|---:|")
    for name, r in rows.items():
        med = {k: statistics.median(x[k] for x in r) if all(x[k] is not None for x in r) else None for k in r[0]}
        figures = ms(med["figures"]) if med["figures"] is not None else "when scrolled near"
        print(f"| {name} | {ms(med['text'])} | {figures} | {ms(med['ready'])} |")

