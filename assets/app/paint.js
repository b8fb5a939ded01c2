// Page layer, first paint: the baked Bokeh documents embedded in the user's
// colour scheme (and a kiosk's larger type), repainted in place when the scheme
// changes, and the baked readouts. Python is not needed for any of it; boot.js
// calls it as soon as BokehJS has loaded. Classic script: it must run on file://.
(function () {
  const html = document.documentElement;
  function $(id) { return document.getElementById(id); }

  // Colours for the user's scheme and, in a kiosk, bigger type (Bokeh sizes
  // text in px; a kiosk is read from a few steps away).
  function themeProps(type, t, big) {
    if (/Axis$/.test(type)) {
      return big ? { ...t.axis, axis_label_text_font_size: "18px", major_label_text_font_size: "16px" } : t.axis;
    }
    if (type === "Title") return big ? { ...t.title, text_font_size: "20px" } : t.title;
    if (type === "Legend") return big ? { ...t.legend, label_text_font_size: "17px" } : t.legend;
    if (type === "Grid") return t.grid;
    return null;
  }

  function seriesColor(rendererName, t) {
    const name = rendererName || "";
    return /^(ce|gce)_/.test(name) ? t.ce : /^(mse|gmse)_/.test(name) ? t.mse : /^(own|gown)_/.test(name) ? t.own : null;
  }

  // Colour mappers the registry (py/explorer/panels.py, baked) names: "runners"
  // for those colouring each row by its runner ([CE, MSE, your loss]), "map"
  // for the depth panel's maps (the scheme's map palette), "classes" for the
  // three-class panel's maps.
  function runnerPalette(type, name, t) {
    const kind = /ColorMapper$/.test(type) && window.EXPLORER_BAKED.panels.palettes[name];
    return kind === "runners" ? [t.ce, t.mse, t.own] : (kind === "map" || kind === "classes") ? t[kind] : null;
  }

  function currentTheme(theme) {
    return [theme[matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"],
      html.classList.contains("kiosk")];
  }

  // Before embedding, on the document's JSON: the figures are painted once,
  // in the right colours, instead of painted and then repainted.
  function themeJSON(node, theme) {
    const [t, big] = currentTheme(theme);
    (function visit(n) {
      if (Array.isArray(n)) return n.forEach(visit);
      if (n === null || typeof n !== "object") return;
      if (n.type === "object" && typeof n.name === "string") {
        const attrs = (n.attributes ||= {});
        const props = themeProps(n.name, t, big);
        if (props) Object.assign(attrs, props);
        const palette = runnerPalette(n.name, attrs.name, t);
        if (palette) attrs.palette = palette;
        const color = n.name === "GlyphRenderer" ? seriesColor(attrs.name, t) : null;
        if (color && attrs.glyph && attrs.glyph.attributes) {
          attrs.glyph.attributes.line_color = color;
          if (attrs.glyph.name !== "Line") attrs.glyph.attributes.fill_color = color;
        }
      }
      for (const v of Object.values(n)) visit(v);
    })(node);
  }

  // On the live models, when the colour scheme changes while the page is open.
  function applyTheme(doc, theme) {
    const [t, big] = currentTheme(theme);
    for (const m of doc.all_models) {
      const props = themeProps(m.type, t, big);
      if (props) m.setv(props);
      const palette = runnerPalette(m.type, m.name, t);
      if (palette) m.palette = palette;
      const color = m.type === "GlyphRenderer" ? seriesColor(m.name, t) : null;
      if (color) {
        const g = m.glyph;
        g.setv("fill_color" in g ? { line_color: color, fill_color: color } : { line_color: color });
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

  // One baked document at a time: the explorer's is the first paint; each
  // panel's follows when panels.js asks for it.
  // A URL that asks for another state than the baked one: the figures paint
  // without their data until Python has computed it, rather than show the
  // default state's points and curves meanwhile.
  function blankData(node) {
    (function visit(n) {
      if (Array.isArray(n)) return n.forEach(visit);
      if (n === null || typeof n !== "object") return;
      if (n.type === "object" && n.name === "ColumnDataSource" && !/_keys$/.test((n.attributes || {}).name || "")) {
        const data = n.attributes && n.attributes.data;
        if (data && Array.isArray(data.entries)) data.entries = data.entries.map(([k]) => [k, []]);
      }
      for (const v of Object.values(n)) visit(v);
    })(node);
  }

  // Does the URL set any of a panel's fields (the keys Python declared)?
  function namesOwnKeys(panel) {
    const given = new Set(location.hash.replace(/^#/, "").split("&").map((kv) => kv.split("=")[0]));
    return (window.EXPLORER_BAKED.panels.keys[panel] || []).some((k) => given.has(k));
  }

  // One task between figures: a panel of four figures is four short tasks for
  // BokehJS to build, not one long one that would stall whatever moves. A
  // timeout, not scheduler.yield(), whose continuation would go before other
  // waiting tasks (Python's worker starting, input, a message with a patch).
  const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

  // BokehJS 3.9 asks the style engine, at every repaint, for a CSS variable
  // (--bk-line-color, --bk-major-label-text-color, ...) for each visual
  // property of each part of a figure: a getComputedStyle per property, about
  // a third of a decision map's repaint (measured: 2.9 ms, 2.1 without), and
  // a style recalculation forced inside the frame whenever a readout has just
  // changed. This page styles its figures through their models only and
  // defines no --bk-* variable (nor does BokehJS's own CSS), so every lookup
  // finds nothing: answered as such without asking. Only where the method is
  // the one described (another BokehJS keeps its own).
  function skipCssLookups() {
    const { VisualProperties } = window.Bokeh.require("core/visuals/visual") || {};
    const proto = VisualProperties && VisualProperties.prototype;
    if (proto && /getComputedStyle\(this\.obj\.el\)\.getPropertyValue/.test(String(proto._get_css_value))) {
      proto._get_css_value = () => "";
    }
  }

  // BokehJS 3.9 repaints a plot through a throttle: within 1/60 s of its last
  // paint, a new paint waits out the rest of that time on a timer and then
  // for an animation frame. During a drag that often puts a plot's repaint
  // one frame late, in the very frame where the next move's patch arrives,
  // which then waits behind it (measured: the round trip's p95 7.2 to 7.5 ms
  // with the throttle, 4.6 to 5.8 ms without). Once per animation frame is
  // already at most the display's rate, with no timer in between. The
  // returned promise settles after the paint, as BokehJS's does.
  function paintOncePerFrame(paint) {
    let pending = null;
    const run = () => {
      const { resolve, reject } = pending;
      pending = null;
      try { paint(); resolve(); } catch (e) { reject(e); }
    };
    const request = () => {
      if (!pending) {
        pending = {};
        pending.promise = new Promise((resolve, reject) => Object.assign(pending, { resolve, reject }));
        requestAnimationFrame(run);
      }
      return pending.promise;
    };
    return request;
  }
  function swapThrottle() {
    const mod = window.Bokeh.require("core/util/throttle");
    // Only where the throttle is the one described, used by plots' repaints alone.
    if (mod && /requestAnimationFrame/.test(String(mod.throttle)) && /setTimeout/.test(String(mod.throttle))) {
      mod.throttle = (paint) => paintOncePerFrame(paint);
    }
  }

  // BokehJS builds a figure in one task: its views (each renderer's, with its
  // data indexed), then its DOM, its layout (every tick label measured) and
  // its first paint. Measured on a 2-core machine: 55 to 80 ms for the
  // explorer's first and largest figures, about a third of it the views. A task
  // boundary between the two halves keeps each under 50 ms. BokehJS's
  // lazy_initialize is asynchronous by design (a view may wait for a font or
  // WebGL there), and the plot's own signals are connected only after it, so
  // a change made meanwhile is read by the layout that follows.
  const building = new WeakMap(); // plot model → [promise, resolve]
  // whenBuilt(plot) settles in the task after the one that lays the plot out
  // (with another BokehJS, whose build is one task: in the next task).
  let whenBuilt = () => nextTask();
  function splitPlotBuild() {
    const { PlotView } = window.Bokeh.require("models/plots/plot") || {};
    const proto = PlotView && PlotView.prototype;
    if (!proto || !Object.prototype.hasOwnProperty.call(proto, "lazy_initialize")) return;
    const views = proto.lazy_initialize;
    proto.lazy_initialize = async function () {
      await views.call(this);
      await nextTask();
      const built = building.get(this.model);
      if (built) setTimeout(built[1], 0); // after the rest of this task: the layout
    };
    whenBuilt = (plot) => {
      if (!building.has(plot)) {
        let resolve;
        const promise = new Promise((r) => { resolve = r; });
        building.set(plot, [promise, resolve]);
      }
      return building.get(plot)[0];
    };
  }

  // Once, before BokehJS builds its first view.
  let adjusted = false;
  function adjustBokeh() {
    if (adjusted) return;
    adjusted = true;
    skipCssLookups();
    swapThrottle();
    splitPlotBuild();
  }

  // A figure's title is one line on its canvas, and on a phone the longest
  // were cut at the edge (measured: 6 of 14 at 320 px, 2 at 360). Each keeps the size
  // it was given where it fits, or is set smaller until it does (not below
  // TITLE_MIN_PX): when painted, when its text changes, after a resize.
  const TITLE_MIN_PX = 10;
  const ruler = document.createElement("canvas").getContext("2d");
  const titleSize = new WeakMap(); // title → the size it was given, px
  function fitTitle(view) {
    const title = view.model.title;
    if (!title || !title.text || !view.frame || !(view.bbox.width > 0)) return;
    if (!titleSize.has(title)) {
      titleSize.set(title, parseFloat(title.text_font_size) || 14);
      title.properties.text.change.connect(() => fitTitle(view));
    }
    const given = titleSize.get(title);
    ruler.font = `${title.text_font_style} ${given}px ${title.text_font}`;
    const room = view.bbox.width - view.frame.bbox.left - 4;
    const need = ruler.measureText(title.text).width;
    const size = `${need <= room ? given : Math.max(TITLE_MIN_PX, Math.floor(given * room / need))}px`;
    if (title.text_font_size !== size) title.text_font_size = size;
  }
  function fitTitles() {
    for (const view of Object.values(window.Bokeh.index)) fitTitle(view);
  }
  let refit = 0;
  addEventListener("resize", () => { // once the plots have been laid out again
    clearTimeout(refit);
    refit = setTimeout(fitTitles, 150);
  });

  async function embed(docid) {
    adjustBokeh();
    const baked = window.EXPLORER_BAKED;
    const docs = { [docid]: baked.docs_json[docid] };
    themeJSON(docs, baked.theme);
    if (docid === "explorer" ? !isDefaultHash() : namesOwnKeys(docid)) blankData(docs);
    const { Document } = window.Bokeh.require("document");
    const doc = Document.from_json(docs[docid]);
    await nextTask(); // the document's models (the explorer's: ~45 ms), then its first figure
    const item = baked.render_items.find((r) => r.docid === docid);
    // Smallest first: the first figure also pays BokehJS's one-time set-up
    // (measured: the explorer's loss plot, 95 models, 150 to 190 ms first, against 100 ms for
    // the 143-model gradient plot after it), so no one task carries both.
    const size = Object.fromEntries(docs[docid].roots.map((r) => [r.id, JSON.stringify(r).length]));
    const roots = [...doc.roots()].sort((a, b) => size[a.id] - size[b.id]); // a copy, as the list changes below
    const hosts = roots.map((r) => $(item.roots[r.id]));
    // A plot's first paint ends the task that builds and lays it out (measured:
    // 40 % of it): each is held until that task is over, then painted in a frame
    // of its own.
    const { Plot } = window.Bokeh.require("models/plots/plot");
    // A root that is a plot is its own (a root's references may reach another root's plot).
    const plots = roots.map((r) => r instanceof Plot ? [r] : [...r.references()].filter((m) => m instanceof Plot));
    for (const p of plots.flat()) p.hold_render = true;
    const built = plots.map((ps) => Promise.all(ps.map((p) => whenBuilt(p))));
    const release = (i) => { for (const p of plots[i]) p.hold_render = false; };
    // The first figure is built with the document, each other one when it is added back.
    for (const r of roots.slice(1)) doc.remove_root(r);
    await window.Bokeh.embed.add_document_standalone(doc, hosts[0], hosts);
    for (let i = 0; i < roots.length; i++) {
      if (i > 0) {
        await nextTask();
        doc.add_root(roots[i]);
      }
      await built[i];
      release(i); // painted in the next frame (none comes while the page is hidden)
    }
    fitTitles();
    window.explorerModels.register(roots);
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
      applyTheme(doc, baked.theme);
      fitTitles();
    });
    return { doc };
  }

  window.explorerPaint = { embed, fillReadouts, isDefaultHash };
})();
