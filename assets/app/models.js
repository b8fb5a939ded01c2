// Page layer: the page's Bokeh models by name, and Python's writes to them
// (the "set", "source", "stream" and "image" operations of a patch).
// Classic script: it must run on file://.
//
// A figure may be painted after Python first writes to it: on a phone the
// explorer's plots start out of sight and are painted when they come near
// (boot.js). The models of such a document are announced beforehand
// (expect); writes to them are kept, one merged entry per model, and made
// once the document is painted (register). Kept writes are bounded by the
// number of models, however long the figures wait: a whole column set
// replaces what came before it, and properties set merge.
"use strict";
(function () {
  const models = new Map(); // name → model, across the page's documents
  const held = new Map(); // name → { data: [op, args] | null, streams: [[op, args]], props: {} }, until painted

  // A gap in a plot is undefined to BokehJS (NaN); JSON can only say null.
  function column(value, arrays) {
    if (value && typeof value === "object" && !Array.isArray(value) && "$" in value) return arrays[value.$];
    if (Array.isArray(value) && value.includes(null)) return value.map((v) => (v === null ? undefined : v));
    return value;
  }
  function columns(data, arrays) {
    const out = {};
    for (const [k, v] of Object.entries(data)) out[k] = column(v, arrays);
    return out;
  }

  function model(name) {
    const m = models.get(name);
    if (!m) throw new Error(`no model named ${name}`);
    return m;
  }

  const WRITE = {
    set: (name, props) => {
      const m = model(name);
      const plain = {};
      for (const [k, v] of Object.entries(props)) {
        if (!k.includes(".")) { plain[k] = v; continue; }
        const path = k.split(".");
        let target = m;
        for (const part of path.slice(0, -1)) target = target[part];
        target[path[path.length - 1]] = v;
      }
      if (Object.keys(plain).length) m.setv(plain);
    },
    source: (name, data, arrays) => { model(name).data = columns(data, arrays); },
    stream: (name, data, arrays) => { model(name).stream(columns(data, arrays)); },
    image: (name, flat, h, w, [x, y, dw, dh], arrays) => {
      // BokehJS's image glyph takes an NDArray, which only JS can make.
      const { ndarray } = window.Bokeh.require("core/util/ndarray");
      model(name).data = { image: [ndarray(column(flat, arrays), { shape: [h, w], dtype: "float64" })],
        x: [x], y: [y], dw: [dw], dh: [dh] };
    },
  };

  // A write kept for later: the arrays it names are resolved now (the patch's list is not kept).
  function hold(op, name, args, arrays) {
    const h = held.get(name);
    if (op === "set") {
      Object.assign(h.props, args[0]);
    } else if (op === "stream") {
      if (h.streams.length >= 64) throw new Error(`too many rows waiting for ${name}`); // no panel streams unseen
      h.streams.push([op, [columns(args[0], arrays)]]);
    } else {
      const own = op === "image" ? [args[0]].map((f) => column(f, arrays)) : [columns(args[0], arrays)];
      h.data = [op, [...own, ...args.slice(1, op === "image" ? 4 : 1)]];
      h.streams = [];
    }
  }

  // One of Python's writes: made now, or kept until its figure is painted.
  function write(op, name, args, arrays) {
    if (!models.has(name) && held.has(name)) hold(op, name, args, arrays);
    else WRITE[op](name, ...args, arrays);
  }

  // The named models of a baked document (its JSON) that will be painted later, walked without recursion.
  function expect(docJSON) {
    const stack = [docJSON];
    while (stack.length) {
      const n = stack.pop();
      if (n === null || typeof n !== "object") continue;
      const name = n.type === "object" && n.attributes ? n.attributes.name : null;
      if (typeof name === "string" && !models.has(name) && !held.has(name)) {
        held.set(name, { data: null, streams: [], props: {} });
      }
      for (const v of Array.isArray(n) ? n : Object.values(n)) if (v !== null && typeof v === "object") stack.push(v);
    }
  }

  // Models of a document just painted, by name; the writes kept for them are made.
  function register(roots) {
    // Read from the roots, not the document (which updates its list lazily).
    // A model's references() are all it reaches, itself included: asked once
    // per root, not once per model (measured: 20 to 50 ms for the explorer's
    // 291 models, one task).
    const arrived = [];
    for (const root of roots) {
      for (const m of root.references()) {
        if (m.name && !models.has(m.name)) {
          models.set(m.name, m);
          arrived.push(m.name);
        }
      }
    }
    for (const name of arrived) {
      const h = held.get(name);
      if (!h) continue;
      held.delete(name);
      // Already resolved: the kept arrays are the columns themselves.
      if (h.data) WRITE[h.data[0]](name, ...h.data[1], []);
      for (const [op, args] of h.streams) WRITE[op](name, ...args, []);
      if (Object.keys(h.props).length) WRITE.set(name, h.props);
    }
  }

  window.explorerModels = { write, expect, register, waiting: () => held.size };
})();
