"""The three-class panel's maths (SPEC §15) against mpmath written here from
the definitions, mpmath's own numerical derivatives, the spec's reference
numbers, and an independent training loop (the MSE gradient through the
softmax's Jacobian, not the panel's closed form)."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from explorer import softmax
from explorer.state import State, from_hash, to_hash
from hypothesis import given, settings
from hypothesis import strategies as st

REL = 1e-9


def reference(z, k: int, dps: int = 60) -> dict:
    """Every readout from the definitions, in 60 digits: p = e^z / Σ e^z, CE = −ln clip(p_k, ε, 1 − ε),
    MSE = Σ (p − y)², the gradients as mpmath's derivatives of those losses are not used here (see below)."""
    with mpmath.workdps(dps):
        zs = [mpmath.mpf(float(v)) for v in z]
        e = [mpmath.exp(v) for v in zs]
        total = sum(e)
        p = [v / total for v in e]
        y = [1 if j == k else 0 for j in range(3)]
        eps = mpmath.mpf(1e-12)
        p_hat = min(max(p[k], eps), 1 - eps)
        s = sum((p[j] - y[j]) * p[j] for j in range(3))
        gce = [p[j] - y[j] for j in range(3)]
        gmse = [2 * p[i] * ((p[i] - y[i]) - s) for i in range(3)]
        n_ce = mpmath.sqrt(sum(g * g for g in gce))
        n_mse = mpmath.sqrt(sum(g * g for g in gmse))
        return {"p": [float(v) for v in p], "ce": float(-mpmath.log(p_hat)),
                "mse": float(sum((p[j] - y[j]) ** 2 for j in range(3))),
                "gce": [float(v) for v in gce], "gmse": [float(v) for v in gmse],
                "norm_ce": float(n_ce), "norm_mse": float(n_mse), "ratio": float(n_ce / n_mse)}


def close(got, want, rel=REL) -> bool:
    return got == pytest.approx(want, rel=rel, abs=0.0)


def assert_matches(z, k, rel=REL):
    got, want = softmax.point(z, k), reference(z, k)
    for key, value in want.items():
        assert close(got[key], value, rel), (key, z, k, got[key], value)


@pytest.mark.parametrize("z,k", [((2, 1, 0.1), 0), ((0, 10, 0), 0), ((-3, 4, 0.5), 2), ((0, 0, 0), 1),
                                 ((30, -30, 30), 1), ((-50, 50, 0), 2)])
def test_readouts_match_mpmath(z, k):
    assert_matches(z, k)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(-30, 30), min_size=3, max_size=3), st.integers(0, 2))
def test_readouts_match_mpmath_anywhere_within_30(z, k):
    assert_matches(z, k)


# Where a naive float computation cancels: 1 − p_k with p_k near 1; Σ (p − y) p when
# the true class and another share almost all the probability; p_k − p_j for close logits.
CANCELLING = [((30, 0, 0), 0), ((36, 1, -2), 0), ((5, 5, -25), 0), ((5, 5 + 1e-7, -25), 1),
              ((3, 3.0000001, -30), 2), ((-20, 12, 12), 1), ((28, 28, -28), 0)]


@pytest.mark.parametrize("z,k", CANCELLING)
def test_readouts_match_mpmath_where_naive_floats_cancel(z, k):
    assert_matches(z, k)


def naive(z, k) -> dict:
    """The textbook float formulas, to show that the cases above do cancel."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    p = e / e.sum()
    y = np.eye(3)[k]
    s = np.sum((p - y) * p)
    return {"gmse": 2 * p * ((p - y) - s), "gce": p - y, "mse": float(np.sum((p - y) ** 2))}


def test_the_cancelling_cases_do_cancel_naively():
    """Each case is one where the textbook formula misses 1e−9: so the test above tests something."""
    missed = 0
    for z, k in CANCELLING:
        want, bad = reference(z, k), naive(z, k)
        missed += any(not close(bad[q][j], want[q][j]) for q in ("gce", "gmse") for j in range(3))
    assert missed >= len(CANCELLING) - 1


def losses_mp(z, k):
    e = [mpmath.exp(v) for v in z]
    p = [v / sum(e) for v in e]
    return -mpmath.log(p[k]), sum((p[j] - (1 if j == k else 0)) ** 2 for j in range(3))


@pytest.mark.parametrize("z,k", [((2, 1, 0.1), 0), ((0, 10, 0), 0), ((-3, 4, 0.5), 2), ((1, 1, 1), 1),
                                 ((-8, 6, 2), 0)])
def test_gradients_are_the_losses_derivatives(z, k):
    """mpmath differentiates the two losses numerically, component by component."""
    got = softmax.point(z, k)
    with mpmath.workdps(40):
        for i in range(3):
            for which, key in ((0, "gce"), (1, "gmse")):
                def f(t, i=i, which=which):
                    zz = [mpmath.mpf(float(v)) for v in z]
                    zz[i] += t
                    return losses_mp(zz, k)[which]
                want = float(mpmath.diff(f, 0))
                assert got[key][i] == pytest.approx(want, rel=1e-9, abs=1e-300), (key, i)


def test_the_specs_reference_numbers():
    v = softmax.point((2, 1, 0.1), 0)
    assert [f"{x:.6f}" for x in v["p"]] == ["0.659001", "0.242433", "0.098566"]
    assert f"{v['ce']:.6f}" == "0.417030" and f"{v['mse']:.6f}" == "0.184769"
    assert [f"{x:.6f}" for x in v["gce"]] == ["-0.340999", "0.242433", "0.098566"]
    assert [f"{x:.6f}" for x in v["gmse"]] == ["-0.243526", "0.193298", "0.050228"]
    assert f"{v['ratio']:.5f}" == "1.36482"
    v = softmax.point((0, 10, 0), 0)
    assert f"{v['gce'][0]:.6f}" == "-0.999955" and f"{v['gmse'][0]:.5e}" == "-1.81559e-04"
    assert f"{v['ratio']:.1f}" == "4163.4"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=3, max_size=3), st.integers(0, 2))
def test_every_readout_is_finite_and_shown(z, k):
    for text, value in softmax.readouts(z, k).values():
        assert value is not None and math.isfinite(value)
        assert "nan" not in text.lower() and "inf" not in text.lower()



@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=3, max_size=3), st.integers(0, 2))
def test_readouts_and_bars_from_a_point_given_are_those_computed(z, k):
    v = softmax.point(z, k)
    assert softmax.readouts(z, k, v) == softmax.readouts(z, k)
    assert softmax.bars_rows(z, k, v) == softmax.bars_rows(z, k)

def test_the_clip_holds_at_both_ends():
    assert softmax.point((-40, 0, 0), 0)["ce"] == pytest.approx(-math.log(1e-12), rel=1e-12, abs=0.0)
    top = softmax.point((40, 0, 0), 0)
    assert top["clamped"] and top["ce"] == pytest.approx(1e-12, rel=1e-9, abs=0.0)


# -- training -------------------------------------------------------------------

def independent_course(s: float, lr: float, epochs: int = 2000) -> list[int]:
    """Softmax regression written from the spec alone: the MSE gradient as the softmax Jacobian
    (diag p − p pᵀ) times 2(p − y), per point; the counts as the first epoch with accuracy ≥ 0.9."""
    rng = np.random.default_rng(0)
    raw = np.vstack([2.5 * np.array([math.cos(t), math.sin(t)]) + rng.normal(0, 1, (100, 2))
                     for t in (math.pi / 2 + 2 * math.pi * c / 3 for c in range(3))])
    x = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    k = np.repeat(np.arange(3), 100)
    y = np.eye(3)[k]
    angles = [math.pi / 2 + 2 * math.pi * c / 3 for c in range(3)]
    w0 = -s * np.array([[math.cos(t) for t in angles], [math.sin(t) for t in angles]])
    params = [(w0.copy(), np.zeros(3)), (w0.copy(), np.zeros(3))]
    first = [-1, -1]
    for epoch in range(epochs + 1):
        for r, (w, b) in enumerate(params):
            z = x @ w + b
            e = np.exp(z - z.max(axis=1, keepdims=True))
            p = e / e.sum(axis=1, keepdims=True)
            if first[r] < 0 and np.mean(p.argmax(axis=1) == k) >= 0.9:
                first[r] = epoch
            if r == 0:
                dz = p - y
            else:
                jac = np.einsum("ni,ij->nij", p, np.eye(3)) - np.einsum("ni,nj->nij", p, p)
                dz = np.einsum("nij,nj->ni", jac, 2 * (p - y))
            dz /= len(k)
            w -= lr * x.T @ dz
            b -= lr * dz.sum(axis=0)
    return first


SPEC_COUNTS = [(4, 1.0, [7, 104]), (6, 1.0, [9, 310]), (8, 1.0, [12, 701]), (8, 0.3, [40, -1]), (0, 1.0, [1, 1])]


@pytest.mark.parametrize("s,lr,counts", SPEC_COUNTS)
def test_the_specs_epoch_counts(s, lr, counts):
    x, k = softmax.dataset()
    c = softmax.Course(x, k, s, lr)
    c.advance(c.epochs + 1)
    assert c.first_at_target == counts


@pytest.mark.parametrize("s,lr,counts", SPEC_COUNTS[:2] + SPEC_COUNTS[3:4])
def test_an_independent_loop_counts_the_same(s, lr, counts):
    assert independent_course(s, lr) == counts


def test_the_data_follow_the_spec():
    x, k = softmax.dataset()
    assert x.shape == (300, 2) and list(np.bincount(k)) == [100, 100, 100]
    np.testing.assert_allclose(x.mean(axis=0), 0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(x.std(axis=0), 1, rtol=0, atol=1e-12)
    # the classes sit around their centres, at 90°, 210° and 330°
    for c, angle in enumerate((90, 210, 330)):
        m = x[k == c].mean(axis=0)
        assert math.degrees(math.atan2(m[1], m[0])) % 360 == pytest.approx(angle, rel=0, abs=15)


def test_the_start_is_confidently_wrong():
    x, k = softmax.dataset()
    w, b = softmax.start_weights(4)
    p = softmax.softmax(x @ w + b)
    assert np.mean(p.argmax(axis=1) == k) < 0.05
    np.testing.assert_allclose(w[:, 0], [0, -4], rtol=0, atol=1e-12)


def test_the_class_map_is_the_argmax_of_the_course_weights():
    x, k = softmax.dataset()
    c = softmax.Course(x, k, 4, 1.0, epochs=20)
    c.advance(21)
    grid = softmax.map_grid(softmax.map_box(x))
    img = softmax.class_map(c, grid, 1, 20)
    assert img.shape == (softmax.MAP_SIZE, softmax.MAP_SIZE) and set(np.unique(img)) <= {0.0, 1.0, 2.0}
    w, b = c.w[1], c.b[1, 0]
    np.testing.assert_array_equal(img.ravel(), np.argmax(grid @ w + b, axis=1))


def test_the_hash_carries_the_panel():
    s = from_hash("#sz1=-3.5&sz2=40&sz3=0&sy=3&ss=8&slr=0.3")  # the class by its name: 3 is the third
    assert (s.sm_z1, s.sm_z2, s.sm_z3, s.sm_y, s.sm_s, s.sm_lr) == (-3.5, 40.0, 0.0, 2, 8.0, 0.3)
    assert from_hash(to_hash(s)) == s and "sy=3" in to_hash(s)
    bad = from_hash("#sz1=51&sz2=nan&sy=4&ss=-1&slr=0")
    assert bad == State()
