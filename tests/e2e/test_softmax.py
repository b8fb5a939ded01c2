"""The three-class panel (SPEC §15) through its real controls: readouts
against mpmath (tests/test_softmax.py's reference, written from the
definitions), the spec's training counts read from the page, figures in
place, state in the URL, bad input, keyboard, and the kiosk's act."""
from __future__ import annotations

import math

import pytest

from tests.test_softmax import reference

from .conftest import open_panel, wait_ready
from .helpers import any_model, any_source, settled, tab_order

DONE = "document.documentElement.dataset.softmax === 'done'"
IDLE = "document.documentElement.dataset.softmax === 'idle'"
IDS = [f"smP{j}" for j in (1, 2, 3)] + [f"smGCE{j}" for j in (1, 2, 3)] + [f"smGMSE{j}" for j in (1, 2, 3)] + \
    ["smCE", "smMSE", "smNormCE", "smNormMSE", "smRatio"]


@pytest.fixture
def sm_page(page, base_url):
    page.goto(base_url + "?panel_idle=never")
    wait_ready(page, panels=())
    open_panel(page, "softmax")
    return page


def values(page) -> dict:
    return page.evaluate("ids => Object.fromEntries(ids.map(id => [id, document.getElementById(id).dataset.value]))",
                         IDS)


def texts(page) -> dict:
    return page.evaluate("ids => Object.fromEntries(ids.map(id => [id, document.getElementById(id).textContent]))",
                         IDS)


def expected(z, k) -> dict:
    r = reference(z, k)
    out = {f"smP{j + 1}": r["p"][j] for j in range(3)}
    out.update({f"smGCE{j + 1}": r["gce"][j] for j in range(3)})
    out.update({f"smGMSE{j + 1}": r["gmse"][j] for j in range(3)})
    out.update(smCE=r["ce"], smMSE=r["mse"], smNormCE=r["norm_ce"], smNormMSE=r["norm_mse"], smRatio=r["ratio"])
    return out


def type_z(page, j: int, value: str) -> None:
    page.fill(f"#smZ{j}Num", value)
    page.press(f"#smZ{j}Num", "Enter")


def set_logits(page, z, k) -> None:
    for j, v in enumerate(z, start=1):
        type_z(page, j, repr(float(v)))
    page.click(f"label[for=smY{k + 1}]")
    settled(page)
    page.wait_for_function("k => location.hash.includes('sy=' + (k + 1)) || k === 0", arg=k)  # the class's name


def assert_page_matches(page, z, k) -> None:
    got, want = values(page), expected(z, k)
    for key, w in want.items():
        g = float(got[key])
        assert math.isfinite(g) and g == pytest.approx(w, rel=1e-9, abs=0.0), (key, z, k, g, w)
    for text in texts(page).values():
        assert "nan" not in text.lower() and "inf" not in text.lower() and text != "…"


def test_the_specs_reference_from_the_real_page(sm_page):
    """The default, z = (2, 1, 0.1) with class 1, then z = (0, 10, 0)."""
    t = texts(sm_page)
    assert [t["smP1"], t["smP2"], t["smP3"]] == ["0.6590", "0.2424", "0.09857"]
    assert t["smCE"] == "0.4170" and t["smMSE"] == "0.1848" and t["smRatio"] == "1.365"
    assert [t["smGMSE1"], t["smGMSE2"], t["smGMSE3"]] == ["\u22120.2435", "0.1933", "0.05023"]
    assert_page_matches(sm_page, (2, 1, 0.1), 0)
    set_logits(sm_page, (0, 10, 0), 0)
    t = texts(sm_page)
    assert t["smGCE1"] == "\u22121.000" and t["smGMSE1"] == "\u22121.816e\u22124" and t["smRatio"] == "4163"
    assert_page_matches(sm_page, (0, 10, 0), 0)
    bars = any_source(sm_page, "sm_bars")
    assert bars["y"] == [1, 0, 0] and bars["gce"][0] == pytest.approx(-0.9999546, rel=1e-6, abs=0.0)


@pytest.mark.parametrize("z,k", [((30, 0, 0), 0), ((5, 5, -25), 0), ((-20, 12, 12), 1), ((28, 28, -28), 0),
                                 ((-30, 30, -30), 2)])
def test_readouts_within_1e9_of_mpmath_where_floats_cancel(sm_page, z, k):
    set_logits(sm_page, z, k)
    assert_page_matches(sm_page, z, k)


def test_sliders_move_the_logits(sm_page):
    sm_page.focus("#smZ2")
    for _ in range(5):
        sm_page.keyboard.press("ArrowRight")
    sm_page.wait_for_function("location.hash.includes('sz2=1.05')")
    assert sm_page.input_value("#smZ2Num") == "1.05"
    assert_page_matches(sm_page, (2, 1.05, 0.1), 0)
    sm_page.evaluate("""() => { const r = document.getElementById('smZ2'); r.value = '-9.5';
        r.dispatchEvent(new Event('input', {bubbles: true})); r.dispatchEvent(new Event('change', {bubbles: true})); }""")
    sm_page.wait_for_function("location.hash.includes('sz2=-9.5')")
    assert_page_matches(sm_page, (2, -9.5, 0.1), 0)


def test_beyond_the_slider_and_bad_input(sm_page):
    type_z(sm_page, 1, "-45")
    sm_page.wait_for_function("location.hash.includes('sz1=-45')")
    assert sm_page.input_value("#smZ1") == "-10"  # the slider pinned at its end, the number kept
    assert_page_matches(sm_page, (-45, 1, 0.1), 0)
    type_z(sm_page, 1, "80")
    sm_page.wait_for_function("location.hash.includes('sz1=50')")
    assert "Clamped to 50" in sm_page.inner_text("#smZ1Msg")
    before = values(sm_page)
    for bad in ("lots", "1e999", "nan", "<b>3</b>", ""):
        sm_page.fill("#smZ3Num", bad)
        sm_page.wait_for_function("document.getElementById('smZ3Num').getAttribute('aria-invalid') === 'true'")
        assert "logit" in sm_page.inner_text("#smZ3Msg")
        settled(sm_page)
        assert values(sm_page) == before, bad
    sm_page.press("#smZ3Num", "Enter")
    sm_page.wait_for_function("document.getElementById('smZ3Num').value === '0.1'")  # the value in effect
    assert sm_page.evaluate("document.querySelectorAll('#softmax b').length") == 0


def to_end(page) -> tuple[int, int]:
    page.click("#smRun")
    page.click("#smRun")  # "Skip to the end"
    page.wait_for_function(DONE, timeout=60_000)
    return int(page.get_attribute("#smEpochsCE", "data-epochs")), int(page.get_attribute("#smEpochsMSE", "data-epochs"))


def set_course(page, s: str, lr: str) -> None:
    for field, value in (("#smS", s), ("#smLr", lr)):
        page.fill(field, value)
        page.press(field, "Enter")
    settled(page)
    page.wait_for_function(IDLE)


@pytest.mark.parametrize("s,lr,counts", [("4", "1", (7, 104)), ("6", "1", (9, 310)), ("8", "1", (12, 701)),
                                         ("8", "0.3", (40, -1)), ("0", "1", (1, 1))])
def test_the_specs_training_counts_from_the_real_page(sm_page, s, lr, counts):
    set_course(sm_page, s, lr)
    assert to_end(sm_page) == counts
    if counts[1] == -1:
        assert sm_page.text_content("#smEpochsMSE") == "not within 2,000"
    else:
        assert sm_page.text_content("#smEpochsCE") == f"{counts[0]} epoch" + ("s" if counts[0] != 1 else "")
    assert sm_page.text_content("#smEpoch") == "2,000"


def test_figures_are_updated_in_place_and_a_logit_leaves_the_course(sm_page):
    names = ["sm_bars_plot", "sm_map_ce_plot", "sm_map_mse_plot", "sm_acc_plot", "sm_points", "sm_bars", "sm_map_ce"]
    ids = f"{names}.map(n => Bokeh.documents.map(d => d.get_model_by_name(n)).find(Boolean).id)"
    before, docs = sm_page.evaluate(ids), sm_page.evaluate("Bokeh.documents.length")
    points = any_source(sm_page, "sm_points")
    assert len(points["x1"]) == 300 and sorted(set(points["label"])) == ["1", "2", "3"]
    assert any_model(sm_page, "sm_map_ce", "Array.from(m.data.image[0].shape)") == [40, 40]
    sm_page.click("#smStep")
    sm_page.wait_for_function("document.getElementById('smEpoch').dataset.value === '1.0'")
    type_z(sm_page, 3, "4")  # the explorer part: the course stays where it is
    sm_page.wait_for_function("location.hash.includes('sz3=4')")
    settled(sm_page)
    assert sm_page.text_content("#smEpoch") == "1"
    to_end(sm_page)
    assert len(any_source(sm_page, "sm_history")["epoch"]) == 2001
    assert sm_page.evaluate(ids) == before and sm_page.evaluate("Bokeh.documents.length") == docs


def test_state_is_in_the_url_and_restored(page, base_url):
    page.goto(base_url + "?panel_idle=never#sz1=-3&sz2=7.5&sz3=0&sy=2&ss=6&slr=0.5")
    wait_ready(page, panels=())
    page.wait_for_function("document.documentElement.dataset.softmaxPanel === 'ready'")  # the hash asked for it
    assert [page.input_value(f"#smZ{j}Num") for j in (1, 2, 3)] == ["\u22123", "7.5", "0"]
    assert page.is_checked("#smY2") and page.input_value("#smS") == "6" and page.input_value("#smLr") == "0.5"
    assert_page_matches(page, (-3, 7.5, 0), 1)


def test_a_hostile_link_leaves_the_defaults(page, base_url):
    page.goto(base_url + "?panel_idle=never#sz1=1e999&sz2=<b>4</b>&sz3=-51&sy=4&ss=-1&slr=0&z=-3")
    wait_ready(page, panels=())
    page.wait_for_function("document.documentElement.dataset.softmaxPanel === 'ready'")
    assert [page.input_value(f"#smZ{j}Num") for j in (1, 2, 3)] == ["2", "1", "0.1"]
    assert page.is_checked("#smY1") and page.input_value("#smS") == "4"
    assert_page_matches(page, (2, 1, 0.1), 0)
    assert page.evaluate("document.querySelectorAll('#softmax b').length") == 0


def test_from_the_keyboard(sm_page):
    assert tab_order(sm_page, "smZ1", 7) == ["smZ1", "smZ1Num", "smZ2", "smZ2Num", "smZ3", "smZ3Num", "smY1"]
    sm_page.focus("#smY1")
    sm_page.keyboard.press("ArrowRight")  # radio group: class 2
    sm_page.wait_for_function("location.hash.includes('sy=2')")
    assert_page_matches(sm_page, (2, 1, 0.1), 1)
    sm_page.wait_for_function("document.getElementById('smAnnounce').textContent.includes('True class 2')")
    assert tab_order(sm_page, "smS", 5) == ["smS", "smLr", "smRun", "smStep", "smReset"]
    sm_page.focus("#smRun")
    sm_page.keyboard.press("Space")
    sm_page.keyboard.press("Space")
    sm_page.wait_for_function(DONE, timeout=60_000)
    assert sm_page.get_attribute("#smEpochsCE", "data-epochs") == "7"
    assert "cross-entropy 7 epochs, MSE 104 epochs" in sm_page.text_content("#smStatus")


def test_text_links_set_the_panel(sm_page):
    sm_page.click("a[href='#sz1=0&sz2=10&sz3=0&sy=1']")
    sm_page.wait_for_function("location.hash.includes('sz2=10')")
    assert_page_matches(sm_page, (0, 10, 0), 0)
    sm_page.click("a[href='#ss=8&slr=0.3']")
    sm_page.wait_for_function("document.activeElement.id === 'smRun'")
    assert sm_page.input_value("#smS") == "8" and sm_page.input_value("#smLr") == "0.3"


def test_kiosk_demo_plays_the_three_class_panel(make_context, base_url):
    ctx = make_context(viewport={"width": 1920, "height": 1080}, reduced_motion="reduce")
    try:
        page = ctx.new_page()
        page.goto(base_url + "?kiosk=1&idle=1&panel_idle=never")
        wait_ready(page, panels=())
        page.wait_for_function("document.documentElement.dataset.softmax === 'done'", timeout=120_000)
        assert page.get_attribute("#smEpochsMSE", "data-epochs") == "701"  # s = 8
        assert page.evaluate("document.documentElement.dataset.demo") == "running"
        page.keyboard.press("Tab")
        page.wait_for_function("document.documentElement.dataset.demo === undefined")
    finally:
        ctx.close()


# Counts what the page writes to op_source's data (a spy in front of BokehJS's own property).
COUNT_OP_WRITES = """() => {
  const op = Bokeh.documents[0].get_model_by_name('op_source');
  let proto = Object.getPrototypeOf(op), d;
  while (proto && !(d = Object.getOwnPropertyDescriptor(proto, 'data'))) proto = Object.getPrototypeOf(proto);
  window.__opWrites = 0;
  Object.defineProperty(op, 'data', {configurable: true, get() { return d.get.call(this); },
                                     set(v) { window.__opWrites++; d.set.call(this, v); }});
}"""


def test_a_logit_leaves_the_explorers_figures_and_fields_alone(sm_page):
    """A change in this panel sends nothing to the explorer: no write to its op_source at every move
    of a logit, and its fields keep what they show."""
    sm_page.evaluate(COUNT_OP_WRITES)
    sm_page.fill("#zNum", "1x")  # typed in the explorer, refused, not committed
    sm_page.wait_for_selector("#zMsg", state="visible")
    sm_page.evaluate("""() => { const el = document.getElementById('smZ1');
        el.value = '3.5'; el.dispatchEvent(new Event('input', {bubbles: true})); }""")
    sm_page.wait_for_function("location.hash.includes('sz1=3.5')")
    settled(sm_page)
    assert sm_page.evaluate("window.__opWrites") == 0
    assert sm_page.input_value("#zNum") == "1x"
    sm_page.evaluate("delete Bokeh.documents[0].get_model_by_name('op_source').data")
