// The memory snapshot: its format, its reader, and its restore.
//  - The reader: a worker of its own that turns the file's bytes into what a
//    restore needs (numpy's and the app's files, and the wasm memory image
//    laid out at its addresses). The page starts it as soon as the
//    snapshot's bytes are on their way, so the ~0.2 s of inflating is done
//    while PyScript and Python's worker are still starting, not after
//    (measured: inflating in Python's worker held its boot up by 214 ms).
//  - The restore, in Python's worker (pyworker.js calls it), and the
//    maker's half (tools/snapshot.py drives it through a page).
// Python's worker also takes its byte helpers (base64, gzip) from here.
//
// The file (tools/snapshot.py writes it):
//   EXSNAP2\n | u32 meta length | meta (JSON) | files (gzip) | memory image (gzip, zero pages left out)
// Pyodide's image of the wasm memory after `import numpy` and the app's
// modules, packed with what the image cannot hold: numpy's and the app's
// files (the file system lives in JS) and numpy's 14 extension modules,
// which must be instantiated again, in the same order, before the runtime
// starts, so that they land at the same addresses as when it was made.
//
// On the page this file only defines explorerSnapshotInstall (the workers
// are made from its text); in a worker it installs itself.
"use strict";
self.explorerSnapshotInstall = function (scope) {
  "use strict";
  const MAGIC = "EXSNAP2\n";
  // The smallest module with a GC struct type: where this validates, Pyodide
  // adds its CountArgs helper to the function table (and the image expects it).
  const GC_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 3, 1, 0x5f, 0]);
  const TABLE_PIN = 16384;
  const DYNLIB_FLAGS = { loadAsync: false, nodelete: true, allowUndefined: true, global: false };

  function fromBase64(text) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
    const raw = atob(text);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  // Each inflated chunk to `take`, in order. Streams only, no Blob or Response: a file:// worker
  // in WebKit cannot read a Blob (NotReadableError).
  async function eachInflated(bytes, take) {
    const source = new ReadableStream({ start(c) { c.enqueue(bytes); c.close(); } });
    const reader = source.pipeThrough(new DecompressionStream("gzip")).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      take(value);
    }
  }

  async function inflate(bytes) {
    const chunks = [];
    await eachInflated(bytes, (chunk) => chunks.push(chunk));
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  }

  // The memory image, each inflated chunk written straight to its place
  // (`runs`: [offset, length] of the pages that are not all zero, in order).
  async function inflateImage(bytes, size, runs) {
    const image = new Uint8Array(size);
    let run = 0;
    let into = 0; // bytes of runs[run] written
    await eachInflated(bytes, (chunk) => {
      for (let at = 0; at < chunk.length;) {
        if (run === runs.length) throw new Error("its memory image is longer than its layout");
        const [offset, length] = runs[run];
        const n = Math.min(length - into, chunk.length - at);
        image.set(chunk.subarray(at, at + n), offset + into);
        at += n;
        into += n;
        if (into === length) { run += 1; into = 0; }
      }
    });
    if (run !== runs.length) throw new Error("its memory image is shorter than its layout");
    return image;
  }

  // The file's bytes → {meta, files, memory}: memory is null in the maker's
  // parts file, which has no image yet.
  async function open(bytes) {
    if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw new Error("not an explorer snapshot");
    const metaLength = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
    const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + metaLength)));
    const body = bytes.subarray(12 + metaLength);
    const part = ([startAt, length]) => body.subarray(startAt, startAt + length);
    const [files, memory] = await Promise.all([inflate(part(meta.parts.files)),
      meta.parts.memory ? inflateImage(part(meta.parts.memory), meta.memory.size, meta.memory.runs) : null]);
    return { meta, files, memory };
  }

  // What the restore reads: a file's bytes by its meta entry, and the image.
  function view({ meta, files, memory }) {
    return { meta, file: ([, offset, size]) => files.subarray(offset, offset + size), memory: () => memory };
  }

  // The reader's worker: one request ({url} served, {bytes} from the Cache
  // API, {pack} from disk or the single file), one answer, transferred, with
  // its download's times (`fetchedTimes`, runtime.js).
  function serve(fetchedTimes) {
    scope.onmessage = async (e) => {
      try {
        const s = e.data;
        let bytes;
        if (s.url) {
          const r = await scope.fetch(s.url);
          if (!r.ok) throw new Error(`HTTP ${r.status}`);
          bytes = new Uint8Array(await r.arrayBuffer());
        } else if (s.bytes) {
          bytes = new Uint8Array(s.bytes);
        } else {
          bytes = fromBase64(s.pack.data);
          if (s.pack.gz) bytes = await inflate(bytes);
        }
        const opened = await open(bytes);
        opened.fetched = fetchedTimes(scope); // for the page's timeline (runtime.js)
        scope.postMessage(opened, [opened.files, opened.memory].filter(Boolean).map((a) => a.buffer));
      } catch (err) {
        scope.postMessage({ error: (err && err.message) || String(err) });
      }
      scope.close(); // one answer: done (see runtime.js, readSnapshot)
    };
  }

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

  // -- restoring it (in Python's worker) ----------------------------------------
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

  // The snapshot maker's half (tools/snapshot.py drives it through a page):
  // boot with the files, import what the app imports, take the image.
  async function make(partsURL, indexURL, imports) {
    hideJspi(); // as the page does: the image freezes what Pyodide saw
    const snap = view(await open(new Uint8Array(await (await scope.fetch(partsURL)).arrayBuffer())));
    const compiled = await compileDynlibs(snap);
    for (const file of ["pyodide.asm.js", "pyodide.js"]) {
      (0, eval)(await (await scope.fetch(indexURL + file)).text()); // eslint-disable-line no-eval
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

  scope.explorerSnapshot = {
    fromBase64, inflate, open, view, serve, hideJspi, compileDynlibs, hookNextModule, afterRestore, make,
  };
};
if (typeof document === "undefined" && !self.explorerSnapshot) self.explorerSnapshotInstall(self);
