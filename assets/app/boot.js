// Page layer, before Python: the one boot path. First paint from the baked
// default state, then Python, restored from a memory snapshot where one fits
// (the policy below) or booted normally. Classic script: it must run on file://.
//
// Its helpers, loaded before it: progress.js (progress bar, time limits,
// failure panel), runtime.js (where the runtime's files come from, by mode),
// snapshot.js (reading and restoring a snapshot), paint.js (embedding the
// baked figures) and panels.js (the panels below the explorer, on demand).
"use strict";
(function () {
  const html = document.documentElement;
  const params = new URLSearchParams(location.search);
  if (params.get("kiosk") === "1") html.classList.add("kiosk");
  const P = window.explorerProgress;
  const R = window.explorerRuntime;
  const CACHE_NAME = "explorer-snapshot";

  let snapshot = Promise.resolve(null);
  let nativeJspi = false;
  let pyodide;
  let markPainted;
  const painted = new Promise((resolve) => { markPainted = resolve; });
  const parsed = new Promise((resolve) => {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", resolve);
    else resolve();
  });
  let prefetchSnapshot = "";
  let bootNote = ""; // why a snapshot was not used, for people and tests

  function ready() {
    if (!P.finish()) return;
    window.explorerPanels.start();
    prefetchLater();
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

  // -- the snapshot policy (snapshot.js does the reading and restoring) --------
  // Fetched only where it costs no download that delays this visit: always
  // from disk and in the single file (the bytes are here) and from a server on
  // this machine; from any other server only out of the Cache API (a repeat
  // visit), while a first visit boots normally and fetches it when idle, for
  // the next one. `?snapshot=0|1`: never / always.
  async function loadSnapshot() {
    const info = window.EXPLORER_SNAPSHOT;
    const want = params.get("snapshot");
    const S = window.explorerSnapshot;
    const mode = R.mode();
    if (!info || !S || want === "0" || mode === "cdn") return null;
    const path = R.V + info.file;
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
      if (mode === "single" && !R.packEntry(path)) return null; // lite.html carries none
      bytes = await R.unpackFromDisk(path);
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

  async function bootPyodide(pyodideModule) {
    const { loadPyodide } = await pyodideModule;
    const options = { indexURL: R.abs(R.PY), stdout: (t) => emit("stdout", t), stderr: (t) => emit("stderr", t) };
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

  async function startPython(runtime) {
    const [pyscript, interpreter] = R.mode() === "cdn" ? [R.CDN.pyscript, R.CDN.pyodide]
      : [(await runtime)[0], R.abs(R.STAND_IN)];
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
  let runtime;
  const early = (async () => {
    // Before anything can start Pyodide (snapshot.js says why).
    if (typeof WebAssembly === "object" && window.explorerSnapshot) nativeJspi = window.explorerSnapshot.hideJspi();
    const mode = R.detectMode();
    html.dataset.mode = mode;
    const python = mode !== "cdn" && typeof WebAssembly === "object";
    let pyodideModule = null; // from packs, R.prepare imports it
    if (python && mode === "vendored") pyodideModule = R.startDownloads();
    else if (python) R.installStandIn();
    // From disk its pack is a script to parse: after the first paint, like the others.
    snapshot = mode === "vendored" ? loadSnapshot() : painted.then(loadSnapshot);
    // numpy's wheel only where no snapshot brings numpy along (a cache lookup decides).
    const wheel = () => R.preload(R.NUMPY_WHEEL, "fetch");
    if (mode === "vendored") snapshot.then((s) => { if (!s) wheel(); }, wheel);
    if (python) {
      runtime = painted.then(() => R.prepare(pyodideModule));
      pyodide = runtime.then(([, module]) => bootPyodide(module));
      pyodide.catch(() => {}); // reported through PyScript, which awaits it
    }
    await R.loadBokeh();
  })();
  early.catch(() => {}); // reported by start(), once the page can show it

  let figures;
  async function start() {
    if (!window.EXPLORER_BAKED) {
      P.fail("A file of the page is missing: assets/app/baked.js.");
      return;
    }
    // The default state's numbers are baked in: show them whatever happens next.
    const paint = window.explorerPaint;
    if (paint.isDefaultHash()) paint.fillReadouts(window.EXPLORER_BAKED.readouts);
    if (typeof WebAssembly !== "object" || !("noModule" in HTMLScriptElement.prototype) ||
        typeof DecompressionStream !== "function") {
      P.fail("This browser cannot run Python in a page: it lacks WebAssembly, JavaScript modules or " +
        "DecompressionStream.", "Open the page in a current Chrome, Edge, Firefox or Safari.");
      return;
    }
    figures = early.then(firstPaint);
    figures.then(markPainted, markPainted);
    figures.catch((e) => P.fail(`The figures could not be drawn (${e.message}).`));
    try {
      await early;
    } catch (e) {
      P.fail(`The figures could not be drawn (${e.message}).`);
      return;
    }
    P.stage("runtime");
    startPython(runtime).catch((e) => P.fail(`The Python runtime could not be loaded (${e.message}).`));
  }

  window.explorerBoot = { stage: P.stage, fail: P.fail, ready, figures: () => figures,
    loadPyodide: handOver, bootNote: () => bootNote,
    python: () => pyodide }; // the Pyodide instance, for tests and benchmarks
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
