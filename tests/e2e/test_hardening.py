"""Hostile input, injected failures, accessibility and keyboard-only use."""
from __future__ import annotations

import math

import pytest

from .conftest import wait_ready
from .helpers import BREAK_OP_SOURCE, HEAL_OP_SOURCE, readouts, source, wait_z

# Each hostile hash with exactly the state its valid fields ask for (the rest:
# the defaults z = −2, y = 1, R = 8, lr = 1), written out from SPEC §2.
BAD_HASHES = [
    ("#z=NaN&y=1&R=8", {}), ("#z=Infinity&R=Infinity", {}), ("#z=-1e400&lr=1e999", {}),
    ("#z=1&z=2&z=3&y=1&y=0", {"z": "1.00"}), ("#foo=bar&z=-5&evil=1", {"z": "-5.00"}),
    ("#" + "z=1&" * 2600, {}),  # ~10 kB: not ours, ignored whole
    ("#z=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&y=%3Cscript%3Ealert(2)%3C/script%3E", {}),
    ("#R=<b>51</b>&lr=<svg/onload=alert(3)>&y=0", {"y": "0"}),  # not R = 50
    ("#%E0%A4%A&z=%%%&R=12", {"R": "12"}), ("#y=2&R=0&lr=0&z=3.5", {"z": "3.50"}),
]


@pytest.mark.parametrize("h,want", BAD_HASHES, ids=range(len(BAD_HASHES)))
def test_hostile_hash_falls_back_silently(page, base_url, h, want):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base_url + h)
    wait_ready(page)
    r = readouts(page)
    for v in r.values():
        assert math.isfinite(float(v["value"])) and "NaN" not in v["text"] and "Infinity" not in v["text"]
    # no markup from the address anywhere in the document, the boot and notice panels included
    assert page.evaluate("document.querySelectorAll('img, svg, b, script:not([src]):not([type])').length") == 0
    assert dialogs == []
    assert page.is_hidden("#notice") and page.is_hidden("#bootError")
    expected = {"z": "-2.00", "y": "1", "R": "8", "lr": "1", **want}
    got = {"z": page.input_value("#zNum"), "y": "0" if page.is_checked("#y0") else "1",
           "R": page.input_value("#zRange"), "lr": page.input_value("#lr")}
    assert got == expected
    assert source(page, "op_source")["z"] == [float(expected["z"])]


# (typed, shown after Enter or None for "unchanged", whether a note says why); parse_range's unit test has more
RANGE_CASES = [("0", "1", True), ("-5", "1", True), ("51", "50", True), ("1e9", "50", True), ("text", None, True),
               ("12", "12", False)]


def test_range_input_is_validated(app):
    for bad, value, note in RANGE_CASES:
        # a known valid start for each case, without a note (and a change: an unchanged field sends no event)
        start = "21" if app.input_value("#zRange") == "20" else "20"
        app.fill("#zRange", start)
        app.press("#zRange", "Enter")
        assert model_range_end(app) == float(start) and not app.is_visible("#rangeMsg")
        app.fill("#zRange", bad)
        app.press("#zRange", "Enter")
        want = value or start
        app.wait_for_function("v => document.getElementById('zRange').value === v", arg=want)
        assert app.is_visible("#rangeMsg") == note, bad
        assert model_range_end(app) == float(want), bad


def model_range_end(page):
    page.wait_for_function("v => Bokeh.documents[0].get_model_by_name('grad_x').end == v",
                           arg=float(page.input_value("#zRange")))
    return page.evaluate("Bokeh.documents[0].get_model_by_name('grad_x').end")


def test_tiny_number_is_just_zero(app):
    app.fill("#zNum", "1e-400")
    app.press("#zNum", "Enter")
    wait_z(app, 0.0)
    assert readouts(app)["ratio"]["text"] == "2.000"


def test_an_exception_in_a_handler_is_contained(watch, app):
    # Make the next write to op_source fail inside Python's input handler.
    app.evaluate(BREAK_OP_SOURCE)
    app.fill("#zNum", "-5")
    app.press("#zNum", "Enter")
    app.wait_for_selector("#notice:visible")
    assert "still working" in app.inner_text("#notice")
    assert "Traceback" not in app.inner_text("body")
    # the page goes on working once the fault is gone
    app.evaluate(HEAL_OP_SOURCE)
    app.fill("#zNum", "3")
    app.press("#zNum", "Enter")
    wait_z(app, 3.0)
    assert readouts(app)["ratio"]["text"] == "11.07"
    assert app.evaluate("document.documentElement.dataset.state") == "ready"


def test_a_failing_timer_callback_is_contained(app):
    app.evaluate("() => { history.replaceState = () => { throw new Error('injected'); }; }")
    app.fill("#zNum", "-5")
    app.press("#zNum", "Enter")
    app.wait_for_selector("#notice:visible")
    app.fill("#zNum", "0")
    app.press("#zNum", "Enter")
    wait_z(app, 0.0)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [360, 1920])
def test_no_serious_accessibility_violations(make_context, base_url, scheme, width):
    from axe_playwright_python.sync_playwright import Axe
    ctx = make_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = ctx.new_page()
    page.goto(base_url + "#z=-5&y=1&R=8")
    wait_ready(page, panels=("lab", "deep"))  # every panel on the page, each loaded on demand
    page.click("#race")
    page.wait_for_function("document.documentElement.dataset.race === 'done'")
    results = Axe().run(page)
    ctx.close()
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == []


def type_into(page, selector: str, text: str) -> None:
    """Keyboard only: focus, select all, type, Enter."""
    page.focus(selector)
    page.keyboard.press("Control+a")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


CONTROLS = ["z", "zNum", "y1", "zRange", "logGrad", "sweep", "lr", "race", "raceStep", "raceReset"]


def test_keyboard_only(app):
    # Every control is reachable with Tab, in reading order, with a visible focus ring.
    app.click("h1")
    order = []
    for _ in range(40):
        app.keyboard.press("Tab")
        info = app.evaluate("""() => { const e = document.activeElement;
            const s = getComputedStyle(e);
            const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
            const label = e.id && document.querySelector(`label[for="${e.id}"]`);
            const seg = label && getComputedStyle(label).outlineStyle !== 'none';
            return {id: e.id, ring: ring || seg}; }""")
        if info["id"] in CONTROLS and info["id"] not in order:
            order.append(info["id"])
            assert info["ring"], f"no visible focus on #{info['id']}"
    assert order == CONTROLS
    # ... and each one works from the keyboard.
    app.focus("#z")
    app.keyboard.press("Shift+ArrowLeft")
    wait_z(app, -3.0)
    type_into(app, "#zNum", "-5")
    wait_z(app, -5.0)
    app.focus("#y1")
    app.keyboard.press("ArrowLeft")
    app.wait_for_function("document.getElementById('y0').checked")
    app.keyboard.press("ArrowRight")
    app.wait_for_function("document.getElementById('y1').checked")
    type_into(app, "#zRange", "12")
    app.wait_for_function("Bokeh.documents[0].get_model_by_name('grad_x').end === 12")
    app.focus("#logGrad")
    app.keyboard.press("Space")
    app.wait_for_function("Bokeh.documents[0].get_model_by_name('grad_log_axis').visible")
    app.focus("#sweep")
    app.keyboard.press("Enter")
    app.wait_for_function("document.getElementById('sweep').getAttribute('aria-pressed') === 'true'")
    app.keyboard.press("Enter")
    app.wait_for_function("document.getElementById('sweep').getAttribute('aria-pressed') === 'false'")
    type_into(app, "#zNum", "-5")
    type_into(app, "#lr", "3")
    app.focus("#raceStep")
    app.keyboard.press("Enter")
    app.wait_for_function("Bokeh.documents[0].get_model_by_name('race_path').data.step.length === 2")
    app.focus("#race")
    app.keyboard.press("Space")
    app.wait_for_function("document.documentElement.dataset.race === 'done'", timeout=30_000)
    assert app.get_attribute("#raceCE", "data-steps") == "5"
    assert app.get_attribute("#raceMSE", "data-steps") == "40"
    app.focus("#raceReset")
    app.keyboard.press("Enter")
    app.wait_for_function("document.getElementById('raceCE').textContent === '—'")
