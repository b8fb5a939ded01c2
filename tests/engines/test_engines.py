"""The page in Firefox ESR and WebKitGTK, in every mode, through real input."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import ROOT
from tests.reference import READOUT_IDS, mp_point, spec_format

from .conftest import ENGINES, launch, open_ready, wait

pytestmark = pytest.mark.engines

READOUTS = READOUT_IDS
SHOTS = ROOT / "dist" / "screenshots" / "engines"
FAR = ".text, .lab, .deep, .softmax"  # content-visibility: auto (style.css)
FOCAL = "-(0.25*y*(1-p)**2*log(p) + 0.75*(1-y)*p**2*log(1-p))"  # SPEC §11's preset
_CANVASES = """(() => {
    const sizes = [];
    (function walk(root) {
        for (const c of root.querySelectorAll('canvas')) sizes.push([c.width, c.height]);
        for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
    })(document);
    return sizes;
})()"""
_FOREIGN = """(() => {
    const ok = [location.origin + '/', 'file:', 'blob:', 'data:'];
    return performance.getEntriesByType('resource').map(e => e.name)
        .filter(n => !ok.some(p => n.startsWith(p)) || (location.protocol === 'file:' && n.startsWith('http')));
})()"""


def check_readouts(b, z: float, y: int) -> None:
    """The engine's numbers against mpmath (1e−9) and SPEC §3's format, both independent of the app."""
    want = mp_point(z, y)
    got = b.js(f"Object.fromEntries({json.dumps(READOUTS)}.map(id => "
               "[id, [document.getElementById(id).textContent, document.getElementById(id).dataset.value]]))")
    for k in READOUTS:
        text, value = got[k][0], float(got[k][1])
        assert value == pytest.approx(want[k], rel=1e-9, abs=0), (b.name, z, y, k)
        assert text == spec_format(value), (b.name, z, y, k)


def check_softmax(b, z, k: int) -> None:
    """The three-class readouts in this engine against tests/test_softmax.py's mpmath reference."""
    from tests.test_softmax import reference
    want = reference(z, k)
    ids = {**{f"smP{j + 1}": want["p"][j] for j in range(3)}, **{f"smGCE{j + 1}": want["gce"][j] for j in range(3)},
           **{f"smGMSE{j + 1}": want["gmse"][j] for j in range(3)}, "smCE": want["ce"], "smMSE": want["mse"],
           "smNormCE": want["norm_ce"], "smNormMSE": want["norm_mse"], "smRatio": want["ratio"]}
    got = b.js(f"Object.fromEntries({json.dumps(list(ids))}.map(id => [id, document.getElementById(id).dataset.value]))")
    for key, value in ids.items():
        assert float(got[key]) == pytest.approx(value, rel=1e-9, abs=0), (b.name, z, k, key)


@pytest.mark.parametrize("mode", ["served", "file", "single", "lite"])
def test_the_page_works(engine, urls, mode):
    b = engine
    open_ready(b, urls[mode])
    assert b.js("document.documentElement.dataset.mode") == {"served": "vendored", "lite": "single"}.get(mode, mode)
    # Both engines restore the one snapshot, made in Chromium, in every mode but
    # the lite file, which carries none.
    boot = "normal" if mode == "lite" else "snapshot"
    assert b.js("document.documentElement.dataset.boot") == boot, b.js("explorerBoot.bootNote()")
    # Python runs in a worker: hosted by PyScript when served, by the page's own worker otherwise
    b.js("(window.__where = null, explorerBoot.python('import js, sys; [str(js.self.constructor.name), "
         "\"polyscript\" in sys.modules]').then(v => { window.__where = v; }), true)")
    wait(b, "window.__where !== null")
    assert b.js("window.__where") == ["DedicatedWorkerGlobalScope", mode == "served"]
    assert b.js("['loadPyodide', '_createPyodideModule', 'pyodide'].filter(k => k in window)") == []
    # served, PyScript's package and the app were not compiled in this engine (assets/app/bytecode.mjs)
    written = "performance.getEntriesByType('mark').some(m => m.name === 'explorer:bytecode-written')"
    assert b.js(written) == (mode == "served")
    # served, the runtime was fetched and its wasm compiled by a worker of the page's own, off the main
    # thread, and the compiled module handed to Python's worker (not fetched and compiled again there)
    fetched = "performance.getEntriesByName('explorer:runtime-fetched').map(m => m.detail.module)"
    assert b.js(fetched) == ([True] if mode == "served" else [])
    check_readouts(b, -2.0, 1)  # the default state, computed by Python in this engine
    b.type_into("#zNum", "-5")
    wait(b, "Bokeh.documents[0].get_model_by_name('op_source').data.z[0] === -5")
    check_readouts(b, -5.0, 1)
    assert b.js("Array.from(Bokeh.documents[0].get_model_by_name('op_source').data.gmse)") == [
        pytest.approx(mp_point(-5, 1)["gmse"], rel=1e-9, abs=0)]
    b.click("label[for=y0]")
    wait(b, "document.getElementById('y0').checked && Number(document.getElementById('gce').dataset.value) < 0.5")
    check_readouts(b, -5.0, 0)
    b.js("document.getElementById('z').focus()")  # the slider: arrows move z by 0.1, with Shift by 1
    b.keys("ArrowRight", "ArrowRight")
    b.keys("ArrowLeft", hold="Shift")
    wait(b, "Bokeh.documents[0].get_model_by_name('op_source').data.z[0] === -5.8")
    check_readouts(b, -5.8, 0)
    assert b.js("document.getElementById('zNum').value") == "-5.80"
    # a hash edited by hand (hashchange) restores a state; a hostile one applies only its valid fields
    before = b.js("location.hash")
    b.js("location.hash = '#z=-5&y=1&R=8&edited=1', true")  # an unknown key: ignored, and always a change
    wait(b, "document.getElementById('zNum').value === '-5.00' && document.getElementById('y1').checked", 30)
    assert before != "#z=-5&y=1&R=8&edited=1"
    check_readouts(b, -5.0, 1)
    # the race in this engine: SPEC §5's counts from z = −5
    b.click("#race")
    wait(b, "document.documentElement.dataset.race === 'done'", 60)
    assert b.js("[raceCE.dataset.steps, raceMSE.dataset.steps]") == ["16", "119"]
    b.js("location.hash = '#R=<b>51</b>&z=-3&y=1', true")
    wait(b, "document.getElementById('zNum').value === '-3.00'")
    assert b.js("[document.getElementById('zRange').value, document.querySelectorAll('b, img, svg').length]") == ["8", 0]
    b.click("label[for=y0]")  # y = 0 for what follows
    wait(b, "document.getElementById('y0').checked")
    # the figures drew: the models are there and every canvas has a size
    names = b.js("['loss_plot', 'grad_plot', 'race_plot'].map(n => !!Bokeh.documents[0].get_model_by_name(n))"
                 ".concat(['lab_data_plot', 'lab_grad_plot', 'lab_acc_plot'].map(n => !!Bokeh.documents[1].get_model_by_name(n)))")
    assert names == [True] * 6
    sizes = b.js(_CANVASES)
    assert len(sizes) >= 6 and all(w > 0 and h > 0 for w, h in sizes), sizes
    # numpy trains the lab in this engine too (SPEC §9's numbers)
    b.click("#labRun")
    wait(b, "document.documentElement.dataset.lab === 'running'")
    b.click("#labRun")
    wait(b, "document.documentElement.dataset.lab === 'done'", 60)
    assert b.js("[labCE.dataset.epochs, labMSE.dataset.epochs]") == ["10", "266"]
    # the depth panel, loaded on demand, trains in this engine too (SPEC §12: ReLU, three layers → 9 and 15)
    b.js("explorerPanels.want('deep'), true")
    wait(b, "document.documentElement.dataset.deepPanel === 'ready'", 60)
    assert b.js("document.querySelectorAll('#deepLayers tbody tr').length") == 4
    assert b.js("Number(document.querySelector('#deepLayers td').dataset.value).toExponential(2)") == "6.68e-5"
    b.js("(() => { const s = document.getElementById('deepAct'); s.value = '2'; "
         "s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()")  # a select's pick
    wait(b, "document.documentElement.dataset.deep === 'idle' && location.hash.includes('da=relu')")
    b.click("#deepRun")
    wait(b, "document.documentElement.dataset.deep === 'running'")
    b.click("#deepRun")
    wait(b, "document.documentElement.dataset.deep === 'done'", 90)
    assert b.js("[deepCE.dataset.epochs, deepMSE.dataset.epochs]") == ["9", "15"]
    # a remedy (SPEC §14): three sigmoid layers with batch norm → 37 and 45, the first layer ~1.5× slower
    b.js("(() => { const s = document.getElementById('deepAct'); s.value = '0'; "
         "s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()")
    wait(b, "document.documentElement.dataset.deep === 'idle' && !location.hash.includes('da=')")  # the default
    b.click("#deepNorm")
    wait(b, "document.documentElement.dataset.deep === 'idle' && location.hash.includes('dbn=1')")
    ratio = b.js("(() => { const r = [...document.querySelectorAll('#deepLayers tbody tr')]"
                 ".map(tr => Number(tr.querySelector('td').dataset.value)); return r[r.length - 1] / r[0]; })()")
    assert round(ratio, 1) == 1.5
    b.click("#deepRun")
    wait(b, "document.documentElement.dataset.deep === 'running'")
    b.click("#deepRun")
    wait(b, "document.documentElement.dataset.deep === 'done'", 90)
    assert b.js("[deepCE.dataset.epochs, deepMSE.dataset.epochs]") == ["37", "45"]
    sizes = b.js(_CANVASES)
    assert len(sizes) >= 10 and all(w > 0 and h > 0 for w, h in sizes), sizes
    # the three-class panel (SPEC §15): its readouts against mpmath, typed logits, and its course
    b.js("explorerPanels.want('softmax'), true")
    wait(b, "document.documentElement.dataset.softmaxPanel === 'ready'", 60)
    check_softmax(b, (2.0, 1.0, 0.1), 0)
    for j, v in ((1, "0"), (2, "10"), (3, "0")):
        b.type_into(f"#smZ{j}Num", v)
    wait(b, "location.hash.includes('sz1=0') && location.hash.includes('sz2=10') && location.hash.includes('sz3=0')")
    wait(b, "Number(document.getElementById('smRatio').dataset.value) > 4000")
    check_softmax(b, (0.0, 10.0, 0.0), 0)
    b.click("#smRun")
    wait(b, "document.documentElement.dataset.softmax === 'running'")
    b.click("#smRun")
    wait(b, "document.documentElement.dataset.softmax === 'done'", 60)
    assert b.js("[smEpochsCE.dataset.epochs, smEpochsMSE.dataset.epochs]") == ["7", "104"]
    # your own loss (SPEC §11): typed, evaluated, and derived by SymPy loaded now (not in lite.html)
    b.type_into("#lossExpr", "softplus(z) - y*z")
    wait(b, "document.getElementById('own').dataset.value !== ''")
    assert float(b.js("document.getElementById('own').dataset.value")) == pytest.approx(
        float(b.js("document.getElementById('ce').dataset.value")), rel=1e-12, abs=0)
    wait(b, "['ready', 'unavailable'].includes(document.getElementById('ownDeriv').dataset.state)", 120)
    if mode == "lite":
        assert b.js("document.getElementById('ownDeriv').dataset.state") == "unavailable"
    else:
        assert b.js("document.getElementById('ownDeriv').dataset.expr") == "p"  # y = 0 here: p − y = p
    assert b.errors() == []
    assert b.js(_FOREIGN) == []


@pytest.mark.parametrize("mode", ["served", "single"])
def test_csp_blocks_injected_script_and_no_serious_accessibility_violations(engine, urls, mode):
    """The flows a classroom of iPads would use are held to the same checks as Chromium's (tests/e2e)."""
    import axe_playwright_python
    b = engine
    open_ready(b, urls[mode] + "#z=-5&y=1&R=8")
    b.js("explorerPanels.want('deep'), true")
    wait(b, "document.documentElement.dataset.deepPanel === 'ready'", 60)
    b.click("#race")
    wait(b, "document.documentElement.dataset.race === 'done'", 60)
    # axe-core, as Chromium's test runs it; given to the page by the driver, which the page's CSP does not govern
    axe = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
    b.js(f"(() => {{ {axe}\n; return true; }})()")
    b.js("(window.__axe = null, axe.run(document, {resultTypes: ['violations']})"
         ".then(r => { window.__axe = r.violations.map(v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target)]); },"
         " e => { window.__axe = [['axe failed', String(e)]]; }), true)")
    wait(b, "window.__axe !== null", 120)
    bad = [v for v in b.js("window.__axe") if v[1] in ("serious", "critical") or v[0] == "axe failed"]
    assert bad == [], (b.name, mode, bad)
    # an inline script injected into the page is refused, and the refusal reported
    b.js("(() => { const s = document.createElement('script'); s.textContent = 'window.__pwned = 1'; "
         "document.body.appendChild(s); return true; })()")
    wait(b, "window.__probeErrors.some(e => e.startsWith('CSP: script-src'))")
    assert b.js("window.__pwned === undefined && document.documentElement.dataset.state === 'ready'")
    b.clear_errors()


def test_linked_extreme_losses_never_stop_the_page(engine, urls):
    """Issue 29: links that froze the page for good (SymPy computing 9^387,420,489 exactly)."""
    b = engine
    derived = "['ready', 'too-long'].includes(document.getElementById('ownDeriv').dataset.state)"
    for i, expr in enumerate(["9**9**9", "(z+1)**(10**10)", "(p+1)**(9**9)"]):
        link = f"#z=-{i + 2}&y=1&R=8&loss=" + quote(expr, safe="")
        if i == 0:
            open_ready(b, urls["served"] + link)
        else:
            b.js(f"location.hash = {json.dumps(link)}, true")  # a link followed on the open page
        wait(b, f"document.getElementById('lossExpr').value === {json.dumps(expr)}", 20)
        wait(b, derived, 120)
        t0 = b.js("performance.now()")
        wait(b, f"performance.now() > {t0 + 3000}", 10)  # the main thread still answers after 3 s ...
        wait(b, f"Bokeh.documents[0].get_model_by_name('op_source').data.z[0] === {-(i + 2)}", 10)  # ... and Python
        text = b.js("document.body.innerText")
        assert "NaN" not in text and "Infinity" not in text, (b.name, expr)
    assert b.errors() == []


def test_mathml_brackets_do_not_stretch(engine, urls):
    """WebKit stretched the brackets of p(1 − p) to the height of the fraction beside them."""
    b = engine
    open_ready(b, urls["served"])
    ratios = b.js("""[...document.querySelectorAll('math')].filter(m => m.querySelector('mfrac'))
        .flatMap(m => { const mi = Math.max(...[...m.querySelectorAll('mi')].map(e => e.getBoundingClientRect().height));
            return [...m.querySelectorAll('mo')].filter(o => '()[]'.includes(o.textContent.trim()))
                .map(o => o.getBoundingClientRect().height / mi); })""")
    assert ratios and max(ratios) < 1.6, (b.name, sorted(ratios)[-3:])


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ENGINES)
def test_screenshots(request, urls, name, scheme):
    """Phone and desktop width in each scheme, saved for a person to look at side by side."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    b = launch(name, request, scheme)
    try:
        for size, width, height in (("phone", 360, 780), ("desktop", 1280, 900)):
            b.set_viewport(width, height)
            # your own loss (focal) too: a third runner on every plot, and its derivation typeset
            open_ready(b, urls["served"] + "#z=-5&y=1&R=8&ls=6&loss=" + quote(FOCAL))
            assert b.js("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
            # MiniBrowser's window will not go below 447 px: still the one-column phone layout
            assert b.js("innerWidth") == width or (size == "phone" and b.js("innerWidth") < 480)
            # SymPy first (its first import, in a fresh WebKit, can hold the main thread for long), then the race
            wait(b, "document.getElementById('ownDeriv').dataset.state === 'ready'", 180)
            b.click("#race")
            wait(b, "document.documentElement.dataset.race === 'done'", 120)
            b.js("window.scrollTo(0, 0)")
            # The whole page in one picture: the panels far below are drawn too (they are skipped off screen).
            b.js(f"document.querySelectorAll('{FAR}').forEach(e => {{ e.style.contentVisibility = 'visible'; }}), true")
            b.screenshot(SHOTS / f"{name}-{size}-{scheme}.png", full_page=size == "phone")
            b.js(f"document.querySelectorAll('{FAR}').forEach(e => {{ e.style.contentVisibility = ''; }}), true")
            b.js("document.getElementById('ownLoss').scrollIntoView(), true")
            b.screenshot(SHOTS / f"{name}-{size}-{scheme}-own.png")
            b.click("#labRun")
            b.click("#labRun")
            wait(b, "document.documentElement.dataset.lab === 'done'", 60)
            b.js("document.getElementById('lab').scrollIntoView()")
            b.screenshot(SHOTS / f"{name}-{size}-{scheme}-lab.png")
            b.js("document.getElementById('deep').scrollIntoView(), true")
            wait(b, "document.documentElement.dataset.deepPanel === 'ready'", 60)
            b.click("#deepRun")
            b.click("#deepRun")
            wait(b, "document.documentElement.dataset.deep === 'done'", 90)
            b.js("document.getElementById('deep').scrollIntoView(), true")
            b.screenshot(SHOTS / f"{name}-{size}-{scheme}-deep.png")
            b.js("document.getElementById('deepMapCEHost').scrollIntoView(), true")
            b.screenshot(SHOTS / f"{name}-{size}-{scheme}-deep-maps.png")
            b.js("document.getElementById('softmax').scrollIntoView(), true")
            wait(b, "document.documentElement.dataset.softmaxPanel === 'ready'", 60)
            b.click("#smRun")
            b.click("#smRun")
            wait(b, "document.documentElement.dataset.softmax === 'done'", 60)
            b.js("document.getElementById('softmax').scrollIntoView(), true")
            b.screenshot(SHOTS / f"{name}-{size}-{scheme}-softmax.png")
            b.js("document.getElementById('smMapCEHost').scrollIntoView(), true")
            b.screenshot(SHOTS / f"{name}-{size}-{scheme}-softmax-maps.png")
            assert b.errors() == []
    finally:
        b.close()
