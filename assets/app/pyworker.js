// Python's Web Worker, its JavaScript: boots Pyodide (restoring the memory
// snapshot where one fits) from the files it was handed (pyfiles.js), and
// hands Python to whoever hosts it.
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
// On the page this file only defines explorerPyWorkerInstall (the workers
// are made from its text: runtime.js, workerSource); in a worker it installs
// itself at once.
"use strict";
self.explorerPyWorkerInstall = function (scope) {
  "use strict";
  const S = scope.explorerSnapshot; // installed first (snapshot.js)
  const F = scope.explorerPyFiles; // and then pyfiles.js
  const VERSION = "0.27.7";
  // The page's own channel once it has sent one (see bridge.js), the worker's before.
  let port = null;
  const post = (message, transfer) => (port || scope).postMessage(message, transfer || []);

  let start = null; // the page's "start" message
  let startReceived;
  const started = new Promise((resolve) => { startReceived = resolve; });
  let pyodide = null;
  let lock = null; // our Pyodide lock, parsed (which file is which package)
  const asked = new Map(); // request id → resolve, for files the page reads for us
  let nextAsk = 0;

  // -- the page's messages --------------------------------------------------
  // "start" comes to the worker itself, with a MessagePort: everything else
  // travels on that port, where no other listener of the worker (PyScript's
  // among them) has to look at it.
  scope.addEventListener("message", (e) => {
    const d = e.data;
    if (d && typeof d === "object" && d.x === "start" && !start) {
      F.expect(d.pending); // files that follow on the port (served: numpy's wheel)
      port = e.ports[0];
      port.onmessage = receive;
      startReceived(d);
    }
  });
  function receive(e) {
    const d = e.data;
    if (!d || typeof d !== "object") return;
    if (d.x === "file") F.arrived(d);
    else if (d.x === "files") {
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
        const bytes = F.packed(path);
        if (!bytes) throw new Error(`no ${path.slice(path.lastIndexOf("/") + 1)} here`);
        packs[path] = { bytes: (await bytes()).slice().buffer };
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

  // The snapshot the page's reader opened (null: none; {error}: unreadable).
  function openedSnapshot(plan) {
    const s = plan.snapshot;
    if (!s) return Promise.resolve(null);
    if (s.error) return Promise.reject(new Error(s.error));
    return Promise.resolve(S.view(s));
  }

  // -- booting ----------------------------------------------------------------
  // The wasm compiles from the moment it starts arriving, beside everything
  // else; Pyodide's own request for it gets an empty stand-in (one download,
  // one compile), and the module factory instantiates this one.
  function shareWasm(indexURL, source, module) {
    const url = indexURL + "pyodide.asm.wasm";
    const compiled = module ? Promise.resolve(module) : source ? source().then((b) => WebAssembly.compile(b))
      : WebAssembly.compileStreaming(F.realFetch(url));
    compiled.then(() => mark("explorer:wasm-compiled"), () => {});
    F.answer(url, () => Promise.resolve([new Uint8Array(0), F.TYPES.wasm]));
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

  // boot(loadPyodide, indexURL, plan, wasmSource): Pyodide, restored from the
  // snapshot when one fits, else booted normally; says which to the page.
  // plan.wasm: the compiled module, plan.files: {url: bytes}, when the page fetched them.
  async function boot(loadPyodide, indexURL, plan, wasmSource) {
    const options = { indexURL, stdout: (t) => console.log(t), stderr: (t) => console.warn(t) };
    // Files the page fetched already (served): answered from its bytes.
    for (const [url, buffer] of Object.entries(plan.files || {})) F.give(url, buffer);

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
      : plan.numpyWheel ? F.prefetch(indexURL + plan.numpyWheel) : Promise.resolve());
    if (!snap) needNumpy().catch(() => {});
    await wasm;
    if (snap) {
      let hook;
      try {
        const compiled = await S.compileDynlibs(snap);
        hook = S.hookNextModule(snap, compiled, true);
        const py = await loadPyodide({ ...options, _loadSnapshot: snap.memory() });
        S.afterRestore(py, snap.meta);
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
    S.hideJspi(); // before anything can start Pyodide (snapshot.js: hideJspi)
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
    const wanted = Array.from(names, (n) => packages[n].file_name).filter((f) => !F.has(indexURL + f));
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
      const bytes = reply.then((packs) => F.unpack(packs["assets/vendor/pyodide/" + f])());
      bytes.catch(() => {});
      F.answer(indexURL + f, () => bytes.then((b) => [b, F.typeOf(f)]));
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
    const bytes = await F.packed(path)();
    (0, eval)(new TextDecoder().decode(bytes)); // eslint-disable-line no-eval
  }

  // The own worker (from disk, the single file; the derivation's worker in
  // every mode): boot, then run the start message's Python (py/main.py or
  // py/deriver.py). Served, its scripts come from indexURL.
  async function runOwn() {
    try {
      const plan = await hello();
      const indexURL = plan.indexURL;
      F.answerPacks(plan.packs, indexURL);
      if (plan.packs) {
        await evaluateScript("assets/vendor/pyodide/pyodide.asm.js");
        await evaluateScript("assets/vendor/pyodide/pyodide.js");
      } else {
        scope.importScripts(indexURL + "pyodide.asm.js", indexURL + "pyodide.js");
      }
      const wasmSource = F.packed("assets/vendor/pyodide/pyodide.asm.wasm");
      pyodide = await boot(scope.loadPyodide, indexURL, plan, wasmSource);
      await pyodide.runPythonAsync(plan.mainPy);
    } catch (e) {
      fail(`The Python runtime could not be loaded (${e.message}).`);
    }
  }

  scope.explorerWorker = {
    VERSION, stage, fail, mark, provide, loadForPyScript, runOwn, make: S.make,
    appFiles: () => start.appFiles,
    plan: () => started, // the page's start message, once it has come
    port: () => port, // Python's end of the channel
  };
};
if (typeof document === "undefined") self.explorerPyWorkerInstall(self);
