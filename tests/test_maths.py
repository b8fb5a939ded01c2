"""The maths against SPEC §1: reference table, derivatives, numerics."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from explorer import maths
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reference import READOUT_IDS

# z, y, p, CE, MSE, dCE/dz, dMSE/dz, ratio — as printed in SPEC §1 (4 significant digits).
REFERENCE = [
    (-2, 1, 0.1192, 2.127, 0.7758, 0.8808, 0.1850, 4.762),
    (-5, 1, 0.006693, 5.007, 0.9867, 0.9933, 0.01321, 75.21),
    (-8, 1, 0.0003354, 8.000, 0.9993, 0.9997, 0.0006703, 1491),
    (0, 1, 0.5, 0.6931, 0.25, 0.5, 0.25, 2),
    (3, 1, 0.9526, 0.04859, 0.002249, 0.04743, 0.004285, 11.07),
    (2, 0, 0.8808, 2.127, 0.7758, 0.8808, 0.1850, 4.762),
]
KEYS = READOUT_IDS


@pytest.mark.parametrize("row", REFERENCE, ids=[f"z={r[0]},y={r[1]}" for r in REFERENCE])
def test_reference_table(row):
    z, y, *expected = row
    got = maths.point(z, y)
    for key, want in zip(KEYS, expected):
        assert got[key] == pytest.approx(want, rel=6e-4, abs=0), key
    assert not got["clamped"]


def test_the_widely_circulated_wrong_numbers_are_not_ours():
    # SPEC §1 warns about these three values; make sure we are not near them.
    assert abs(maths.point(-2, 1)["ce"] - 2.207) > 0.05
    assert abs(maths.point(-2, 1)["gmse"] - 0.211) > 0.02
    assert abs(maths.point(-5, 1)["ce"] - 5.303) > 0.2


def signed_losses(z, y):
    """CE and MSE as functions of z (signed), via the exact definitions in mpmath."""
    p = 1 / (1 + mpmath.exp(-z))
    ce = -(y * mpmath.log(p) + (1 - y) * mpmath.log(1 - p))
    return ce, (p - y) ** 2


@pytest.mark.parametrize("y", [0, 1])
@pytest.mark.parametrize("z", [-12.0, -8.0, -5.0, -2.0, -0.3, 0.0, 0.7, 3.0, 9.0])
def test_gradients_match_finite_differences(z, y):
    h = 1e-6
    with mpmath.workdps(40):
        ce_p, mse_p = signed_losses(mpmath.mpf(z) + h, y)
        ce_m, mse_m = signed_losses(mpmath.mpf(z) - h, y)
        d_ce = float((ce_p - ce_m) / (2 * h))
        d_mse = float((mse_p - mse_m) / (2 * h))
    got = maths.point(z, y)
    assert got["gce"] == pytest.approx(abs(d_ce), rel=1e-8, abs=0)
    assert got["gmse"] == pytest.approx(abs(d_mse), rel=1e-8, abs=0)
    # and the float finite difference of our own CE agrees too (where the clamp is off)
    fd = (maths.point(z + 1e-5, y)["ce"] - maths.point(z - 1e-5, y)["ce"]) / 2e-5
    assert got["gce"] == pytest.approx(abs(fd), rel=1e-5, abs=1e-9)


def exact(z: float, y: int) -> dict:
    """High-precision reference for every quantity, with the clamp decided the
    same way as the spec (on the double-precision p)."""
    with mpmath.workdps(60):
        zm = mpmath.mpf(z)
        p = 1 / (1 + mpmath.exp(-zm))
        q = 1 / (1 + mpmath.exp(zm))
        err = q if y == 1 else p
        return {"p": p, "mse": err ** 2, "gce": err, "gmse": 2 * err * p * q,
                "ratio": 1 / (2 * p * q),
                "ce": -mpmath.log(p) if y == 1 else -mpmath.log(q)}


zs = st.floats(min_value=-50, max_value=50, allow_nan=False)
ys = st.sampled_from([0, 1])


@settings(max_examples=400, deadline=None)
@given(z=zs, y=ys)
def test_everything_is_finite_and_well_formed(z, y):
    v = maths.point(z, y)
    for k in KEYS:
        assert math.isfinite(v[k]), k
    assert v["ce"] >= 0 and v["mse"] >= 0 and v["gce"] >= 0 and v["gmse"] >= 0
    assert 0 <= v["p"] <= 1
    assert v["ratio"] >= 2
    p_hat = min(max(v["p"], maths.EPS), 1 - maths.EPS)
    assert v["clamped"] == (p_hat != v["p"])


@settings(max_examples=400, deadline=None)
@given(z=st.floats(min_value=-30, max_value=30, allow_nan=False), y=ys)
def test_agrees_with_high_precision_reference(z, y):
    v = maths.point(z, y)
    ref = exact(z, y)
    for k in ("p", "mse", "gce", "gmse", "ratio"):
        assert v[k] == pytest.approx(float(ref[k]), rel=1e-9, abs=0), k
    if not v["clamped"]:
        assert v["ce"] == pytest.approx(float(ref["ce"]), rel=1e-9, abs=0)
    else:  # the clamped value is the definition applied to p̂ = clip(p, ε, 1 − ε), in exact arithmetic
        with mpmath.workdps(60):
            eps = mpmath.mpf("1e-12")
            p_hat = min(max(exact(z, y)["p"], eps), 1 - eps)
            want = -mpmath.log(p_hat) if y == 1 else -mpmath.log(1 - p_hat)
        assert v["ce"] == pytest.approx(float(want), rel=1e-9, abs=0)


@settings(max_examples=600, deadline=None)
@given(z=st.one_of(st.floats(min_value=-60, max_value=60, allow_nan=False),
                   st.floats(min_value=-1e308, max_value=1e308, allow_nan=False)), y=ys)
def test_one_point_is_the_array_path_on_floats(z, y):
    """point() (Python floats: a slider's move) and evaluate() (numpy: the curves) are two
    implementations of the same steps; they agree to a few ulps (libm and numpy's own exp and
    log may round differently), and on the clamp exactly. Below 1e-300 (subnormal, fewer
    digits) they may differ in the last digits kept."""
    one = maths.point(z, y)
    arr = maths.evaluate(np.array([z]), y)
    assert one["clamped"] == bool(arr["clamped"][0])
    for k in KEYS:
        assert one[k] == pytest.approx(float(arr[k][0]), rel=1e-14, abs=1e-300), k


@pytest.mark.parametrize("z", [-1e308, -1e6, -800.0, -745.5, 710.0, 800.0, 1e6, 1e308])
@pytest.mark.parametrize("y", [0, 1])
def test_extreme_logits_stay_finite(z, y):
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        v = maths.point(z, y)
    assert all(math.isfinite(v[k]) for k in KEYS)
    assert v["clamped"]


def test_clamp_note_threshold():
    # 1 − p crosses ε = 1e−12 near z = 27.63: below it the exact CE, above it the clamp.
    assert not maths.point(27.0, 1)["clamped"]
    assert maths.point(28.0, 1)["clamped"]
    assert maths.point(-28.0, 1)["ce"] == pytest.approx(-math.log(1e-12), rel=1e-9, abs=0)


def test_no_cancellation_in_p_minus_y():
    # σ(30) rounds to within 1e−13 of 1; computing σ(z) − 1 would keep ~3 digits.
    v = maths.point(30.0, 1)
    assert v["gce"] == pytest.approx(float(exact(30.0, 1)["gce"]), rel=1e-14, abs=0)


def test_curves_cover_the_range_and_are_finite():
    g = maths.grad_curves(1, 50.0)
    assert g["z"][0] == -50 and g["z"][-1] == 50
    c = maths.loss_curves(0)
    for arr in (*g.values(), *c.values()):
        assert np.all(np.isfinite(arr))
    assert np.all(np.diff(c["p"]) > 0)


def test_log_floor_sits_below_every_mse_gradient():
    for y in (0, 1):
        for R in (1.0, 8.0, 50.0):
            g = maths.grad_curves(y, R)["gmse"]
            floor = maths.log_floor(g)
            # below every point of the curve, and within a decade of its lowest (the decay stays readable)
            assert 0 < floor < g.min() and floor > g.min() / 10
