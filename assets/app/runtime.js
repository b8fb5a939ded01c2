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

  // Served with assets/vendor/: the runtime's big files, fetched once
  // BokehJS's bytes are here by a worker of their own, which compiles the wasm
  // as it arrives, while PyScript and Python's worker are still starting; the
  // page hands Python's worker the bytes and the compiled module. Compiled on
  // the page, the engine decoded each arriving chunk on the main thread
  // (measured at phone width: tasks of 50 to 185 ms). `urls` names the files;
  // resolves to {wasm: WebAssembly.Module or null, files: {url: ArrayBuffer}}
  // (null: an engine that cannot send a module; Python's worker compiles it).
  function fetcher(scope, fetchedTimes, get) {
    scope.onmessage = async (e) => {
      try {
        const [wasm, pairs] = await Promise.all([WebAssembly.compileStreaming(get(e.data.wasm)),
          Promise.all(e.data.urls.map(async (url) => [url, await (await get(url)).arrayBuffer()]))]);
        const files = Object.fromEntries(pairs);
        const fetched = fetchedTimes(scope);
        try {
          scope.postMessage({ wasm, files, fetched }, Object.values(files));
        } catch (err) {
          scope.postMessage({ wasm: null, files, fetched }, Object.values(files));
        }
      } catch (err) {
        scope.postMessage({ error: (err && err.message) || String(err) });
      }
      scope.close();
    };
  }
  // In a worker: when each of its requests started and ended, as epoch times.
  function fetchedTimes(scope) {
    return scope.performance.getEntriesByType("resource").map((e) =>
      [e.name, scope.performance.timeOrigin + e.startTime, scope.performance.timeOrigin + e.responseEnd]);
  }
  // A worker's downloads on the page's timeline, as `explorer:download <file>`
  // measures (a worker's resource timings are its own), for DevTools, tests
  // and benchmarks.
  function fetchedIn(fetched) {
    for (const [url, start, end] of fetched || []) {
      const file = url.split("/").pop().split("?")[0];
      performance.measure(`explorer:download ${file}`,
        { start: start - performance.timeOrigin, end: end - performance.timeOrigin });
    }
  }
  // A worker of its own from `source` with one request and one answer: its
  // data, or a rejection with the error it reports or dies of (`what`).
  function askWorker(source, message, transfer, what) {
    return new Promise((resolve, reject) => {
      const worker = new Worker(blobURL(source, "text/javascript"));
      worker.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data));
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message || what));
      };
      worker.postMessage(message, transfer);
    });
  }
  function download(urls) {
    return askWorker(`"use strict";\n(${fetcher})(self, ${fetchedTimes}, ${fetchOk});\n`,
      { wasm: abs(PY + "pyodide.asm.wasm"), urls }, [], "the runtime's download stopped").then((got) => {
      fetchedIn(got.fetched);
      performance.mark("explorer:runtime-fetched", { detail: { module: Boolean(got.wasm) } });
      return got;
    });
  }
  // A response that is there (both sides of a worker use it: download's is made from its text).
  function fetchOk(url) {
    return fetch(url).then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status} for ${url.split("/").pop().split("?")[0]}`);
      return r;
    });
  }
  const bytesOf = async (url) => (await fetchOk(url)).arrayBuffer();

  // A classic worker's source from the page's own scripts (snapshot.js,
  // pyfiles.js and pyworker.js define their installers), ending with `tail`.
  function workerSource(tail) {
    return [window.explorerSnapshotInstall, window.explorerPyFilesInstall, window.explorerPyWorkerInstall]
      .map((install) => `(${install})(self);\n`).join("") + `${tail}\n`;
  }

  // The snapshot, opened by a worker of its own (snapshot.js) from `source`
  // ({url}, {bytes} or {pack}): resolves to [message, transfer] for Python's
  // worker, an unreadable one to [{error}, []] (that boot goes on without it).
  // The reader closes itself once it has answered: terminating a worker
  // mid-inflate crashed Chromium's renderer (measured, Chromium 156).
  function readSnapshot(source) {
    return askWorker(`(${window.explorerSnapshotInstall})(self);\nself.explorerSnapshot.serve(${fetchedTimes});\n`,
      source, source.bytes ? [source.bytes] : [], "its reader stopped").then((opened) => {
      performance.mark("explorer:snapshot-opened");
      fetchedIn(opened.fetched);
      return [opened, [opened.files, opened.memory].filter(Boolean).map((a) => a.buffer)];
    }, (e) => [{ error: e.message }, []]);
  }

  window.explorerRuntime = {
    VERSIONS, CDN, V, PY, NUMPY_WHEEL, BOOT_PACKS, detectMode, preloadBokeh, prefetchBokeh, loadBokeh, loadScript, packEntry, packs, abs,
    blobURL, indexURL, download, bytesOf, workerSource, readSnapshot, mode: () => mode,
  };
})();
