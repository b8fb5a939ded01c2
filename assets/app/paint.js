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

  const B = window.explorerPlots;
  const nextTask = B.nextTask;

  // Its views built a slice at a time (plots.js).
  const embed = (docid) => B.whileBuilding(() => build(docid));

  async function build(docid) {
    B.adjust();
    const baked = window.EXPLORER_BAKED;
    const docs = { [docid]: baked.docs_json[docid] };
    themeJSON(docs, baked.theme);
    if (docid === "explorer" ? !isDefaultHash() : namesOwnKeys(docid)) blankData(docs);
    const doc = await B.decodeDocument(docs[docid]);
    await nextTask(); // the document's models, then its first figure
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
    const built = plots.map((ps) => Promise.all(ps.map((p) => B.whenBuilt(p))));
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
    B.fitTitles();
    window.explorerModels.register(roots);
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
      applyTheme(doc, baked.theme);
      B.fitTitles();
    });
    return { doc };
  }

  window.explorerPaint = { embed, fillReadouts, isDefaultHash };
})();
