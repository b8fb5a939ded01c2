"""repaint.js: a move of z repaints the explorer's plots without measuring their axes again or
restyling the page; whatever else could change a plot's layout still re-lays it out."""
from __future__ import annotations

from .helpers import frames, settled, wait_z

LOSS_PLOT = "Object.values(Bokeh.index).find(v => v.model.name === 'loss_plot')"
# Counts, from now on, the loss plot's side panels' size checks (each measures an axis's tick
# labels or a legend) and every stylesheet text set on the page (the same text again, or new).
WATCH = """() => {
  const w = window.__watch = { checks: 0, same: 0, changed: 0 };
  const plot = LOSS_PLOT;
  const layouts = new Set(plot.model.side_panels.map(m => Object.getPrototypeOf(plot.renderer_views.get(m).layout)));
  for (const proto of layouts) {
    const has = proto.has_size_changed;
    proto.has_size_changed = function () { w.checks++; return has.call(this); };
  }
  const text = Object.getOwnPropertyDescriptor(Node.prototype, 'textContent');
  Object.defineProperty(Node.prototype, 'textContent', { configurable: true, get: text.get, set(v) {
    if (this instanceof HTMLStyleElement) { if (text.get.call(this) === v) w.same++; else w.changed++; }
    text.set.call(this, v);
  } });
}""".replace("LOSS_PLOT", LOSS_PLOT)
COUNTS = "() => ({ ...window.__watch })"
# The loss plot's CE point: where BokehJS has put its (empty) element.
POINT_BOX = f"""() => {{
  const plot = {LOSS_PLOT};
  const view = [...plot.renderer_views.values()].find(v => v.model.name === 'ce_point');
  return view.position.css.replace(/\\s+/g, ' ');
}}"""
# Resolves window.__painted at the loss plot's next paint.
PAINTED = f"""() => {{ const p = {LOSS_PLOT};
  window.__painted = new Promise(r => {{ const done = () => {{ p.repainted.disconnect(done); r(true); }};
                                        p.repainted.connect(done); }}); }}"""


def move_z(page, z: float) -> None:
    page.evaluate("""z => { const el = document.getElementById('z'); el.value = String(z);
                            el.dispatchEvent(new Event('input', {bubbles: true})); }""", z)
    wait_z(page, z)
    settled(page)
    frames(page, 3)  # the plots' repaints, one animation frame after the patch


def test_a_move_of_z_measures_no_axis_and_rewrites_no_stylesheet(app):
    move_z(app, 1.0)
    app.evaluate(WATCH)
    box = app.evaluate(POINT_BOX)
    for z in (2.0, -3.5, 4.25, -0.5):
        move_z(app, z)
    counts = app.evaluate(COUNTS)
    assert counts == {"checks": 0, "same": 0, "changed": 0}, counts
    # The points did move (their plots repainted), though the boxes under them stayed.
    assert app.evaluate(f"() => {LOSS_PLOT}.renderer_views.size") > 0
    assert app.evaluate(POINT_BOX) == box


def test_a_paint_for_anything_else_lays_the_plot_out_as_bokehjs_does(app):
    """A range, a legend and an axis each still have their sizes checked, and the boxes placed."""
    app.evaluate(WATCH)
    box = app.evaluate(POINT_BOX)
    changes = {
        "range": "p => { p.model.y_range.end = p.model.y_range.end + 1; }",
        "legend": "p => { const item = p.model.below.find(m => m.items).items[0]; item.visible = !item.visible; }",
        "axis": "p => { const ax = p.model.left[0]; ax.axis_label = (ax.axis_label || '') + ' '; }",
    }
    seen = {}
    for name, change in changes.items():
        before = app.evaluate(COUNTS)["checks"]
        app.evaluate(PAINTED)
        app.evaluate(f"() => ({change})({LOSS_PLOT})")
        app.evaluate("window.__painted")
        seen[name] = app.evaluate(COUNTS)["checks"] - before
    assert all(n > 0 for n in seen.values()), seen
    assert app.evaluate(POINT_BOX) != box  # the range moved the point: its box followed


def test_the_adjustments_stand_down_where_bokehjs_is_not_the_one_described(app):
    """Each adjustment took: the methods it replaces are the page's (a new BokehJS whose code differs
    keeps its own, and this test then says which)."""
    replaced = app.evaluate("""() => {
        const plot = Bokeh.require('models/plots/plot').PlotView.prototype;
        const glyph = Bokeh.require('models/renderers/glyph_renderer').GlyphRendererView.prototype;
        const sheet = Bokeh.require('core/dom').InlineStyleSheet.prototype;
        return {
            layout: !/has_size_changed/.test(String(plot._invalidate_layout_if_needed)),
            paint: /painting/.test(String(plot._actual_paint)),
            boxes: Object.prototype.hasOwnProperty.call(glyph, 'update_position'),
            sheets: /textContent !==/.test(String(sheet._update)),
            markers: !/\\.widen\\(/.test(String(Bokeh.require('models/glyphs/marker').MarkerView.prototype._mask_data)),
        };
    }""")
    assert replaced == {"layout": True, "paint": True, "boxes": True, "sheets": True, "markers": True}, replaced


# Every marker of the explorer's plots asked, as it paints, which of its points lie in the frame:
# the rectangle it asks its spatial index for, beside the one BokehJS's own method (four Range1d
# models, widened and mapped back to data space) gives for the same view; and how many models
# were made meanwhile.
MASKS = """() => {
  const { MarkerView } = Bokeh.require('models/glyphs/marker');
  const { HasProps } = Bokeh.require('core/has_props');
  const made = { n: 0 };
  const init = HasProps.prototype.initialize;
  HasProps.prototype.initialize = function (...a) { made.n++; return init.apply(this, a); };
  const out = [];
  try {
    for (const view of Object.values(Bokeh.index).filter(v => v.model.name === 'loss_plot' || v.model.name === 'grad_plot')) {
      for (const r of view.renderer_views.values()) {
        if (!(r.glyph instanceof MarkerView)) continue;
        const asked = [];
        const query = r.glyph.index.indices;
        r.glyph.index.indices = function (rect) { asked.push(rect); return query.call(this, rect); };
        made.n = 0;
        r.glyph._mask_data();
        const models = made.n;
        r.glyph.index.indices = query;
        const { x_target, y_target } = r.plot_view.frame;
        const hr = x_target.widen(r.glyph.max_size).map(x => r.xscale.invert(x));
        const vr = y_target.widen(r.glyph.max_size).map(y => r.yscale.invert(y));
        out.push([r.model.name, asked[0], { x0: hr.start, x1: hr.end, y0: vr.start, y1: vr.end }, models]);
      }
    }
  } finally {
    HasProps.prototype.initialize = init;
  }
  return out;
}"""


def test_a_marker_finds_its_points_in_the_frame_without_making_models(app):
    """repaint.js computes, as numbers, the rectangle BokehJS 3.9's markers get from four new
    Range1d models at every paint: the same rectangle, to the bit, for every marker of the
    explorer's plots, on linear and log axes, and no model made."""
    move_z(app, 2.5)
    seen = app.evaluate(MASKS)
    app.check("#logGrad")
    settled(app)
    seen += app.evaluate(MASKS)
    assert len(seen) >= 12, seen
    for name, asked, bokeh, models in seen:
        assert asked == bokeh and models == 0, (name, asked, bokeh, models)
