"""Make the Python memory snapshot the page restores instead of booting
(assets/vendor/snapshot/), in headless Chromium, from exactly the vendored
runtime, the numpy wheel and the app's modules.

    python3 tools/snapshot.py      # make it if missing or stale (run by `tools/dev.py setup`)

The snapshot is keyed by everything it is made from; `ensure()` makes a new
one whenever the key changes, and removes a stale one it cannot replace (no
Chromium here): a page without a snapshot boots normally, a page with a
stale one never exists. The format is described in assets/app/snapshot.js,
which also makes it: in a worker, as the page restores it.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import struct
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vendor  # noqa: E402
from project import CHROMIUM, CHROMIUM_ARGS, ROOT, app_sources, serve_dir  # noqa: E402

DIR = vendor.VENDOR / "snapshot"
# One image for every engine: the image freezes whether wasm can suspend
# (JSPI), and the page hides JSPI from Pyodide everywhere (assets/app/snapshot.js says why).
REL = "snapshot/explorer.snap"
KEY = DIR / "key.txt"
MANIFEST = DIR / "manifest.js"
MAGIC = b"EXSNAP2\n"
SITE = "/lib/python3.12/site-packages/"
HOME = "/home/pyodide/"
# What the image holds imported: numpy, every module the browser runs (the
# panels on demand too, imported when they join), and
# the standard library modules PyScript imports when it starts (measured: the
# modules in sys.modules when py/main.py begins, on a normal boot). None of
# them keeps state from the page at import time.
IMPORTS = """
import numpy, numpy.linalg
import explorer.maths, explorer.lab, explorer.state, explorer.fmt, explorer.race, explorer.deep, explorer.panels
import explorer.browser.app, explorer.browser.worker, explorer.browser.lab, explorer.browser.deep, explorer.browser.softmax
import asyncio, ast, base64, bz2, concurrent.futures, copy, dis, html, html.entities, importlib.resources
import importlib.util, inspect, ipaddress, json, locale, logging, pathlib, random, selectors, shutil, socket
import subprocess, tempfile, textwrap, tokenize, traceback, typing, urllib.parse, zipfile
"""
PLACEHOLDER = vendor.SNAPSHOT_PLACEHOLDER[1]
# The scripts every worker of the page installs, in order (runtime.js: workerSource).
WORKER_SCRIPTS = ("snapshot.js", "pyfiles.js", "pyworker.js")
# In a classic worker made from their source, as the page makes Python's worker from
# disk; the image comes back gzipped, as base64.
MAKE = """async ([parts, indexURL, imports]) => {
  const source = `(${explorerSnapshotInstall})(self);
(${explorerPyFilesInstall})(self);
(${explorerPyWorkerInstall})(self);
onmessage = async (e) => {
  try {
    const made = await self.explorerWorker.make(...e.data);
    postMessage({ made }, [made.image.buffer]);
  } catch (err) { postMessage({ error: String(err && err.stack || err) }); }
};`;
  const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
  const reply = await new Promise((resolve) => { worker.onmessage = (e) => resolve(e.data); worker.postMessage([parts, indexURL, imports]); });
  worker.terminate();
  if (reply.error) throw new Error(reply.error);
  const url = await new Promise((resolve) => { const r = new FileReader(); r.onload = () => resolve(r.result); r.readAsDataURL(new Blob([reply.made.image])); });
  return { ...reply.made, image: url.slice(url.indexOf(",") + 1) };
}"""


def app_digest(sources: dict[str, str] | None = None) -> str:
    """What baked.js carries too: a page runs a snapshot only of the code it would run itself."""
    sources = app_sources() if sources is None else sources
    return hashlib.sha256(json.dumps(sources, sort_keys=True).encode()).hexdigest()


def _numpy_wheel() -> Path:
    lock = json.loads((vendor.VENDOR / vendor.GENERATED_LOCK).read_text())
    return vendor.VENDOR / "pyodide" / lock["packages"]["numpy"]["file_name"]


def inputs_key() -> str:
    """Everything the snapshot is made from; any change makes a new one."""
    h = hashlib.sha256()
    for rel in ("pyodide/pyodide.asm.wasm", "pyodide/pyodide.asm.js", "pyodide/python_stdlib.zip",
                "pyodide/pyodide.mjs", "pyodide/pyodide.js", vendor.GENERATED_LOCK):
        h.update(f"{rel}={vendor.sha256_file(vendor.VENDOR / rel)}\n".encode())
    h.update(f"numpy={vendor.sha256_file(_numpy_wheel())}\n".encode())
    for part in (app_digest(), *((ROOT / "assets/app" / js).read_text() for js in WORKER_SCRIPTS),
                 Path(__file__).read_text()):
        h.update(hashlib.sha256(part.encode()).hexdigest().encode())
    return h.hexdigest()


def files() -> list[tuple[str, bytes]]:
    """numpy's files (without its dist-info: Pyodide would count it as a loaded
    package and refuse to snapshot) and the app's, at their runtime paths;
    extension modules sorted, so they are instantiated in one fixed order."""
    out = []
    with zipfile.ZipFile(_numpy_wheel()) as z:
        for name in sorted(z.namelist()):
            if ".dist-info/" not in name and not name.endswith("/"):
                out.append((SITE + name, z.read(name)))
    for rel, text in sorted(app_sources().items()):
        if rel.startswith("py/explorer/"):
            out.append((HOME + rel.removeprefix("py/"), text.encode()))
    return sorted(out, key=lambda f: (not f[0].endswith(".so"), f[0]))


def zero_free_runs(image: bytes, page: int = 4096) -> list[list[int]]:
    """[offset, length] of the image's stretches that are not all zero, page by page."""
    runs, zero = [], bytes(page)
    for at in range(0, len(image), page):
        if image[at:at + page] != zero[:len(image[at:at + page])]:
            length = min(page, len(image) - at)
            if runs and runs[-1][0] + runs[-1][1] == at:
                runs[-1][1] += length
            else:
                runs.append([at, length])
    return runs


def container(paths: list[str], blobs: list[bytes], memory: bytes | None = None, **meta) -> bytes:
    """The snapshot's layout (see assets/app/snapshot.js): a header, then the
    files and the memory image, each gzipped on its own (so the page inflates
    both at once), the image without its all-zero pages."""
    offset, entries = 0, []
    for path, b in zip(paths, blobs):
        entries.append([path, offset, len(b)])
        offset += len(b)
    parts = [gzip.compress(b"".join(blobs), 6)]
    if memory is not None:
        runs = zero_free_runs(memory)
        parts.append(gzip.compress(b"".join(memory[o:o + n] for o, n in runs), 6))
        meta["memory"] = {"size": len(memory), "runs": runs}
    starts = [0, len(parts[0])]
    meta = {**meta, "files": entries,
            "parts": {"files": [0, len(parts[0])], "memory": [starts[1], len(parts[1])] if memory is not None else None}}
    head = json.dumps(meta, separators=(",", ":")).encode()
    head += b" " * (-(len(MAGIC) + 4 + len(head)) % 16)
    return MAGIC + struct.pack("<I", len(head)) + head + b"".join(parts)


def make() -> tuple[int, int]:
    """Run the maker in headless Chromium; write the snapshot, its pack and the manifest. Returns (bytes, image bytes)."""
    from playwright.sync_api import sync_playwright
    key = inputs_key()
    fs = files()
    paths, blobs = [p for p, _ in fs], [b for _, b in fs]
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        (site / "assets").symlink_to(ROOT / "assets")
        (site / "parts.snap").write_bytes(container(paths, blobs))
        (site / "maker.html").write_text(
            '<!doctype html><meta charset="utf-8"><title>snapshot maker</title><link rel="icon" href="data:,">'
            + "".join(f'<script src="assets/app/{js}"></script>' for js in WORKER_SCRIPTS))
        url, httpd = serve_dir(site)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.goto(url + "maker.html")
                made = page.evaluate(MAKE, [url + "parts.snap", url + "assets/vendor/pyodide/", IMPORTS])
                browser.close()
        finally:
            httpd.shutdown()
    digest = app_digest()
    DIR.mkdir(parents=True, exist_ok=True)
    image = gzip.decompress(base64.b64decode(made["image"]))
    data = container(paths, blobs, image, key=key, app_digest=digest, pyodide="0.27.7",
                     engine=made["engine"], handles=made["handles"])
    (vendor.VENDOR / REL).write_bytes(data)
    (vendor.VENDOR / vendor.pack_name(REL)).write_text(vendor.pack_script(REL, data, False))
    MANIFEST.write_text("self.EXPLORER_SNAPSHOT = " + json.dumps(
        {"app_digest": digest, "file": REL, "bytes": len(data), "engine": made["engine"]}, sort_keys=True) + ";\n")
    KEY.write_text(key + "\n")
    return len(data), len(image)


def remove() -> None:
    # Every image and its pack, including those of older layouts (one per JSPI answer).
    for old in [*DIR.glob("*.snap"), *(vendor.VENDOR / "packs").glob("snapshot__*.snap.js")]:
        old.unlink()
    KEY.unlink(missing_ok=True)
    if DIR.is_dir():
        MANIFEST.write_text(PLACEHOLDER)


def fresh() -> bool:
    return (KEY.is_file() and KEY.read_text().strip() == inputs_key()
            and (vendor.VENDOR / REL).is_file())


def can_make() -> bool:
    import importlib.util
    return importlib.util.find_spec("playwright") is not None and os.path.exists(CHROMIUM)


def ensure(quiet: bool = False) -> None:
    if fresh():
        return
    if not can_make():
        remove()
        if not quiet:
            print("snapshot: none (making one needs Chromium and Playwright: `python3 tools/dev.py deps`); "
                  "the page boots normally", flush=True)
        return
    if not quiet:
        print("snapshot: making the Python memory snapshot in headless Chromium ...", flush=True)
    remove()
    size, image = make()
    if not quiet:
        print(f"snapshot: assets/vendor/{REL} ({size / 1e6:.1f} MB; memory image {image / 1e6:.1f} MB)", flush=True)


if __name__ == "__main__":
    ensure()
