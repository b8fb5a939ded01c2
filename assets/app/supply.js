// Page layer, before Python: what Python's worker is given. The snapshot
// policy, the runtime's downloads (begun at once when served), the start
// message the worker gets when it says hello and the files that follow it,
// and the idle fetch of the snapshot for a next visit. boot.js decides when.
// Classic script: it must run on file://.
"use strict";
(function () {
  const params = new URLSearchParams(location.search);
  const R = window.explorerRuntime;
  const CACHE_NAME = "explorer-snapshot";
  let note = ""; // why a snapshot was not used, for people and tests
  let prefetchSnapshot = "";

  // -- the snapshot policy ------------------------------------------------------
  // Used only where it costs no download that delays this visit: always from
  // disk and in the single file (the bytes are here) and from a server on
  // this machine; from any other server only out of the Cache API (a repeat
  // visit), while a first visit boots normally and fetches it when idle, for
  // the next one. `?snapshot=0|1`: never / always. Its reader (snapshot.js)
  // opens it and Python's worker restores it; here only where to look is decided.
  async function snapshotPlan(mode) {
    const info = window.EXPLORER_SNAPSHOT;
    const want = params.get("snapshot");
    if (!info || want === "0" || mode === "cdn") return null;
    const path = R.V + info.file;
    if (mode === "vendored") {
      if (info.app_digest !== window.EXPLORER_BAKED.app_digest) {
        note = "booting without the snapshot (it was made from other Python sources)";
        return null;
      }
      const url = R.abs(`${path}?v=${info.app_digest.slice(0, 16)}`);
      const local = ["localhost", "127.0.0.1", "[::1]"].includes(location.hostname);
      if (local || want === "1") return { url };
      if (!window.caches) return null;
      prefetchSnapshot = url;
      // Another host: only a copy kept by an earlier visit (a lookup that misses is no download).
      const store = await caches.open(CACHE_NAME).catch(() => null);
      const hit = store && await store.match(url).catch(() => null);
      return hit && hit.ok ? { url, cached: hit } : null;
    }
    if (mode === "single" && !R.packEntry(path)) return null; // lite.html carries none
    const packs = await R.packs([path]);
    return { pack: packs[path] };
  }

  // Served with assets/vendor/: what Python's worker will need, fetched from
  // the start (runtime.js: download), beside BokehJS; the snapshot only where
  // the policy above takes it (fetched and opened by its reader at once,
  // while PyScript and Python's worker start), numpy's wheel only where no
  // snapshot brings numpy.
  // The wheel is needed last (after CPython has started): it follows the start
  // message on its own ("later"), so the worker does not wait for it to begin.
  function downloads() {
    const plan = snapshotPlan("vendored");
    const got = plan.then(async (snap) => {
      const urls = [R.abs(R.PY + "python_stdlib.zip")];
      const later = {};
      if (!snap) later[R.abs(R.PY + R.NUMPY_WHEEL)] = R.bytesOf(R.abs(R.PY + R.NUMPY_WHEEL));
      for (const p of Object.values(later)) p.catch(() => {}); // reported to the worker, which reports it
      const source = snap && (snap.cached ? snap.cached.arrayBuffer().then((bytes) => ({ bytes })) : { url: snap.url });
      const opened = snap && Promise.resolve(source).then(R.readSnapshot, (e) => [{ error: e.message }, []]);
      const { wasm, files } = await R.download(urls);
      return { opened, wasm, files, later };
    });
    got.catch(() => {}); // reported when the worker asks for them
    return got;
  }
  let early = null; // the downloads, started at once when served with assets/vendor/
  function begin() { early = downloads(); }

  // For the next visit: unless the Cache API has it already, this version of
  // the snapshot is fetched when the page is idle and replaces any older one.
  function prefetchLater() {
    if (!prefetchSnapshot) return;
    const go = async () => {
      try {
        const store = await caches.open(CACHE_NAME);
        if (await store.match(prefetchSnapshot)) return;
        const r = await fetch(prefetchSnapshot, { priority: "low" });
        if (!r.ok) return;
        for (const old of await store.keys()) await store.delete(old);
        await store.put(prefetchSnapshot, r);
      } catch (e) { /* offline, or storage refused: the next visit boots normally too */ }
    };
    if (window.requestIdleCallback) requestIdleCallback(go, { timeout: 10000 });
    else setTimeout(go, 2000);
  }

  // What the worker is told when it says hello: where the runtime is, the
  // snapshot's verdict, the app's sources; from packs, the files themselves.
  async function startMessage(mode, parsed, painted) {
    await parsed; // baked.js (deferred) has run
    const baked = window.EXPLORER_BAKED;
    const message = {
      x: "start", indexURL: R.indexURL(), appDigest: baked.app_digest,
      numpyWheel: mode === "cdn" ? null : R.NUMPY_WHEEL, // the CDN has Pyodide's own build, found through its lock
      // bytecode.mjs; `?bytecode=0`: compiled from source, for benchmarks
      bytecode: mode === "vendored" && params.get("bytecode") !== "0" ? R.abs(R.V + "bytecode/python.pack") : null,
      appFiles: baked.app_files, mainPy: baked.app_files["py/main.py"],
    };
    if (mode === "file" || mode === "single") {
      await painted; // from disk the packs are scripts to parse: after the first paint
      const [[snapshot, transfer], packs] = await Promise.all([
        snapshotPlan(mode).then((plan) => (plan ? R.readSnapshot({ pack: plan.pack }) : [null, []])),
        R.packs(R.BOOT_PACKS)]);
      return [{ ...message, snapshot, packs }, transfer];
    }
    if (mode === "cdn") return [{ ...message, snapshot: null }, []];
    const { opened, wasm, files, later } = await early;
    const [snapshot, transfer] = opened ? await opened : [null, []];
    return [{ ...message, snapshot, wasm, files, pending: Object.keys(later) },
      [...Object.values(files), ...transfer], later];
  }

  // The files that follow the start message, each as soon as it is here.
  function sendLater(later) {
    for (const [url, bytes] of Object.entries(later || {})) {
      bytes.then((b) => window.explorerBridge.send({ x: "file", url, bytes: b }, [b]),
        (e) => window.explorerBridge.send({ x: "file", url, error: e.message }));
    }
  }

  window.explorerSupply = { begin, startMessage, sendLater, prefetchLater, note: () => note };
})();
