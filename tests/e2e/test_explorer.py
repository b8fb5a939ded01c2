"""The explorer through its real controls: readouts, figures, URL state."""
from __future__ import annotations

import math

import pytest

from tests.reference import READOUT_IDS, mp_point, spec_format
from tests.test_maths import REFERENCE

from .conftest import wait_ready
from .helpers import COUNT_PRIMARY, model_prop, readouts, source, type_and_enter, wait_z

KEYS = READOUT_IDS


def check_row(page, row):
    z, y, *expected = row
    r = readouts(page)
    for key, want in zip(KEYS, expected):
        value = float(r[key]["value"])
        assert value == pytest.approx(want, rel=6e-4, abs=0), key
        assert r[key]["text"] == spec_format(value), key  # SPEC §3's rules, written out independently
        assert "NaN" not in r[key]["text"] and "Infinity" not in r[key]["text"]
    # op_source carries exactly the values shown
    op = source(page, "op_source")
    assert op["z"] == [z]
    for key in ("p", "ce", "mse", "gce", "gmse"):
        assert op[key] == [float(r[key]["value"])], key


@pytest.mark.parametrize("row", REFERENCE, ids=[f"z={r[0]},y={r[1]}" for r in REFERENCE])
def test_reference_row_typed(app, row):
    z, y = row[0], row[1]
    if y == 0:
        app.click("label[for=y0]")
    app.fill("#zNum", str(z))
    app.press("#zNum", "Enter")
    wait_z(app, float(z))
    app.wait_for_function("y => document.getElementById('y' + y).checked", arg=y)
    check_row(app, row)
    assert float(app.input_value("#z")) == z
    assert app.input_value("#zNum") == f"{z:.2f}"


# From the default z = −2: which keys reach each row.
KEYS_FOR = {-2: [], -5: ["Shift+ArrowLeft"] * 3, -8: ["Shift+ArrowLeft"] * 6, 0: ["Shift+ArrowRight"] * 2,
            3: ["Shift+ArrowRight"] * 5, 2: ["Shift+ArrowRight"] * 4}


@pytest.mark.parametrize("row", REFERENCE, ids=[f"z={r[0]},y={r[1]}" for r in REFERENCE])
def test_reference_row_by_keyboard(app, row):
    z, y = row[0], row[1]
    if y == 0:
        app.focus("#y1")
        app.keyboard.press("ArrowLeft")  # radio group: arrow keys move the selection
        app.wait_for_function("document.getElementById('y0').checked && location.hash.includes('y=0')")
    app.focus("#z")
    for key in KEYS_FOR[z]:
        app.keyboard.press(key)
    wait_z(app, float(z))
    check_row(app, row)
    assert app.input_value("#zNum") == f"{z:.2f}"


def test_plain_arrows_step_a_tenth_and_home_end_jump(app):
    app.focus("#z")
    app.keyboard.press("ArrowRight")
    wait_z(app, -1.9)
    app.keyboard.press("End")
    wait_z(app, 8.0)
    app.keyboard.press("Home")
    wait_z(app, -8.0)
    app.keyboard.press("ArrowLeft")  # stays at the end of the range
    app.keyboard.press("PageUp")
    wait_z(app, -7.0)


def test_slider_drag_updates_number_field(app):
    box = app.locator("#z").bounding_box()
    app.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
    app.wait_for_function("Math.abs(Number(document.getElementById('zNum').value)) < 0.3")
    z = float(app.input_value("#zNum"))
    assert float(app.input_value("#z")) == pytest.approx(z, abs=1e-9)
    wait_z(app, z)


def test_y_toggle_mirrors_the_picture(app):
    app.click("label[for=y0]")
    app.wait_for_function("document.getElementById('y0').checked")
    app.wait_for_function("document.getElementById('gce').dataset.value !== '0.8807970779778823'")
    r = readouts(app)
    assert float(r["gce"]["value"]) == pytest.approx(mp_point(-2.0, 0)["gce"], rel=1e-12, abs=0)
    title = app.evaluate("Bokeh.documents[0].get_model_by_name('loss_plot').title.text")
    assert title == "Loss vs predicted probability (y = 0)"
    # where it fits (this window), in the size it was given: only a narrow screen shrinks a title
    assert app.evaluate("Bokeh.documents[0].get_model_by_name('loss_plot').title.text_font_size") == "14px"
    ce = source(app, "loss_curves")["ce"]
    assert ce[-1] > 10 and ce[0] < 1e-3  # CE now large where p → 1


def test_figures_are_updated_in_place_not_re_embedded(app):
    before = app.evaluate("""() => {
        const doc = Bokeh.documents[0];
        window.__hosts = ['lossPlotHost', 'gradPlotHost'].map(id => document.getElementById(id).firstElementChild);
        return {docs: Bokeh.documents.length, loss: doc.get_model_by_name('loss_plot').id,
                grad: doc.get_model_by_name('grad_plot').id, op: doc.get_model_by_name('op_source').id,
                canvases: countCanvases(document)};
        function countCanvases(root) {
            let n = root.querySelectorAll('canvas').length;
            for (const el of root.querySelectorAll('*')) if (el.shadowRoot) n += countCanvases(el.shadowRoot);
            return n;
        }
    }""")
    assert before["canvases"] >= 2
    app.focus("#z")
    for i in range(100):
        app.keyboard.press("ArrowRight" if i % 3 else "Shift+ArrowLeft")
    app.fill("#zRange", "12")
    app.press("#zRange", "Enter")
    app.click("label[for=y0]")
    app.check("#logGrad")
    app.wait_for_function("Bokeh.documents[0].get_model_by_name('grad_log_axis').visible")
    after = app.evaluate("""() => {
        const doc = Bokeh.documents[0];
        const same = ['lossPlotHost', 'gradPlotHost'].every((id, i) => document.getElementById(id).firstElementChild === window.__hosts[i]);
        return {docs: Bokeh.documents.length, loss: doc.get_model_by_name('loss_plot').id,
                grad: doc.get_model_by_name('grad_plot').id, op: doc.get_model_by_name('op_source').id,
                canvases: countCanvases(document), same};
        function countCanvases(root) {
            let n = root.querySelectorAll('canvas').length;
            for (const el of root.querySelectorAll('*')) if (el.shadowRoot) n += countCanvases(el.shadowRoot);
            return n;
        }
    }""")
    assert after.pop("same") is True
    assert after == before
    # and the 100 keyboard inputs really moved z: −2 + 66·0.1 − 34·1
    wait_z(app, -8.0)


def test_moving_z_repaints_only_the_points_layer(app):
    assert {"loss_plot", "grad_plot"} <= set(app.evaluate(COUNT_PRIMARY))
    app.focus("#z")
    for _ in range(20):
        app.keyboard.press("ArrowRight")
    wait_z(app, 0.0)
    app.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert app.evaluate("window.__primary") == {"loss_plot": 0, "grad_plot": 0, "race_plot": 0, "lab_data_plot": 0,
                                                "lab_grad_plot": 0, "lab_acc_plot": 0}
    # The counter does see full repaints: a new label redraws the curves.
    app.click("label[for=y0]")
    app.wait_for_function("window.__primary.loss_plot > 0 && window.__primary.grad_plot > 0")


def test_ce_point_leaves_the_loss_plot_when_off_its_scale(page, base_url):
    page.goto(base_url + "#z=-15&y=1&R=20")
    wait_ready(page)
    y_max = page.evaluate("Bokeh.documents[0].get_model_by_name('loss_plot').y_range.end")
    assert float(readouts(page)["ce"]["value"]) > y_max
    assert page.evaluate("Array.from(Bokeh.documents[0].get_model_by_name('loss_ce_in_view').booleans)") == [False]
    page.fill("#zNum", "-2")
    page.press("#zNum", "Enter")
    page.wait_for_function("Bokeh.documents[0].get_model_by_name('loss_ce_in_view').booleans[0] === true")
    wait_z(page, -2.0)


def test_hash_is_restored_on_load(page, base_url):
    page.goto(base_url + "#z=-5&y=0&R=12")
    wait_ready(page)
    wait_z(page, -5.0)
    assert page.is_checked("#y0")
    assert page.input_value("#zRange") == "12"
    assert page.input_value("#zNum") == "-5.00"
    assert page.get_attribute("#z", "min") == "-12"
    assert source(page, "grad_curves")["z"][0] == -12
    assert float(readouts(page)["gce"]["value"]) == pytest.approx(mp_point(-5.0, 0)["gce"], rel=1e-12, abs=0)


def test_hash_is_kept_current_without_history_entries(app):
    length = app.evaluate("history.length")
    app.fill("#zNum", "-5")
    app.press("#zNum", "Enter")
    app.wait_for_function("location.hash === '#z=-5&y=1&R=8'")
    app.click("label[for=y0]")
    app.wait_for_function("location.hash === '#z=-5&y=0&R=8'")
    assert app.evaluate("history.length") == length


def test_worked_example_links_set_the_controls(app):
    app.click("a[href='#z=-8&y=1&R=8']")
    wait_z(app, -8.0)
    assert readouts(app)["gmse"]["text"] == "6.703e\u22124"
    app.click("a[href='#z=2&y=0&R=8']")
    wait_z(app, 2.0)
    assert app.is_checked("#y0")


def test_range_change_redraws_the_gradient_curves(app):
    app.fill("#zRange", "30")
    app.press("#zRange", "Enter")
    app.wait_for_function("Bokeh.documents[0].get_model_by_name('grad_x').start === -30")
    g = source(app, "grad_curves")
    assert g["z"][0] == -30 and g["z"][-1] == 30
    assert all(math.isfinite(v) and v > 0 for v in g["gmse"])
    assert model_prop(app, "grad_x", "end") == 30
    assert app.get_attribute("#z", "max") == "30"
    # narrowing the range pulls z inside it
    app.fill("#zNum", "-25")
    app.press("#zNum", "Enter")
    wait_z(app, -25.0)
    app.fill("#zRange", "5")
    app.press("#zRange", "Enter")
    wait_z(app, -5.0)


def test_log_toggle_switches_the_gradient_axis(app):
    assert model_prop(app, "grad_lin_axis", "visible") is True
    assert model_prop(app, "grad_log_axis", "visible") is False
    app.check("#logGrad")
    app.wait_for_function("Bokeh.documents[0].get_model_by_name('grad_log_axis').visible")
    assert model_prop(app, "grad_lin_axis", "visible") is False
    assert model_prop(app, "gmse_curve_log", "visible") is True
    assert model_prop(app, "gmse_curve_lin", "visible") is False
    start = model_prop(app, "grad_log_y", "start")
    assert 0 < start < min(source(app, "grad_curves")["gmse"])
    app.wait_for_function("location.hash.includes('log=1')")
    app.uncheck("#logGrad")
    app.wait_for_function("!Bokeh.documents[0].get_model_by_name('grad_log_axis').visible")


def test_typed_values_outside_the_range_are_clamped_with_a_note(app):
    app.fill("#zNum", "99")
    app.press("#zNum", "Enter")
    wait_z(app, 8.0)
    assert "Clamped to 8" in app.inner_text("#zMsg")
    assert app.input_value("#zNum") == "8.00"


# Every case in one page: which texts are numbers is parse_z's unit test (tests/test_state.py);
# this is the field's wiring, case by case.
BAD_Z = ["", "-", "e", "abc", "1e400", "--3", "-1e400", "1" * 400, "   ", "12abc", "0x10", "1,5", "\u221e"]


def test_invalid_input_is_marked_and_changes_nothing(app):
    before = readouts(app)
    for bad in BAD_Z:
        app.fill("#zNum", "-2")  # valid, and the state already: clears the last case's mark
        app.wait_for_function("!document.getElementById('zNum').hasAttribute('aria-invalid')")
        app.fill("#zNum", bad)
        app.wait_for_function("document.getElementById('zNum').getAttribute('aria-invalid') === 'true'")
        assert app.is_visible("#zMsg") and "Enter a number" in app.inner_text("#zMsg"), bad
        assert readouts(app) == before, bad
        app.press("#zNum", "Enter")  # committing bad text restores the field
        app.wait_for_function("document.getElementById('zNum').value === '-2.00'")
        assert readouts(app) == before, bad


def test_clamp_note_appears_next_to_ce(app):
    assert app.is_hidden("#ceClamp")
    app.fill("#zRange", "50")
    app.press("#zRange", "Enter")
    app.fill("#zNum", "-40")
    app.press("#zNum", "Enter")
    wait_z(app, -40.0)
    assert app.is_visible("#ceClamp")
    r = readouts(app)
    assert r["ce"]["text"] == "27.63"
    assert all("NaN" not in v["text"] and "Infinity" not in v["text"] for v in r.values())


def test_screen_reader_summary_after_change(app):
    app.fill("#zNum", "-5")
    app.press("#zNum", "Enter")
    app.wait_for_function("document.getElementById('announce').textContent.includes('z = -5.00')")
    assert app.get_attribute("#announce", "aria-live") == "polite"
    text = app.text_content("#announce")
    assert "|dMSE/dz| = 0.01321" in text


_FIGURE_STYLE = """() => {
    const d = Bokeh.documents[0];
    const axis = [...d.all_models].find(m => m.type === 'LinearAxis');
    const value = spec => (spec !== null && typeof spec === 'object') ? spec.value : spec;  // colour specs
    return {axis: axis.axis_label_text_color, size: axis.axis_label_text_font_size,
            ce: value(d.get_model_by_name('ce_curve').glyph.line_color),
            point: value(d.get_model_by_name('gmse_point_lin').glyph.fill_color),
            // the lab draws both runners with one renderer, coloured per row by these mappers
            runners: [...new Set(Bokeh.documents.flatMap(doc => [...doc.all_models])
                .filter(m => m.name === 'lab_runner_colors').map(m => m.palette.join(' ')))],
            // and the depth panel's maps by these
            maps: [...new Set(Bokeh.documents.flatMap(doc => [...doc.all_models])
                .filter(m => /^deep_map_\\w+_colors$/.test(m.name || '')).map(m => m.palette.join(' ')))]};
}"""


def test_figures_follow_the_colour_scheme_from_the_first_paint(make_context, base_url):
    from explorer import figures
    ctx = make_context(color_scheme="dark")
    page = ctx.new_page()
    page.goto(base_url + "?kiosk=1")
    page.wait_for_function("document.documentElement.dataset.figures === 'drawn'")
    dark = figures.theme_overrides()["dark"]
    assert page.evaluate(_FIGURE_STYLE) == {"axis": dark["axis"]["axis_label_text_color"], "size": "18px",
                                            "ce": dark["ce"], "point": dark["mse"], "runners": [], "maps": []}
    wait_ready(page, panels=("lab", "deep"))  # the panels, painted on demand, in the same scheme
    assert page.evaluate(_FIGURE_STYLE)["runners"] == [f"{dark['ce']} {dark['mse']} {dark['own']}"]
    light = figures.theme_overrides()["light"]
    assert page.evaluate(_FIGURE_STYLE)["maps"] == [" ".join(dark["map"])] and dark["map"] != light["map"]
    page.emulate_media(color_scheme="light")  # changed while the page is open
    page.wait_for_function(f"({_FIGURE_STYLE})().ce === {light['ce']!r}")
    assert page.evaluate(_FIGURE_STYLE) == {"axis": light["axis"]["axis_label_text_color"], "size": "18px",
                                            "ce": light["ce"], "point": light["mse"],
                                            "runners": [f"{light['ce']} {light['mse']} {light['own']}"],
                                            "maps": [" ".join(light["map"])]}


@pytest.mark.parametrize("y", [0, 1])
def test_the_stable_p_minus_y_reaches_the_page_out_to_36(app, y):
    """Past |z| = 30 the gradients are below 1e−13: relative 1e−14 with no absolute slack, so
    p − 1 computed as σ(z) − 1 (or 1 − p as 1 − σ(z)) fails here, in the readouts and the curve."""
    app.fill("#zRange", "36")
    app.press("#zRange", "Enter")
    app.click(f"label[for=y{y}]")
    app.wait_for_function(f"document.getElementById('y{y}').checked")
    for z in (-36.0, -33.0, -30.0, 30.0, 33.0, 36.0):
        type_and_enter(app, "#zNum", f"{z:g}")
        wait_z(app, z)
        want = mp_point(z, y)
        r = readouts(app)
        for key in ("p", "mse", "gce", "gmse"):
            assert float(r[key]["value"]) == pytest.approx(want[key], rel=1e-14, abs=0), (z, y, key)
    curve = source(app, "grad_curves")
    far = [i for i, z in enumerate(curve["z"]) if abs(z) >= 30.0]
    assert len(far) >= 90 and max(abs(z) for z in curve["z"]) == 36.0
    for i in far:
        want = mp_point(curve["z"][i], y)
        assert curve["gce"][i] == pytest.approx(want["gce"], rel=1e-14, abs=0), curve["z"][i]
        assert curve["gmse"][i] == pytest.approx(want["gmse"], rel=1e-14, abs=0), curve["z"][i]


@pytest.mark.parametrize("y", [0, 1])
def test_the_browser_is_within_1e9_of_mpmath_out_to_30(app, y):
    """SPEC §1 in the browser's own libm: |z| up to 30, the clamp region included (p < 1e−12 past ±27.6)."""
    app.fill("#zRange", "30")
    app.press("#zRange", "Enter")
    app.click(f"label[for=y{y}]")
    app.wait_for_function(f"document.getElementById('y{y}').checked")
    for z in (-30.0, -27.7, -13.0, -5.0, -0.37, 0.0, 2.5, 13.0, 27.7, 30.0):
        type_and_enter(app, "#zNum", f"{z:g}")
        wait_z(app, z)
        want = mp_point(z, y)
        r = readouts(app)
        for key, v in want.items():
            assert float(r[key]["value"]) == pytest.approx(v, rel=1e-9, abs=0), (z, y, key)
            assert r[key]["text"] == spec_format(float(r[key]["value"])), (z, y, key)
        clamped = abs(z) >= 27.7  # p̂ ≠ p (SPEC §1) once p or 1 − p is below 1e−12, whichever the label
        assert app.is_visible("#ceClamp") == clamped, (z, y)
