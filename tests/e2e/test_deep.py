"""The depth panel through its real controls: SPEC §12's numbers read from the
page, the per-layer table, figures in place, state, input checks, keyboard,
reduced motion and the kiosk's act. Expected numbers come from the spec."""
from __future__ import annotations

import pytest

from .conftest import open_panel, wait_ready
from .helpers import any_model, any_source, settled, tab_order

DONE = "document.documentElement.dataset.deep === 'done'"
IDLE = "document.documentElement.dataset.deep === 'idle'"


@pytest.fixture
def deep_page(page, base_url):
    page.goto(base_url + "?panel_idle=never")
    wait_ready(page, panels=())
    open_panel(page, "deep")
    return page


def set_up(page, depth: int, act: str, data: str = "circle") -> None:
    page.select_option("#deepData", label={"circle": "circle inside a ring", "xor": "xor quadrants"}[data])
    page.select_option("#deepDepth", str(depth))
    page.select_option("#deepAct", label=act)
    settled(page)  # Python has started the new course
    page.wait_for_function(IDLE)


def to_end(page) -> tuple[int, int]:
    page.click("#deepRun")
    page.click("#deepRun")  # "Skip to the end"
    page.wait_for_function(DONE, timeout=90_000)
    return int(page.get_attribute("#deepCE", "data-epochs")), int(page.get_attribute("#deepMSE", "data-epochs"))


def layer_cells(page) -> list[list[float]]:
    return page.evaluate("""[...document.querySelectorAll('#deepLayers tbody tr')]
        .map(tr => [...tr.querySelectorAll('td')].map(td => Number(td.dataset.value)))""")


@pytest.mark.parametrize("depth,act,expected", [
    (1, "sigmoid", (204, 397)), (2, "sigmoid", (673, 1337)), (3, "sigmoid", (-1, -1)),
    (3, "ReLU", (9, 15)), (3, "tanh", (25, 46)),
])
def test_the_spec_numbers_from_the_real_page(deep_page, depth, act, expected):
    set_up(deep_page, depth, act)
    assert to_end(deep_page) == expected
    if expected == (-1, -1):
        assert deep_page.text_content("#deepMSE") == "not within 2,000"
    else:
        assert deep_page.text_content("#deepCE") == f"{expected[0]:,} epochs"


def test_the_first_layer_starves_at_the_start(deep_page):
    """Three sigmoid layers, epoch 0: 6.68e−5 at the input side against 2.64e−2 at the output (SPEC §12)."""
    cells = layer_cells(deep_page)
    assert len(cells) == 4 and all(len(row) == 2 for row in cells)
    assert f"{cells[0][0]:.2e}" == "6.68e-05" and f"{cells[-1][0]:.2e}" == "2.64e-02"
    assert round(cells[-1][0] / cells[0][0]) == 395
    assert deep_page.text_content("#deepLayers tbody tr th") == "W1 (input side)"
    assert "first layer learns 395.5× slower than the last" in deep_page.text_content("#deepHeadline")
    # the figure shows the same numbers, input side first
    layers = any_source(deep_page, "deep_layers")
    assert layers["layer"] == [1, 2, 3, 4] and layers["ce"] == [row[0] for row in cells]
    assert layers["mse"] == [row[1] for row in cells]
    # ReLU with its start: the first layer gets a usable share
    set_up(deep_page, 3, "ReLU")
    cells = layer_cells(deep_page)
    assert cells[-1][0] / cells[0][0] < 10


def test_figures_are_updated_in_place(deep_page):
    names = ["deep_grad_plot", "deep_map_ce_plot", "deep_map_mse_plot", "deep_acc_plot", "deep_points",
             "deep_layers", "deep_map_ce"]
    ids = f"{names}.map(n => Bokeh.documents.map(d => d.get_model_by_name(n)).find(Boolean).id)"
    before, docs = deep_page.evaluate(ids), deep_page.evaluate("Bokeh.documents.length")
    points = any_source(deep_page, "deep_points")
    assert len(points["x1"]) == 200 and sum(points["y"]) == 100 and set(points) >= {"x1", "x2", "y"}
    shape = any_model(deep_page, "deep_map_ce", "Array.from(m.data.image[0].shape)")
    assert shape == [48, 48]
    to_end(deep_page)
    set_up(deep_page, 6, "tanh", "xor")
    assert any_source(deep_page, "deep_points")["x1"] != points["x1"]
    assert len(layer_cells(deep_page)) == 7 and len(any_source(deep_page, "deep_layers")["layer"]) == 7
    assert deep_page.evaluate(ids) == before and deep_page.evaluate("Bokeh.documents.length") == docs
    history = any_source(deep_page, "deep_history")
    assert history["epoch"] == [0]  # a new course starts over


def test_state_is_in_the_url_and_restored(page, base_url):
    page.goto(base_url + "?panel_idle=never#z=-2&y=1&R=8&dd=1&dl=2&da=2&dlr=0.5&dsd=7")
    wait_ready(page, panels=())
    page.wait_for_function("document.documentElement.dataset.deepPanel === 'ready'")  # the hash asked for it
    assert [page.input_value(s) for s in ("#deepData", "#deepDepth", "#deepAct", "#deepLr", "#deepSeed")] == \
        ["1", "2", "2", "0.5", "7"]
    assert len(layer_cells(page)) == 3
    page.fill("#deepSeed", "42")
    page.press("#deepSeed", "Enter")
    page.wait_for_function("location.hash.includes('dsd=42')")
    assert "dd=xor&dl=2&da=relu&dlr=0.5" in page.evaluate("location.hash")  # choices by name now


def test_an_out_of_range_choice_in_a_link_is_ignored(page, base_url):
    """Choices past the last (activation 7, data set 5) leave the defaults, not the last choice,
    while the link's valid keys still apply."""
    page.goto(base_url + "?panel_idle=never#da=7&dd=5&dl=2")
    wait_ready(page, panels=())
    page.wait_for_function("document.documentElement.dataset.deepPanel === 'ready'")
    assert [page.input_value(s) for s in ("#deepData", "#deepDepth", "#deepAct")] == ["0", "2", "0"]
    assert page.evaluate("document.querySelector('#deepAct option:checked').textContent") == "sigmoid"
    assert len(layer_cells(page)) == 3
    hash_ = page.evaluate("location.hash")
    assert "dl=2" in hash_ and "da=" not in hash_ and "dd=" not in hash_


def test_bad_input_is_refused_and_keeps_the_course(deep_page):
    before = layer_cells(deep_page)
    for field, valid, bad, note in [("deepLr", "1", "fast", "learning rate"), ("deepSeed", "1", "1.5", "seed"),
                                    ("deepSeed", "1", "<b>7</b>", "seed")]:
        deep_page.fill(f"#{field}", valid)  # the state's own value: clears the last case's mark
        deep_page.wait_for_function(f"!document.getElementById('{field}').hasAttribute('aria-invalid')")
        deep_page.fill(f"#{field}", bad)
        deep_page.wait_for_function(f"document.getElementById('{field}').getAttribute('aria-invalid') === 'true'")
        assert note in deep_page.inner_text(f"#{field}Msg"), bad
        assert layer_cells(deep_page) == before, bad
        assert deep_page.evaluate("document.querySelectorAll('#deep b').length") == 0


def test_from_the_keyboard(deep_page):
    assert tab_order(deep_page, "deepData", 11) == ["deepData", "deepDepth", "deepAct", "deepInit", "deepSkip",
                                                    "deepNorm", "deepLr", "deepSeed", "deepRun", "deepStep",
                                                    "deepReset"]
    deep_page.focus("#deepAct")
    deep_page.keyboard.press("ArrowDown")  # sigmoid → tanh
    deep_page.wait_for_function("location.hash.includes('da=tanh')")
    deep_page.focus("#deepStep")
    deep_page.keyboard.press("Enter")
    deep_page.wait_for_function("document.getElementById('deepEpoch').dataset.value === '1.0'")
    deep_page.focus("#deepRun")
    deep_page.keyboard.press("Space")
    deep_page.keyboard.press("Space")
    deep_page.wait_for_function(DONE, timeout=90_000)
    assert deep_page.get_attribute("#deepCE", "data-epochs") == "25"
    assert "cross-entropy 25 epochs" in deep_page.text_content("#deepStatus")
    assert deep_page.get_attribute("#deepStatus", "aria-live") == "polite"


def test_text_links_set_the_panel(deep_page):
    deep_page.click("a[href='#dd=circle&dl=3&da=relu&dlr=1&dsd=1&di=fan-in&dsk=0&dbn=0']")
    deep_page.wait_for_function("document.activeElement.id === 'deepRun'")
    assert deep_page.input_value("#deepAct") == "2" and deep_page.input_value("#zNum") == "-2.00"


def test_reduced_motion_shows_the_finished_course_only(make_context, base_url):
    ctx = make_context(reduced_motion="reduce")
    try:
        page = ctx.new_page()
        page.goto(base_url + "?panel_idle=never#dl=1")
        wait_ready(page, panels=("deep",))
        page.evaluate("""() => { window.__epochs = [];
            new MutationObserver(() => window.__epochs.push(document.getElementById('deepEpoch').textContent))
                .observe(document.getElementById('deepEpoch'), {childList: true, characterData: true, subtree: true}); }""")
        page.click("#deepRun")
        page.wait_for_function(DONE, timeout=90_000)
        assert set(page.evaluate("window.__epochs")) == {"2,000"}
        assert page.get_attribute("#deepCE", "data-epochs") == "204"
    finally:
        ctx.close()


def test_kiosk_demo_plays_the_depth_panel(make_context, base_url):
    """Reduced motion keeps the demo short: each course jumps to its end."""
    ctx = make_context(viewport={"width": 1920, "height": 1080}, reduced_motion="reduce")
    try:
        page = ctx.new_page()
        page.goto(base_url + "?kiosk=1&idle=1&panel_idle=never")
        wait_ready(page, panels=())
        assert page.evaluate("document.documentElement.dataset.deepPanel") == "loading"  # far below
        page.wait_for_function("document.documentElement.dataset.deep === 'done' && "
                               "!document.getElementById('deepNorm').checked", timeout=90_000)
        assert page.get_attribute("#deepCE", "data-epochs") == "-1"  # six sigmoid layers
        assert page.input_value("#deepDepth") == "6" and page.input_value("#deepAct") == "0"
        page.wait_for_function("document.documentElement.dataset.deep === 'done' && "
                               "document.getElementById('deepNorm').checked", timeout=60_000)
        assert page.get_attribute("#deepCE", "data-epochs") == "13"  # the same with batch norm
        assert page.evaluate("document.documentElement.dataset.demo") == "running"
        page.keyboard.press("Tab")
        page.wait_for_function("document.documentElement.dataset.demo === undefined")
    finally:
        ctx.close()


def remedies(page, depth: int, act: str, init: str = "fan-in", skip: bool = False, norm: bool = False) -> None:
    page.select_option("#deepDepth", str(depth))
    page.select_option("#deepAct", label=act)
    page.select_option("#deepInit", label={"fan-in": "fan-in", "glorot": "Glorot", "uniform": "uniform (pre-2010)",
                                           "small": "small, σ = 0.01"}[init])
    for box, on in (("#deepSkip", skip), ("#deepNorm", norm)):
        if page.is_checked(box) != on:
            page.click(box)
    settled(page)
    page.wait_for_function(IDLE)


@pytest.mark.parametrize("depth,act,init,skip,norm,expected", [
    (3, "sigmoid", "fan-in", True, False, (408, 719)), (3, "sigmoid", "fan-in", False, True, (37, 45)),
    (6, "ReLU", "fan-in", True, True, (4, 2)), (6, "tanh", "uniform", False, False, (170, 342)),
    (3, "leaky ReLU", "fan-in", False, False, (9, 15)), (6, "ReLU", "small", False, False, (-1, -1)),
])
def test_the_remedies_reference_numbers_from_the_real_page(deep_page, depth, act, init, skip, norm, expected):
    """SPEC §14's table, through the panel's own controls (the rows whose counts do not hang on rounding)."""
    remedies(deep_page, depth, act, init, skip, norm)
    assert to_end(deep_page) == expected


def test_the_remedies_wake_the_first_layer(deep_page):
    """At the start: 395× slower plain, 28× with skips, 1.5× with batch norm, 3,260× from the uniform start."""
    for skip, norm, init, ratio in ((False, False, "fan-in", 395), (True, False, "fan-in", 28),
                                    (False, True, "fan-in", 1.5), (False, False, "uniform", 3260)):
        remedies(deep_page, 3, "sigmoid", init, skip, norm)
        cells = layer_cells(deep_page)
        got = cells[-1][0] / cells[0][0]
        assert round(got, 1 if ratio < 10 else -1 if ratio > 1000 else 0) == ratio, (skip, norm, init, got)
    deep_page.wait_for_function("location.hash.includes('di=uniform')")  # by name
    hash_ = deep_page.evaluate("location.hash")
    assert "dsk" not in hash_ and "dbn" not in hash_  # defaults left out


def test_old_index_links_and_new_name_links_open_the_same(page, base_url):
    page.goto(base_url + "?panel_idle=never#dd=1&da=2&dl=2")
    wait_ready(page, panels=())
    page.wait_for_function("document.documentElement.dataset.deepPanel === 'ready'")
    assert [page.input_value(s) for s in ("#deepData", "#deepAct", "#deepDepth")] == ["1", "2", "2"]
    page.evaluate("location.hash = '#dd=circle&da=leaky&dl=4&di=glorot&dsk=1&dbn=1'")
    page.wait_for_function("document.getElementById('deepNorm').checked")
    assert [page.input_value(s) for s in ("#deepData", "#deepAct", "#deepDepth", "#deepInit")] == ["0", "3", "4", "1"]
    assert page.is_checked("#deepSkip") and len(layer_cells(page)) == 5
