"""Your own loss (SPEC §11) through the real page: presets, typed and linked
expressions, hostile input, values against mpmath, curves with gaps, the race."""
from __future__ import annotations

from urllib.parse import quote

import mpmath
import pytest
from explorer import ownloss

from .conftest import wait_ready
from .helpers import any_model, source

HOSTILE = ["__import__('os')", "z.__class__", "(lambda: 1)()", "[z for z in (1,)]", "f'{z}'", "z; 1", "9**9**9 + x",
           "(" * 250 + "z" + ")" * 250, "z+" * 20000 + "z", "z\x00", "\uff5a", "<img src=x onerror=alert(1)>",
           "open('/etc/passwd')", "p if y else z"]


def mp_point(text_fn, z: float, y: int):
    """(ℓ, |∂ℓ/∂z|) at z in mpmath: an independent reference for a loss written as an mpmath function."""
    mpmath.mp.dps = 40
    zm = mpmath.mpf(z)
    return float(text_fn(zm, y)), float(abs(mpmath.diff(lambda t: text_fn(t, y), zm)))


def sig(z):
    return 1 / (1 + mpmath.exp(-z))


REFERENCE = {
    "focal loss (γ = 2, α = 0.25)": lambda z, y: -(0.25 * y * (1 - sig(z)) ** 2 * mpmath.log(sig(z))
                                                   + 0.75 * (1 - y) * sig(z) ** 2 * mpmath.log(1 - sig(z))),
    "cross-entropy after a second sigmoid (the bug)": lambda z, y: -(y * mpmath.log(sig(sig(z)))
                                                                     + (1 - y) * mpmath.log(1 - sig(sig(z)))),
    "exponential (AdaBoost)": lambda z, y: mpmath.exp(-(2 * y - 1) * z),
}


def value(page, rid: str) -> float:
    return float(page.get_attribute(f"#{rid}", "data-value"))


def test_presets_give_mpmaths_values(app):
    """One page, every reference preset, both labels (the grammar itself is unit-tested)."""
    for y in (1, 0):
        app.click(f"label[for=y{y}]")
        app.wait_for_function(f"document.getElementById('y{y}').checked")
        for name, fn in REFERENCE.items():
            app.select_option("#lossPreset", name)
            app.wait_for_function("t => document.getElementById('lossExpr').value === t", arg=ownloss.PRESETS[name])
            want_v, want_g = mp_point(fn, -2.0, y)
            app.wait_for_function("([v]) => Math.abs(Number(document.getElementById('own').dataset.value) - v) "
                                  "<= 1e-9 * Math.abs(v)", arg=[want_v])
            assert value(app, "gown") == pytest.approx(want_g, rel=1e-9, abs=0), (name, y)
    app.wait_for_function("location.hash.includes('loss=')")


def test_every_preset_is_offered_with_the_specs_text(app):
    options = app.evaluate("[...document.querySelectorAll('#lossPreset option')].map(o => [o.value, o.title])")
    assert options[0] == ["", ""]
    assert dict(options[1:]) == ownloss.PRESETS


def test_typed_loss_and_its_curves_are_updated_in_place(app):
    ids = "['own_curves', 'own_grad', 'own_op', 'loss_plot', 'grad_plot'].map(n => Bokeh.documents[0].get_model_by_name(n).id)"
    before = app.evaluate(ids)
    app.fill("#lossExpr", "softplus(z) - y*z")  # cross-entropy in its stable form
    app.wait_for_function("document.getElementById('own').dataset.value !== ''")
    assert value(app, "own") == pytest.approx(value(app, "ce"), rel=1e-12, abs=0)
    assert value(app, "gown") == pytest.approx(value(app, "gce"), rel=1e-12, abs=0)
    assert len(source(app, "own_curves")["own"]) > 100 and len(source(app, "own_grad")["gown"]) > 100
    assert app.evaluate(ids) == before
    assert app.evaluate("Bokeh.documents[0].get_model_by_name('own_loss_key').visible")
    app.fill("#lossExpr", "")
    app.wait_for_function("document.getElementById('own').textContent === '—'")
    assert source(app, "own_curves")["own"] == [] and not app.evaluate(
        "Bokeh.documents[0].get_model_by_name('own_loss_key').visible")


def test_hostile_input_is_refused_and_the_last_valid_loss_stays(watch, app):
    app.select_option("#lossPreset", "MSE")
    app.wait_for_function("document.getElementById('own').dataset.value !== ''")
    kept = app.get_attribute("#own", "data-value")
    for bad in HOSTILE:
        app.evaluate("t => { const f = document.getElementById('lossExpr'); f.value = t; "
                     "f.dispatchEvent(new Event('input', {bubbles: true})); }", bad)
        app.wait_for_function("document.getElementById('lossExpr').getAttribute('aria-invalid') === 'true'")
        msg = app.inner_text("#lossMsg")
        assert msg and "Traceback" not in msg, bad
        assert app.get_attribute("#own", "data-value") == kept, bad
        assert app.evaluate("document.querySelectorAll('img, #ownLoss b').length") == 0
        app.select_option("#lossPreset", "MSE")  # valid again: the preset's text, and the mark goes
        app.wait_for_function("!document.getElementById('lossExpr').hasAttribute('aria-invalid')")
        assert app.input_value("#lossExpr") == ownloss.PRESETS["MSE"]
    assert watch.errors == []  # nothing reached the console


def test_not_finite_is_said_with_a_reason_and_the_curves_have_gaps(app):
    app.fill("#zRange", "50")
    app.press("#zRange", "Enter")
    app.fill("#lossExpr", "log(1 - p)")
    app.fill("#zNum", "40")
    app.press("#zNum", "Enter")
    app.wait_for_function("document.getElementById('own').textContent === 'not finite here'")
    assert app.get_attribute("#own", "data-value") == ""
    assert "-softplus(z)" in app.inner_text("#ownWhy")
    gown = source(app, "own_grad")["gown"]
    assert None in gown and all(v is None or v == v for v in gown)  # gaps, never NaN
    text = app.inner_text("main")
    assert "NaN" not in text and "Infinity" not in text


def test_a_link_with_a_hostile_loss_runs_nothing_and_applies_the_rest(page, base_url):
    page.goto(base_url + "#z=-5&y=0&R=12&loss=__import__('os').system('x')")
    wait_ready(page, panels=())
    assert page.input_value("#lossExpr") == "__import__('os').system('x')"
    assert "__import__" in page.inner_text("#lossMsg")
    assert page.get_attribute("#lossExpr", "aria-invalid") == "true"
    assert page.input_value("#zNum") == "-5.00" and page.is_checked("#y0") and page.input_value("#zRange") == "12"
    assert page.text_content("#own") == "—"


def test_a_link_sets_a_loss_and_it_races(page, base_url):
    page.goto(base_url + "#z=-5&y=1&R=8&loss=-(y*log(p)%20%2B%20(1-y)*log(1-p))")
    wait_ready(page, panels=())
    assert page.input_value("#lossExpr") == ownloss.PRESETS["cross-entropy"]
    assert page.input_value("#lossPreset") == "cross-entropy"
    page.click("#race")
    page.wait_for_function("document.documentElement.dataset.race === 'done'", timeout=60_000)
    # the spec's race numbers, for the typed cross-entropy too
    assert [page.get_attribute(s, "data-steps") for s in ("#raceCE", "#raceMSE", "#raceOwn")] == ["16", "119", "16"]
    path = source(page, "race_own_path")
    assert path["step"][-1] == 1000 and len(path["p_own"]) == 1001
    page.select_option("#lossPreset", "hinge")
    page.wait_for_function("document.documentElement.dataset.race === 'idle'")
    page.click("#race")
    page.click("#race")  # skip to the end
    page.wait_for_function("document.documentElement.dataset.race === 'done'", timeout=60_000)
    assert page.text_content("#raceOwn") == "not within 1,000"  # parked on the margin at z = 1


DERIVED = "['ready', 'unavailable', 'too-long'].includes(document.getElementById('ownDeriv').dataset.state)"


def test_sympy_loads_on_first_use_and_derives_p_minus_y(watch, base_url):
    page = watch.page
    page.goto(base_url + "?panel_idle=never")
    wait_ready(page, panels=())
    assert not any("sympy" in u or "mpmath" in u for u in watch.requests)  # never at boot
    assert page.evaluate("explorerBoot.python('import pyodide_js; hasattr(pyodide_js.loadedPackages, \"sympy\")')") is False
    page.select_option("#lossPreset", "cross-entropy")
    page.wait_for_function(DERIVED, timeout=60_000)
    assert page.get_attribute("#ownDeriv", "data-state") == "ready"
    assert page.get_attribute("#ownDeriv", "data-expr") == "p - 1"
    assert page.evaluate("document.querySelectorAll('#ownDeriv math mfrac').length") >= 1
    page.click("label[for=y0]")
    page.wait_for_function("document.getElementById('ownDeriv').dataset.expr === 'p'")
    page.select_option("#lossPreset", "MSE")
    page.wait_for_function("document.getElementById('ownDeriv').dataset.expr.includes('p**2')")
    assert any("sympy-1.14.0" in u for u in watch.requests)  # the vendored, pinned wheel


# Each froze the page for good when SymPy received exact integers (issue 29).
EXTREME = ["9**9**9", "2**2**2**2**2**2", "(z+1)**(10**10)", "(p+1)**(9**9)", "(z**2+1)**(64**64)",
           "exp(exp(exp(z)))**99999"]
FRESH = "document.getElementById('ownDeriv').dataset.state !== 'pending'"


def still_answers(page, z: float) -> None:
    """3 s of the page's own clock pass with its main thread answering, then Python
    answers a new z and the derivation is no longer pending; nothing shows NaN or Infinity."""
    t0 = page.evaluate("performance.now()")
    page.wait_for_function("t0 => performance.now() - t0 > 3000", arg=t0, polling=100, timeout=6_000)
    page.fill("#zNum", f"{z:g}")
    page.press("#zNum", "Enter")
    page.wait_for_function("z => Bokeh.documents[0].get_model_by_name('op_source').data.z[0] === z", arg=z,
                           timeout=5_000)
    page.wait_for_function(DERIVED + " && " + FRESH, timeout=5_000)
    text = page.inner_text("body")
    assert "NaN" not in text and "Infinity" not in text and "Traceback" not in text


def test_extreme_losses_typed_never_stop_the_page(page, base_url):
    page.goto(base_url + "?panel_idle=never")
    wait_ready(page, panels=())
    page.fill("#lossExpr", "z")  # SymPy loaded once, first
    page.wait_for_function(DERIVED, timeout=60_000)
    for i, expr in enumerate(EXTREME):
        page.fill("#lossExpr", expr)
        assert page.get_attribute("#lossExpr", "aria-invalid") is None, expr
        still_answers(page, -3.0 - i)
        assert page.get_attribute("#ownDeriv", "data-state") in ("ready", "too-long"), expr
    # past its budget a derivation is stopped from inside, in the derivation's worker's Python too (3.12)
    stopped = page.evaluate("explorerDeriver.python(`def _stop():\n    from explorer import derive, ownloss\n"
                            "    try:\n        derive.derivative(ownloss.parse('tanh(p)**7/(p + 1)**5'), 0, 1e-6)\n"
                            "    except derive.TooSlow as e:\n        return str(e)\n_stop()`)")
    assert "too slow to derive here" in stopped
    assert page.evaluate("explorerDeriver.counts()") == {"started": 1, "ended": 0}  # the bounds did the rest


def test_a_derivation_past_its_budget_ends_its_worker_and_the_next_loss_starts_a_fresh_one(page, base_url):
    """What SymPy cannot stop from inside, the page stops: it terminates the derivation's worker
    (here with a budget of 1 ms, so that any derivation runs past it). Python's own worker, which
    never loads SymPy, answers all along; the next loss is derived by a new worker."""
    page.goto(base_url + "?panel_idle=never")
    wait_ready(page, panels=())
    page.fill("#lossExpr", "z")
    page.wait_for_function(DERIVED, timeout=60_000)
    assert page.get_attribute("#ownDeriv", "data-state") == "ready"
    page.evaluate("explorerDeriver.budget(1)")
    page.fill("#lossExpr", "log(1 + exp(-z))**3")
    page.wait_for_function(DERIVED + " && " + FRESH, timeout=10_000)
    assert page.get_attribute("#ownDeriv", "data-state") == "too-long"
    assert "too slow to derive here" in page.text_content("#ownDerivNote")
    assert page.evaluate("explorerDeriver.counts()") == {"started": 1, "ended": 1}
    assert page.evaluate("explorerDeriver.state()") == "off"
    still_answers(page, -4.0)
    page.evaluate("explorerDeriver.budget()")
    page.fill("#lossExpr", "(p - y)**2")
    page.wait_for_function("document.getElementById('ownDeriv').dataset.state === 'ready'", timeout=60_000)
    assert page.get_attribute("#ownDeriv", "data-expr") == "-2*p*(p - 1)**2"  # MSE's p(1 − p) factor, y = 1
    assert page.evaluate("explorerDeriver.counts()") == {"started": 2, "ended": 1}
    # one Python for the page, one for SymPy: the page's never loads it
    assert page.evaluate("explorerBoot.python('import sys; \"sympy\" in sys.modules')") is False
    assert page.evaluate("explorerDeriver.python('import sys; \"sympy\" in sys.modules')") is True


@pytest.mark.parametrize("expr", EXTREME[:4])
def test_extreme_losses_linked_never_stop_the_page(page, base_url, expr):
    page.goto(base_url + "?panel_idle=never#z=-5&y=1&loss=" + quote(expr, safe=""))
    wait_ready(page, panels=())
    assert page.input_value("#lossExpr") == expr
    page.wait_for_function(DERIVED, timeout=60_000)
    still_answers(page, -2.5)
    assert page.get_attribute("#ownDeriv", "data-state") in ("ready", "too-long"), expr


def test_your_loss_trains_in_the_lab_as_a_third_runner(page, base_url):
    page.goto(base_url + "?panel_idle=never#z=-2&y=1&R=8&loss=(p%20-%20y)**2")
    wait_ready(page, panels=("lab",))
    assert not page.is_hidden("#labOwn")
    page.click("#labRun")
    page.click("#labRun")
    page.wait_for_function("document.documentElement.dataset.lab === 'done'", timeout=120_000)
    # the typed MSE trains exactly like the built-in MSE runner: SPEC §9's 266 epochs
    assert [page.get_attribute(s, "data-epochs") for s in ("#labCE", "#labMSE", "#labOwn")] == ["10", "266", "266"]
    assert "your loss 266 epochs" in page.text_content("#labStatus")
    page.fill("#lossExpr", "")
    page.wait_for_function("document.getElementById('labOwn').hidden && document.documentElement.dataset.lab === 'idle'")


def test_your_loss_backpropagates_in_the_depth_panel(page, base_url):
    page.goto(base_url + "?panel_idle=never#z=-2&y=1&R=8&da=2&loss=softplus(z)%20-%20y*z")
    wait_ready(page, panels=("deep",))
    assert page.evaluate("document.querySelectorAll('#deepLayers tbody tr:first-child td').length") == 3
    page.click("#deepRun")
    page.click("#deepRun")
    page.wait_for_function("document.documentElement.dataset.deep === 'done'", timeout=120_000)
    # cross-entropy in its stable form trains like the built-in runner: SPEC §12's 9 epochs
    assert [page.get_attribute(s, "data-epochs") for s in ("#deepCE", "#deepMSE", "#deepOwn")] == ["9", "15", "9"]
    assert "your loss" in page.text_content("#deepHeadline")
    # its own decision map: the same weights as the cross-entropy runner's, so the same shades, not the MSE's
    image = "Array.from(m.data.image[0])"
    own, ce, mse = (any_model(page, f"deep_map_{r}", image) for r in ("own", "ce", "mse"))
    assert len(own) == 48 * 48 and page.is_visible("#deepMapOwnHost")
    assert max(abs(a - b) for a, b in zip(own, ce)) < 1e-6 < max(abs(a - b) for a, b in zip(own, mse))
    page.fill("#lossExpr", "")
    page.wait_for_function("document.getElementById('deepOwn').hidden")
    assert not page.is_visible("#deepMapOwnHost")
