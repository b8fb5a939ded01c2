// Python's Web Worker, its JavaScript: boots Pyodide (restoring the memory
// snapshot where one fits), answers the fetches a copy of the page without a
// server cannot make, and hands Python to whoever hosts it.
//
// Two hosts, one boot:
//  - served (vendored or from the CDN): PyScript's worker runs py/main.py;
//    its interpreter is assets/app/pyworker.mjs, which imports this file and
//    calls explorerWorker.loadForPyScript.
//  - opened from disk and the single file: PyScript's worker cannot start
//    there (Chromium refuses a module worker from a blob: URL in a file://
//    page; WebKit's file:// workers can import nothing), so bridge.js starts
//    a classic worker from this function's own source, and it runs
//    py/main.py itself (explorerWorker.runOwn).
// In both, the page (bridge.js) answers "hello" with a "start" message: how
// to get the runtime, the snapshot policy's verdict, the app's sources.
//
// On the page this file only defines explorerPyWorkerInstall (bridge.js
// needs its text); in a worker it installs itself at once.
"use strict";
self.explorerPyWorkerInstall = function (scope) {
  "use strict";
  const SR = scope.explorerSnapshotReader; // installed first (snapread.js)
  const VERSION = "0.27.7";
  // The smallest module with a GC struct type: where this validates, Pyodide
  // adds its CountArgs helper to the function table (and the image expects it).
  const GC_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 3, 1, 0x5f, 0]);
  const TABLE_PIN = 16384;
  const DYNLIB_FLAGS = { loadAsync: false, nodelete: true, allowUndefined: true, global: false };
  const TYPES = { wasm: "application/wasm", json: "application/json", zip: "application/zip", whl: "application/zip",
    js: "text/javascript", mjs: "text/javascript" };
  // The page's own channel once it has sent one (see bridge.js), the worker's before.
  let port = null;
  const post = (message, transfer) => (port || scope).postMessage(message, transfer || []);

  let start = null; // the page's "start" message
  let startReceived;
  const started = new Promise((resolve) => { startReceived = resolve; });
  let pyodide = null;
  let lock = null; // our Pyodide lock, parsed (which file is which package)
  const asked = new Map(); // request id → resolve, for files the page reads for us
  const pending = new Map(); // URL → {resolve, reject}: a file the page sends after "start"
  let nextAsk = 0;

  // -- fetch answered from memory ---------------------------------------------
  // URL (no query) → () => Promise of [bytes, type]; the rest goes to the network.
  const answered = new Map();
  const realFetch = scope.fetch.bind(scope);
  scope.fetch = function (input, init) {
    const url = String(typeof input === "string" || input instanceof URL ? input : input.url).split(/[?#]/)[0];
    const hit = answered.get(url);
    if (!hit) return realFetch(input, init);
    return hit().then(([bytes, type]) => new Response(bytes, { status: 200, headers: { "Content-Type": type } }));
  };
  const typeOf = (path) => TYPES[path.split(".").pop()] || "application/octet-stream";

  // A pack (base64, gzipped or not; or bytes another worker had): a function giving its bytes,
  // decoded when first asked for.
  function unpack(pack) {
    if (pack.bytes) return () => Promise.resolve(new Uint8Array(pack.bytes));
    let done = null;
    return () => (done ||= (async () => {
      const raw = SR.fromBase64(pack.data);
      pack.data = null; // the decoded bytes are all we keep
      return pack.gz ? SR.inflate(raw) : raw;
    })());
  }

  // Packs keyed "assets/vendor/pyodide/<file>", answered at indexURL + <file>.
  const unpacked = {}; // pack path → its bytes function
  function answerPacks(packs, indexURL) {
    for (const [path, pack] of Object.entries(packs || {})) {
      const file = path.slice(path.lastIndexOf("/") + 1);
      const bytes = unpacked[path] = unpack(pack);
      answered.set(indexURL + file, () => bytes().then((b) => [b, typeOf(file)]));
    }
  }

  // -- the page's messages --------------------------------------------------
  // "start" comes to the worker itself, with a MessagePort: everything else
  // travels on that port, where no other listener of the worker (PyScript's
  // among them) has to look at it.
  scope.addEventListener("message", (e) => {
    const d = e.data;
    if (d && typeof d === "object" && d.x === "start" && !start) {
      // Files that follow on the port (served: numpy's wheel), waited for from now on.
      for (const url of d.pending || []) {
        const got = new Promise((resolve, reject) => pending.set(url.split(/[?#]/)[0], { resolve, reject }));
        got.catch(() => {}); // Pyodide's own request for it reports a failure
        answered.set(url.split(/[?#]/)[0], () => got);
      }
      port = e.ports[0];
      port.onmessage = receive;
      startReceived(d);
    }
  });
  function receive(e) {
    const d = e.data;
    if (!d || typeof d !== "object") return;
    if (d.x === "file") {
      const wait = pending.get(d.url.split(/[?#]/)[0]);
      if (wait) (d.error ? wait.reject(new Error(d.error)) : wait.resolve([new Uint8Array(d.bytes), typeOf(d.url)]));
    } else if (d.x === "files") {
      const resolve = asked.get(d.id);
      asked.delete(d.id);
      if (resolve) resolve(d);
    } else if (d.x === "eval") evaluate(d);
    else if (d.x === "share") share(d);
  }

  // The runtime's files this worker was handed as packs, for the derivation's
  // worker (derive.js), which the page can no longer give them: copies of
  // the bytes already decoded here.
  async function share({ id, paths }) {
    try {
      const packs = {};
      for (const path of paths) {
        if (!unpacked[path]) throw new Error(`no ${path.slice(path.lastIndexOf("/") + 1)} here`);
        packs[path] = { bytes: (await unpacked[path]()).slice().buffer };
      }
      post({ x: "shared", id, packs }, Object.values(packs).map((p) => p.bytes));
    } catch (e) {
      post({ x: "shared", id, error: e.message });
    }
  }

  // Tests and benchmarks ask Python something (or the wasm memory's size).
  function evaluate({ id, code, heap }) {
    try {
      let value = heap ? pyodide._module.HEAP8.length : pyodide.runPython(code);
      if (value && typeof value.toJs === "function") {
        const proxy = value;
        value = proxy.toJs({ dict_converter: Object.fromEntries });
        proxy.destroy();
      }
      post({ x: "evaluated", id, ok: true, value });
    } catch (err) {
      post({ x: "evaluated", id, ok: false, value: String(err && err.message || err) });
    }
  }

  function stage(name) { post({ x: "stage", name }); }
  // A point on the page's timeline (performance marks there, for tests and benchmarks).
  function mark(name) { post({ x: "mark", name, at: performance.timeOrigin + performance.now() }); }
  function fail(what) { post({ x: "fail", what: String(what) }); }

  // -- JSPI and the engine ----------------------------------------------------
  // Where the engine can suspend wasm (JSPI), Pyodide runs Python on a
  // separate wasm stack. Chromium's sampling heap profiler, on in a random
  // share of browser sessions, walks a sampled allocation's stack up to 8 KB
  // past the frame, runs off the end of that stack and kills the renderer
  // (measured, Chromium 156 with the profiler on: 11 boots in 16 crashed
  // with JSPI, none in 16 without). Nothing here needs run_sync, so Pyodide
  // never sees JSPI: hidden before the runtime starts.
  function hideJspi() {
    const w = scope.WebAssembly;
    delete w.Suspending;
    delete w.Suspender;
  }

  function engine() {
    const w = scope.WebAssembly;
    let gc = false;
    try { gc = w.validate(GC_PROBE); } catch (e) { /* no GC types */ }
    return { gc, jspiNew: "Suspending" in w, jspiOld: "Suspender" in w };
  }

  // -- the snapshot -----------------------------------------------------------
  // What it is, and how it is read: snapread.js. Here it is restored.

  // Compiled while the runtime downloads; instantiated in order in preRun.
  function compileDynlibs(snap) {
    const dynlibs = snap.meta.files.filter(([path]) => path.endsWith(".so"));
    return Promise.all(dynlibs.map(async (entry) => [entry[0], await WebAssembly.compile(snap.file(entry))]));
  }

  // The next _createPyodideModule call (the one loadPyodide makes) gets a
  // preRun step, after Pyodide's own, that writes the files and instantiates
  // the extension modules. `restoring`: compare the layout with the snapshot's.
  function hookNextModule(snap, compiled, restoring) {
    const create = scope._createPyodideModule;
    const seen = {};
    const unhook = () => { scope._createPyodideModule = create; };
    scope._createPyodideModule = function (settings) {
      unhook();
      settings.preRun = [...(settings.preRun || []), (Module) => {
        const want = snap.meta.engine;
        // No restore when the layout will not match. Throwing here would abort
        // the runtime; spoiling the image's magic number instead makes
        // Pyodide refuse it cleanly, and the boot goes on normally.
        const refuse = (why) => {
          seen.refused = why;
          snap.memory().fill(0, 0, 16);
        };
        if (restoring && (Boolean(Module.newJspiSupported) !== want.jspiNew ||
            Boolean(Module.oldJspiSupported) !== want.jspiOld)) {
          refuse("made by an engine that differs in JSPI");
          return;
        }
        // The extension modules go at a fixed table index: engines add
        // different numbers of entries of their own before this point
        // (measured: WebKit 1,154 more than Chromium).
        seen.heapStart = Module.GOT.__heap_base.value;
        if (Module.wasmTable.length > TABLE_PIN || (restoring && seen.heapStart !== want.heapStart)) {
          refuse(`the runtime's layout differs (table ${Module.wasmTable.length}, heap ${seen.heapStart})`);
          return;
        }
        Module.wasmTable.grow(TABLE_PIN - Module.wasmTable.length);
        const FS = Module.FS;
        for (const entry of snap.meta.files) {
          const path = entry[0];
          FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
          FS.writeFile(path, snap.file(entry));
        }
        for (const [path, mod] of compiled) {
          const dso = Module.newDSO(path, undefined, "loading");
          dso.global = false;
          dso.exports = Module.loadWebAssemblyModule(mod, DYNLIB_FLAGS, path, {});
          Module.LDSO.loadedLibsByName[path.slice(path.lastIndexOf("/") + 1)] = dso;
        }
        seen.heapBase = Module.GOT.__heap_base.value;
        seen.tableLength = Module.wasmTable.length;
        seen.jspiNew = Boolean(Module.newJspiSupported);
        seen.jspiOld = Boolean(Module.oldJspiSupported);
        if (restoring && (seen.heapBase !== want.heapBase || seen.tableLength !== want.tableLength)) {
          refuse("the extension modules did not land where they were when it was made");
        }
      }];
      return create(settings);
    };
    return { seen, unhook };
  }

  // After a restore: what lives outside the wasm memory, and what must not
  // stay frozen. dlopen handles numpy took while the snapshot was made are in
  // the image (C side) but not in the JS table that resolves them.
  function afterRestore(py, meta) {
    const M = py._module;
    // Pyodide's CountArgs helper joins the function table after the extension
    // modules, only where wasm GC works; CPython keeps its slot in _PyRuntime,
    // which the image overwrote with the maker's. Point it at this engine's.
    M.HEAP32[(M.__PyRuntime + M.HEAP32[M.__PyEM_EMSCRIPTEN_COUNT_ARGS_OFFSET / 4]) / 4] = M._PyEM_CountArgsPtr;
    const LDSO = M.LDSO;
    for (const [handle, path] of meta.handles) LDSO.loadedLibsByHandle[handle] = LDSO.loadedLibsByName[path];
    py.loadedPackages.numpy = "default channel";
    py.runPython(`
import random as _r, sys as _s
_r.seed()  # the image froze the generator's state; os.urandom is live
if "numpy.random" in _s.modules:
    _s.modules["numpy.random"].seed()
import numpy as _np
# a computation through the restored extension modules, before anyone relies on them
assert float(_np.linalg.norm(_np.arange(3.0) @ _np.ones((3, 2)))) == float(_np.sqrt(18.0))
del _r, _s, _np
`);
  }

  // The snapshot the page's reader opened (null: none; {error}: unreadable).
  function openedSnapshot(plan) {
    const s = plan.snapshot;
    if (!s) return Promise.resolve(null);
    if (s.error) return Promise.reject(new Error(s.error));
    return Promise.resolve(SR.view(s));
  }

  // -- booting ----------------------------------------------------------------
  // The wasm compiles from the moment it starts arriving, beside everything
  // else; Pyodide's own request for it gets an empty stand-in (one download,
  // one compile), and the module factory instantiates this one.
  function shareWasm(indexURL, source, module) {
    const url = indexURL + "pyodide.asm.wasm";
    const compiled = module ? Promise.resolve(module) : source ? source().then((b) => WebAssembly.compile(b))
      : WebAssembly.compileStreaming(realFetch(url));
    compiled.then(() => mark("explorer:wasm-compiled"), () => {});
    answered.set(url, () => Promise.resolve([new Uint8Array(0), TYPES.wasm]));
    const create = scope._createPyodideModule;
    scope._createPyodideModule = (settings) => create({
      ...settings,
      instantiateWasm(imports, receive) {
        compiled.then((m) => WebAssembly.instantiate(m, imports).then((instance) => receive(instance, m)))
          .catch((e) => fail(`The Python runtime could not be started (pyodide.asm.wasm: ${e.message}).`));
        return {};
      },
    });
    return compiled;
  }

  // A file fetched ahead of Pyodide's own request for it (which then gets it).
  function prefetch(url) {
    if (answered.has(url)) return Promise.resolve();
    const got = realFetch(url).then(async (r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status} for ${url}`);
      return [new Uint8Array(await r.arrayBuffer()), typeOf(url)];
    });
    got.catch(() => answered.delete(url)); // Pyodide's own fetch then reports it
    answered.set(url, () => got);
    return got.then(() => {}, () => {});
  }

  // boot(loadPyodide, indexURL, plan, wasmSource): Pyodide, restored from the
  // snapshot when one fits, else booted normally; says which to the page.
  // plan.wasm: the compiled module, plan.files: {url: bytes}, when the page fetched them.
  async function boot(loadPyodide, indexURL, plan, wasmSource) {
    const options = { indexURL, stdout: (t) => console.log(t), stderr: (t) => console.warn(t) };
    // Files the page fetched already (served): answered from its bytes.
    for (const [url, buffer] of Object.entries(plan.files || {})) {
      answered.set(url.split(/[?#]/)[0], () => Promise.resolve([new Uint8Array(buffer), typeOf(url)]));
    }

    const reading = openedSnapshot(plan);
    const wasm = shareWasm(indexURL, wasmSource, plan.wasm);
    let note = "";
    let snap = null;
    try {
      snap = await reading;
      if (snap) mark("explorer:snapshot-read");
    } catch (e) {
      note = `booting without the snapshot (it is unreadable: ${e.message})`;
    }
    if (snap && snap.meta.app_digest !== plan.appDigest) {
      note = "booting without the snapshot (it was made from other Python sources)";
      snap = null;
    }
    // No snapshot brings numpy along: its wheel now, beside CPython's start
    // (the derivation's worker has no use for numpy: plan.numpy false).
    let numpy = null;
    const needNumpy = () => (numpy ||= plan.numpy === false ? Promise.resolve() : plan.packs ? provide(["numpy"])
      : plan.numpyWheel ? prefetch(indexURL + plan.numpyWheel) : Promise.resolve());
    if (!snap) needNumpy().catch(() => {});
    await wasm;
    if (snap) {
      let hook;
      try {
        const compiled = await compileDynlibs(snap);
        hook = hookNextModule(snap, compiled, true);
        const py = await loadPyodide({ ...options, _loadSnapshot: snap.memory() });
        afterRestore(py, snap.meta);
        mark("explorer:restored");
        post({ x: "boot", kind: "snapshot", note: "" });
        return py;
      } catch (e) {
        if (hook) hook.unhook();
        note = `booting without the snapshot (${(hook && hook.seen.refused) || e.message})`;
      }
    }
    if (note) console.warn(`explorer: ${note}`);
    needNumpy().catch(() => {}); // Pyodide's own request for it reports a failure
    const py = await loadPyodide(options);
    mark("explorer:booted");
    post({ x: "boot", kind: "normal", note });
    return py;
  }

  // Whatever host runs Python asks the page for its "start" message first.
  async function hello() {
    mark("explorer:worker-up");
    post({ x: "hello" });
    start = await started;
    mark("explorer:worker-started");
    hideJspi(); // before anything can start Pyodide (see hideJspi)
    stage("runtime");
    return start;
  }

  async function readLock(indexURL) {
    if (!lock) lock = await (await scope.fetch(indexURL + "pyodide-lock.json")).json();
    return lock;
  }

  // Files of packages loaded on first use (SymPy): served copies let Pyodide
  // fetch them; from disk and in the single file the page reads their packs
  // and sends them. Rejects with the reason when this copy has none (lite.html).
  async function provide(names) {
    if (!start || !start.packs) return;
    const indexURL = start.indexURL;
    const { packages } = await readLock(indexURL);
    const wanted = Array.from(names, (n) => packages[n].file_name).filter((f) => !answered.has(indexURL + f));
    if (!wanted.length) return;
    const id = ++nextAsk;
    const reply = new Promise((resolve) => {
      asked.set(id, resolve);
      post({ x: "need", id, paths: wanted.map((f) => "assets/vendor/pyodide/" + f) });
    }).then((r) => {
      if (r.error) throw new Error(r.error);
      return r.packs;
    });
    // Answered at once: Pyodide's request for one of them waits for the page's reply.
    for (const f of wanted) {
      const bytes = reply.then((packs) => unpack(packs["assets/vendor/pyodide/" + f])());
      bytes.catch(() => {});
      answered.set(indexURL + f, () => bytes.then((b) => [b, typeOf(f)]));
    }
    await reply;
  }

  // The PyScript stand-in's loadPyodide (served modes).
  async function loadForPyScript() {
    try {
      const plan = await hello();
      const indexURL = plan.indexURL;
      const module = await import(indexURL + "pyodide.mjs");
      // Loaded here, not by Pyodide, so that the module factory can be hooked.
      if (typeof scope._createPyodideModule !== "function") await import(indexURL + "pyodide.asm.js");
      pyodide = await boot(module.loadPyodide, indexURL, plan, null);
      return pyodide;
    } catch (e) {
      fail(`The Python runtime could not be loaded (${e.message}).`);
      throw e;
    }
  }

  // The classic script's text as code: a file:// worker may import nothing
  // (WebKit refuses even blob: URLs), but it may evaluate what it was sent.
  async function evaluateScript(path) {
    const bytes = await unpacked[path]();
    (0, eval)(new TextDecoder().decode(bytes)); // eslint-disable-line no-eval
  }

  // The own worker (from disk, the single file; the derivation's worker in
  // every mode): boot, then run the start message's Python (py/main.py or
  // py/deriver.py). Served, its scripts come from indexURL.
  async function runOwn() {
    try {
      const plan = await hello();
      const indexURL = plan.indexURL;
      answerPacks(plan.packs, indexURL);
      if (plan.packs) {
        await evaluateScript("assets/vendor/pyodide/pyodide.asm.js");
        await evaluateScript("assets/vendor/pyodide/pyodide.js");
      } else {
        scope.importScripts(indexURL + "pyodide.asm.js", indexURL + "pyodide.js");
      }
      const wasmSource = unpacked["assets/vendor/pyodide/pyodide.asm.wasm"];
      pyodide = await boot(scope.loadPyodide, indexURL, plan, wasmSource);
      await pyodide.runPythonAsync(plan.mainPy);
    } catch (e) {
      fail(`The Python runtime could not be loaded (${e.message}).`);
    }
  }

  // The snapshot maker's half (tools/snapshot.py drives it through a page):
  // boot with the files, import what the app imports, take the image.
  async function make(partsURL, indexURL, imports) {
    hideJspi(); // as the page does: the image freezes what Pyodide saw
    const snap = SR.view(await SR.open(new Uint8Array(await (await fetch(partsURL)).arrayBuffer())));
    const compiled = await compileDynlibs(snap);
    for (const file of ["pyodide.asm.js", "pyodide.js"]) {
      (0, eval)(await (await fetch(indexURL + file)).text()); // eslint-disable-line no-eval
    }
    const { seen } = hookNextModule(snap, compiled, false);
    const py = await scope.loadPyodide({ indexURL, _makeSnapshot: true });
    py.runPython(imports);
    const LDSO = py._module.LDSO;
    const handles = Object.entries(LDSO.loadedLibsByHandle).filter(([h]) => Number(h) !== 0)
      .map(([h, dso]) => [Number(h), dso.name]);
    const image = py.makeMemorySnapshot();
    const gz = new Uint8Array(await new Response(new Blob([image]).stream()
      .pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
    return { engine: { ...engine(), ...seen }, handles, image: gz, size: image.length };
  }

  scope.explorerWorker = {
    VERSION, stage, fail, mark, provide, loadForPyScript, runOwn, make,
    appFiles: () => start.appFiles,
    port: () => port, // Python's end of the channel
  };
};
if (typeof document === "undefined") self.explorerPyWorkerInstall(self);
