// Booting Python from a memory snapshot, and making one. Classic script: the
// page (boot.js) and the maker (tools/snapshot.py, in headless Chromium) share it.
//
// A snapshot is Pyodide's image of the wasm memory after `import numpy` and
// the app's modules, packed with what the image cannot hold: numpy's and the
// app's files (the file system lives in JS) and numpy's 14 extension modules,
// which must be instantiated again, in the same order, before the runtime
// starts, so that they land at the same addresses as when it was made.
//
// meta.engine records what the image froze of the engine that made it;
// anything else restores nothing and the page boots normally.
"use strict";
(function () {
  const MAGIC = "EXSNAP2\n";
  // The smallest module with a GC struct type: where this validates, Pyodide
  // adds its CountArgs helper to the function table (and the image expects it).
  const GC_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 3, 1, 0x5f, 0]);
  const TABLE_PIN = 16384;
  const DYNLIB_FLAGS = { loadAsync: false, nodelete: true, allowUndefined: true, global: false };

  // Where the engine can suspend wasm (JSPI), Pyodide runs Python on a
  // separate wasm stack. Chromium's sampling heap profiler, on in a random
  // share of browser sessions (by default half of those off the stable
  // channel), walks a sampled allocation's stack up to 8 KB past the frame,
  // as if it were the thread's own stack, runs off the end of the wasm stack
  // and kills the renderer (measured, Chromium 156 with the profiler on: 11
  // boots in 16 crashed with JSPI, none in 16 without). Nothing here needs
  // run_sync, so Pyodide never sees JSPI: the page and the maker hide it
  // before the runtime starts. Returns whether the engine had it.
  function hideJspi() {
    const w = globalThis.WebAssembly;
    const had = "Suspending" in w || "Suspender" in w;
    delete w.Suspending;
    delete w.Suspender;
    return had;
  }

  function engine() {
    const w = globalThis.WebAssembly;
    let gc = false;
    try { gc = w.validate(GC_PROBE); } catch (e) { /* no GC types */ }
    return { gc, jspiNew: "Suspending" in w, jspiOld: "Suspender" in w };
  }

  // Decompression, off the main thread (BokehJS's first paint keeps it busy
  // meanwhile), one worker per part so the two run side by side. The memory
  // image is stored without its all-zero pages: `runs` put the rest back.
  // The worker always closes itself: terminating one from outside while it
  // inflates or hands its buffer over crashes Chromium's renderer (measured:
  // Chromium 156, about one load in eight with the patience cut to 40 ms).
  const WORKER = `postMessage("up");
  onmessage = async (e) => {
    if (!e.data) { close(); return; } // given up on before it began
    try {
      const { gz, size, runs } = e.data;
      const s = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
      let out = new Uint8Array(await new Response(s).arrayBuffer());
      if (runs) {
        const image = new Uint8Array(size);
        let at = 0;
        for (const [offset, length] of runs) { image.set(out.subarray(at, at + length), offset); at += length; }
        out = image;
      }
      postMessage(out.buffer, [out.buffer]);
    } catch (err) {
      postMessage(String(err)); // damaged data: the page says why, once
    }
    close();
  };`;

  async function inflateHere(gz, size, runs) {
    const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
    const out = new Uint8Array(await new Response(stream).arrayBuffer());
    if (!runs) return out;
    const image = new Uint8Array(size);
    let at = 0;
    for (const [offset, length] of runs) { image.set(out.subarray(at, at + length), offset); at += length; }
    return image;
  }

  // A worker that has not said it is up within a second is not coming
  // (WebKit never starts a blob: worker from a file:// page): inflate here.
  function startWorker(url) {
    return new Promise((resolve) => {
      let worker;
      try {
        worker = new Worker(url);
      } catch (e) { // a CSP without blob: workers
        resolve(null);
        return;
      }
      const timer = setTimeout(() => { worker.postMessage(null); resolve(null); }, 1000);
      worker.onmessage = () => { clearTimeout(timer); resolve(worker); };
      worker.onerror = (e) => { e.preventDefault(); clearTimeout(timer); resolve(null); };
    });
  }

  // WebKit (measured: WebKitGTK 2.50) starts the worker but never answers
  // with the inflated snapshot; it gets the main thread, and a worker that
  // stalls anywhere else is given up after WORKER_PATIENCE_MS (left to
  // finish and close itself; its late answer is dropped).
  const WORKER_PATIENCE_MS = 5000;
  async function inflate(gz, size, runs, useWorker) {
    if (!useWorker) return inflateHere(gz, size, runs);
    const url = URL.createObjectURL(new Blob([WORKER], { type: "text/javascript" }));
    const worker = await startWorker(url);
    URL.revokeObjectURL(url);
    if (!worker) return inflateHere(gz, size, runs);
    const copy = gz.slice();
    const done = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), WORKER_PATIENCE_MS);
      worker.onmessage = (e) => {
        clearTimeout(timer);
        resolve(typeof e.data === "string" ? new Error(`the snapshot does not inflate (${e.data})`) : new Uint8Array(e.data));
      };
      worker.onerror = (e) => { e.preventDefault(); clearTimeout(timer); resolve(null); };
      worker.postMessage({ gz: copy, size, runs }, [copy.buffer]);
    });
    if (done instanceof Error) throw done;
    return done || inflateHere(gz, size, runs);
  }

  //   EXSNAP2\n | u32 meta length | meta (JSON) | files (gzip) | memory image (gzip, zero pages left out)
  async function open(bytes, useWorker = true) {
    if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw new Error("not an explorer snapshot");
    const metaLength = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
    const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + metaLength)));
    const body = bytes.subarray(12 + metaLength);
    const part = ([start, length]) => body.subarray(start, start + length);
    const [files, memory] = await Promise.all([
      inflate(part(meta.parts.files), 0, null, useWorker),
      meta.parts.memory ? inflate(part(meta.parts.memory), meta.memory.size, meta.memory.runs, useWorker) : null,
    ]);
    return { meta, file: ([, offset, size]) => files.subarray(offset, offset + size), memory: () => memory };
  }

  // Compiled while the runtime downloads; instantiated in order in preRun.
  function compile(snap) {
    const dynlibs = snap.meta.files.filter(([path]) => path.endsWith(".so"));
    return Promise.all(dynlibs.map(async (entry) => [entry[0], await WebAssembly.compile(snap.file(entry))]));
  }

  // The next _createPyodideModule call (the one loadPyodide makes) gets a
  // preRun step, after Pyodide's own, that writes the files and instantiates
  // the extension modules. `check` compares the layout with the snapshot's.
  function hookNextModule(snap, compiled, restoring) {
    const create = globalThis._createPyodideModule;
    if (typeof create !== "function") throw new Error("pyodide.asm.js is not loaded");
    const seen = {};
    const unhook = () => { globalThis._createPyodideModule = create; };
    globalThis._createPyodideModule = function (settings) {
      unhook();
      settings.preRun = [...(settings.preRun || []), (Module) => {
        const want = snap.meta.engine;
        // No restore when the layout will not match. Throwing here would abort
        // the runtime with an error on the console; spoiling the image's magic
        // number instead makes Pyodide refuse it cleanly, and the page boots normally.
        const refuse = (why) => {
          seen.refused = why;
          snap.memory().fill(0, 0, 16);
        };
        // Whether run_sync can suspend (JSPI) is frozen into the image.
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

  // The maker's half (tools/snapshot.py drives it in headless Chromium):
  // boot with the files, import what the app imports, take the image.
  async function make(partsURL, indexURL, imports) {
    const snap = await open(new Uint8Array(await (await fetch(partsURL)).arrayBuffer()));
    const compiled = await compile(snap);
    const { seen } = hookNextModule(snap, compiled, false);
    const { loadPyodide } = await import(indexURL + "pyodide.mjs");
    hideJspi(); // as the page does: the image freezes what Pyodide saw
    const py = await loadPyodide({ indexURL, _makeSnapshot: true });
    py.runPython(imports);
    const LDSO = py._module.LDSO;
    const handles = Object.entries(LDSO.loadedLibsByHandle).filter(([h]) => Number(h) !== 0)
      .map(([h, dso]) => [Number(h), dso.name]);
    const image = py.makeMemorySnapshot();
    const gz = new Uint8Array(await new Response(new Blob([image]).stream()
      .pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
    return { engine: { ...engine(), ...seen }, handles, image: await toBase64(gz), size: image.length };
  }

  async function toBase64(bytes) {
    const url = await new Promise((resolve) => {
      const r = new FileReader();
      r.onload = () => resolve(r.result);
      r.readAsDataURL(new Blob([bytes]));
    });
    return url.slice(url.indexOf(",") + 1);
  }

  window.explorerSnapshot = { hideJspi, engine, open, compile, hookNextModule, afterRestore, make };
})();
