// Page layer, before Python: first paint from the baked default state, the
// loading progress, and the failure panel. Classic script (works on file://).
"use strict";
(function () {
  const html = document.documentElement;
  const params = new URLSearchParams(location.search);
  if (params.get("kiosk") === "1") html.classList.add("kiosk");
  // Per-stage limits. loadPyodide can hang instead of rejecting, so every
  // stage has one; `?boot_timeout=S` shortens them all (tests, kiosks).
  const override = Number(params.get("boot_timeout"));
  const LIMIT_S = { runtime: 90, packages: 45, app: 45 };
  const LABEL = {
    runtime: "Starting the Python runtime",
    packages: "Loading numpy",
    app: "Starting the app",
  };
  const ORDER = ["runtime", "packages", "app"];
  let timer = 0;
  let current = null;
  const FIX =
    "If you cloned the repository, fetch the runtime into assets/vendor/ with " +
    "`python3 tools/dev.py setup` (or start the app with `python3 tools/dev.py serve`, " +
    "which does it). Otherwise use a current Chrome, Edge, Firefox or Safari.";

  function $(id) { return document.getElementById(id); }

  function stage(name) {
    if (html.dataset.state !== "loading") return;
    current = name;
    const bar = $("bootBar");
    const label = $("bootStage");
    if (bar) {
      bar.value = ORDER.indexOf(name) + 1;
      bar.setAttribute("aria-valuetext", LABEL[name]);
    }
    if (label) label.textContent = `${LABEL[name]}… (step ${ORDER.indexOf(name) + 1} of 3)`;
    clearTimeout(timer);
    const s = override > 0 ? override : LIMIT_S[name];
    timer = setTimeout(
      () => fail(`${LABEL[name]} did not finish within ${s} seconds.`),
      s * 1000,
    );
  }

  function fail(what) {
    if (html.dataset.state === "error") return;
    clearTimeout(timer);
    html.dataset.state = "error";
    $("bootWhat").textContent = what;
    $("bootFix").textContent = FIX;
    $("bootError").hidden = false;
    $("boot").hidden = true;
  }

  function ready() {
    if (html.dataset.state !== "loading") return;
    clearTimeout(timer);
    html.dataset.state = "ready";
    $("boot").hidden = true;
    for (const el of document.querySelectorAll("[data-live-control]")) el.disabled = false;
  }

  // Errors while loading are fatal to loading (after it, Python handles its own).
  window.addEventListener("error", (e) => {
    if (html.dataset.state === "loading") fail(`Loading failed: ${e.message || "a file could not be loaded"}.`);
  });
  window.addEventListener("unhandledrejection", (e) => {
    if (html.dataset.state === "loading") fail(`Loading failed: ${(e.reason && e.reason.message) || e.reason}.`);
  });

  function applyTheme(doc, theme) {
    const dark = matchMedia("(prefers-color-scheme: dark)").matches;
    const t = theme[dark ? "dark" : "light"];
    for (const m of doc.all_models) {
      const type = m.type;
      if (/Axis$/.test(type)) m.setv(t.axis);
      else if (type === "Title") m.setv(t.title);
      else if (type === "Legend") m.setv(t.legend);
      else if (type === "Grid") m.setv(t.grid);
      else if (type === "GlyphRenderer") {
        const name = m.name || "";
        const color = /^(ce|gce)_/.test(name) ? t.ce : /^(mse|gmse)_/.test(name) ? t.mse : null;
        if (!color) continue;
        const g = m.glyph;
        const props = { line_color: color };
        if ("fill_color" in g) props.fill_color = color;
        g.setv(props);
      }
    }
  }

  function fillReadouts(readouts) {
    for (const [id, r] of Object.entries(readouts)) {
      const el = $(id);
      if (!el) continue;
      el.textContent = r.text;
      el.dataset.value = r.value;
    }
  }

  function isDefaultHash() {
    const h = location.hash.replace(/^#/, "");
    return h === "" || h === window.EXPLORER_BAKED.hash.replace(/^#/, "");
  }

  // Draw the baked figures and readouts at once; Python takes them over later.
  async function firstPaint() {
    const baked = window.EXPLORER_BAKED;
    if (isDefaultHash()) fillReadouts(baked.readouts);
    const views = await window.Bokeh.embed.embed_items(baked.docs_json, baked.render_items);
    const doc = window.Bokeh.documents[window.Bokeh.documents.length - 1];
    applyTheme(doc, baked.theme);
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => applyTheme(doc, baked.theme));
    html.dataset.figures = "drawn";
    return { doc, views };
  }

  let figures;
  function start() {
    if (!window.Bokeh || !window.EXPLORER_BAKED) {
      fail("A file of the page is missing: " + (!window.Bokeh ? "assets/vendor/bokeh/bokeh.min.js" : "assets/app/baked.js") + ".");
      return;
    }
    figures = firstPaint();
    figures.catch((e) => fail(`The figures could not be drawn: ${e.message}.`));
    stage("runtime");
    // PyScript finds the <script type="py"> in the page and boots Pyodide.
    import(new URL("assets/vendor/pyscript/core.js", document.baseURI).href).catch((e) =>
      fail(`The PyScript runtime could not be loaded (${e.message}).`),
    );
  }

  window.explorerBoot = {
    stage, fail, ready,
    figures: () => figures,
    get current() { return current; },
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
