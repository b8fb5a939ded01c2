// Page layer: how this page's plots repaint, BokehJS 3.9 adjusted before it
// builds its first view (plots.js calls adjust()). A move of z changes a few
// points, and BokehJS repaints a plot as if anything could have changed:
// here the CSS-variable lookups are answered without asking, the plots'
// repaints are shared out over animation frames, a stylesheet is rewritten
// only when its text changes, a paint for new data alone keeps the axes'
// layout and the glyphs' boxes it already has, and a marker finds its points
// in the frame without making models. Each adjustment applies only where
// BokehJS's code is the one described; another BokehJS keeps its own.
// Classic script: it must run on file://.
"use strict";
(function () {
  const require = (name) => window.Bokeh.require(name) || {};

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
    const { VisualProperties } = require("core/visuals/visual");
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
  // The plots share one queue: a frame paints them in the order they asked
  // while each one's last paint time still fits in FRAME_PAINT_MS (the first
  // in a frame always goes; one never painted counts as the whole budget),
  // and the rest go first in the next frame. Each with a frame callback of its
  // own, a panel whose figures all changed at once painted them all in one
  // frame (measured: the depth panel's five, 75 to 124 ms of paints, in a task
  // of 100 to 175 ms). The explorer's two (a few ms each) still share a frame.
  const FRAME_PAINT_MS = 30;
  const queue = []; // [paint, {promise, resolve, reject}], in the order asked
  const queued = new Map(); // paint → its entry's settlement
  const took = new WeakMap(); // paint → its last duration, ms
  let frameAsked = false;
  function askFrame() {
    if (!frameAsked) {
      frameAsked = true;
      requestAnimationFrame(paintFrame);
    }
  }
  function paintFrame() {
    frameAsked = false;
    const start = performance.now();
    // a paint asked for during this frame waits for the next
    for (let n = queue.length, painted = 0; painted < n; painted++) {
      const [paint, done] = queue[0];
      const t = performance.now();
      if (painted > 0 && t - start + (took.get(paint) ?? FRAME_PAINT_MS) > FRAME_PAINT_MS) break;
      queue.shift();
      queued.delete(paint);
      try { paint(); done.resolve(); } catch (e) { done.reject(e); }
      took.set(paint, performance.now() - t);
    }
    if (queue.length) askFrame();
  }
  function paintOncePerFrame(paint) {
    return () => {
      if (!queued.has(paint)) {
        const done = {};
        done.promise = new Promise((resolve, reject) => Object.assign(done, { resolve, reject }));
        queued.set(paint, done);
        queue.push([paint, done]);
        askFrame();
      }
      return queued.get(paint).promise;
    };
  }
  function swapThrottle() {
    const mod = require("core/util/throttle");
    // Only where the throttle is the one described, used by plots' repaints alone.
    if (mod && /requestAnimationFrame/.test(String(mod.throttle)) && /setTimeout/.test(String(mod.throttle))) {
      mod.throttle = (paint) => paintOncePerFrame(paint);
    }
  }

  // BokehJS 3.9 rewrites a stylesheet's text each time it sets it, the same
  // text included, and each paint sets one per part of a plot (where each
  // renderer's box is, where the frame is): 36 stylesheets a move of z, 30 of
  // them unchanged. Each rewrite makes the browser recompute styles, which
  // the next paint's font-size lookup then forces inside the frame (measured:
  // the explorer's repaints 7.8 ms a move, 5.5 with only the changed ones
  // rewritten). Same text, same sheet: left as it is.
  function keepSameStyleSheets() {
    const { InlineStyleSheet } = require("core/dom");
    const proto = InlineStyleSheet && InlineStyleSheet.prototype;
    const body = proto && String(proto._update).replace(/\s/g, "");
    const m = body && /^_update\((\w+)\)\{this\.el\.textContent=(\w+);?\}$/.exec(body);
    if (!m || m[1] !== m[2]) return;
    const update = proto._update;
    proto._update = function (css) {
      if (this.el.textContent !== css) update.call(this, css);
    };
  }

  // BokehJS 3.9 checks, before every paint, whether an axis, title or legend
  // beside the frame has changed size, measuring every tick label: on the
  // explorer's plots 3.7 ms of a move's 7.8 ms of repaints. A paint asked
  // for by new data alone (each painter it redraws a glyph renderer, nothing
  // else invalidated, no layout asked for) cannot change those sizes when no
  // range follows the data (no DataRange1d) and no legend takes its labels
  // from the data: that paint skips the check, and the glyphs keep the DOM
  // boxes BokehJS keeps under them (empty elements, moved at each paint by a
  // stylesheet rewrite that restyles the page: 2.7 ms a frame while z is
  // dragged) unless a renderer has a context menu, whose box must follow.
  // Any other paint (a range, an axis, a legend, a theme, a resize) is
  // BokehJS's own.
  function paintDataAlone() {
    const { PlotView } = require("models/plots/plot");
    const { GlyphRendererView } = require("models/renderers/glyph_renderer");
    const { DataRange1d } = require("models/ranges/data_range1d");
    const { Legend } = require("models/annotations/legend");
    const plot = PlotView && PlotView.prototype;
    const glyph = GlyphRendererView && GlyphRendererView.prototype;
    if (!plot || !glyph || !DataRange1d || !Legend) return;
    const check = plot._invalidate_layout_if_needed;
    const actual = plot._actual_paint;
    if (!/has_size_changed/.test(String(check)) || !/_needs_layout/.test(String(check)) ||
        !/_invalidate_layout_if_needed\(\)/.test(String(plot.repaint)) ||
        !/_invalidate_all/.test(String(actual)) || !/_invalidated_painters/.test(String(actual)) ||
        Object.prototype.hasOwnProperty.call(glyph, "update_position") ||
        !/\bposition\b[\s\S]*:host[\s\S]*left/.test(String(glyph.update_position))) return;
    const fixedLabel = (label) => label == null || typeof label === "string" ||
      (typeof label === "object" && "value" in label);
    const dataAlone = (view) => {
      if (view._needs_layout || view._invalidate_all !== false || !(view._invalidated_painters instanceof Set)) return false;
      if ((view.model.window_axis ?? "none") !== "none") return false; // a window-fitted range follows the data
      for (const painter of view._invalidated_painters) if (!(painter instanceof GlyphRendererView)) return false;
      const { x_ranges, y_ranges } = view.frame;
      for (const range of [...x_ranges.values(), ...y_ranges.values()]) if (range instanceof DataRange1d) return false;
      return view.model.side_panels.every((panel) => !(panel instanceof Legend) ||
        panel.items.every((item) => fixedLabel(item.label)));
    };
    const painting = new WeakSet(); // plots whose paint now is for new data alone
    plot._invalidate_layout_if_needed = function () {
      if (!dataAlone(this)) check.call(this);
    };
    plot._actual_paint = function () {
      if (dataAlone(this)) painting.add(this);
      try {
        actual.call(this);
      } finally {
        painting.delete(this);
      }
    };
    const place = glyph.update_position;
    glyph.update_position = function () {
      if (!painting.has(this.plot_view) || this.model.context_menu != null) place.call(this);
    };
  }

  // BokehJS 3.9's markers (Scatter) find, at each paint, which points lie in
  // the frame by widening the frame's ranges and mapping them back to data
  // space through four new Range1d models, each a whole model (its
  // properties, its signals): on the explorer's plots about 48 a move, 0.45
  // of the 1.16 MB the main thread allocated a move (sampled), and with it
  // most of the main thread's scavenges (9 in 150 moves, 7 to 15 ms each,
  // traced). The same four numbers, computed as numbers.
  function maskWithNumbers() {
    const { MarkerView } = require("models/glyphs/marker");
    const { Range1d } = require("models/ranges/range1d");
    const proto = MarkerView && MarkerView.prototype;
    const range = Range1d && Range1d.prototype;
    const body = proto && String(proto._mask_data).replace(/\s/g, "");
    if (!body || !range ||
        !/\.widen\(this\.max_size\)\.map\(.*xscale\.invert.*\.widen\(this\.max_size\)\.map\(.*yscale\.invert/.test(body) ||
        !/this\.index\.indices\(\{x0:\w+\.start,x1:\w+\.end,y0:\w+\.start,y1:\w+\.end\}\)\}$/.test(body) ||
        !/is_reversed\?\(\w+\+=\w+,\w+-=\w+\):\(\w+-=\w+,\w+\+=\w+\)/.test(String(range.widen).replace(/\s/g, "")) ||
        !/start:\w+\(this\.start\),end:\w+\(this\.end\)/.test(String(range.map).replace(/\s/g, ""))) return;
    // Range1d's widen: away from the middle by v, whichever way the range runs.
    const widened = (r, v) => r.is_reversed ? [r.start + v, r.end - v] : [r.start - v, r.end + v];
    proto._mask_data = function () {
      const { x_target, y_target } = this.renderer.plot_view.frame;
      const { xscale, yscale } = this.renderer;
      const [x0, x1] = widened(x_target, this.max_size).map((x) => xscale.invert(x));
      const [y0, y1] = widened(y_target, this.max_size).map((y) => yscale.invert(y));
      return this.index.indices({ x0, x1, y0, y1 });
    };
  }

  function adjust() {
    skipCssLookups();
    swapThrottle();
    keepSameStyleSheets();
    paintDataAlone();
    maskWithNumbers();
  }

  window.explorerRepaint = { adjust, framePainter: paintOncePerFrame /* tests */ };
})();
