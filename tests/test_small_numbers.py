"""The stable p − y and 1 − p, in every place the page computes them (SPEC §1).

Past |z| ≈ 30 the gradients are below 1e−13: σ(z) − 1 there keeps only a
few correct bits, and a test with approx's default absolute tolerance
(1e−12) cannot tell. These compare with mpmath at relative 1e−14 and `abs=0`,
so computing p − 1 as σ(z) − 1, or 1 − p as 1 − σ(z), fails each of them.
"""
from __future__ import annotations

import mpmath
import numpy as np
import pytest
from explorer import deep, lab, maths, owneval, ownloss, softmax

FAR = [30.0, 31.0, 32.5, 33.0, 34.0, 35.0, 36.0]
REL = 1e-14


def sig(z: float) -> mpmath.mpf:
    mpmath.mp.dps = 50
    return 1 / (1 + mpmath.exp(-mpmath.mpf(z)))


def p_minus_y(z: float, y: int) -> float:
    return float(sig(z) - y)


def mse_grad(z: float, y: int) -> float:
    p = sig(z)
    return float(2 * (p - y) * p * (1 - p))


def close(want):
    return pytest.approx(want, rel=REL, abs=0)


@pytest.mark.parametrize("z", FAR)
def test_the_explorers_readouts(z):
    # y = 1, z large: p − 1 is −σ(−z); y = 0, z large: MSE's 1 − p is σ(−z); y = 0, z very negative: p itself
    v = maths.point(z, 1)
    assert v["gce"] == close(-p_minus_y(z, 1))
    assert v["mse"] == close(p_minus_y(z, 1) ** 2)
    assert v["gmse"] == close(-mse_grad(z, 1))
    w = maths.point(z, 0)
    assert w["gmse"] == close(mse_grad(z, 0))
    u = maths.point(-z, 0)
    assert u["p"] == close(float(sig(-z)))
    assert u["gce"] == close(p_minus_y(-z, 0))
    assert u["gmse"] == close(mse_grad(-z, 0))


@pytest.mark.parametrize("y", [0, 1])
def test_the_explorers_gradient_curves(y):
    c = maths.grad_curves(y, 36.0)
    far = np.flatnonzero(np.abs(c["z"]) >= 30.0)
    assert len(far) >= 90
    for i in far:
        z = float(c["z"][i])
        assert c["gce"][i] == close(abs(p_minus_y(z, y))), z
        assert c["gmse"][i] == close(abs(mse_grad(z, y))), z


@pytest.mark.parametrize("z", FAR)
@pytest.mark.parametrize("y", [0, 1])
def test_the_races_loop(z, y):
    for zz in (z, -z):
        want = (p_minus_y(zz, y), mse_grad(zz, y))
        assert maths._grads_scalar(zz, y) == (close(want[0]), close(want[1]))


@pytest.mark.parametrize("z", FAR)
@pytest.mark.parametrize("y", [0, 1])
def test_the_labs_output_gradient(z, y):
    # one tumour whose design row is (1, 0, 0): the gradient's first entry is ∂loss/∂z itself
    a = np.array([[1.0, 0.0, 0.0]])
    for zz in (z, -z):
        theta = np.array([[zz, zz], [0.0, 0.0], [0.0, 0.0]])
        g = lab.epoch_stats(a, np.array([float(y)]), theta)["grad"]
        assert float(g[0, 0]) == close(p_minus_y(zz, y)), zz
        assert float(g[0, 1]) == close(mse_grad(zz, y)), zz


@pytest.mark.parametrize("y", [0, 1])
def test_the_depth_panels_output_gradient(y):
    zs = np.array(FAR + [-z for z in FAR])
    p, dz, _ = deep.output_grad(np.stack([zs, zs]), np.full(len(zs), float(y)))
    n = len(zs)
    for i, z in enumerate(zs):
        assert float(dz[0, i]) == close(p_minus_y(z, y) / n), z
        assert float(dz[1, i]) == close(mse_grad(z, y) / n), z
        assert float(p[0, i]) == close(float(sig(z))), z


@pytest.mark.parametrize("text", ["p", "sigmoid(z)"])
def test_your_own_losss_p_and_its_slope(text):
    # ∂p/∂z = p(1 − p): at z ≥ 30 the factor 1 − p must be σ(−z), at z ≤ −30 p itself is tiny
    loss = ownloss.parse(text)
    zs = np.array(FAR + [-z for z in FAR])
    v, d = owneval.evaluate(loss, zs, 1)
    for i, z in enumerate(zs):
        s = sig(float(z))
        assert float(v[i]) == close(float(s)), z
        assert float(d[i]) == close(float(s * (1 - s))), z


def test_your_own_losss_one_minus_p_written_stably():
    # what the page advises for log(1 − p): −softplus(z), whose slope is −σ(z), and for log p: −softplus(−z)
    zs = np.array(FAR)
    v, d = owneval.evaluate(ownloss.parse("softplus(-z)"), zs, 1)
    for i, z in enumerate(zs):
        assert float(d[i]) == close(-float(sig(-z))), z
        assert float(v[i]) == close(float(mpmath.log1p(mpmath.exp(-mpmath.mpf(z))))), z


def softmax_reference(z, k: int) -> tuple[list, list]:
    """(p_j − y_j, ∂MSE/∂z_j) in 50 digits, from the definitions."""
    mpmath.mp.dps = 50
    e = [mpmath.exp(mpmath.mpf(v)) for v in z]
    p = [v / sum(e) for v in e]
    d = [p[j] - (1 if j == k else 0) for j in range(3)]
    s = sum(d[j] * p[j] for j in range(3))
    return [float(v) for v in d], [float(2 * p[i] * (d[i] - s)) for i in range(3)]


@pytest.mark.parametrize("z", FAR)
def test_the_softmax_panels_one_minus_p_and_mse_sum(z):
    """1 − p_k with p_k near 1 (the true class far ahead), and Σ (p − y) p when the true class and
    another share almost all the probability (the third far behind): both at relative 1e−14."""
    for logits, k in (((z, 0.0, 0.0), 0), ((z, z, 0.0), 0), ((0.0, z, z), 2), ((z, 0.0, z - 1), 2)):
        v = softmax.evaluate(np.array(logits), np.array(k))
        want_d, want_g = softmax_reference(logits, k)
        assert float(v["rest"]) == close(-want_d[k]), (logits, k)
        assert [float(g) for g in v["gce"]] == [close(w) for w in want_d], (logits, k)
        assert [float(g) for g in v["gmse"]] == [close(w) for w in want_g], (logits, k)
