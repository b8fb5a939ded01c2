"""SPEC §13: panels below the explorer are painted and bound on demand: when
scrolled near, when idle, when the URL or a link names them, when the kiosk
needs them; never before the explorer is ready."""
from __future__ import annotations

from .conftest import open_panel, wait_ready

# Idle loading off: only what the test does can bring a panel in.
NO_IDLE = "?panel_idle=never"
LAB_DOCS = "Bokeh.documents.filter(d => d.get_model_by_name('lab_data_plot')).length"


def lab_state(page) -> dict:
    return page.evaluate("""() => ({panel: document.documentElement.dataset.labPanel,
        docs: Bokeh.documents.length, disabled: document.getElementById('labRun').disabled,
        scrollY: window.scrollY})""")


def test_a_panel_waits_below_until_it_is_scrolled_near(page, base_url):
    page.set_viewport_size({"width": 1280, "height": 700})  # the lab starts well below the fold
    page.goto(base_url + NO_IDLE)
    assert page.evaluate("document.documentElement.dataset.labPanel") == "loading"  # from the start
    wait_ready(page, panels=())
    # The explorer is live; the lab is neither painted nor bound.
    page.wait_for_function("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")
    assert lab_state(page) == {"panel": "loading", "docs": 1, "disabled": True, "scrollY": 0}
    open_panel(page, "lab")  # scrolled near
    assert page.evaluate(LAB_DOCS) == 1 and page.evaluate("Bokeh.documents.length") == 2
    assert not page.is_disabled("#labRun")
    assert page.evaluate("performance.getEntriesByName('explorer:lab-paint').length") == 1
    # and the lab works: one epoch through its real button
    page.click("#labStep")
    page.wait_for_function("document.getElementById('labEpoch').dataset.value === '1.0'")


def test_when_idle_a_panel_loads_without_being_scrolled_to(page, base_url):
    page.goto(base_url + "?panel_idle=0.2")
    wait_ready(page, panels=())
    # polled by a timer: polling on every animation frame would leave the page no real idle period
    page.wait_for_function("document.documentElement.dataset.labPanel === 'ready'", polling=100)
    s = lab_state(page)
    # the next idle panel may already have painted by the time the poll sees the lab: count the lab's own
    assert s["scrollY"] == 0 and s["docs"] >= 2 and not s["disabled"]
    assert page.evaluate(LAB_DOCS) == 1


def test_idle_loading_waits_while_a_learner_moves_a_control(page, base_url):
    """A panel's paint would stall a drag: idle loading waits for a second without input."""
    page.goto(base_url + "?panel_idle=0.2")
    wait_ready(page, panels=())
    page.focus("#z")
    for i in range(40):  # two seconds of arrow keys at a learner's pace
        page.keyboard.press("ArrowRight" if i % 2 else "ArrowLeft")
        page.wait_for_timeout(50)
        assert page.evaluate("document.documentElement.dataset.labPanel") == "loading", i
    page.wait_for_function("document.documentElement.dataset.labPanel === 'ready'", polling=100)
    assert page.evaluate("window.scrollY") == 0


def test_idle_loading_waits_while_something_moves(page, base_url):
    """A panel's paint is one long task: never in the middle of a race's animation."""
    page.add_init_script("""new MutationObserver(() => {
        const d = document.documentElement.dataset, t = performance.now();
        if (d.race === 'running' && !window.__raceStart) window.__raceStart = t;
        if (d.race === 'done' && !window.__raceEnd) window.__raceEnd = t;
        if (d.labPanel === 'ready' && !window.__lab) window.__lab = t;
    }).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-race', 'data-lab-panel']});""")
    page.goto(base_url + "?panel_idle=3#z=-8&y=1&R=8")  # a race of 1,000 updates, ~6 s
    wait_ready(page, panels=())
    page.evaluate("document.getElementById('race').click()")  # where it is: scrolling would bring the lab near
    page.wait_for_function("document.documentElement.dataset.labPanel === 'ready'", timeout=60_000, polling=100)
    assert page.evaluate("window.scrollY") == 0
    t = page.evaluate("[window.__raceStart, window.__raceEnd, window.__lab]")
    assert t[0] < t[2] and t[1] is not None and t[1] <= t[2], t  # asked for mid-race, painted after it


def test_a_url_naming_a_panels_field_loads_it_at_once(page, base_url):
    page.goto(base_url + NO_IDLE + "#z=-2&y=1&R=8&ls=6")
    wait_ready(page, panels=())
    page.wait_for_function("document.documentElement.dataset.labPanel === 'ready'")
    assert page.input_value("#labS") == "6" and page.evaluate("window.scrollY") == 0
    # its figures were painted blank, then filled by Python for s = 6 (never the default s = 4 meanwhile)
    assert page.get_attribute("#labGradMSE", "data-value") is not None


def test_a_link_that_sets_a_panel_loads_it_and_focuses_its_control(page, base_url):
    page.goto(base_url + NO_IDLE)
    wait_ready(page, panels=())
    assert lab_state(page)["panel"] == "loading"
    # Clicked where it is, without scrolling the page past the lab first.
    page.evaluate("document.querySelector('a[data-state-link][href*=\"ls=6\"]').click()")
    page.wait_for_function("document.documentElement.dataset.labPanel === 'ready'")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'labRun'")
    assert page.input_value("#labS") == "6"


def test_a_panel_scrolled_past_loads_even_with_every_frame_polled(page, base_url):
    """Jumping from the top to the end of the text passes the lab without ever having it on screen (no
    intersection to observe); Playwright's default polling runs on every animation frame."""
    page.set_viewport_size({"width": 1280, "height": 700})
    page.goto(base_url + NO_IDLE)
    wait_ready(page, panels=())
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("document.documentElement.dataset.labPanel === 'ready' && "
                           "document.documentElement.dataset.deepPanel === 'ready'", timeout=30_000)


def test_a_page_that_never_stops_moving_still_loads_every_panel(page, base_url):
    """A sweep left running animates without pause: no real idle period ever comes, yet "loading"
    must end (each figure is a short task of its own, so the panels are painted after a while)."""
    page.goto(base_url + "?panel_idle=0.5")
    wait_ready(page, panels=())
    page.evaluate("document.getElementById('sweep').click()")
    page.wait_for_function("document.getElementById('sweep').getAttribute('aria-pressed') === 'true'")
    page.wait_for_function("document.documentElement.dataset.labPanel === 'ready' && "
                           "document.documentElement.dataset.deepPanel === 'ready'", timeout=60_000)
    assert page.get_attribute("#sweep", "aria-pressed") == "true"  # it never had to stop
    assert page.evaluate("window.scrollY") == 0


def test_a_hash_edited_by_hand_loads_the_panel(page, base_url):
    page.goto(base_url + NO_IDLE)
    wait_ready(page, panels=())
    page.evaluate("location.hash = '#z=-2&y=1&R=8&lp=2'")
    page.wait_for_function("document.documentElement.dataset.labPanel === 'ready'")
    page.wait_for_function("document.getElementById('labPair').value === '2'")


def test_a_panel_is_never_painted_before_the_explorer_is_ready(page, base_url):
    # Asked for during boot (as a link clicked early would): it waits for `ready`.
    page.add_init_script("""document.addEventListener('DOMContentLoaded', () => {
        window.__early = explorerPanels.want('lab').then(() => document.documentElement.dataset.state);
    });""")
    page.goto(base_url + NO_IDLE)
    wait_ready(page, panels=())
    assert page.evaluate("window.__early") == "ready"
    page.wait_for_function("document.documentElement.dataset.labPanel === 'ready'")


# Elements allowed to be wider than the screen: they scroll sideways inside a box of their own.
OVERFLOWING = """() => {
  const W = document.documentElement.clientWidth, out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= W + 0.5) continue;
    let p = e.parentElement, boxed = false;
    for (; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible') { boxed = true; break; }
    if (!boxed) out.push(`${e.tagName.toLowerCase()}#${e.id}.${e.className} right=${Math.round(r.right)}`);
  }
  return out;
}"""


# Each shown figure's title: [text, size in px, its width there, the room from the plot's left edge to
# the canvas's right]
TITLES = """() => {
  const ruler = document.createElement('canvas').getContext('2d');
  return Object.values(Bokeh.index).filter((v) => v.model.title && v.model.title.text && v.bbox.width > 0).map((v) => {
    const t = v.model.title;
    ruler.font = `${t.text_font_style} ${t.text_font_size} ${t.text_font}`;
    return [t.text, parseFloat(t.text_font_size), ruler.measureText(t.text).width, v.bbox.width - v.frame.bbox.left];
  });
}"""


def test_every_panel_reflows_at_320_css_px(make_context, base_url):
    """WCAG 1.4.10: at 320 CSS px nothing but a table or a formula in its own scroller is wider than
    the screen, with every panel drawn and every course at its end (wider tick labels, counts)."""
    page = make_context(viewport={"width": 320, "height": 700}).new_page()
    page.goto(base_url + NO_IDLE)
    wait_ready(page, panels=())
    names = page.evaluate("explorerPanels.names()")
    assert names == ["lab", "deep", "softmax"]
    for name in names:
        open_panel(page, name)
        run = {"softmax": "sm"}.get(name, name) + "Run"
        page.click(f"#{run}")
        page.click(f"#{run}")
        page.wait_for_function(f"document.documentElement.dataset.{name} === 'done'", timeout=90_000)
    # Lay out the text and every panel too, wherever the page is scrolled (they are skipped when far off).
    page.evaluate("document.querySelectorAll('.text, .lab, .deep, .softmax').forEach(e => { e.style.contentVisibility = 'visible'; })")
    assert page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]") == [320, 320]
    assert page.evaluate(OVERFLOWING) == []
    # every figure fits its host
    hosts = page.evaluate("[...document.querySelectorAll('.plot')].map(h => [h.id, h.clientWidth, h.scrollWidth])")
    assert len(hosts) >= 12 and [h for h in hosts if h[2] > h[1]] == []
    # A table's caption keeps to what its scroller shows (the three-class table is wider than the
    # screen here), and no table's scroller collapses (as one sized by its content would).
    tables = page.evaluate("""[...document.querySelectorAll('.table-wrap')].map(w => {
        const t = w.querySelector('table'), c = t.querySelector('caption');
        return [t.className, t.scrollWidth > w.clientWidth, w.getBoundingClientRect().width,
                c.getBoundingClientRect().right - w.getBoundingClientRect().right];
    })""")
    assert any(wide for _, wide, _, _ in tables), tables
    assert [t for t in tables if t[2] < 100 or t[3] > 0.5] == [], tables
    # Every figure's title fits on its canvas (in a smaller size where it must, but not below 10 px).
    titles = page.evaluate(TITLES)
    assert len(titles) >= 12 and any(size < 14 for _, size, _, _ in titles), titles
    assert [t for t in titles if t[1] < 10 or t[2] > t[3]] == [], titles


def test_bokehjs_is_not_asked_for_css_variables_at_every_repaint(page, base_url):
    """repaint.js answers BokehJS's per-property CSS-variable lookup itself (a third of a map's
    repaint; the page defines no --bk-* variable). If a new BokehJS renames the method, the
    replacement stands down and this test says so."""
    page.goto(base_url + NO_IDLE)
    wait_ready(page, panels=())
    method = page.evaluate("String(Bokeh.require('core/visuals/visual').VisualProperties.prototype._get_css_value)")
    assert "getComputedStyle" not in method
    assert page.evaluate("""[...document.styleSheets].flatMap(s => [...s.cssRules])
        .some(r => (r.cssText || '').includes('--bk-'))""") is False


def test_panels_far_below_are_kept_out_of_rendering_and_drawn_when_near(page, base_url):
    """Off screen, a painted panel is skipped by the browser's rendering (every frame of a drag
    would otherwise style, paint and commit it); scrolled to, it is drawn, its figures at full size."""
    page.goto(base_url + NO_IDLE)
    wait_ready(page, panels=("deep",))  # painted, more than a screen and a half below (Chromium's margin)
    drawn = "() => document.getElementById('deepGradHost').checkVisibility({contentVisibilityAuto: true})"
    page.wait_for_function(f"!({drawn})()")
    page.evaluate("document.getElementById('deep').scrollIntoView()")
    page.wait_for_function(drawn)
    width, canvas = page.evaluate("""() => {
        const host = document.getElementById('deepGradHost');
        const v = Object.values(Bokeh.index).find(v => host.contains(v.el));
        return [host.clientWidth, v.el.getBoundingClientRect().width];
    }""")
    assert width > 200 and abs(canvas - width) <= 1
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function(f"!({drawn})()")


def composited_layers(page, cdp) -> int:
    """How many composited layers the page's next frame has (DevTools' layer tree)."""
    trees = []
    cdp.on("LayerTree.layerTreeDidChange", lambda e: trees.append(len(e.get("layers") or [])))
    cdp.send("LayerTree.enable")
    try:
        for _ in range(50):  # a frame or two, then the event crosses to this process
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            if trees:
                return trees[-1]
        raise AssertionError("no layer tree came")
    finally:
        cdp.send("LayerTree.disable")


def test_a_figure_more_than_half_a_screen_away_leaves_the_compositor(page, base_url):
    """Chromium renders a panel within a screen and a half, so a lab painted there had every layer
    of its figures committed at each frame of a drag at the top. A figure more than half a screen
    away is hidden, and shown again as it comes near, before it can be seen."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(base_url + NO_IDLE)
    wait_ready(page, panels=("lab",))
    shown = "id => getComputedStyle(document.getElementById(id).firstElementChild).visibility"
    page.wait_for_function(f"({shown})('labDataHost') === 'hidden'")
    assert page.evaluate(shown, "lossPlotHost") == page.evaluate(shown, "gradPlotHost") == "visible"
    assert page.evaluate("document.getElementById('lab').checkVisibility({contentVisibilityAuto: true})")
    cdp = page.context.new_cdp_session(page._target)  # the Playwright page itself
    hidden = composited_layers(page, cdp)
    page.evaluate("for (const e of document.querySelectorAll('.plot.far')) e.classList.remove('far')")
    assert composited_layers(page, cdp) > hidden + 10  # the lab's three figures, had they been shown
    # Scrolled to within half a screen of the lab, its figures are shown; the explorer's, now far, hidden.
    page.evaluate("window.scrollTo(0, document.getElementById('labDataHost').getBoundingClientRect().top"
                  " + scrollY - 1.4 * innerHeight)")
    page.wait_for_function(f"({shown})('labDataHost') === 'visible'")
    page.evaluate("window.scrollTo(0, document.getElementById('labDataHost').getBoundingClientRect().top + scrollY)")
    page.wait_for_function(f"({shown})('lossPlotHost') === 'hidden'")
    assert page.evaluate(shown, "labDataHost") == "visible"


def test_a_printed_page_draws_every_panel(page, base_url):
    """Printing has no viewport to be near: the skipped sections are all drawn."""
    page.goto(base_url + NO_IDLE)
    wait_ready(page, panels=("deep",))
    cv = "['text', 'lab', 'deep', 'softmax'].map(c => getComputedStyle(document.querySelector('.' + c)).contentVisibility)"
    assert page.evaluate(cv) == ["auto"] * 4
    far = "getComputedStyle(document.querySelector('#deepGradHost > *')).visibility"
    page.wait_for_function(f"{far} === 'hidden'")
    page.emulate_media(media="print")
    assert page.evaluate(cv) == ["visible"] * 4
    assert page.evaluate(far) == "visible"
    assert page.evaluate("document.getElementById('deepGradHost').checkVisibility({contentVisibilityAuto: true})")


# Every plot's view on the page (BokehJS nests them in layouts' child views), as a JS expression.
PLOT_VIEWS = """(() => {
    const plots = [], visit = (v) => { if (!v) return; if ('_render_count' in v) plots.push(v);
        (v.child_views || []).forEach(visit); };
    Object.values(Bokeh.index).forEach(visit);
    return plots;
})()"""


def at_mark(name: str, body: str) -> str:
    """An init script that runs the JS `body` when the page makes the performance mark `name`."""
    return """(() => {
        const mark = performance.mark.bind(performance);
        performance.mark = (name, opts) => {
            if (name === '""" + name + """') { """ + body + """ }
            return mark(name, opts);
        };
    })()"""


def test_every_plot_is_painted_once_built_and_none_is_left_held(page, base_url):
    """paint.js holds each plot's first paint until the task that built it is over; every one must
    still be painted, in the explorer and in each panel."""
    page.goto(base_url + NO_IDLE)
    wait_ready(page, panels=("lab", "deep", "softmax"))
    page.wait_for_function("""() => {
        const plots = """ + PLOT_VIEWS + """;
        window.__plots = plots.map((v) => [v.model.name, v.model.hold_render, v._render_count]);
        // A hidden plot (the depth panel's map for your own loss, with none given) is not painted.
        return plots.length > 0 && plots.every((v) => !v.model.hold_render && (v._render_count > 0 || !v.is_displayed));
    }""", timeout=10_000)
    assert sum(1 for _, _, n in page.evaluate("window.__plots") if n > 0) >= 14


def test_the_figures_painted_mark_follows_the_last_plots_paint(page, base_url):
    """Benchmarks time the explorer's first paint up to `explorer:figures-painted`: when it is
    marked, each of the explorer's plots has been painted."""
    page.add_init_script(at_mark("explorer:figures-painted",
                                 "window.__atMark = " + PLOT_VIEWS + ".map((v) => v._render_count);"))
    page.goto(base_url + NO_IDLE)
    wait_ready(page)
    page.wait_for_function("window.__atMark !== undefined", timeout=10_000)
    counts = page.evaluate("window.__atMark")
    assert len(counts) == 3 and all(n > 0 for n in counts), counts
    first, last = page.evaluate("""['explorer:first-paint', 'explorer:figures-painted']
        .map((n) => performance.getEntriesByName(n)[0].startTime)""")
    assert last >= first


def test_each_plots_layout_runs_in_a_task_after_the_one_that_built_its_views(page, base_url):
    """plots.js splits a figure's build in two tasks (its views; then its DOM, layout and paint) so
    neither is a long task. A timer set when a plot's views are built has run by the time the plot
    is first rendered only if the render came in a later task (timers run in the order set)."""
    # At paint-start BokehJS has loaded and plots.js has not yet adjusted it.
    page.add_init_script("window.__split = {};" + at_mark("explorer:paint-start", """
                const proto = Bokeh.require('models/plots/plot').PlotView.prototype;
                const views = proto.lazy_initialize, render = proto.render;
                proto.lazy_initialize = async function () {
                    await views.call(this);
                    const id = this.model.id;
                    window.__split[id] = 'views built';
                    setTimeout(() => { window.__split[id] = 'a task later'; }, 0);
                };
                proto.render = function (...args) {
                    const id = this.model.id;
                    if (!(id + ':render' in window.__split)) window.__split[id + ':render'] = window.__split[id];
                    return render.apply(this, args);
                };"""))
    page.goto(base_url + NO_IDLE)
    wait_ready(page)
    seen = page.evaluate("Object.entries(window.__split).filter(([k]) => k.endsWith(':render')).map(([, v]) => v)")
    # The explorer's three plots at least; any panel painted meanwhile must be split too.
    assert len(seen) >= 3 and set(seen) == {"a task later"}, seen


def test_a_plot_of_many_renderers_builds_their_views_over_several_tasks(page, base_url):
    """Within a figure's views, plots.js lets a view whose build starts late in a task wait for the
    next one: the gradient plot's 18 renderers were one task of 46 to 54 ms. A timer set as one
    renderer's view begins has run by the time a later one begins only if a task ended between.
    Each renderer's build is made to take 3 ms here, so that a faster machine than this one still
    has a figure whose views outlast a slice."""
    page.add_init_script("window.__renderers = {};" + at_mark("explorer:paint-start", """
                const proto = Bokeh.require('models/renderers/glyph_renderer').GlyphRendererView.prototype;
                const build = proto.lazy_initialize;
                let later = false;
                proto.lazy_initialize = function (...args) {
                    (window.__renderers[this.parent.model.id] ||= []).push(later);
                    later = false;
                    setTimeout(() => { later = true; }, 0);
                    for (const until = performance.now() + 3; performance.now() < until;);
                    return build.apply(this, args);
                };"""))
    page.goto(base_url + NO_IDLE)
    wait_ready(page)
    grad = page.evaluate("Bokeh.documents[0].get_model_by_name('grad_plot').id")
    began = page.evaluate("window.__renderers")[grad]
    assert len(began) >= 18, began
    assert any(began[1:]), "every renderer of the gradient plot was built in one task"


def test_a_documents_models_are_decoded_over_several_tasks(page, base_url):
    """plots.js decodes a baked document a model at a time, in slices, rather than in one
    Document.from_json call (90 to 190 ms for the explorer's, one task): BokehJS's decoder is
    called once per model, and a timer set after one call has run before a later call."""
    page.add_init_script("window.__decodes = [];" + at_mark("explorer:paint-start", """
                const proto = Bokeh.require('core/serialization/deserializer').Deserializer.prototype;
                const decode = proto.decode;
                let later = false;
                proto.decode = function (...args) {
                    window.__decodes.push(later);
                    later = false;
                    setTimeout(() => { later = true; }, 0);
                    return decode.apply(this, args);
                };"""))
    page.goto(base_url + NO_IDLE)
    wait_ready(page)
    calls = page.evaluate("window.__decodes")
    models = page.evaluate("Bokeh.documents[0].all_models.size")
    assert len(calls) >= models > 200, (len(calls), models)
    assert sum(calls) >= 1, "every model was decoded in one task"


def cyclic_document() -> dict:
    """Two roots sharing a source, and a callback on each plot that names the plot itself and the
    other root's renderer: references back to a model still being decoded, and across roots."""
    import json

    from bokeh.core.json_encoder import serialize_json
    from bokeh.document import Document
    from bokeh.models import ColumnDataSource, CustomJS
    from bokeh.plotting import figure
    src = ColumnDataSource({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    a, b = figure(title="a"), figure(title="b")
    ra, rb = a.line("x", "y", source=src), b.scatter("x", "y", source=src)
    a.js_on_change("title", CustomJS(args={"me": a, "other": rb}, code=""))
    b.js_on_change("title", CustomJS(args={"me": b, "other": ra}, code=""))
    doc = Document()
    doc.add_root(a)
    doc.add_root(b)
    return json.loads(serialize_json(doc.to_json()))


SAME_DOCUMENT = """async ([json, sliceMs]) => {
    const { Document } = Bokeh.require('document');
    const whole = Document.from_json(structuredClone(json));
    const sliced = await explorerPlots.decodeDocument(structuredClone(json), sliceMs);
    // The documents made here are the test's own, not the page's.
    Bokeh.documents.splice(Bokeh.documents.indexOf(whole), 1);
    Bokeh.documents.splice(Bokeh.documents.indexOf(sliced), 1);
    return [JSON.stringify(whole.to_json()), JSON.stringify(sliced.to_json()), sliced.all_models.size,
        sliced.roots().length];
}"""


def test_a_sliced_decode_makes_the_same_document_as_bokehjs(page, base_url):
    """Every baked document, and one with references back up the tree and across roots, decoded in
    slices of any length (0 ms: a task per model), equals BokehJS's own decode of it."""
    import json
    cyclic = cyclic_document()
    page.goto(base_url + NO_IDLE)
    wait_ready(page)
    baked = page.evaluate("Object.keys(EXPLORER_BAKED.docs_json)")
    assert {"explorer", "lab", "deep", "softmax"} <= set(baked), baked
    for name in baked:
        json_doc = page.evaluate(f"EXPLORER_BAKED.docs_json[{json.dumps(name)}]")
        for slice_ms in (0, 20):
            whole, sliced, size, roots = page.evaluate(SAME_DOCUMENT, [json_doc, slice_ms])
            assert sliced == whole and size > 20 and roots >= 1, name
    whole, sliced, size, roots = page.evaluate(SAME_DOCUMENT, [cyclic, 0])
    assert sliced == whole and roots == 2 and size > 20
