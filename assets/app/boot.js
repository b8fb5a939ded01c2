// Page layer, before Python: the one boot path. First paint from the baked
// default state; meanwhile Python starts in a Web Worker (pyworker.js),
// restored from a memory snapshot where one fits or booted normally, and
// talks to the page through bridge.js. Classic script: it must run on file://.
//
// Its helpers, loaded before it: progress.js (progress bar, time limits,
// failure panel), runtime.js (where the runtime's files come from, by mode),
// supply.js (what the worker is given: the snapshot policy, the downloads,
// the start message), paint.js (embedding the baked figures), panels.js (the
// panels below the explorer, on demand), pyfiles.js and pyworker.js (the
// worker's own code) and bridge.js.
"use strict";
(function () {
  const html = document.documentElement;
  const params = new URLSearchParams(location.search);
  if (params.get("kiosk") === "1") html.classList.add("kiosk");
  const P = window.explorerProgress;
  const R = window.explorerRuntime;
  const S = window.explorerSupply;
  // PyScript's plugins that would touch the page (its error overlay among them): the page has its own.
  const PYSCRIPT_PLUGINS = ["!codemirror", "!deprecations-manager", "!donkey", "!error", "!py-editor", "!py-game",
    "!py-terminal"];
  let bootNote = ""; // the worker's word on how it booted, for people and tests
  let markPainted;
  const painted = new Promise((resolve) => { markPainted = resolve; });
  const parsed = new Promise((resolve) => {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", resolve);
    else resolve();
  });

  function ready() {
    if (!P.finish()) return;
    window.explorerPanels.start();
    S.prefetchLater();
  }

  // -- Python's worker ------------------------------------------------------------
  // The worker's messages during the boot (bridge.js handles the rest).
  function handlers(mode) {
    let start = null;
    return {
      hello: async () => {
        helloSeen = true;
        heardHello();
        start ||= S.startMessage(mode, parsed, painted);
        try {
          const [message, transfer, later] = await start;
          window.explorerBridge.start(message, transfer);
          S.sendLater(later);
        } catch (e) {
          P.fail(`The Python runtime could not be loaded (${e.message}).`);
        }
      },
      stage: (d) => P.stage(d.name),
      boot: (d) => {
        html.dataset.boot = d.kind;
        if (d.note) bootNote = d.note;
      },
      fail: (d) => P.fail(d.what),
      listening: async () => {
        await painted; // Python's first patch writes to the explorer's figures
        window.explorerBridge.send({
          x: "init", hash: location.hash, search: Object.fromEntries(params),
          reducedMotion: matchMedia("(prefers-reduced-motion: reduce)").matches,
          labData: window.EXPLORER_BAKED.lab_data,
        });
      },
      need: async (d) => {
        try {
          window.explorerBridge.send({ x: "files", id: d.id, packs: await R.packs(d.paths) });
        } catch (e) {
          window.explorerBridge.send({ x: "files", id: d.id, error: e.message });
        }
      },
    };
  }

  let helloSeen = false; // the worker's script runs: a failure after this is not a refusal
  let heardHello;
  const pythonStarting = new Promise((resolve) => { heardHello = resolve; });

  function refused(e) {
    const why = (e && e.message) || String(e || "it did not start");
    if (helloSeen) {
      P.fail(`Python stopped while starting (${why}).`);
      return;
    }
    P.fail(`This browser would not start Python in a background worker (${why}).`,
      "Open the page in a current Chrome, Edge, Firefox or Safari, with JavaScript and web workers allowed.");
  }

  function watch(worker) {
    // A worker that dies, or whose script cannot run at all, says so here
    // (and PyScript's, which reports Python's own failures the same way, on the panel, not the console).
    worker.addEventListener("error", (e) => {
      e.preventDefault();
      if (html.dataset.state === "loading") refused(e.message ? new Error(e.message) : null);
    });
    // PyScript hands a failure its worker reports to onerror (by default console.error).
    if ("sync" in worker) worker.onerror = (e) => { if (html.dataset.state === "loading") refused(e.error || e); };
  }

  // Served (vendored or a CDN fork): PyScript's worker runs py/main.py, with
  // pyworker.mjs as its interpreter.
  async function startWithPyScript(mode) {
    for (const type of ["py", "mpy"]) { // its Python and its MicroPython each read their own
      const config = document.createElement(`${type}-config`);
      config.setAttribute("type", "json");
      config.textContent = JSON.stringify({ plugins: PYSCRIPT_PLUGINS });
      document.head.appendChild(config);
    }
    // PyScript patches attachShadow to watch every shadow root for its py-*
    // attributes, and so walked each node BokehJS adds to its views with an
    // XPath query (measured: figures' first paint 385 → 320 ms, long tasks
    // to `ready` 440 → 300 ms, median of 5 normal boots). The page has no
    // py-* attribute in a shadow root, so the original comes back.
    const attachShadow = Element.prototype.attachShadow;
    const core = await import(mode === "cdn" ? R.CDN.pyscript : R.abs(R.V + "pyscript/pyscript.bundle.js"));
    Element.prototype.attachShadow = attachShadow;
    performance.mark("explorer:pyscript-imported");
    await parsed;
    // PyWorker does not wait for PyScript's own set-up, whose hooks (ours
    // among them) it needs (measured: from the CDN, with its chunks still
    // arriving, PyWorker ran without any hook). That set-up ends by defining
    // the <py-script> element.
    await customElements.whenDefined("py-script");
    core.hooks.main.onWorker.add((wrap, worker) => {
      watch(worker);
      window.explorerBridge.connect(worker, handlers(mode));
    });
    const main = R.blobURL(window.EXPLORER_BAKED.app_files["py/main.py"], "text/plain");
    const { packages_cache } = window.EXPLORER_BAKED.pyscript_config;
    // PyScript takes only a scheme:// URL as the interpreter's.
    core.PyWorker(main, { version: R.abs("assets/app/pyworker.mjs"), config: { packages_cache }, async: true })
      .catch(refused);
    performance.mark("explorer:worker-created");
  }

  // From disk and in the single file: a classic worker from pyworker.js's own source.
  function startOwnWorker(mode) {
    const source = R.workerSource("self.explorerWorker.runOwn();");
    let worker;
    try {
      worker = new Worker(R.blobURL(source, "text/javascript"));
    } catch (e) {
      refused(e);
      return;
    }
    watch(worker);
    window.explorerBridge.connect(worker, handlers(mode));
    performance.mark("explorer:worker-created");
  }

  // PyScript's worker needs the main thread now and then while it starts, and
  // BokehJS's first paint would keep it waiting (measured: its start delayed
  // until the paint was over, ~0.5 s): the paint begins once the worker has
  // said hello, or after PAINT_PATIENCE_MS at most.
  const PAINT_PATIENCE_MS = 700;
  async function firstPaint() {
    if (mode === "vendored" || mode === "cdn") {
      await Promise.race([pythonStarting, new Promise((resolve) => setTimeout(resolve, PAINT_PATIENCE_MS))]);
    }
    performance.mark("explorer:paint-start");
    const out = await window.explorerPaint.embed("explorer");
    performance.mark("explorer:first-paint");
    // The last plot is painted in the next frame (paint.js holds each plot's paint out of the task
    // that builds it); a frame callback asked for now runs just after that paint. Benchmarks read
    // it; a hidden tab, which paints no frames, never marks it, and nothing waits for it.
    requestAnimationFrame(() => performance.mark("explorer:figures-painted"));
    html.dataset.figures = "drawn";
    return out;
  }

  // On a phone the explorer's plots begin well over a screen below the top
  // (at 412 × 823 px, 1.4 screens): built during the boot, BokehJS's
  // evaluation and the figures' build (about 0.5 s of this machine's main
  // thread, 2 s on a phone four times slower) would be spent on what nobody
  // sees yet, and Python's boot shares the device's cores with them. There
  // they are painted like a panel below (panels.js): when they come near,
  // or once the page is idle after `ready`. Decided once, from the layout
  // as the page opens; a kiosk always shows them.
  let later = null;
  function figuresLater() {
    if (later === null) {
      const host = document.getElementById("lossPlotHost");
      later = !html.classList.contains("kiosk") && params.get("figures") !== "now" && !!host &&
        host.getBoundingClientRect().top > innerHeight * window.explorerPanels.NEAR;
    }
    return later;
  }

  async function start() {
    if (!window.EXPLORER_BAKED) {
      P.fail("A file of the page is missing: assets/app/baked.js.");
      return;
    }
    // The default state's numbers are baked in: show them whatever happens next.
    const paint = window.explorerPaint;
    if (paint.isDefaultHash()) paint.fillReadouts(window.EXPLORER_BAKED.readouts);
    if (typeof WebAssembly !== "object" || !("noModule" in HTMLScriptElement.prototype) ||
        typeof DecompressionStream !== "function" || typeof Worker !== "function") {
      P.fail("This browser cannot run Python in a page: it lacks WebAssembly, JavaScript modules, web workers or " +
        "DecompressionStream.", "Open the page in a current Chrome, Edge, Firefox or Safari.");
      return;
    }
    if (figuresLater()) {
      html.dataset.figures = "later";
      window.explorerModels.expect(window.EXPLORER_BAKED.docs_json.explorer);
      markPainted(); // Python's writes to the figures wait in models.js until they are painted
      window.explorerPanels.later(() => {
        const figures = R.loadBokeh().then(firstPaint);
        figures.catch((e) => P.fail(`The figures could not be drawn (${e.message}).`));
        return figures;
      });
    } else {
      const figures = bokeh.then(firstPaint);
      figures.then(markPainted, markPainted);
      figures.catch((e) => P.fail(`The figures could not be drawn (${e.message}).`));
    }
    P.stage("runtime"); // its time limit starts now; the worker reports the stages after it
  }

  // In order, once the page's text has been painted: BokehJS's bytes, then
  // Python's worker and the runtime's downloads. Begun before that paint,
  // the runtime's megabytes are charged to it by page audits that simulate a
  // slow network (Lighthouse: the header's lede, painted at 0.3 s, reported
  // at up to 47 s when the wasm's request went out a few ms first). Begun
  // beside BokehJS, they shared a slow link with it, and the figures waited
  // for most of the runtime (simulated slow 4G: BokehJS ran at 10.3 s); the
  // runtime itself arrives no later for going second on the same link.
  // Here, on a fast one, the order costs the boot a frame and BokehJS's download.
  // Every engine reports that paint (Chromium, Firefox ESR, WebKitGTK: checked); the cap is for one
  // that never does. At 1 s it fired in 2 of 5 Lighthouse runs in headless Chromium on a busy host,
  // whose first frame came 1.2 and 2.2 s in with the main thread idle, and each such audit charged
  // the runtime's download to the lede (largest paint 4.7 and 19.5 s, performance 77 and 62).
  const FIRST_PAINT_CAP_MS = 3000; // never waits longer for it
  const textPainted = parsed.then(() => new Promise((resolve) => {
    // The browser's own first-contentful-paint entry: it comes once the frame is on screen (a task
    // after the frame's rendering comes a few ms earlier, and audits date the paint by the screen).
    if ((PerformanceObserver.supportedEntryTypes || []).includes("paint")) {
      new PerformanceObserver((list, observer) => {
        if (!list.getEntriesByName("first-contentful-paint").length) return;
        observer.disconnect();
        resolve();
      }).observe({ type: "paint", buffered: true });
    } else {
      requestAnimationFrame(() => setTimeout(resolve, 0));
    }
    // A tab in the background paints nothing: it starts at once.
    setTimeout(resolve, document.visibilityState === "hidden" ? 0 : FIRST_PAINT_CAP_MS);
  }));
  const mode = R.detectMode();
  html.dataset.mode = mode;
  const bokehHere = textPainted.then(() => {
    performance.mark("explorer:text-painted");
    if (!figuresLater()) return R.preloadBokeh();
    R.prefetchBokeh();
    return null;
  });
  const bokeh = bokehHere.then(() => (figuresLater() ? null : R.loadBokeh()));
  bokeh.catch(() => {}); // reported by start(), once the page can show it
  if (typeof WebAssembly === "object" && typeof Worker === "function") {
    bokehHere.then(() => {
      if (mode === "vendored") S.begin();
      if (mode === "vendored" || mode === "cdn") {
        startWithPyScript(mode).catch((e) => P.fail(`The Python runtime could not be loaded (${e.message}).`));
      } else {
        startOwnWorker(mode);
      }
    });
  }

  window.explorerBoot = {
    stage: P.stage, fail: P.fail, ready, bootNote: () => bootNote || S.note(),
    python: (code) => window.explorerBridge.python(code), // tests and benchmarks
    wasmBytes: () => window.explorerBridge.wasmBytes(),
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
