"""The training lab through its real controls: SPEC §9's numbers, figures in place, state, keyboard."""
from __future__ import annotations

import pytest

from .conftest import wait_ready
from .helpers import COUNT_PRIMARY, any_model, any_source, frames, lab_to_end, settled, tab_order, wait_z

WAIT_LAB_ROWS = "n => Bokeh.documents[1].get_model_by_name('lab_history').data.epoch.length === n"


def type_field(page, selector: str, text: str) -> None:
    page.fill(selector, text)
    page.press(selector, "Enter")


def test_the_spec_numbers_from_the_real_page(app):
    assert app.text_content("#labEpoch") == "0" and app.get_attribute("#labCE", "data-epochs") == ""
    assert lab_to_end(app) == (10, 266)
    assert app.text_content("#labMSE") == "266 epochs" and app.text_content("#labEpoch") == "2,000"
    type_field(app, "#labS", "6")
    app.wait_for_function("document.documentElement.dataset.lab === 'idle'")
    assert lab_to_end(app) == (14, -1)
    assert app.text_content("#labMSE") == "not within 2,000"
    assert app.text_content("#labAccMSE") == "62.7 %"
    assert "MSE not within 2,000" in app.text_content("#labStatus")
    assert app.get_attribute("#labStatus", "aria-live") == "polite"


def test_the_animation_shows_early_epochs_then_finishes(app):
    app.click("#labRun")
    app.wait_for_function("document.documentElement.dataset.lab === 'running'")
    app.wait_for_function("Number(document.getElementById('labEpoch').dataset.value) >= 3")
    # slow at first: a few epochs, each drawn (the history grows with the shown epoch)
    shown = int(float(app.get_attribute("#labEpoch", "data-value")))
    assert shown < 200
    assert len(any_source(app, "lab_history")["epoch"]) >= shown + 1
    app.wait_for_function("document.documentElement.dataset.lab === 'done'", timeout=40_000)
    h = any_source(app, "lab_history")
    assert h["epoch"] == list(range(2001))  # SPEC §9: at most 2,000 epochs
    assert app.get_attribute("#labCE", "data-epochs") == "10"


def test_figures_are_updated_in_place(app):
    ids = "['lab_data_plot', 'lab_grad_plot', 'lab_acc_plot', 'lab_history', 'lab_runners'].map(n => Bokeh.documents[1].get_model_by_name(n).id)"
    before = app.evaluate(ids)
    start = any_source(app, "lab_runners")
    lab_to_end(app)
    after_run = any_source(app, "lab_runners")
    assert start["line_xs"] != after_run["line_xs"] and [len(xs) for xs in after_run["line_xs"]] == [2, 2]
    assert after_run["runner"] == ["ce", "mse"] and after_run["dash"] == ["solid", "dashed"]
    app.select_option("#labPair", "1")
    app.wait_for_function("document.documentElement.dataset.lab === 'idle'")
    assert app.evaluate(ids) == before and app.evaluate("Bokeh.documents.length") == 2
    assert any_model(app, "lab_x_axis", "m.axis_label") == "worst radius (standardised)"
    benign = any_source(app, "lab_benign")
    assert len(benign["x"]) == 357 and len(any_source(app, "lab_malignant")["x"]) == 212


def test_one_epoch_and_reset(app):
    app.click("#labStep")
    app.wait_for_function(WAIT_LAB_ROWS, arg=2)
    assert app.text_content("#labEpoch") == "1"
    assert app.evaluate("document.documentElement.dataset.lab") == "paused"
    now = any_source(app, "lab_now")
    assert now["epoch"] == [1, 1] and now["runner"] == ["ce", "mse"]
    app.click("#labReset")
    app.wait_for_function(WAIT_LAB_ROWS, arg=1)
    assert app.text_content("#labEpoch") == "0" and app.evaluate("document.documentElement.dataset.lab") == "idle"


@pytest.mark.parametrize("how", ["s", "lr", "pair"])
def test_changing_a_control_resets_the_lab_mid_run(app, how):
    app.click("#labRun")
    app.wait_for_function("Number(document.getElementById('labEpoch').dataset.value) >= 5")
    if how == "pair":
        app.select_option("#labPair", "2")
    else:
        type_field(app, "#labS" if how == "s" else "#labLr", "3")
    app.wait_for_function("document.documentElement.dataset.lab === 'idle'")
    frames(app, 12)  # a stale animation would move the epoch again within a few frames
    assert app.text_content("#labEpoch") == "0"
    assert len(any_source(app, "lab_history")["epoch"]) == 1
    assert app.text_content("#labRun") == "Train"


def test_lab_state_is_in_the_url(page, base_url):
    page.goto(base_url + "#z=-5&y=1&R=8&lp=2&ls=6&llr=0.5")
    wait_ready(page)
    assert page.input_value("#labPair") == "2" and page.input_value("#labS") == "6" and page.input_value("#labLr") == "0.5"
    assert any_model(page, "lab_y_axis", "m.axis_label") == "worst smoothness (standardised)"
    # the first paint blanked every column for this state; Python filled them all again
    assert any_source(page, "lab_runners")["runner"] == any_source(page, "lab_now")["runner"] == ["ce", "mse"]
    assert any_source(page, "lab_runners")["dash"] == ["solid", "dashed"]
    type_field(page, "#labS", "2")
    page.wait_for_function("location.hash === '#z=-5&y=1&R=8&lp=worst-area+worst-smoothness&ls=2&llr=0.5'")


def test_text_links_set_the_lab_and_leave_the_explorer_alone(app):
    type_field(app, "#zNum", "-5")
    wait_z(app, -5.0)
    app.click("a[href='#lp=0&ls=6&llr=1']")
    app.wait_for_function("document.getElementById('labS').value === '6'")
    assert app.evaluate("document.activeElement.id") == "labRun"
    assert app.input_value("#zNum") == "-5.00"
    assert lab_to_end(app) == (14, -1)


# (field, a valid start, typed, shown after it or None for "unchanged", the note); the parsers' unit tests have more
LAB_CASES = [("#labS", "5", "abc", None, "Enter a confidence s"), ("#labS", "5", "11", "10", "Clamped to 10"),
             ("#labS", "5", "-1", "0", "Clamped to 0"), ("#labLr", "2", "0", "0.01", "Clamped to 0.01"),
             ("#labLr", "2", "", None, "Enter a learning rate")]


def test_bad_lab_input(app):
    for field, start, bad, shown, note in LAB_CASES:
        msg = "#labSMsg" if field == "#labS" else "#labLrMsg"
        type_field(app, field, start)
        app.wait_for_function("([f, v]) => document.querySelector(f).value === v", arg=[field, start])
        assert not app.is_visible(msg)
        type_field(app, field, bad)
        app.wait_for_function("([f, v]) => document.querySelector(f).value === v", arg=[field, shown or start])
        assert note in app.inner_text(msg), (field, bad)
        for v in app.evaluate("['labAccCE','labLossCE','labGradCE','labLossMSE'].map(id => "
                              "document.getElementById(id).textContent)"):
            assert "NaN" not in v and "Infinity" not in v


def test_lab_from_the_keyboard(app):
    assert tab_order(app, "labPair", 6) == ["labPair", "labS", "labLr", "labRun", "labStep", "labReset"]
    app.focus("#labPair")
    app.keyboard.press("ArrowDown")  # a select moves to the next pair
    app.wait_for_function("location.hash.includes('lp=worst-radius+worst-concave-points')")
    app.focus("#labStep")
    app.keyboard.press("Enter")
    app.wait_for_function(WAIT_LAB_ROWS, arg=2)
    app.focus("#labRun")
    app.keyboard.press("Space")
    app.keyboard.press("Space")
    app.wait_for_function("document.documentElement.dataset.lab === 'done'", timeout=30_000)
    assert app.get_attribute("#labCE", "data-epochs") == "8"


def test_reduced_motion_shows_the_finished_course_only(make_context, base_url):
    ctx = make_context(reduced_motion="reduce")
    page = ctx.new_page()
    page.goto(base_url)
    wait_ready(page)
    page.evaluate("""() => { window.__epochs = [];
        new MutationObserver(() => window.__epochs.push(document.getElementById('labEpoch').textContent))
            .observe(document.getElementById('labEpoch'), {childList: true, characterData: true, subtree: true}); }""")
    page.click("#labRun")
    page.wait_for_function("document.documentElement.dataset.lab === 'done'", timeout=30_000)
    assert set(page.evaluate("window.__epochs")) == {"2,000"}
    assert page.get_attribute("#labMSE", "data-epochs") == "266"
    ctx.close()


def test_kiosk_demo_plays_the_lab(make_context, base_url):
    # A kiosk's width, but short enough that the lab starts out of reach (not near the screen)
    ctx = make_context(viewport={"width": 1920, "height": 700})
    try:  # a kiosk page left open would play its demo through every later test
        page = ctx.new_page()
        page.goto(base_url + "?kiosk=1&idle=1&panel_idle=never")
        wait_ready(page, panels=())
        # Not loaded until the demo's lab act asks for it (SPEC §13).
        assert page.evaluate("document.documentElement.dataset.labPanel") == "loading"
        page.wait_for_function("document.documentElement.dataset.lab === 'running'", timeout=60_000)
        assert page.evaluate("document.documentElement.dataset.labPanel") == "ready"
        assert page.evaluate("document.documentElement.dataset.demo") == "running"
        assert page.input_value("#labS") == "6"
        page.wait_for_function("document.getElementById('lab').getBoundingClientRect().top < 200")
        # a course shown past its start (touched before its first epoch is drawn, a lab reads "idle")
        page.wait_for_function("Number(document.getElementById('labEpoch').dataset.value) > 0")
        page.keyboard.press("Tab")
        page.wait_for_function("document.documentElement.dataset.demo === undefined")
        assert page.evaluate("document.documentElement.dataset.lab") == "paused"
    finally:
        ctx.close()


_FLOOR = "Bokeh.documents[1].get_model_by_name('lab_grad_y').start"
_NEXT_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def test_training_repaints_only_the_moving_layer(app):
    """Boundaries, regions and the growing curves are overlays: an epoch redraws them, not the 569 tumours."""
    for _ in range(25):
        app.click("#labStep")
    app.wait_for_function(WAIT_LAB_ROWS, arg=26)
    app.evaluate(_NEXT_FRAMES)
    assert app.evaluate(COUNT_PRIMARY, 'lab_') == ["lab_acc_plot", "lab_data_plot", "lab_grad_plot"]
    floor = app.evaluate(_FLOOR)
    for _ in range(10):
        app.click("#labStep")
    app.wait_for_function(WAIT_LAB_ROWS, arg=36)
    app.evaluate(_NEXT_FRAMES)
    counts = app.evaluate("window.__primary")
    # From this start the gradient axis keeps its floor through epoch 35 (checked in CPython:
    # lab.grad_range is 1e−3 from epoch 1 to 60), so nothing may repaint any figure's axes.
    assert floor == app.evaluate(_FLOOR) == 1e-3
    assert counts == {"lab_acc_plot": 0, "lab_data_plot": 0, "lab_grad_plot": 0}
    # the counter does see full repaints: another feature pair redraws the tumours
    app.select_option("#labPair", "3")
    app.wait_for_function("window.__primary.lab_data_plot > 0")


def test_another_panels_change_leaves_a_field_being_typed_in_alone(app):
    """Text being typed in the lab's field (refused so far, not yet committed) stays, beside its
    message, while the explorer's sweep moves z at every frame; committing it then shows the value
    in effect."""
    app.click("#sweep")
    app.fill("#labS", "4x")  # input events only: still being typed
    app.wait_for_selector("#labSMsg", state="visible")
    z0 = app.evaluate("Bokeh.documents[0].get_model_by_name('op_source').data.z[0]")
    app.wait_for_function("z => Bokeh.documents[0].get_model_by_name('op_source').data.z[0] !== z", arg=z0)
    settled(app)
    assert app.input_value("#labS") == "4x"
    assert app.is_visible("#labSMsg")
    app.press("#labS", "Enter")
    app.wait_for_function("document.getElementById('labS').value === '4'")
    app.click("#sweep")
