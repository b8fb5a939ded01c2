// Page layer: the derivation's own worker (SPEC §11, issue 29). SymPy runs in
// a second Python, started here on a learner's first own loss (never at
// boot), so that a derivation can be stopped: past BUDGET_MS the worker is
// terminated, Python is told "too slow to derive here", and the next loss
// starts a fresh worker. Python's main worker asks through bridge.js (a
// "derive" operation) and hears back as an event ("derived"); it never waits.
// Classic script: it must run on file://.
"use strict";
(function () {
  const R = window.explorerRuntime;
  // SymPy stops itself at derive.BUDGET_S (2 s) wherever it runs Python; what
  // it cannot stop from inside (one long step in C) is ended here.
  const BUDGET_MS = 2500;
  // What the worker needs of the app's Python, and of the runtime from packs (no numpy, no snapshot).
  const APP = ["py/explorer/__init__.py", "py/explorer/ownloss.py", "py/explorer/derive.py"];
  const BOOT_PACKS = R.BOOT_PACKS;

  let worker = null;
  let port = null;
  let state = "off"; // off | starting | idle | busy | unavailable
  let why = ""; // when unavailable: the reason, for the page
  let waiting = null; // the latest request not yet sent (only the latest waits)
  let current = null; // the request the worker is deriving
  let timer = 0;
  let budgetMs = BUDGET_MS;
  // From disk and in the single file: the runtime's files (copies from
  // Python's worker) and SymPy's packs, kept for a fresh worker once one is ended.
  let boot = null;
  const sympy = {};
  const counts = { started: 0, ended: 0 };
  const asked = new Map(); // tests: id → resolve, for python()
  let nextAsk = 0;

  const answer = (result) => window.explorerBridge.event({ target: "window", type: "derived", ...result });

  function request(id, loss, y) {
    if (state === "unavailable") {
      answer({ id, kind: "unavailable", why });
      return;
    }
    waiting = { id, loss, y };
    if (state === "off") spawn();
    else pump();
  }

  function pump() {
    if (state !== "idle" || !waiting) return;
    current = waiting;
    waiting = null;
    state = "busy";
    port.postMessage({ x: "derive", ...current });
    timer = setTimeout(stop, budgetMs);
  }

  // Past the budget: the worker (and whatever SymPy was doing) is gone.
  function stop() {
    worker.terminate();
    counts.ended++;
    worker = port = null;
    state = "off";
    answer({ id: current.id, kind: "too-slow",
      why: `it takes SymPy more than ${budgetMs / 1000} s, too slow to derive here` });
    current = null;
    if (waiting) spawn();
  }

  function unavailable(what) {
    clearTimeout(timer);
    state = "unavailable";
    why = String(what || "it did not start");
    if (worker) worker.terminate(); // it failed while starting: nothing of it is worth its memory
    worker = port = null;
    for (const r of [current, waiting]) if (r) answer({ id: r.id, kind: "unavailable", why });
    current = waiting = null;
  }

  async function startMessage() {
    const files = window.EXPLORER_BAKED.app_files;
    const message = { x: "start", indexURL: R.indexURL(), numpy: false, snapshot: null,
      appFiles: Object.fromEntries(APP.map((p) => [p, files[p]])), mainPy: files["py/deriver.py"] };
    const mode = R.mode();
    if (mode !== "file" && mode !== "single") return message; // served: the worker fetches them itself
    boot ||= await window.explorerBridge.share(BOOT_PACKS);
    return { ...message, packs: boot };
  }

  // SymPy's files, asked for by the worker (from disk, the single file):
  // read once from the page's packs, then kept here for a fresh worker.
  async function need(d) {
    try {
      const missing = d.paths.filter((p) => !sympy[p]);
      if (missing.length) Object.assign(sympy, await R.packs(missing));
      port.postMessage({ x: "files", id: d.id, packs: Object.fromEntries(d.paths.map((p) => [p, sympy[p]])) });
    } catch (e) {
      port.postMessage({ x: "files", id: d.id, error: e.message });
    }
  }

  function received(e) {
    const d = e.data;
    if (!d || typeof d !== "object") return;
    if (d.x === "ready") {
      state = "idle";
      pump();
    } else if (d.x === "derived") {
      if (!current || d.id !== current.id) return;
      clearTimeout(timer);
      state = "idle";
      current = null;
      answer(d);
      pump();
    } else if (d.x === "need") need(d);
    else if (d.x === "fail") unavailable(d.what);
    else if (d.x === "mark" && d.name.startsWith("explorer:sympy")) {
      performance.mark(d.name, { startTime: d.at - performance.timeOrigin });
    } else if (d.x === "evaluated" && asked.has(d.id)) {
      asked.get(d.id)(d);
      asked.delete(d.id);
    }
  }

  function spawn() {
    state = "starting";
    counts.started++;
    const source = R.workerSource("self.explorerWorker.runOwn();");
    let w;
    try {
      w = worker = new Worker(R.blobURL(source, "text/javascript"));
    } catch (e) {
      unavailable(`this browser would not start a worker for it: ${e.message}`);
      return;
    }
    w.addEventListener("error", (e) => {
      e.preventDefault();
      if (worker === w && state === "starting") unavailable(e.message || "its worker stopped");
    });
    w.addEventListener("message", async (e) => {
      const d = e.data;
      if (worker !== w || !d || typeof d !== "object") return;
      if (d.x !== "hello") {
        received(e);
        return;
      }
      try {
        const message = await startMessage();
        if (worker !== w) return;
        const channel = new MessageChannel();
        port = channel.port1;
        port.onmessage = (m) => { if (worker === w) received(m); };
        w.postMessage(message, [channel.port2]);
      } catch (err) {
        unavailable(err.message);
      }
    });
  }

  // Tests and benchmarks: ask the derivation's Python (or its wasm memory's size).
  function ask(request) {
    if (!port || state === "starting") return Promise.reject(new Error("the derivation's worker is not running"));
    const id = ++nextAsk;
    return new Promise((resolve, reject) => {
      asked.set(id, (d) => (d.ok ? resolve(d.value) : reject(new Error(d.value))));
      port.postMessage({ x: "eval", id, ...request });
    });
  }

  window.explorerDeriver = {
    request,
    state: () => state,
    counts: () => ({ ...counts }),
    budget: (ms) => { budgetMs = ms === undefined ? BUDGET_MS : ms; }, // tests: a smaller one
    python: (code) => ask({ code }),
    wasmBytes: () => ask({ heap: true }),
  };
})();
