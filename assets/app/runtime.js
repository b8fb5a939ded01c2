// Page layer, before Python: where this copy of the page gets the runtime's
// files, and how. Classic script: it must run on file://.
//
// One boot path (boot.js), four sources for the same files:
//   vendored  served over http(s) with assets/vendor/ present (manifest.js loads)
//   cdn       served, assets/vendor/ absent (a fork): the same versions from pinned CDN URLs
//   file      index.html opened from disk: assets/vendor/packs/*.js carry the files
//             that a file:// page may not fetch, as base64 in classic scripts
//   single    dist/index.html or dist/lite.html: the packs are inline
// Served, Python's worker fetches the files itself; from disk and in the
// single file the page hands it the packs, undecoded (the worker decodes).
"use strict";
(function () {
  const VERSIONS = { pyodide: "0.27.7", pyscript: "0.6.66", bokeh: "3.9.2" };
  const CDN = {
    bokeh: `https://cdn.bokeh.org/bokeh/release/bokeh-${VERSIONS.bokeh}.min.js`,
    pyscript: `https://cdn.jsdelivr.net/npm/@pyscript/core@${VERSIONS.pyscript}/dist/core.js`,
    pyodide: `https://cdn.jsdelivr.net/pyodide/v${VERSIONS.pyodide}/full/`,
  };
  const V = "assets/vendor/";
  const PY = V + "pyodide/";
  const NUMPY_WHEEL = "numpy-2.0.2-1runtime-cp312-cp312-pyodide_2024_0_wasm32.whl";
  // What Python's worker needs to boot from packs (numpy's wheel it asks for
  // only when no snapshot brings numpy along).
  const BOOT_PACKS = ["pyodide.asm.js", "pyodide.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]
    .map((f) => PY + f);
  let mode = "vendored";

  function loadScript(src, priority) {
    return new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = src;
      if (priority) s.fetchPriority = priority;
      s.onload = resolve;
      s.onerror = () => reject(new Error(`could not load ${src.startsWith("blob:") ? "a packed script" : src}`));
      document.head.appendChild(s);
    });
  }

  function blobURL(bytes, type) {
    return URL.createObjectURL(new Blob([bytes], { type }));
  }

  function abs(rel) { return new URL(rel, document.baseURI).href; }

  // -- packs (file and single modes) -----------------------------------------
  // A pack: a classic script that registered it (file://), or a data block
  // in the page itself (the single file).
  function packEntry(path) {
    const entry = (window.EXPLORER_PACKS || {})[path];
    if (entry) return entry;
    const block = document.querySelector(`script[type="application/x-explorer-pack"][data-path="${path}"]`);
    return block ? { gz: block.dataset.gz === "1", data: block.textContent, block } : null;
  }

  // The packs at `paths`, as the worker takes them ({gz, data}); each is
  // handed over once and forgotten here. Rejects with a reason when this
  // copy does not carry one (lite.html leaves SymPy out).
  async function packs(paths) {
    const out = {};
    await Promise.all(paths.map(async (path) => {
      if (mode === "file" && !packEntry(path)) {
        await loadScript(V + "packs/" + path.slice(V.length).replaceAll("/", "__") + ".js");
      }
      const entry = packEntry(path);
      if (!entry) throw new Error("this copy of the page leaves it out to stay small");
      out[path] = { gz: Boolean(entry.gz), data: entry.data };
      if (entry.block) entry.block.remove();
      if (window.EXPLORER_PACKS) delete window.EXPLORER_PACKS[path];
    }));
    return out;
  }

  // index.html loads assets/vendor/manifest.js before the boot scripts, so
  // the mode is known at once.
  function detectMode() {
    if (packEntry(PY + "pyodide.asm.wasm")) mode = "single";
    else if (location.protocol === "file:") mode = "file";
    else mode = window.EXPLORER_VENDOR ? "vendored" : "cdn";
    window.explorerProgress.setMode(mode);
    return mode;
  }

  async function loadBokeh() {
    if (window.Bokeh) return;
    if (mode === "single") {
      const { data, gz, block } = packEntry(V + "bokeh/bokeh.min.js");
      block.remove();
      let bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      if (gz) bytes = new Uint8Array(await new Response(new Blob([bytes]).stream()
        .pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
      return loadScript(blobURL(bytes, "text/javascript"));
    }
    return loadScript(bokehURL(), "high"); // served: the preload's bytes
  }

  function bokehURL() { return mode === "cdn" ? CDN.bokeh : V + "bokeh/bokeh.min.js"; }

  // Served: BokehJS's bytes ahead of its script (which then takes them from
  // the preload), resolved once they are here or could not be had (the script
  // reports that). From disk and in the single file they are here already.
  function preloadBokeh() {
    const link = document.createElement("link");
    if ((mode !== "vendored" && mode !== "cdn") || !link.relList.supports("preload")) return Promise.resolve();
    return new Promise((resolve) => {
      Object.assign(link, { rel: "preload", as: "script", href: bokehURL(), fetchPriority: "high" });
      link.onload = link.onerror = () => resolve();
      document.head.appendChild(link);
    });
  }

  // Served, with the figures painted later: BokehJS's bytes into the HTTP
  // cache at the lowest priority, after the runtime's, for the script that
  // takes them when the figures are wanted. Not a preload, which the browser
  // expects used within seconds. This page's own copy only: the policy's
  // default-src would refuse a prefetch from the CDN's host.
  function prefetchBokeh() {
    const link = document.createElement("link");
    if (mode !== "vendored" || !link.relList.supports("prefetch")) return;
    Object.assign(link, { rel: "prefetch", as: "script", href: bokehURL() });
    document.head.appendChild(link);
  }

  // Where Python's worker finds Pyodide's files (an absolute URL, as Pyodide wants).
  function indexURL() {
    return mode === "cdn" ? CDN.pyodide : abs(PY);
  }

  // Served with assets/vendor/: the runtime's big files are fetched once
  // BokehJS's bytes are here, and the wasm compiled as it arrives (off the main
  // thread, by the engine), while PyScript and its worker are still starting;
  // the worker is handed the bytes and the compiled module. `early` names the
  // files; resolves to {wasm: WebAssembly.Module, files: {url: ArrayBuffer}}.
  const get = (url) => fetch(url).then((r) => {
    if (!r.ok) throw new Error(`HTTP ${r.status} for ${url.split("/").pop().split("?")[0]}`);
    return r;
  });
  const bytesOf = async (url) => (await get(url)).arrayBuffer();
  function download(urls) {
    const wasmURL = abs(PY + "pyodide.asm.wasm");
    const wasm = WebAssembly.compileStreaming(get(wasmURL));
    const files = Promise.all(urls.map(async (url) => [url, await bytesOf(url)]));
    return { wasm, files: files.then(Object.fromEntries) };
  }

  // A classic worker's source from the page's own scripts (snapshot.js and
  // pyworker.js define their installers), ending with `tail`.
  function workerSource(tail) {
    return `(${window.explorerSnapshotInstall})(self);\n(${window.explorerPyWorkerInstall})(self);\n${tail}\n`;
  }

  // The snapshot, opened by a worker of its own (snapshot.js) from `source`
  // ({url}, {bytes} or {pack}): resolves to [message, transfer] for Python's
  // worker, an unreadable one to [{error}, []] (that boot goes on without it).
  // The reader closes itself once it has answered: terminating a worker
  // mid-inflate crashed Chromium's renderer (measured, Chromium 156).
  function readSnapshot(source) {
    return new Promise((resolve, reject) => {
      const worker = new Worker(blobURL(`(${window.explorerSnapshotInstall})(self);\n` +
        "self.explorerSnapshot.serve();\n", "text/javascript"));
      worker.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data));
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message || "its reader stopped"));
      };
      worker.postMessage(source, source.bytes ? [source.bytes] : []);
    }).then((opened) => {
      performance.mark("explorer:snapshot-opened");
      return [opened, [opened.files, opened.memory].filter(Boolean).map((a) => a.buffer)];
    }, (e) => [{ error: e.message }, []]);
  }

  window.explorerRuntime = {
    VERSIONS, CDN, V, PY, NUMPY_WHEEL, BOOT_PACKS, detectMode, preloadBokeh, prefetchBokeh, loadBokeh, loadScript, packEntry, packs, abs,
    blobURL, indexURL, download, bytesOf, workerSource, readSnapshot, mode: () => mode,
  };
})();
