"""The stable p − y and 1 − p in the browser's own Python (Pyodide's libm and numpy),
at z = 30 to 36, relative 1e−14 with no absolute slack (see tests/test_small_numbers.py).

The explorer's readouts and curves are read from the page itself
(tests/e2e/test_explorer.py); so is your own loss's p here. The race's, the
lab's and the depth panel's loops only ever show their p − 1 through a logit
that moves by less than one unit in its last place at such z, so no readout
can tell; their functions are called in the page's worker instead."""
from __future__ import annotations

import json

import mpmath
import pytest

from .helpers import wait_z

FAR = [30.0, 33.0, 36.0]


def sig(z: float) -> mpmath.mpf:
    mpmath.mp.dps = 50
    return 1 / (1 + mpmath.exp(-mpmath.mpf(z)))


def close(want):
    return pytest.approx(float(want), rel=1e-14, abs=0)


def test_your_own_losss_p_and_its_slope_reach_the_page_out_to_36(app):
    app.fill("#zRange", "36")
    app.press("#zRange", "Enter")
    app.fill("#lossExpr", "p")
    app.wait_for_function("document.getElementById('own').dataset.value !== ''")
    for z in [-z for z in FAR] + FAR:
        app.fill("#zNum", f"{z:g}")
        app.press("#zNum", "Enter")
        wait_z(app, z)
        app.wait_for_function("z => Bokeh.documents[0].get_model_by_name('own_op').data.z[0] === z", arg=z)
        s = sig(z)
        assert float(app.get_attribute("#own", "data-value")) == close(s), z
        assert float(app.get_attribute("#gown", "data-value")) == close(s * (1 - s)), z


LOOPS = """def _small_numbers(ZS):  # a function of its own: nothing left in the app's namespace
    import json
    import numpy as np
    from explorer import deep, lab, maths
    zs = [z for z in ZS] + [-z for z in ZS]
    out = {"race": [[list(maths._grads_scalar(z, y)) for z in zs] for y in (0, 1)], "lab": [], "deep": []}
    for y in (0, 1):
        one = np.array([[1.0, 0.0, 0.0]])  # one tumour whose design row makes the gradient ∂loss/∂z itself
        out["lab"].append([lab.epoch_stats(one, np.array([float(y)]), np.array([[z, z], [0.0, 0.0], [0.0, 0.0]]))
                           ["grad"][0].tolist() for z in zs])
        out["deep"].append((deep.output_grad(np.array([zs, zs]), np.full(len(zs), float(y)))[1] * len(zs)).T.tolist())
    return json.dumps(out)
_small_numbers(FAR_VALUES)"""


def test_the_races_the_labs_and_the_depth_panels_loops_in_the_browsers_python(app):
    out = json.loads(app.evaluate("code => explorerBoot.python(code)", LOOPS.replace("FAR_VALUES", repr(FAR))))
    zs = FAR + [-z for z in FAR]
    for y in (0, 1):
        for i, z in enumerate(zs):
            p = sig(z)
            want = [close(p - y), close(2 * (p - y) * p * (1 - p))]
            for where in ("race", "lab", "deep"):
                assert out[where][y][i] == want, (where, y, z)
