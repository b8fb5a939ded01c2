// Page layer, before Python: first paint from the baked default state, the
// loading progress, the failure panel, and getting the runtime from wherever
// this copy of the page can reach it. Classic script: it must run on file://.
//
// One boot path, four sources for the same files:
//   vendored  served over http(s) with assets/vendor/ present (manifest.js loads)
//   cdn       served, assets/vendor/ absent (a fork): the same versions from pinned CDN URLs
//   file      index.html opened from disk: assets/vendor/packs/*.js carry the files
//             that a file:// page may not fetch or import, and fetch() is answered from them
//   single    dist/index.html: the packs are inline
"use strict";
(function () {
  const html = document.documentElement;
  const params = new URLSearchParams(location.search);
  if (params.get("kiosk") === "1") html.classList.add("kiosk");

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
  // Never a file: the import map points it at the stand-in module (prepareRuntime).
  const STAND_IN = PY + "explorer-pyodide.mjs";
  const CACHE_NAME = "explorer-snapshot";

  // Per-stage limits. loadPyodide can hang instead of rejecting, so every
  // stage has one; `?boot_timeout=S` shortens them all (tests, kiosks).
  const override = Number(params.get("boot_timeout"));
  const LIMIT_S = { runtime: 90, packages: 45, app: 45 };
  const LABEL = {
    runtime: "Starting the Python runtime",
    packages: "Loading numpy",
    app: "Starting the app",
  };
  const ORDER = ["runtime", "packages", "app"];
  const FIX = {
    vendored: "Reload the page. If it keeps failing, run `python3 tools/dev.py setup` to re-check assets/vendor/.",
    cdn: "This copy has no assets/vendor/ and the CDN could not be reached. Connect to the internet, or run " +
      "`python3 tools/dev.py setup` (or `python3 tools/dev.py serve`, which does it) to work offline.",
    file: "Opened from disk, the page needs assets/vendor/ next to index.html: run `python3 tools/dev.py setup` " +
      "once, or open the single-file build (dist/index.html).",
    single: "This file seems damaged; rebuild it with `python3 tools/dev.py build`.",
  };
  let timer = 0;
  let mode = "vendored";
  let snapshot = Promise.resolve(null);
  let nativeJspi = false;
  let runtime, pyodide, pyodideModule, wasmModule;
  let markPainted;
  const painted = new Promise((resolve) => { markPainted = resolve; });
  const parsed = new Promise((resolve) => {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", resolve);
    else resolve();
  });
  let prefetchSnapshot = "";
  let bootNote = ""; // why a snapshot was not used, for people and tests

  function $(id) { return document.getElementById(id); }

  function stage(name) {
    if (html.dataset.state !== "loading") return;
    performance.mark(`explorer:${name}`);
    const bar = $("bootBar");
    const label = $("bootStage");
    if (bar) {
      bar.value = ORDER.indexOf(name) + 1;
      bar.setAttribute("aria-valuetext", LABEL[name]);
    }
    if (label) label.textContent = `${LABEL[name]}… (step ${ORDER.indexOf(name) + 1} of 3)`;
    clearTimeout(timer);
    const s = override > 0 ? override : LIMIT_S[name];
    timer = setTimeout(() => fail(`${LABEL[name]} did not finish within ${s} seconds.`), s * 1000);
  }

  function fail(what, fix) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", () => fail(what, fix));
      return;
    }
    if (html.dataset.state === "error") return;
    clearTimeout(timer);
    html.dataset.state = "error";
    $("bootWhat").textContent = what;
    $("bootFix").textContent = fix || FIX[mode];
    $("bootError").hidden = false;
    $("boot").hidden = true;
  }

  function ready() {
    if (html.dataset.state !== "loading") return;
    clearTimeout(timer);
    performance.mark("explorer:ready");
    html.dataset.state = "ready";
    $("boot").hidden = true;
    for (const el of document.querySelectorAll("[data-live-control]")) el.disabled = false;
    setTimeout(drawLab, 0);
    prefetchLater();
  }

  // Errors while loading are fatal to loading (after it, Python handles its own).
  window.addEventListener("error", (e) => {
    if (html.dataset.state === "loading") fail(`Loading failed: ${e.message || "a file could not be loaded"}.`);
  });
  window.addEventListener("unhandledrejection", (e) => {
    if (html.dataset.state === "loading") fail(`Loading failed: ${(e.reason && e.reason.message) || e.reason}.`);
  });

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

  async function loadPacks() {
    const wanted = [...Object.keys(RUNTIME_FILES), ...PACKED_CODE];
    if (mode === "file") {
      const packName = (p) => V + "packs/" + p.slice(V.length).replaceAll("/", "__") + ".js";
      await Promise.all(wanted.map((p) => loadScript(packName(p))));
    }
    const out = {};
    await Promise.all(wanted.map(async (p) => { out[p] = await unpack(p); }));
    return out;
  }

  // fetch() answered from memory for the files a file:// page may not read.
  function answerFetches(files) {
    const realFetch = window.fetch.bind(window);
    window.fetch = function (input, init) {
      const url = (typeof input === "string" || input instanceof URL) ? String(input) : input.url;
      const hit = files.get(abs(url).split(/[?#]/)[0]);
      if (!hit) return realFetch(input, init);
      return Promise.resolve(new Response(hit.body, { status: 200, headers: { "Content-Type": hit.type } }));
    };
  }

  // -- the runtime, by mode ----------------------------------------------------
  // index.html loads assets/vendor/manifest.js just before this script, so
  // the mode is known at once and the downloads start before the body is parsed.
  function detectMode() {
    if (packEntry(PY + "pyodide.asm.wasm")) return "single";
    if (location.protocol === "file:") return "file";
    return window.EXPLORER_VENDOR ? "vendored" : "cdn";
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
  // loadPyodide hands PyScript that instance (restored from a snapshot when
  // one fits). PyScript only accepts a scheme:// or relative URL for it and
  // derives Pyodide's indexURL from its folder, so an import map points a
  // URL in the runtime's folder at the stand-in. Returns the PyScript URL.
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

  // Runs once the explorer's figures are painted: everything here keeps the
  // main thread busy (downloads and compiling started before, off it).
  async function prepareRuntime() {
    let pyscript;
    if (mode === "vendored") {
      pyscript = abs(V + "pyscript/pyscript.bundle.js");
      // Loaded here, not by Pyodide, so that the module factory can be hooked.
      await loadScript(PY + "pyodide.asm.js");
    } else {
      const packs = await loadPacks();
      const files = new Map();
      for (const [p, type] of Object.entries(RUNTIME_FILES)) files.set(abs(p), { body: packs[p], type });
      answerFetches(files);
      pyodideModule = import(blobURL(packs[PY + "pyodide.mjs"], "text/javascript"));
      shareWasm();
      // Pyodide skips its own (blocked) import of pyodide.asm.js when this is defined.
      await loadScript(blobURL(packs[PY + "pyodide.asm.js"], "text/javascript"));
      pyscript = blobURL(packs[V + "pyscript/pyscript.bundle.js"], "text/javascript");
    }
    useSharedWasm();
    return pyscript;
  }

  // pyodide.asm.wasm (10 MB) compiles from the moment it starts arriving,
  // beside BokehJS, instead of when loadPyodide asks for it; Pyodide's own
  // request for it gets an empty stand-in (one download, one compile).
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

  // Python's output before PyScript has said where it goes, then passed on.
  const output = { held: [], sink: null };
  function emit(stream, text) {
    if (output.sink) output.sink[stream](text);
    else output.held.push([stream, text]);
  }
  function handOver(options) {
    output.sink = { stdout: options.stdout || console.log, stderr: options.stderr || console.warn };
    for (const [stream, text] of output.held.splice(0)) output.sink[stream](text);
    return pyodide;
  }

  // -- the snapshot (assets/app/snapshot.js) ----------------------------------
  // Fetched only where it costs no download that delays this visit: always
  // from disk and in the single file (the bytes are here) and from a server on
  // this machine; from any other server only out of the HTTP cache (a repeat
  // visit), while a first visit boots normally and fetches it when idle, for
  // the next one. `?snapshot=0|1`: never / always.
  async function loadSnapshot() {
    const info = window.EXPLORER_SNAPSHOT;
    const want = params.get("snapshot");
    const S = window.explorerSnapshot;
    if (!info || !S || want === "0" || mode === "cdn") return null;
    const path = V + info.file;
    let bytes;
    if (mode === "vendored") {
      const local = ["localhost", "127.0.0.1", "[::1]"].includes(location.hostname);
      // Kept in the Cache API rather than looked up in the HTTP cache: a miss
      // there (fetch's only-if-cached) is logged as an error on the console.
      const url = `${path}?v=${info.app_digest.slice(0, 16)}`;
      const store = !local && want !== "1" && window.caches ? await caches.open(CACHE_NAME).catch(() => null) : null;
      const r = store ? await store.match(url).catch(() => null) : (local || want === "1") ? await fetch(url) : null;
      if (!r || !r.ok) {
        if (store) prefetchSnapshot = url;
        return null;
      }
      bytes = new Uint8Array(await r.arrayBuffer());
    } else {
      if (mode === "file") await loadScript(V + "packs/" + info.file.replaceAll("/", "__") + ".js");
      else if (!packEntry(path)) return null;
      bytes = await unpack(path);
    }
    await painted; // inflating takes a core, which the first paint needs more
    // Off the main thread except in WebKit (see snapshot.js: inflate), the one
    // engine without JSPI of its own.
    const snap = await S.open(bytes, nativeJspi);
    performance.mark("explorer:snapshot-read");
    return { snap, compiled: S.compile(snap) };
  }

  // For the next visit: this version of the snapshot replaces any older one.
  function prefetchLater() {
    if (!prefetchSnapshot) return;
    const go = async () => {
      try {
        const r = await fetch(prefetchSnapshot, { priority: "low" });
        if (!r.ok) return;
        const store = await caches.open(CACHE_NAME);
        for (const old of await store.keys()) await store.delete(old);
        await store.put(prefetchSnapshot, r);
      } catch (e) { /* offline, or storage refused: the next visit boots normally too */ }
    };
    if (window.requestIdleCallback) requestIdleCallback(go, { timeout: 10000 });
    else setTimeout(go, 2000);
  }

  async function bootPyodide() {
    const { loadPyodide } = await pyodideModule;
    const options = { indexURL: abs(PY), stdout: (t) => emit("stdout", t), stderr: (t) => emit("stderr", t) };
    const s = await snapshot.catch((e) => { console.warn(`explorer: snapshot unreadable (${e.message})`); return null; });
    await parsed; // baked.js (deferred) has run
    if (s && s.snap.meta.app_digest === window.EXPLORER_BAKED.app_digest) {
      let hook;
      try {
        const compiled = await s.compiled;
        hook = window.explorerSnapshot.hookNextModule(s.snap, compiled, true);
        const py = await loadPyodide({ ...options, _loadSnapshot: s.snap.memory() });
        window.explorerSnapshot.afterRestore(py, s.snap.meta);
        html.dataset.boot = "snapshot";
        performance.mark("explorer:restored");
        return py;
      } catch (e) {
        if (hook) hook.unhook();
        bootNote = `booting without the snapshot (${(hook && hook.seen.refused) || e.message})`;
        console.warn(`explorer: ${bootNote}`);
      }
    }
    html.dataset.boot = "normal";
    return loadPyodide(options);
  }

  async function startPython() {
    const [pyscript, interpreter] = mode === "cdn" ? [CDN.pyscript, CDN.pyodide] : [await runtime, abs(STAND_IN)];
    const script = document.createElement("script");
    script.type = "py";
    script.async = true;
    script.textContent = window.EXPLORER_BAKED.app_files["py/main.py"];
    script.setAttribute("config", JSON.stringify({ ...window.EXPLORER_BAKED.pyscript_config, interpreter }));
    document.body.appendChild(script);
    await import(pyscript); // PyScript finds the script element and boots Pyodide
  }

  async function firstPaint() {
    const out = await window.explorerPaint.embed("explorer");
    performance.mark("explorer:first-paint");
    html.dataset.figures = "drawn";
    return out;
  }

  // Started at once (this script runs in <head>, before the body is parsed):
  // which copy of the runtime to use, BokehJS, and the big downloads.
  const early = (async () => {
    // Before anything can start Pyodide (snapshot.js says why).
    if (typeof WebAssembly === "object" && window.explorerSnapshot) nativeJspi = window.explorerSnapshot.hideJspi();
    mode = detectMode();
    html.dataset.mode = mode;
    const python = mode !== "cdn" && typeof WebAssembly === "object";
    if (mode === "vendored") {
      // Downloads that overlap BokehJS and Python's start. (Pyodide fetches
      // the wheel with the lock's integrity; Chromium still uses this preload:
      // one request, checked by a test.)
      preload(PY + "python_stdlib.zip", "fetch");
      preload(PY + "pyodide.asm.js", "script");
      if (python) {
        installStandIn();
        pyodideModule = import(abs(PY + "pyodide.mjs"));
        preload(PY + "pyodide.asm.wasm", "fetch");
        painted.then(shareWasm);
      }
    } else if (python) {
      installStandIn();
    }
    // From disk its pack is a script to parse: after the first paint, like the others.
    snapshot = mode === "vendored" ? loadSnapshot() : painted.then(loadSnapshot);
    // numpy's wheel only where no snapshot brings numpy along (a cache lookup decides).
    if (mode === "vendored") snapshot.then((s) => { if (!s) preload(NUMPY_WHEEL, "fetch"); }, () => preload(NUMPY_WHEEL, "fetch"));
    if (python) {
      runtime = painted.then(prepareRuntime);
      pyodide = runtime.then(bootPyodide);
      pyodide.catch(() => {}); // reported through PyScript, which awaits it
    }
    await loadBokeh();
  })();
  early.catch(() => {}); // reported by start(), once the page can show it

  let figures, drawLab;
  async function start() {
    if (!window.EXPLORER_BAKED) {
      fail("A file of the page is missing: assets/app/baked.js.");
      return;
    }
    // The default state's numbers are baked in: show them whatever happens next.
    const P = window.explorerPaint;
    if (P.isDefaultHash()) P.fillReadouts(window.EXPLORER_BAKED.readouts);
    if (typeof WebAssembly !== "object" || !("noModule" in HTMLScriptElement.prototype) ||
        typeof DecompressionStream !== "function") {
      fail("This browser cannot run Python in a page: it lacks WebAssembly, JavaScript modules or " +
        "DecompressionStream.", "Open the page in a current Chrome, Edge, Firefox or Safari.");
      return;
    }
    figures = early.then(firstPaint);
    figures.then(markPainted, markPainted);
    figures.catch((e) => fail(`The figures could not be drawn (${e.message}).`));
    try {
      await early;
    } catch (e) {
      fail(`The figures could not be drawn (${e.message}).`);
      return;
    }
    stage("runtime");
    startPython().catch((e) => fail(`The Python runtime could not be loaded (${e.message}).`));
  }

  // The training lab sits below the explorer: its figures are embedded once
  // the explorer is live, so they never delay it; Python then binds the lab.
  const labFigures = new Promise((resolve, reject) => { drawLab = () => {
    window.explorerPaint.embed("lab").then((out) => {
      performance.mark("explorer:lab-paint");
      html.dataset.labFigures = "drawn";
      resolve(out);
    }, reject);
  }; });
  labFigures.catch((e) => {
    console.warn(`explorer: the lab's figures could not be drawn (${e.message})`);
    $("notice").textContent = "The training lab could not be drawn; the explorer above works.";
    $("notice").hidden = false;
  });

  window.explorerBoot = { stage, fail, ready, figures: () => figures, labFigures: () => labFigures,
    loadPyodide: handOver, bootNote: () => bootNote,
    python: () => pyodide }; // the Pyodide instance, for tests and benchmarks
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
