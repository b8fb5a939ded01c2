// Page layer, before Python: where this copy of the page gets the runtime's
// files, and how. Classic script: it must run on file://.
//
// One boot path (boot.js), four sources for the same files:
//   vendored  served over http(s) with assets/vendor/ present (manifest.js loads)
//   cdn       served, assets/vendor/ absent (a fork): the same versions from pinned CDN URLs
//   file      index.html opened from disk: assets/vendor/packs/*.js carry the files
//             that a file:// page may not fetch or import, and fetch() is answered from them
//   single    dist/index.html or dist/lite.html: the packs are inline
"use strict";
(function () {
  const VERSIONS = { pyodide: "0.27.7", pyscript: "0.6.66", bokeh: "3.9.2" };
  const CDN = {
    bokeh: `https://cdn.bokeh.org/bokeh/release/bokeh-${VERSIONS.bokeh}.min.js`,
    pyscript: `https://cdn.jsdelivr.net/npm/@pyscript/core@${VERSIONS.pyscript}/dist/core.js`,
    pyodide: `https://cdn.jsdelivr.net/pyodide/v${VERSIONS.pyodide}/full/pyodide.mjs`,
  };
  const V = "assets/vendor/";
  const PY = V + "pyodide/";
  const NUMPY_WHEEL = PY + "numpy-2.0.2-1runtime-cp312-cp312-pyodide_2024_0_wasm32.whl";
  // Fetched by Pyodide at boot; also the files answered from packs off-line.
  const RUNTIME_FILES = {
    [PY + "pyodide-lock.json"]: "application/json",
    [PY + "pyodide.asm.wasm"]: "application/wasm",
    [PY + "python_stdlib.zip"]: "application/zip",
    [NUMPY_WHEEL]: "application/zip",
  };
  const PACKED_CODE = [PY + "pyodide.mjs", PY + "pyodide.asm.js", V + "pyscript/pyscript.bundle.js"];
  // Never a file: the import map points it at the stand-in module (installStandIn).
  const STAND_IN = PY + "explorer-pyodide.mjs";
  const fail = (...a) => window.explorerProgress.fail(...a);
  let mode = "vendored";
  let wasmModule;

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

  async function unpack(path) {
    const entry = packEntry(path);
    if (!entry) throw new Error(`${path} is missing from this copy`);
    const raw = Uint8Array.fromBase64
      ? Uint8Array.fromBase64(entry.data)
      : Uint8Array.from(atob(entry.data), (c) => c.charCodeAt(0));
    entry.data = null; // the decoded bytes are all we keep
    if (entry.block) entry.block.remove();
    if (!entry.gz) return raw;
    const stream = new Blob([raw]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  // A pack from disk is a script to load; the single file has them all inline.
  async function unpackFromDisk(path) {
    if (mode === "file") await loadScript(V + "packs/" + path.slice(V.length).replaceAll("/", "__") + ".js");
    return unpack(path);
  }

  // fetch() answered from memory for the files a file:// page may not read
  // (those of the runtime at boot, those of a package loaded later by provide).
  const answered = new Map();
  function answerFetches() {
    const realFetch = window.fetch.bind(window);
    window.fetch = function (input, init) {
      const url = (typeof input === "string" || input instanceof URL) ? String(input) : input.url;
      const hit = answered.get(abs(url).split(/[?#]/)[0]);
      if (!hit) return realFetch(input, init);
      return Promise.resolve(new Response(hit.body, { status: 200, headers: { "Content-Type": hit.type } }));
    };
  }

  // Files of a package loaded on first use (SymPy): served and CDN copies fetch
  // them as usual; from disk and in the single file they come out of packs
  // now. Rejects with a reason when this copy does not carry them (lite.html).
  async function provide(paths) {
    if (mode !== "file" && mode !== "single") return;
    await Promise.all(Array.from(paths, async (rel) => {
      const path = PY + rel;
      if (answered.has(abs(path))) return;
      if (mode === "single" && !packEntry(path)) throw new Error("this copy of the page leaves it out to stay small");
      answered.set(abs(path), { body: await unpackFromDisk(path), type: "application/zip" });
    }));
  }

  // index.html loads assets/vendor/manifest.js before the boot scripts, so
  // the mode is known at once and the downloads start before the body is parsed.
  function detectMode() {
    if (packEntry(PY + "pyodide.asm.wasm")) mode = "single";
    else if (location.protocol === "file:") mode = "file";
    else mode = window.EXPLORER_VENDOR ? "vendored" : "cdn";
    window.explorerProgress.setMode(mode);
    return mode;
  }

  async function loadBokeh() {
    if (window.Bokeh) return;
    if (mode === "single") return loadScript(blobURL(await unpack(V + "bokeh/bokeh.min.js"), "text/javascript"));
    // First paint waits for it, not for the much bigger runtime downloads beside it.
    return loadScript(mode === "cdn" ? CDN.bokeh : V + "bokeh/bokeh.min.js", "high");
  }

  function preload(href, as) {
    const l = document.createElement("link");
    l.rel = "preload";
    l.href = href;
    l.as = as;
    if (as === "fetch") l.crossOrigin = "anonymous"; // as fetch() asks; a classic script asks without
    document.head.appendChild(l);
  }

  // With the runtime vendored (served or packed), Python starts at once, beside
  // BokehJS, and PyScript's interpreter is a stand-in module whose
  // loadPyodide hands PyScript the instance boot.js made (restored from a
  // snapshot when one fits). PyScript only accepts a scheme:// or relative URL
  // for it and derives Pyodide's indexURL from its folder, so an import map
  // points a URL in the runtime's folder at the stand-in.
  function installStandIn() {
    // First of all: Firefox ignores an import map added after any module import.
    const standIn = `export const version = ${JSON.stringify(VERSIONS.pyodide)};\n` +
      "export const loadPyodide = (options) => globalThis.explorerBoot.loadPyodide(options);\n";
    const map = document.createElement("script");
    map.type = "importmap";
    map.nonce = "explorer-importmap"; // the page's CSP admits no other inline script
    map.textContent = JSON.stringify({ imports: { [abs(STAND_IN)]: blobURL(standIn, "text/javascript") } });
    document.head.appendChild(map);
  }

  // Served with assets/vendor/: the big downloads start before the body is
  // parsed, beside BokehJS. Returns the promise of Pyodide's ES module.
  function startDownloads() {
    // (Pyodide fetches the stdlib with the lock's integrity; Chromium still
    // uses this preload: one request, checked by a test.)
    preload(PY + "python_stdlib.zip", "fetch");
    preload(PY + "pyodide.asm.js", "script");
    installStandIn();
    preload(PY + "pyodide.asm.wasm", "fetch");
    return import(abs(PY + "pyodide.mjs"));
  }

  // Runs once the explorer's figures are painted: everything here keeps the
  // main thread busy (downloads and compiling started before, off it).
  // Returns [PyScript's URL, the promise of Pyodide's ES module].
  async function prepare(pyodideModule) {
    let pyscript;
    if (mode === "vendored") {
      pyscript = abs(V + "pyscript/pyscript.bundle.js");
      shareWasm();
      // Loaded here, not by Pyodide, so that the module factory can be hooked.
      await loadScript(PY + "pyodide.asm.js");
    } else {
      const wanted = [...Object.keys(RUNTIME_FILES), ...PACKED_CODE];
      const packs = {};
      await Promise.all(wanted.map(async (p) => { packs[p] = await unpackFromDisk(p); }));
      for (const [p, type] of Object.entries(RUNTIME_FILES)) answered.set(abs(p), { body: packs[p], type });
      answerFetches();
      pyodideModule = import(blobURL(packs[PY + "pyodide.mjs"], "text/javascript"));
      shareWasm();
      // Pyodide skips its own (blocked) import of pyodide.asm.js when this is defined.
      await loadScript(blobURL(packs[PY + "pyodide.asm.js"], "text/javascript"));
      pyscript = blobURL(packs[V + "pyscript/pyscript.bundle.js"], "text/javascript");
    }
    useSharedWasm();
    return [pyscript, pyodideModule];
  }

  // pyodide.asm.wasm (10 MB) compiles from the moment it starts arriving
  // instead of when loadPyodide asks for it; Pyodide's own request for it
  // gets an empty stand-in (one download, one compile).
  function shareWasm() {
    const url = abs(PY + "pyodide.asm.wasm");
    const realFetch = window.fetch;
    wasmModule = WebAssembly.compileStreaming(realFetch(url));
    wasmModule.catch((e) => fail(`The Python runtime could not be loaded (pyodide.asm.wasm: ${e.message}).`));
    window.fetch = function (input, init) {
      const u = (typeof input === "string" || input instanceof URL) ? String(input) : input.url;
      if (abs(u).split(/[?#]/)[0] === url) return Promise.resolve(new Response(new Uint8Array(0)));
      return realFetch.call(this, input, init);
    };
  }

  function useSharedWasm() {
    const create = globalThis._createPyodideModule;
    globalThis._createPyodideModule = (settings) => create({
      ...settings,
      instantiateWasm(imports, receive) {
        wasmModule.then((m) => WebAssembly.instantiate(m, imports).then((instance) => [instance, m]))
          .then(([instance, m]) => receive(instance, m), // what goes wrong after this is Pyodide's to report
            (e) => fail(`The Python runtime could not be started (${e.message}).`));
        return {};
      },
    });
  }

  window.explorerRuntime = {
    VERSIONS, CDN, V, PY, NUMPY_WHEEL, STAND_IN, detectMode, loadBokeh, loadScript, preload, installStandIn,
    startDownloads, prepare, packEntry, unpackFromDisk, abs, provide, mode: () => mode,
  };
})();
