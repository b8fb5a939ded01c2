// Page layer: how this page's plots are built, BokehJS 3.9 adjusted before it
// builds its first view (paint.js calls adjust(); how they repaint is
// repaint.js's): each figure's build split in tasks (its views, a slice at a
// time; then its layout), a document decoded a model at a time, and titles
// that fit a phone's width. Each adjustment applies only where BokehJS's code
// is the one described; another BokehJS keeps its own.
// Classic script: it must run on file://.
(function () {
  // One task between figures: a panel of four figures is four short tasks for
  // BokehJS to build, not one long one that would stall whatever moves. A
  // timeout, not scheduler.yield(), whose continuation would go before other
  // waiting tasks (Python's worker starting, input, a message with a patch).
  // taskStart: when the task that the last nextTask() began started (what a
  // slice of work measures itself from).
  let taskStart = 0;
  const nextTask = () => new Promise((resolve) => setTimeout(() => {
    taskStart = performance.now();
    resolve();
  }, 0));
  const sliceOver = (ms) => performance.now() - taskStart > ms;

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

  // Within those views, a figure of many renderers (the gradient plot's 18)
  // was still one task of 46 to 54 ms (measured: 1 to 10 ms a renderer).
  // While a figure is being built (embedding > 0), a view whose build starts
  // past BUILD_SLICE_MS into the task waits for the next one. BokehJS builds a
  // plot's views one after another, each awaited, and every view's
  // lazy_initialize begins with View's own (empty, asynchronous), which is
  // where the wait goes. Only while paint.js builds: a view built later (a
  // renderer added to a live plot) is built as BokehJS builds it.
  const BUILD_SLICE_MS = 20;
  let embedding = 0;
  function sliceViewBuilds() {
    const { View } = window.Bokeh.require("core/view") || {};
    const base = View && View.prototype.lazy_initialize;
    if (typeof base !== "function") return;
    View.prototype.lazy_initialize = async function () {
      if (embedding > 0 && sliceOver(BUILD_SLICE_MS)) await nextTask();
      return base.call(this);
    };
  }
  // The figures of one embed (or panel) are built inside one call of this.
  async function whileBuilding(build) {
    embedding++;
    try {
      return await build();
    } finally {
      embedding--;
    }
  }

  // BokehJS decodes a document in one call (Document.from_json), and the first
  // document decoded pays for every model class's first instance: measured
  // 90 to 190 ms for the explorer's 291 models, one task. Decoded here a model
  // (with whatever it alone holds) at a time, children before parents, in
  // tasks of about DECODE_SLICE_MS; once a model is decoded, its place in the
  // JSON becomes a reference, which BokehJS resolves to it. A reference back
  // to a model still being decoded (a cycle) keeps the models between the two
  // in one piece. The same document results, built by BokehJS's own decoder;
  // with another BokehJS, or JSON of a shape not described here, one call.
  const DECODE_SLICE_MS = 20;
  const isModel = (v) => v !== null && typeof v === "object" && v.type === "object" &&
    typeof v.id === "string" && typeof v.name === "string";
  // As BokehJS's decoder reads them.
  const isRef = (v) => v !== null && typeof v === "object" && typeof v.id === "string" &&
    (typeof v.type !== "string" || v.type === "ref");

  // The pieces of `roots` (a copy, consumed), in the order they can be decoded,
  // each [node, holder, key] (node is holder[key]); null if a reference comes
  // before its model.
  function decodePlan(roots) {
    const nodes = []; // pre-order: {node, holder, key, parent, end, whole}
    const post = []; // the same, children first: the order of decoding
    const defined = new Map(); // id → index in nodes
    const refs = []; // [index of the model holding it, index of its model]
    const stack = [[roots, null, null, -1, false]];
    while (stack.length) {
      const [v, holder, key, parent, leaving] = stack.pop();
      if (leaving) {
        nodes[parent].end = nodes.length;
        post.push(nodes[parent]);
        continue;
      }
      if (v === null || typeof v !== "object") continue;
      let here = parent;
      if (isModel(v)) {
        here = nodes.length;
        defined.set(v.id, here);
        nodes.push({ node: v, holder, key, parent, end: -1, whole: false });
        stack.push([null, null, null, here, true]);
      } else if (!Array.isArray(v) && isRef(v)) {
        if (!defined.has(v.id)) return null;
        refs.push([parent, defined.get(v.id)]);
        continue;
      }
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) stack.push([v[keys[i]], v, keys[i], here, false]);
    }
    const within = (a, i) => a <= i && i < nodes[a].end; // is i in a's subtree?
    const owner = (i) => { while (nodes[i].whole) i = nodes[i].parent; return i; };
    for (let changed = true; changed;) {
      changed = false;
      for (const [from, to] of refs) {
        const o = owner(to);
        if (from < 0 || !within(o, from) || o === owner(from)) continue;
        for (let i = from; i !== o; i = nodes[i].parent) {
          if (!nodes[i].whole) { nodes[i].whole = true; changed = true; }
        }
      }
    }
    return post.filter((n) => !n.whole).map((n) => [n.node, n.holder, n.key]);
  }

  async function decodeDocument(json, sliceMs = DECODE_SLICE_MS) {
    const { Document } = window.Bokeh.require("document");
    const { Deserializer } = window.Bokeh.require("core/serialization/deserializer") || {};
    const plan = Deserializer && Array.isArray(json.roots) && json.defs == null &&
      typeof Document.prototype._push_all_models_freeze === "function" && decodePlan(structuredClone(json.roots));
    if (!plan) return Document.from_json(json);
    const doc = Document.from_json({ ...json, roots: [] });
    // Decoded models reach no root until the end: kept from being swept meanwhile.
    doc._push_all_models_freeze();
    const decoder = new Deserializer(doc.resolver, doc._all_models, (m) => m.attach_document(doc));
    await nextTask(); // the plan (~10 ms) ends the task that asked for the paint
    for (const [node, holder, key] of plan) {
      if (sliceOver(sliceMs)) await nextTask();
      decoder.decode(node);
      holder[key] = { id: node.id };
    }
    for (const root of json.roots) doc.add_root(doc._all_models.get(root.id));
    doc._pop_all_models_freeze();
    return doc;
  }

  // A figure is several composited layers (each canvas of BokehJS's, one per
  // legend entry's swatch, and what overlaps them), and every frame commits
  // every layer the page has. The panels below the race are skipped by the
  // browser only beyond a screen and a half (content-visibility: auto), so a
  // lab painted there still cost each frame of a drag at the top (measured at
  // 1280 x 720: 57 layers, 29 with the lab's figures hidden). A figure more
  // than half a screen away is hidden (style.css: .plot.far), and shown again
  // as it comes within half a screen, before it can be seen.
  const NEAR_MARGIN = "50% 0px";
  function hideFarPlots() {
    if (!window.IntersectionObserver) return;
    const io = new IntersectionObserver((entries) => {
      for (const e of entries) e.target.classList.toggle("far", !e.isIntersecting);
    }, { rootMargin: NEAR_MARGIN });
    for (const host of document.querySelectorAll(".plot")) io.observe(host);
  }

  // Once, before BokehJS builds its first view.
  let adjusted = false;
  function adjustBokeh() {
    if (adjusted) return;
    adjusted = true;
    window.explorerRepaint.adjust();
    splitPlotBuild();
    sliceViewBuilds();
    hideFarPlots();
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

  window.explorerPlots = {
    adjust: adjustBokeh, whenBuilt: (plot) => whenBuilt(plot), whileBuilding, fitTitles, nextTask, decodeDocument,
  };
})();
