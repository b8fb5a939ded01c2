// Page layer: the panels below the explorer, painted and bound on demand
// (SPEC §13), so that the page does not get slower to open with each one.
// Classic script: it must run on file://.
//
// Before `ready` only the explorer is painted and live. A panel below it is
// painted (its baked Bokeh document embedded, one figure per task) and then
// bound by Python when it first comes near the viewport or has been scrolled
// past, when the browser has been idle for a while after `ready`, or at once
// when something needs it: a URL or a link naming one of its hash keys, or
// the kiosk demo (explorerPanels.want). Every panel is painted soon after
// `ready` in any case, so <html data-<name>-panel="loading|ready"> always
// moves on from "loading"; tests and kiosks read it.
//
// On a phone the explorer's own figures start out of sight too (boot.js):
// they are painted the same way, before any panel (which needs BokehJS,
// loaded with them) and, if they come near, even before `ready`.
"use strict";
(function () {
  const html = document.documentElement;
  // The panels on demand, in page order (idle loading follows it), each in the
  // <section> of its name, and every panel's hash keys: the registry
  // (py/explorer/panels.py), baked. baked.js is deferred: read once it has run.
  // Without it (a copy missing baked.js, which boot.js reports) there are none.
  const NONE = { on_demand: [], keys: {}, animates: [], palettes: {} };
  let registry = null;
  const panels = () => (registry ||= window.EXPLORER_BAKED && window.EXPLORER_BAKED.panels) || NONE;
  // Idle loading waits this long after `ready`, so that it never competes with
  // a visitor's first moves. `?panel_idle=S` sets the wait in seconds, and
  // `?panel_idle=never` turns idle loading off (tests, benchmarks).
  const idleParam = new URLSearchParams(location.search).get("panel_idle");
  const idleS = idleParam === null ? NaN : Number(idleParam);
  const IDLE_AFTER_MS = idleParam === "never" ? null : idleS >= 0 ? idleS * 1000 : 4000;
  // "Near": within a quarter of a viewport below the visible part.
  const NEAR = 1.25; // viewports from the top
  const NEAR_MARGIN = "0px 0px 25% 0px";
  const state = {}; // name → { requested, painted: Promise }
  let live = false; // the explorer is ready: panels may load

  // A panel's entry is made when first needed: a script listening for
  // DOMContentLoaded before this one may ask for a panel before init() runs.
  function entry(name) {
    if (!state[name] && panels().on_demand.includes(name)) {
      html.dataset[`${name}Panel`] = "loading";
      let bound;
      state[name] = { requested: false, painted: null, bound: new Promise((resolve) => { bound = resolve; }) };
      state[name].markBound = bound;
    }
    return state[name];
  }
  const init = () => { for (const name of panels().on_demand) entry(name); };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();

  function keysOf(href) {
    const h = String(href || "").split("#")[1] || "";
    return new Set(h.split("&").map((kv) => kv.split("=")[0]));
  }

  // The panels a URL hash or link names (their keys come baked from Python's declarations).
  function named(href) {
    const keys = keysOf(href);
    return panels().on_demand.filter((name) => (panels().keys[name] || []).some((k) => keys.has(k)));
  }

  // Paint, then have Python bind: resolves with the panel's Bokeh document once Python has bound it.
  function want(name) {
    const s = entry(name);
    if (!s) return Promise.reject(new Error(`no panel ${name}`));
    s.requested = true;
    if (!live) return new Promise((resolve, reject) => { s.waiting = [resolve, reject]; });
    if (!s.painted) {
      // BokehJS comes with the explorer's figures, which are above every panel.
      const first = figures ? paintFigures() : Promise.resolve();
      s.painted = first.then(() => window.explorerPaint.embed(name)).then((out) => {
        performance.mark(`explorer:${name}-paint`);
        window.explorerBridge.panelPainted(name); // Python marks the panel ready once bound
        return out;
      });
      s.painted.catch((e) => {
        console.warn(`explorer: the ${name} panel could not be drawn (${e.message})`);
        const notice = document.getElementById("notice");
        notice.textContent = "A panel further down could not be drawn; the explorer above works.";
        notice.hidden = false;
      });
    }
    const ready = s.painted.then((out) => s.bound.then(() => out));
    if (s.waiting) {
      ready.then(...s.waiting);
      s.waiting = null;
    }
    return ready;
  }

  // Near: within a quarter of a viewport below the visible part, or above it
  // (a reader who jumped past a panel, e.g. to the end of the text, has still
  // brought it in: the observer says nothing for a jump from below to above).
  function whenNear() {
    const pending = () => panels().on_demand.filter((name) => !entry(name).painted);
    const check = () => {
      for (const name of pending()) {
        const section = document.getElementById(name);
        if (section && section.getBoundingClientRect().top < innerHeight * NEAR) want(name);
      }
      if (!pending().length) window.removeEventListener("scroll", onScroll);
    };
    let queued = false;
    const onScroll = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; check(); });
    };
    window.addEventListener("scroll", onScroll, { passive: true });
    if (window.IntersectionObserver) {
      const io = new IntersectionObserver((entries) => {
        for (const e of entries) {
          if (!e.isIntersecting) continue;
          io.unobserve(e.target);
          want(e.target.dataset.panel);
        }
      }, { rootMargin: NEAR_MARGIN });
      for (const name of panels().on_demand) {
        const section = document.getElementById(name);
        if (!section) continue;
        section.dataset.panel = name;
        io.observe(section);
      }
    }
    check();
  }

  // The explorer's own figures, where they start out of sight (boot.js):
  // painted when they come near, even before `ready`, or else first of all
  // when the page is idle after it. Nothing binds them: Python's writes to
  // them are kept until then (models.js).
  let figures = null; // { paint: () => Promise, painted: Promise | null }
  function paintFigures() {
    figures.painted ||= figures.paint();
    return figures.painted;
  }
  function later(paint) {
    figures = { paint, painted: null };
    const host = document.getElementById("lossPlotHost");
    const near = () => host.getBoundingClientRect().top < innerHeight * NEAR;
    const onScroll = () => {
      if (figures.painted || !near()) return;
      window.removeEventListener("scroll", onScroll);
      paintFigures();
    };
    window.addEventListener("scroll", onScroll, { passive: true });
    if (window.IntersectionObserver) {
      const io = new IntersectionObserver((entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        io.disconnect();
        paintFigures();
      }, { rootMargin: NEAR_MARGIN });
      io.observe(host);
    }
  }

  // Something is moving: a race, a sweep, a course, the kiosk demo.
  const busy = () => [...panels().animates, "demo"].some((k) => html.dataset[k] === "running") ||
    document.getElementById("sweep")?.getAttribute("aria-pressed") === "true";
  // A learner moving a control: a panel's paint (tasks of 50 to 100 ms) would
  // stall the drag, and patience does not run out meanwhile.
  const INPUT_QUIET_MS = 1000;
  let lastInput = -Infinity;
  for (const type of ["input", "pointerdown", "keydown"]) {
    window.addEventListener(type, () => { lastInput = performance.now(); }, { capture: true, passive: true });
  }
  const inputRecently = () => performance.now() - lastInput < INPUT_QUIET_MS;
  // A real idle period has this much time left; the gaps between an
  // animation's frames have less. Each figure is a short task of its own, so
  // a panel whose turn has waited IDLE_PATIENCE_MS is painted anyway: a page
  // that animates without pause still gets every panel.
  const IDLE_MS = 40;
  const IDLE_PATIENCE_MS = 10000;

  // One panel at a time, in page order.
  function whenIdle() {
    let waitingSince = null;
    const next = (deadline) => {
      const name = figures && !figures.painted ? "explorer" : panels().on_demand.find((n) => !entry(n).painted);
      if (!name) return;
      if (inputRecently()) {
        waitingSince = null;
        return again();
      }
      waitingSince ??= performance.now();
      const patient = performance.now() - waitingSince < IDLE_PATIENCE_MS;
      if (patient && (busy() || (deadline && !deadline.didTimeout && deadline.timeRemaining() < IDLE_MS))) {
        return again();
      }
      waitingSince = null;
      (name === "explorer" ? paintFigures() : want(name)).then(again, again);
    };
    const again = () => (window.requestIdleCallback ? requestIdleCallback(next, { timeout: 1000 }) : setTimeout(next, 500));
    if (IDLE_AFTER_MS !== null) setTimeout(again, IDLE_AFTER_MS);
  }

  // Called by boot.js when the explorer is ready.
  function start() {
    live = true;
    for (const name of named(location.hash)) entry(name).requested = true;
    for (const [name, s] of Object.entries(state)) if (s.requested) want(name);
    whenNear();
    whenIdle();
  }

  // A link that sets a panel's controls, or a hash edited by hand, needs that panel now.
  document.addEventListener("click", (ev) => {
    const a = ev.target.closest && ev.target.closest("a[data-state-link]");
    if (!a) return;
    for (const name of named(a.getAttribute("href"))) {
      want(name).then(() => {
        const focus = a.dataset.focus && document.getElementById(a.dataset.focus);
        if (focus) focus.focus();
      }, () => {});
    }
  });
  window.addEventListener("hashchange", () => { for (const name of named(location.hash)) want(name); });

  window.explorerPanels = {
    start, want, later, NEAR, names: () => panels().on_demand,
    bound(name) { entry(name)?.markBound(); }, // bridge.js: Python has bound it
  };
})();
