"""At phone width the explorer's own figures start well below the first screen:
they are painted like a panel below (when near, when idle, before any panel),
and Python's writes to them wait, bounded, until they are (boot.js, models.js)."""
from __future__ import annotations

import math

import pytest

from .conftest import open_panel, wait_ready
from .helpers import settled, type_and_enter, wait_value

PHONE = {"width": 412, "height": 823}  # Lighthouse's mobile screen: the loss plot starts 1.4 screens down
NO_IDLE = "?panel_idle=never"
FIGURES = "document.documentElement.dataset.figures"
OP = "Bokeh.documents[0].get_model_by_name('op_source').data"
MARK = "name => performance.getEntriesByName(name).length ? performance.getEntriesByName(name)[0].startTime : null"


@pytest.fixture
def phone(make_context):
    return make_context(viewport=PHONE).new_page()


def bokeh_absent(page) -> bool:
    """Neither BokehJS's script nor any of its documents is on the page."""
    return page.evaluate("typeof window.Bokeh === 'undefined' && !document.querySelector('script[src*=\"bokeh\"]')")


def test_at_phone_width_the_figures_wait_and_then_show_python_s_latest_state(phone, base_url):
    phone.goto(base_url + NO_IDLE + "#z=-5&y=1&R=8")
    wait_ready(phone, panels=())
    assert phone.evaluate(FIGURES) == "later" and bokeh_absent(phone)
    assert phone.evaluate("explorerModels.waiting()") > 0
    held = phone.evaluate("explorerModels.waiting()")
    # A learner works the controls above the figures: every write waits, none piles up.
    for z in ("-3", "2", "1.5"):
        type_and_enter(phone, "#zNum", z)
        wait_value(phone, "p", 1 / (1 + math.exp(-float(z))))
    phone.fill("#zRange", "12")
    phone.press("#zRange", "Enter")
    phone.check("#logGrad")
    wait_value(phone, "p", 1 / (1 + math.exp(-1.5)))
    settled(phone)
    assert phone.evaluate("explorerModels.waiting()") == held
    assert bokeh_absent(phone)
    # Scrolled near: painted with what Python last wrote, nothing left waiting.
    phone.locator("#lossPlotHost").scroll_into_view_if_needed()
    phone.wait_for_function(f"{FIGURES} === 'drawn'")
    phone.wait_for_function(f"{OP}.z && {OP}.z[0] === 1.5")
    assert phone.evaluate("explorerModels.waiting()") == 0
    op = phone.evaluate(f"Object.fromEntries(Object.entries({OP}).map(([k, v]) => [k, Array.from(v)]))")
    assert op["p"][0] == pytest.approx(1 / (1 + math.exp(-1.5)), rel=0, abs=1e-15)
    assert phone.evaluate("Bokeh.documents[0].get_model_by_name('grad_log_axis').visible") is True
    assert phone.evaluate("Bokeh.documents[0].get_model_by_name('grad_curves').data.z[0]") == -12
    assert phone.evaluate("Bokeh.documents.length") == 1  # no panel came with them
    # and they stay live
    phone.fill("#zNum", "-2")
    phone.press("#zNum", "Enter")
    phone.wait_for_function(f"{OP}.z[0] === -2")


def test_scrolled_to_before_ready_the_figures_are_painted_at_once(phone, base_url):
    phone.goto(base_url + NO_IDLE)
    phone.locator("#lossPlotHost").scroll_into_view_if_needed()
    phone.wait_for_function(f"{FIGURES} === 'drawn'")
    wait_ready(phone, panels=())
    phone.wait_for_function("explorerModels.waiting() === 0")
    z, p = phone.evaluate(f"[{OP}.z[0], {OP}.p[0]]")  # the default state, z = −2
    assert z == -2 and p == pytest.approx(1 / (1 + math.exp(2)), rel=0, abs=1e-15)
    assert phone.text_content("#p") == "0.1192"


def test_when_idle_the_figures_are_painted_first_without_scrolling(phone, base_url):
    phone.goto(base_url + "?panel_idle=0.2")
    wait_ready(phone, panels=())
    phone.wait_for_function("document.documentElement.dataset.labPanel === 'ready'", polling=100)
    assert phone.evaluate(FIGURES) == "drawn" and phone.evaluate("window.scrollY") == 0
    figures, lab = (phone.evaluate(MARK, n) for n in ("explorer:first-paint", "explorer:lab-paint"))
    assert figures is not None and lab is not None and figures < lab


def test_a_panel_asked_for_first_brings_the_figures_before_it(phone, base_url):
    phone.goto(base_url + NO_IDLE)
    wait_ready(phone, panels=())
    assert phone.evaluate(FIGURES) == "later"
    open_panel(phone, "deep", scroll=False)  # as a link naming it would
    assert phone.evaluate(FIGURES) == "drawn"
    assert phone.evaluate("Bokeh.documents.length") == 2  # the explorer's, then the depth panel's
    assert phone.evaluate("Bokeh.documents[0].get_model_by_name('op_source') !== null")
    figures, deep = (phone.evaluate(MARK, n) for n in ("explorer:first-paint", "explorer:deep-paint"))
    assert figures < deep


@pytest.mark.parametrize("query", ["?figures=now&panel_idle=never", "?kiosk=1&panel_idle=never"])
def test_asked_for_now_or_in_a_kiosk_the_figures_come_with_the_page(phone, base_url, query):
    phone.goto(base_url + query)
    wait_ready(phone, panels=())
    assert phone.evaluate(FIGURES) == "drawn"
    assert phone.evaluate("explorerModels.waiting()") == 0


def test_on_a_larger_screen_the_figures_come_with_the_page(page, base_url):
    page.set_viewport_size({"width": 1280, "height": 700})
    page.goto(base_url + NO_IDLE)
    wait_ready(page, panels=())
    assert page.evaluate(FIGURES) == "drawn"
    assert page.evaluate(MARK, "explorer:first-paint") < page.evaluate(MARK, "explorer:ready")
