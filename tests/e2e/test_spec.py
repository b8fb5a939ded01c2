"""SPEC bullets no other test reads: the worked example and its links, the wrong
numbers kept off the page, `log=1` from a URL, the sweep's full course, the
clamp note. Expected values are the spec's own, written out here."""
from __future__ import annotations

import pytest

from tests.reference import READOUT_IDS, spec_format

from .conftest import wait_ready
from .helpers import model_prop, source, wait_z

# SPEC §1's reference table (the page's worked example shows the y = 1 rows).
SPEC_ROWS = {
    (0.0, 1): ("0.5000", "0.6931", "0.2500", "0.5000", "0.2500", "2.000"),
    (-2.0, 1): ("0.1192", "2.127", "0.7758", "0.8808", "0.1850", "4.762"),
    (-5.0, 1): ("0.006693", "5.007", "0.9867", "0.9933", "0.01321", "75.21"),
    (-8.0, 1): ("3.354e\u22124", "8.000", "0.9993", "0.9997", "6.703e\u22124", "1491"),
    (3.0, 1): ("0.9526", "0.04859", "0.002249", "0.04743", "0.004285", "11.07"),
    (2.0, 0): ("0.8808", "2.127", "0.7758", "0.8808", "0.1850", "4.762"),
}
IDS = READOUT_IDS


def test_the_worked_example_table_and_each_of_its_links(app):
    rows = app.evaluate("""[...document.querySelectorAll('#example ~ .table-wrap table tbody tr')].map(tr =>
        [tr.querySelector('a').getAttribute('href'), [...tr.querySelectorAll('td')].map(td => td.textContent)])""")
    links = {}
    for href, cells in rows:
        fields = dict(kv.split("=") for kv in href.lstrip("#").split("&"))
        key = (float(fields["z"]), int(fields["y"]))
        assert tuple(cells) == SPEC_ROWS[key], href
        links[key] = href
    links[(2.0, 0)] = app.get_attribute("a[data-state-link][href*='y=0']", "href")
    assert set(links) == set(SPEC_ROWS)
    for (z, y), href in links.items():
        app.click(f"a[data-state-link][href='{href}']")
        wait_z(app, z)
        app.wait_for_function(f"document.getElementById('y{y}').checked")
        shown = app.evaluate(f"{list(IDS)}.map(id => document.getElementById(id).textContent)")
        assert tuple(shown) == SPEC_ROWS[(z, y)], href
        assert shown == [spec_format(float(app.get_attribute(f"#{i}", "data-value"))) for i in IDS]


def test_the_three_wrong_numbers_never_appear(app):
    text = app.evaluate("document.body.innerText + ' ' + document.body.textContent")
    for wrong in ("2.207", "0.211", "5.303"):
        assert wrong not in text


def test_log_scale_is_restored_from_the_url(page, base_url):
    page.goto(base_url + "?panel_idle=never#z=-5&y=1&R=8&log=1")
    wait_ready(page, panels=())
    assert page.is_checked("#logGrad")
    assert model_prop(page, "grad_log_axis", "visible") and not model_prop(page, "grad_lin_axis", "visible")


def test_the_sweep_reaches_both_ends_and_comes_back(app):
    app.fill("#zRange", "3")
    app.press("#zRange", "Enter")
    app.wait_for_function("Bokeh.documents[0].get_model_by_name('grad_x').end === 3")
    z0 = source(app, "op_source")["z"][0]
    app.click("#sweep")
    at = "lim => Math.abs(Bokeh.documents[0].get_model_by_name('op_source').data.z[0] - lim) <= 0.05"
    app.wait_for_function(at, arg=3.0, timeout=30_000)
    app.wait_for_function(at, arg=-3.0, timeout=30_000)
    app.wait_for_function(at, arg=z0, timeout=30_000)  # and on round again
    app.click("#sweep")
    assert app.get_attribute("#sweep", "aria-pressed") == "false"


@pytest.mark.parametrize("y,far", [(1, -30), (0, 30)])
def test_the_clamp_note_comes_and_goes(app, y, far):
    app.fill("#zRange", "30")
    app.press("#zRange", "Enter")
    app.click(f"label[for=y{y}]")
    for z, shown in ((far, True), (0, False), (far, True), (far / 10, False)):
        app.fill("#zNum", str(z))
        app.press("#zNum", "Enter")
        wait_z(app, float(z))
        assert app.is_visible("#ceClamp") == shown, (y, z)
