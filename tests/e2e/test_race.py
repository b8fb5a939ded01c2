"""Sweep, training race and kiosk attract mode, through the real buttons."""
from __future__ import annotations

import pytest

from tests.reference import mp_descend, mp_point

from .conftest import wait_ready
from .helpers import frames, source, wait_z


def set_controls(page, z: float, y: int, lr: float) -> None:
    page.click(f"label[for=y{y}]")
    page.fill("#zNum", str(z))
    page.press("#zNum", "Enter")
    page.fill("#lr", str(lr))
    page.press("#lr", "Enter")
    wait_z(page, float(z))
    page.wait_for_function("lr => location.hash.includes('z=') && document.getElementById('lr').value == lr",
                           arg=f"{lr:g}")


def race_to_end(page) -> tuple[int, int]:
    page.click("#race")
    page.wait_for_function("document.documentElement.dataset.race === 'done'", timeout=30_000)
    ce = int(page.get_attribute("#raceCE", "data-steps"))
    mse = int(page.get_attribute("#raceMSE", "data-steps"))
    return ce, mse


# SPEC §5 and issue #5; (0, 1, 1) and (−2, 1, 1) are our own, computed independently below.
RACES = [(-5, 1, 1, 16, 119), (-8, 1, 1, 19, -1), (5, 0, 1, 16, 119), (-5, 1, 3, 5, 40)]


@pytest.mark.parametrize("z,y,lr,ce,mse", RACES)
def test_race_step_counts(app, z, y, lr, ce, mse):
    set_controls(app, z, y, lr)
    assert race_to_end(app) == (ce, mse)
    text = app.text_content("#raceMSE")
    assert text == ("not within 1,000" if mse < 0 else f"{mse} updates")


def test_more_races_match_an_independent_count(app):
    # a plain reimplementation of the rule, straight from SPEC §5
    import math

    def count(z, y, lr, mse):
        for k in range(1001):
            p = 1 / (1 + math.exp(-z))
            if abs(p - y) < 0.1:
                return k
            g = (p - y) * (2 * p * (1 - p) if mse else 1)
            z -= lr * g
        return -1

    for z, y, lr in [(0.0, 1, 1.0), (-2.0, 1, 0.5), (4.0, 0, 2.0)]:
        set_controls(app, z, y, lr)
        assert race_to_end(app) == (count(z, y, lr, False), count(z, y, lr, True)), (z, y, lr)
        app.click("#raceReset")


# Each runner marker: the plot it is drawn on, its source and the columns it plots.
_MARKERS = """names => Object.fromEntries(names.map(n => {
    const doc = Bokeh.documents[0], r = doc.get_model_by_name(n);
    const plot = ['loss_plot', 'grad_plot', 'race_plot'].find(f => doc.get_model_by_name(f).renderers.includes(r));
    return [n, {plot, source: r.data_source.name, x: r.glyph.x.field, y: r.glyph.y.field, visible: r.visible,
                shown: Array.from(r.view.filter.booleans)}];
}))"""
RUNNER_MARKERS = {"ce_runner_loss": ("loss_plot", "p_ce", "ce"), "mse_runner_loss": ("loss_plot", "p_mse", "mse"),
                  "gce_runner_lin": ("grad_plot", "z_ce", "gce"), "gmse_runner_lin": ("grad_plot", "z_mse", "gmse"),
                  "gce_runner_log": ("grad_plot", "z_ce", "gce"), "gmse_runner_log": ("grad_plot", "z_mse", "gmse")}


def test_one_step_and_reset(app):
    set_controls(app, -5, 1, 1)
    app.click("#raceStep")
    app.wait_for_function("Bokeh.documents[0].get_model_by_name('race_path').data.step.length === 2")
    runners = source(app, "race_runners")
    for loss in ("ce", "mse"):  # one update from −5, and the runner's values there, against mpmath
        z1 = mp_descend(-5.0, 1, 1.0, 1, mse=loss == "mse")
        ref = mp_point(z1, 1)
        assert runners[f"z_{loss}"] == [pytest.approx(z1, rel=1e-12, abs=0)]
        for col, key in ((f"p_{loss}", "p"), (loss, loss), (f"g{loss}", f"g{loss}")):
            assert runners[col] == [pytest.approx(ref[key], rel=1e-9, abs=0)], col
    # the runners are drawn on both plots, each marker from this one row, in view on the linear axis
    markers = app.evaluate(_MARKERS, list(RUNNER_MARKERS))
    for name, (plot, x, y) in RUNNER_MARKERS.items():
        m = markers[name]
        assert (m["plot"], m["source"], m["x"], m["y"]) == (plot, "race_runners", x, y), name
        assert m["shown"] == [True] and m["visible"] == (not name.endswith("_log")), name
    assert app.text_content("#raceCE") == "…"  # not yet learned after one update
    for _ in range(15):
        app.click("#raceStep")
    app.wait_for_function("document.getElementById('raceCE').dataset.steps === '16'")
    assert app.get_attribute("#raceMSE", "data-steps") == ""
    assert source(app, "race_runners")["z_mse"] == [pytest.approx(mp_descend(-5.0, 1, 1.0, 16, True), rel=1e-9, abs=0)]
    app.click("#raceReset")
    app.wait_for_function("document.getElementById('raceCE').textContent === '—'")
    assert source(app, "race_runners")["z_ce"] == []
    assert source(app, "race_path")["step"] == []
    assert app.get_attribute("#raceCE", "data-steps") == ""


def test_race_can_be_skipped_to_the_end(app):
    set_controls(app, -8, 1, 1)
    app.click("#race")
    app.wait_for_function("document.documentElement.dataset.race === 'running'")
    app.click("#race")  # "Skip to the end"
    app.wait_for_function("document.documentElement.dataset.race === 'done'")
    assert app.get_attribute("#raceMSE", "data-steps") == "-1"
    assert app.text_content("#raceMSE") == "not within 1,000"


def test_lr_is_part_of_the_url_state(page, base_url):
    page.goto(base_url + "#z=-5&y=1&R=8&lr=3")
    wait_ready(page)
    assert page.input_value("#lr") == "3"
    assert race_to_end(page) == (5, 40)


def test_bad_learning_rates(app):
    for bad, shown in [("0", "0.01"), ("-2", "0.01"), ("1e9", "10"), ("abc", None)]:
        app.fill("#lr", "2")  # a known valid start for each case, without a note
        app.press("#lr", "Enter")
        app.wait_for_function("document.getElementById('lr').value === '2' && location.hash.includes('lr=2')")
        assert not app.is_visible("#lrMsg")
        app.fill("#lr", bad)
        app.press("#lr", "Enter")
        app.wait_for_function("v => document.getElementById('lr').value === v", arg=shown or "2")
        assert app.is_visible("#lrMsg"), bad


def test_sweep_moves_the_operating_point(app):
    app.click("#sweep")
    app.wait_for_function("document.getElementById('sweep').getAttribute('aria-pressed') === 'true'")
    seen = set()
    for _ in range(5):
        app.wait_for_function(
            "seen => !seen.includes(Bokeh.documents[0].get_model_by_name('op_source').data.z[0])",
            arg=sorted(seen))
        seen.add(source(app, "op_source")["z"][0])
    app.click("#sweep")
    assert app.get_attribute("#sweep", "aria-pressed") == "false"
    z = source(app, "op_source")["z"][0]
    frames(app, 12)  # a stopped sweep must stay stopped: a running one moves z every frame
    assert source(app, "op_source")["z"][0] == z
    assert float(app.input_value("#z")) == pytest.approx(z)


@pytest.fixture
def reduced(make_context, base_url):
    ctx = make_context(reduced_motion="reduce")
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base_url + "#z=-5&y=1&R=8")
    wait_ready(page)
    yield page
    ctx.close()
    assert not errors


def test_reduced_motion_race_shows_results_directly(reduced):
    reduced.click("#race")
    # no animation: the finished race is there right after the click
    reduced.wait_for_function("document.documentElement.dataset.race === 'done'")
    assert reduced.get_attribute("#raceMSE", "data-steps") == "119"


def test_reduced_motion_sweep_jumps(reduced):
    start = source(reduced, "op_source")["z"][0]  # −5, set by the hash, not by the sweep
    reduced.click("#sweep")
    values = set()
    for _ in range(3):
        reduced.wait_for_function(
            "seen => !seen.includes(Bokeh.documents[0].get_model_by_name('op_source').data.z[0])",
            arg=sorted(values | {start}), timeout=5_000)
        values.add(source(reduced, "op_source")["z"][0])
    reduced.click("#sweep")
    # every position is a multiple of R/2 = 4: jumps, not a glide
    assert all(v % 4 == 0 for v in values), values


def test_kiosk_attract_mode_starts_when_idle_and_stops_on_input(page, base_url):
    # When each happened, recorded by the page itself (a busy machine must not make this a race).
    page.add_init_script("""new MutationObserver(() => {
        const d = document.documentElement.dataset, t = performance.now();
        if (d.state === 'ready' && !window.__ready) window.__ready = t;
        if (d.demo === 'running' && !window.__demo) window.__demo = t;
    }).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-state', 'data-demo']});
    // A main thread busy as Python's app starts, its idle clock running: the page comes alive 300 ms late.
    const mark = performance.mark.bind(performance);
    performance.mark = (name, options) => {
        if (name === 'explorer:app-started') { const t = performance.now(); while (performance.now() - t < 300) {} }
        return mark(name, options);
    };""")
    page.goto(base_url + "?kiosk=1&idle=2")
    wait_ready(page, panels=())
    assert page.evaluate("document.documentElement.classList.contains('kiosk')")
    page.wait_for_function("document.documentElement.dataset.demo === 'running'")
    assert page.evaluate("window.__demo - window.__ready") >= 1900  # 2 s without input after it came alive
    z0 = source(page, "op_source")["z"][0]
    page.wait_for_function("z => Bokeh.documents[0].get_model_by_name('op_source').data.z[0] !== z", arg=z0)
    page.mouse.click(5, 5)
    page.wait_for_function("document.documentElement.dataset.demo === undefined")
    z = source(page, "op_source")["z"][0]
    assert page.get_attribute("#sweep", "aria-pressed") == "false"
    frames(page, 12)  # nothing moves once someone touched it (the demo moves z every frame)
    assert source(page, "op_source")["z"][0] == z
    # and control is back with the visitor
    page.fill("#zNum", "-5")
    page.press("#zNum", "Enter")
    wait_z(page, -5.0)


def test_kiosk_demo_runs_a_race_from_a_confidently_wrong_start(page, base_url):
    page.goto(base_url + "?kiosk=1&idle=1")
    wait_ready(page)
    page.wait_for_function("document.documentElement.dataset.race === 'running'", timeout=60_000)
    assert source(page, "race_path")["p_ce"][0] == pytest.approx(mp_point(-6.0, 1)["p"], rel=1e-12, abs=0)
    page.keyboard.press("Tab")
    page.wait_for_function("document.documentElement.dataset.demo === undefined")
    assert page.evaluate("document.documentElement.dataset.race") != "running"


def test_kiosk_screen_shows_the_whole_app_without_scrolling(make_context, base_url):
    """At 1920×1080 the race (the demo's second act) sits beside the plots, in view."""
    ctx = make_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    page.goto(base_url + "?kiosk=1")
    wait_ready(page)
    boxes = page.evaluate("""() => Object.fromEntries(
        ['controls', 'lossPlotHost', 'gradPlotHost', 'racePlotHost', 'raceMSE'].map(id => {
            const r = document.getElementById(id).getBoundingClientRect();
            return [id, {top: r.top, bottom: r.bottom, height: r.height}];
        }))""")
    ctx.close()
    for name, box in boxes.items():
        assert box["height"] > 0 and box["bottom"] <= 1080, (name, box)
    assert boxes["racePlotHost"]["top"] < boxes["gradPlotHost"]["bottom"]  # beside, not below


def test_runners_that_leave_a_plot_are_hidden_on_it(app):
    """Drawn unclipped on the overlay layer, a runner past ±R must not be drawn over the axes."""
    app.fill("#zRange", "5")
    app.press("#zRange", "Enter")
    set_controls(app, -5, 1, 10)
    race_to_end(app)
    axes = app.evaluate("""() => { const d = Bokeh.documents[0], m = n => d.get_model_by_name(n);
        return {loss_top: m('loss_plot').y_range.end, log_floor: m('grad_plot').extra_y_ranges.log.start}; }""")
    # where each runner ends, from mpmath, and whether each marker should be inside its plot's frame
    expected = {}
    for loss in ("ce", "mse"):
        z = mp_descend(-5.0, 1, 10.0, 1000, mse=loss == "mse")
        ref = mp_point(z, 1)
        inside_x = -5.0 <= z <= 5.0
        expected[f"{loss}_runner_loss"] = ref[loss] <= axes["loss_top"]
        expected[f"g{loss}_runner_lin"] = inside_x
        expected[f"g{loss}_runner_log"] = inside_x and ref[f"g{loss}"] >= axes["log_floor"]
    assert not all(expected.values()) and any(expected.values())  # the case does hide some
    shown = {n: m["shown"] for n, m in app.evaluate(_MARKERS, list(expected)).items()}
    assert shown == {k: [v] for k, v in expected.items()}
