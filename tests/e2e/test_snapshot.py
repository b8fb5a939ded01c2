"""Booting from the Python memory snapshot: used where it fits, a normal boot
otherwise, and nothing about the page differs either way."""
from __future__ import annotations

import json
import struct

import pytest
import snapshot

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, HEAP_PROFILER_ON, serve_dir

from .conftest import PageWatch, wait_ready
from .helpers import lab_to_end, readouts, wait_z

SNAP = snapshot.REL.split("/")[-1]
RANDOM = "explorerBoot.python('import random, numpy; (random.random(), float(numpy.random.random()))')"


def drive(page) -> None:
    """The reference row, a race and the lab through the real controls."""
    page.fill("#zNum", "-5")
    page.press("#zNum", "Enter")
    wait_z(page, -5.0)
    r = readouts(page)
    assert (r["gmse"]["text"], r["ce"]["text"], r["ratio"]["text"]) == ("0.01321", "5.007", "75.21")
    page.click("#race")
    page.wait_for_function("document.documentElement.dataset.race === 'done'", timeout=30_000)
    assert page.get_attribute("#raceMSE", "data-steps") == "119"
    assert lab_to_end(page) == (10, 266)


@pytest.mark.parametrize("query,boot", [("", "snapshot"), ("?snapshot=0", "normal")])
def test_both_boot_paths_give_the_same_page(page, base_url, query, boot):
    page.goto(base_url + query + "#z=-2&y=1&R=8")
    wait_ready(page)
    assert page.evaluate("document.documentElement.dataset.boot") == boot
    assert page.evaluate("explorerBoot.bootNote()") == ""
    drive(page)


def test_a_restore_is_seeded_afresh(make_context, base_url):
    """The image froze random's state; every visit must draw new numbers all the same."""
    seen = []
    for _ in range(2):
        ctx = make_context()
        page = ctx.new_page()
        page.goto(base_url)
        wait_ready(page)
        assert page.evaluate("document.documentElement.dataset.boot") == "snapshot"
        seen.append(tuple(page.evaluate(RANDOM)))
        ctx.close()
    assert seen[0][0] != seen[1][0] and seen[0][1] != seen[1][1]


def _with_meta(data: bytes, **changes) -> bytes:
    """The snapshot with fields of its header changed, its parts untouched."""
    n = struct.unpack("<I", data[8:12])[0]
    meta = json.loads(data[12:12 + n])
    for key, value in changes.items():
        target = meta
        *path, last = key.split("__")
        for p in path:
            target = target[p]
        target[last] = value
    head = json.dumps(meta, separators=(",", ":")).encode()
    head += b" " * (-(12 + len(head)) % 16)
    return data[:8] + struct.pack("<I", len(head)) + head + data[12 + n:]


def _damaged(kind: str) -> bytes:
    real = (snapshot.vendor.VENDOR / snapshot.REL).read_bytes()
    return {
        "garbage": b"not a snapshot at all" * 1000,
        "truncated": real[: len(real) // 2],
        "flipped": real[:-4096] + bytes(4096),  # the image's last page zeroed: gzip's check fails
        "other build": _with_meta(real, engine__heapStart=12345678),  # made by a runtime laid out otherwise
        "other app": _with_meta(real, app_digest="0" * 64),  # made from other Python sources
    }[kind]


@pytest.mark.parametrize("kind", ["garbage", "truncated", "flipped", "other build", "other app", "missing"])
def test_a_bad_snapshot_means_a_normal_boot(watch, base_url, kind):
    """Never an error on screen or console, and no time lost beyond the failed attempt."""
    page = watch.page
    if kind == "missing":  # its reader's own request fails
        page.route(f"**/{SNAP}?*", lambda route: route.fulfill(status=404, body=b"gone"))
    else:
        body = _damaged(kind)
        page.route(f"**/{SNAP}?*", lambda route: route.fulfill(status=200, body=body,
                                                            headers={"Content-Type": "application/octet-stream"}))
    page.goto(base_url)
    wait_ready(page)
    assert page.evaluate("document.documentElement.dataset.boot") == "normal"
    assert page.is_hidden("#bootError") and page.is_hidden("#notice")
    drive(page)


def test_the_snapshot_is_opened_by_a_reader_of_its_own_which_then_closes(page, base_url):
    """Inflated in Python's worker, the snapshot held that worker's boot up by ~0.2 s: a reader worker
    opens it while PyScript and Python's worker are starting, hands over what it made, and closes.
    So does the worker that fetched the runtime and compiled its wasm. Python's worker is the one left."""
    seen, closed = [], []
    page.on("worker", lambda w: (seen.append(w), w.on("close", lambda closing: closed.append(closing))))
    page.goto(base_url)
    wait_ready(page)
    assert page.evaluate("document.documentElement.dataset.boot") == "snapshot"
    marks = page.evaluate("() => Object.fromEntries(performance.getEntriesByType('mark')"
                          ".map((m) => [m.name, m.startTime]))")
    assert marks["explorer:snapshot-opened"] <= marks["explorer:worker-started"]
    assert len(seen) == 3, [w.url for w in seen]
    def runs_python(w) -> bool:
        try:
            return w.evaluate("typeof self.explorerWorker") == "object"
        except Exception:  # noqa: BLE001 (closed meanwhile: one of the others)
            return False
    python = [w for w in seen if w not in closed and runs_python(w)]
    assert len(python) == 1
    for w in seen:  # their closes may be reported a moment after the page is ready
        if w not in closed and w is not python[0]:
            with w.expect_event("close", timeout=10_000):
                pass
    assert page.workers == python
    drive(page)


def test_a_first_visit_from_another_host_boots_normally_and_fetches_it_for_the_next(browser):
    """From a server that is not this machine the snapshot is extra bytes on the
    first visit: that visit boots normally and fetches it when idle; the next
    visit (here a second tab) restores it from the Cache API."""
    import dev
    url, httpd = serve_dir(dev.ROOT)
    port = url.rsplit(":", 1)[1].strip("/")
    args = [a for a in CHROMIUM_ARGS if not a.startswith("--host-resolver-rules")] + [HEAP_PROFILER_ON]
    args.append("--host-resolver-rules=MAP explorer.test 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
    # A static host serves https (a secure context, where the Cache API exists): as if this were one.
    args.append(f"--unsafely-treat-insecure-origin-as-secure=http://explorer.test:{port}")
    try:
        # Its own browser (its own host rules), from the session's Playwright.
        remote = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
        try:
            ctx = remote.new_context()
            boots = []
            for visit in range(2):
                page = ctx.new_page()
                w = PageWatch(page)
                page.goto(f"http://explorer.test:{port}/")
                wait_ready(page)
                boots.append(page.evaluate("document.documentElement.dataset.boot"))
                if visit == 0:
                    size = (snapshot.vendor.VENDOR / snapshot.REL).stat().st_size
                    page.wait_for_function(  # stored whole (a page closed mid-write keeps nothing)
                        "([name, size]) => caches.open('explorer-snapshot').then(c => c.keys().then(k => k.length === 1 &&"
                        " k[0].url.includes(name + '?v=') && c.match(k[0]))).then(r => r && r.arrayBuffer())"
                        ".then(b => !!b && b.byteLength === size)", arg=[SNAP, size], timeout=30_000)
                assert not w.errors, w.errors
                # (left open: Chromium drops a cache write still settling when a tab closes at once)
        finally:
            remote.close()
    finally:
        httpd.shutdown()
    assert boots == ["normal", "snapshot"]
