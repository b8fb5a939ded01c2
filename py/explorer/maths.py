"""The quantities the page shows, as plain numpy functions.

Everything here is finite for every finite z and y in {0, 1}; the page never
shows NaN or Infinity because these functions cannot produce them.
"""
from __future__ import annotations

import math

import numpy as np

EPS = 1e-12
# cosh overflows a double past |z| ~ 710; beyond that the ratio is reported
# at this z (still huge, still finite).
_COSH_LIMIT = 700.0
QUANTITIES = ("p", "ce", "mse", "gce", "gmse", "ratio")


def sigmoid_pair(z):
    """Return (σ(z), σ(−z)) computed without overflow or cancellation.

    exp is only ever taken of −|z| ≤ 0, so it cannot overflow; the smaller of
    the two values is e/(1+e), never 1 − (something close to 1).
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    small = e / (1.0 + e)
    big = 1.0 / (1.0 + e)
    pos = z >= 0
    return np.where(pos, big, small), np.where(pos, small, big)


def softplus(x):
    """ln(1 + e^x), accurate for every finite x."""
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def cross_entropy(z, y, p, q=None):
    """(CE, clamped) for logits z, labels y ∈ {0, 1}, p = σ(z) and q = σ(−z) (computed when not given).

    Unclamped CE is a softplus of ∓z (exact to the last bits); where the
    clip changes p, the value is the definition itself on the clipped p̂.
    """
    z, y, p = np.asarray(z, dtype=float), np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    # the clip moves p exactly where p lies outside [ε, 1 − ε] (no clip() call: a slider's event
    # computes one point, and each numpy call on a scalar costs microseconds in the worker)
    clamped = (p < EPS) | (p > 1.0 - EPS)
    ce = softplus(np.where(y == 1, -z, z))
    if not clamped.any():
        return ce, clamped
    if q is None:
        q = sigmoid_pair(z)[1]
    p_hat = np.clip(p, EPS, 1.0 - EPS)
    # ln p̂ and ln(1 − p̂) each from the smaller of p̂ and 1 − p̂ = clip(σ(−z), ε, 1 − ε):
    # 1 − fl(1 − ε) is not ε in floating point (2e−5 relative off), so the
    # clamped end is never reached by subtracting from 1.
    q_hat = np.clip(q, EPS, 1.0 - EPS)
    with np.errstate(divide="ignore"):
        log_p = np.where(p < 0.5, np.log(p_hat), np.log1p(-q_hat))
        log_q = np.where(q < 0.5, np.log(q_hat), np.log1p(-p_hat))
    ce_clamped = -(y * log_p + (1.0 - y) * log_q)
    return np.where(clamped, ce_clamped, ce), clamped


def evaluate(z, y):
    """All six readouts plus the clamp flag, for scalar or array z and y ∈ {0, 1}.

    Returns a dict of numpy arrays (0-d for scalar input).
    """
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    p, q = sigmoid_pair(z)  # q = σ(−z) = 1 − p, computed directly
    # |p − y|: for y = 1 it is σ(−z) (never σ(z) − 1), for y = 0 it is σ(z).
    err = np.where(y == 1, q, p)
    ce, clamped = cross_entropy(z, y, p, q)
    # 1 / (2 p (1 − p)) = 1 + cosh z: no division, never 0/0 (cosh is even: capped on |z|).
    ratio = 1.0 + np.cosh(np.minimum(np.abs(z), _COSH_LIMIT))
    return {
        "p": p,
        "ce": ce,
        "mse": err * err,
        "gce": err,
        "gmse": 2.0 * err * (p * q),
        "ratio": ratio,
        "clamped": clamped,
    }


def point(z: float, y: int) -> dict:
    """evaluate() for one operating point, as plain Python floats/bool.

    The same steps on Python floats: a move of the slider computes one point,
    and numpy on a 0-d array costs microseconds a call in the worker (measured:
    the numpy path 80 to 180 µs a point there, hot; this one about 10).
    Tests hold the two to each other and both to high-precision references.
    """
    z, y = float(z), int(y)
    e = math.exp(-abs(z))
    small, big = e / (1.0 + e), 1.0 / (1.0 + e)
    p, q = (big, small) if z >= 0 else (small, big)
    err = q if y == 1 else p
    clamped = p < EPS or p > 1.0 - EPS
    t = -z if y == 1 else z
    ce = max(t, 0.0) + math.log1p(math.exp(-abs(t)))
    if clamped:
        p_hat, q_hat = min(max(p, EPS), 1.0 - EPS), min(max(q, EPS), 1.0 - EPS)
        log_p = math.log(p_hat) if p < 0.5 else math.log1p(-q_hat)
        log_q = math.log(q_hat) if q < 0.5 else math.log1p(-p_hat)
        ce = -(y * log_p + (1.0 - y) * log_q)
    return {"p": p, "ce": ce, "mse": err * err, "gce": err, "gmse": 2.0 * err * (p * q),
            "ratio": 1.0 + math.cosh(min(abs(z), _COSH_LIMIT)), "clamped": clamped}


# The plots' fixed vertical extents (the figures are built with them; the
# browser layer hides a point drawn unclipped once it leaves them).
LOSS_Y_MAX = 9.0   # CE at z = ±8 (the default range) is 8.0003: stays in view
GRAD_Y_MAX = 1.05  # |∂/∂z| of CE and MSE never exceeds 1
GRAD_LOG_Y_MAX = 2.0
LOSS_CURVE_POINTS = 401
GRAD_CURVE_POINTS = 601


def loss_curves(y: int, n: int = LOSS_CURVE_POINTS) -> dict:
    """CE and MSE against p for label y.

    The p grid is σ of an even z grid, so points crowd towards p = 0 and 1
    where the CE curve turns steep.
    """
    v = evaluate(loss_curve_z(n), y)
    return {"p": v["p"], "ce": v["ce"], "mse": v["mse"]}


def loss_curve_z(n: int = LOSS_CURVE_POINTS) -> np.ndarray:
    """The logits behind loss_curves' p grid."""
    return np.linspace(-11.0, 11.0, n)


def log_floor(gmse) -> float:
    """Lower end of the log-scaled gradient axis: a little below the smallest
    MSE gradient on the curve, so the whole decay stays in view."""
    return float(np.min(gmse)) / 3.0


def grad_curves(y: int, half_width: float, n: int = GRAD_CURVE_POINTS) -> dict:
    """|dCE/dz| and |dMSE/dz| against z over [−R, R] for label y."""
    z = grad_curve_z(half_width, n)
    v = evaluate(z, y)
    return {"z": z, "gce": v["gce"], "gmse": v["gmse"]}


def grad_curve_z(half_width: float, n: int = GRAD_CURVE_POINTS) -> np.ndarray:
    return np.linspace(-half_width, half_width, n)


RACE_TOL = 0.1
RACE_MAX_STEPS = 1000


def _grads_scalar(z: float, y: int) -> tuple[float, float]:
    """(dCE/dz, dMSE/dz) with their signs at one float, from the same stable pieces as
    evaluate() (p − y never as σ(z) − 1), with math instead of numpy: the race's hot loop."""
    e = math.exp(-abs(z))
    small, big = e / (1.0 + e), 1.0 / (1.0 + e)
    p, q = (big, small) if z >= 0 else (small, big)
    diff = -q if y == 1 else p
    return diff, 2.0 * diff * p * q


def descend(z0: float, y: int, lr: float, steps: int = RACE_MAX_STEPS) -> dict:
    """Gradient descent on the logit, one runner per loss, in lockstep.

    Returns the logits after 0..steps updates for each runner (arrays of
    steps + 1 values). The race is sequential, so it runs on plain floats.
    """
    zc, zm = [float(z0)], [float(z0)]
    for _ in range(steps):
        zc.append(zc[-1] - lr * _grads_scalar(zc[-1], y)[0])
        zm.append(zm[-1] - lr * _grads_scalar(zm[-1], y)[1])
    return {"ce": np.array(zc), "mse": np.array(zm)}


def steps_to_learn(zs, y: int, tol: float = RACE_TOL) -> int:
    """Updates needed before |p − y| < tol first held (0: already; −1: never in zs)."""
    p, q = sigmoid_pair(np.asarray(zs))
    err = q if y == 1 else p
    hits = np.flatnonzero(err < tol)
    return int(hits[0]) if hits.size else -1
