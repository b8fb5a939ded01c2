// Page layer: the panels below the explorer, painted and bound on demand
// (SPEC §13), so that the page does not get slower to open with each one.
// Classic script: it must run on file://.
//
// Before `ready` only the explorer is painted and live. A panel below it is
// painted (its baked Bokeh document embedded) and then bound by Python when
// it first comes near the viewport, when the browser has been idle for a
// while after `ready`, or at once when something needs it: a URL or a link
// naming one of its hash keys, or the kiosk demo (explorerPanels.want).
// <html data-<name>-panel="loading|ready"> tells tests and kiosks where each stands.
"use strict";
(function () {
  const html = document.documentElement;
  // Panel → the id of its <section>, in page order (idle loading follows it).
  const SECTIONS = { lab: "lab", deep: "deep" };
  // Idle loading waits this long after `ready`, so that it never competes with
  // a visitor's first moves. `?panel_idle=S` sets the wait in seconds, and
  // `?panel_idle=never` turns idle loading off (tests, benchmarks).
  const idleParam = new URLSearchParams(location.search).get("panel_idle");
  const idleS = idleParam === null ? NaN : Number(idleParam);
  const IDLE_AFTER_MS = idleParam === "never" ? null : idleS >= 0 ? idleS * 1000 : 4000;
  // "Near": within a quarter of a viewport below the visible part.
  const NEAR_MARGIN = "0px 0px 25% 0px";
  const state = {}; // name → { requested, painted: Promise }
  let live = false; // the explorer is ready: panels may load
  let binder = null; // Python's: bind(name, doc)

  for (const name of Object.keys(SECTIONS)) {
    html.dataset[`${name}Panel`] = "loading";
    state[name] = { requested: false, painted: null };
  }

  function keysOf(href) {
    const h = String(href || "").split("#")[1] || "";
    return new Set(h.split("&").map((kv) => kv.split("=")[0]));
  }

  // The panels a URL hash or link names (their keys come baked from Python's declarations).
  function named(href) {
    const keys = keysOf(href);
    const all = (window.EXPLORER_BAKED && window.EXPLORER_BAKED.panel_keys) || {};
    return Object.keys(SECTIONS).filter((name) => (all[name] || []).some((k) => keys.has(k)));
  }

  // Paint, then have Python bind: resolves with the panel's Bokeh document once painted.
  function want(name) {
    const s = state[name];
    if (!s) return Promise.reject(new Error(`no panel ${name}`));
    s.requested = true;
    if (!live) return new Promise((resolve, reject) => { s.waiting = [resolve, reject]; });
    if (!s.painted) {
      s.painted = window.explorerPaint.embed(name).then((out) => {
        performance.mark(`explorer:${name}-paint`);
        if (binder) binder(name, out.doc); // Python marks the panel ready once bound
        return out;
      });
      s.painted.catch((e) => {
        console.warn(`explorer: the ${name} panel could not be drawn (${e.message})`);
        const notice = document.getElementById("notice");
        notice.textContent = "A panel further down could not be drawn; the explorer above works.";
        notice.hidden = false;
      });
    }
    if (s.waiting) {
      s.painted.then(...s.waiting);
      s.waiting = null;
    }
    return s.painted;
  }

  function whenNear() {
    if (!window.IntersectionObserver) return Object.keys(SECTIONS).forEach(want);
    const io = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        io.unobserve(e.target);
        want(e.target.dataset.panel);
      }
    }, { rootMargin: NEAR_MARGIN });
    for (const [name, id] of Object.entries(SECTIONS)) {
      const section = document.getElementById(id);
      if (!section) continue;
      section.dataset.panel = name;
      io.observe(section);
    }
  }

  // Something is moving: a race, a sweep, a course, the kiosk demo.
  const busy = () => ["race", "lab", "deep", "demo"].some((k) => html.dataset[k] === "running") ||
    document.getElementById("sweep")?.getAttribute("aria-pressed") === "true";
  // A real idle period has this much time left; the gaps between an
  // animation's frames have less, and a panel's paint is one long task that
  // would stall the animation.
  const IDLE_MS = 40;

  // One panel per idle period, in page order, so no single task grows with their number.
  function whenIdle() {
    const next = (deadline) => {
      const name = Object.keys(SECTIONS).find((n) => !state[n].painted);
      if (!name) return;
      if (busy() || (deadline && deadline.timeRemaining() < IDLE_MS)) return later();
      want(name).then(later, later);
    };
    const later = () => (window.requestIdleCallback ? requestIdleCallback(next) : setTimeout(next, 500));
    if (IDLE_AFTER_MS !== null) setTimeout(later, IDLE_AFTER_MS);
  }

  // Called by boot.js when the explorer is ready.
  function start() {
    live = true;
    for (const name of named(location.hash)) state[name].requested = true;
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
    start, want, names: () => Object.keys(SECTIONS),
    // Python's binder, set once its app has started.
    bindWith(fn) { binder = fn; },
  };
})();
