// Page layer, before Python: the loading progress bar, its per-stage time
// limits, and the failure panel. Classic script: it must run on file://.
// boot.js drives it; Python's worker reports its own stages through it.
"use strict";
(function () {
  const html = document.documentElement;
  const params = new URLSearchParams(location.search);

  // loadPyodide can hang instead of rejecting, so every stage has a limit;
  // `?boot_timeout=S` shortens them all (tests, kiosks).
  const override = Number(params.get("boot_timeout"));
  const LIMIT_S = { runtime: 90, packages: 45, app: 45 };
  const LABEL = {
    runtime: "Starting the Python runtime",
    packages: "Loading numpy",
    app: "Starting the app",
  };
  const ORDER = ["runtime", "packages", "app"];
  // What to do about a failure, by where this copy of the page gets its runtime.
  const FIX = {
    vendored: "Reload the page. If it keeps failing, run `python3 tools/dev.py setup` to re-check assets/vendor/.",
    cdn: "This copy has no assets/vendor/ and the CDN could not be reached. Connect to the internet, or run " +
      "`python3 tools/dev.py setup` (or `python3 tools/dev.py serve`, which does it) to work offline.",
    file: "Opened from disk, the page needs assets/vendor/ next to index.html: run `python3 tools/dev.py setup` " +
      "once, or open the single-file build (dist/index.html).",
    single: "This file seems damaged; rebuild it with `python3 tools/dev.py build`.",
  };
  let timer = 0;
  let mode = "vendored";

  function $(id) { return document.getElementById(id); }

  let reached = -1;
  function stage(name) {
    // Never backwards: the page and Python's worker each report what they reach.
    if (html.dataset.state !== "loading" || ORDER.indexOf(name) <= reached) return;
    reached = ORDER.indexOf(name);
    performance.mark(`explorer:${name}`);
    const bar = $("bootBar");
    const label = $("bootStage");
    if (bar) {
      bar.value = ORDER.indexOf(name) + 1;
      bar.setAttribute("aria-valuetext", LABEL[name]);
    }
    if (label) label.textContent = `${LABEL[name]}… (step ${ORDER.indexOf(name) + 1} of 3)`;
    clearTimeout(timer);
    const s = override > 0 ? override : LIMIT_S[name];
    timer = setTimeout(() => fail(`${LABEL[name]} did not finish within ${s} seconds.`), s * 1000);
  }

  function fail(what, fix) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", () => fail(what, fix));
      return;
    }
    if (html.dataset.state === "error") return;
    clearTimeout(timer);
    html.dataset.state = "error";
    $("bootWhat").textContent = what;
    $("bootFix").textContent = fix || FIX[mode];
    $("bootError").hidden = false;
    $("boot").hidden = true;
  }

  // True once, when loading ends well: the controls come alive.
  function finish() {
    if (html.dataset.state !== "loading") return false;
    clearTimeout(timer);
    performance.mark("explorer:ready");
    html.dataset.state = "ready";
    $("boot").hidden = true;
    for (const el of document.querySelectorAll("[data-live-control]")) el.disabled = false;
    return true;
  }

  // Errors while loading are fatal to loading (after it, Python handles its own).
  window.addEventListener("error", (e) => {
    if (html.dataset.state === "loading") fail(`Loading failed: ${e.message || "a file could not be loaded"}.`);
  });
  window.addEventListener("unhandledrejection", (e) => {
    if (html.dataset.state === "loading") fail(`Loading failed: ${(e.reason && e.reason.message) || e.reason}.`);
  });

  window.explorerProgress = { stage, fail, finish, setMode: (m) => { mode = m; } };
})();
