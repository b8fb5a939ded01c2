"""Your own loss evaluated (SPEC §11): a checked loss (explorer.ownloss) run
on numpy arrays as dual numbers, value and ∂/∂z together: exact
differentiation, no finite differences. Pure Python and numpy, no browser
imports.
"""
from __future__ import annotations

import math

import numpy as np

from . import maths
from .ownloss import Loss, Op


def evaluate(loss: Loss, z, y) -> tuple[np.ndarray, np.ndarray]:
    """ℓ and ∂ℓ/∂z at z (array) for label(s) y (0/1, scalar or array like z).

    Non-finite results stay as they are (inf or nan) for the caller to mark;
    numpy's warnings about them are silenced, as they are expected here."""
    z = np.asarray(z, dtype=float)
    y = np.broadcast_to(np.asarray(y, dtype=float), z.shape)
    zero = np.zeros_like(z)
    vals: list = []
    with np.errstate(all="ignore"):
        for op in loss.ops:
            vals.append(_step(op, vals, z, y, zero))
        v, d = vals[-1]
        return np.broadcast_to(v, z.shape).astype(float), np.broadcast_to(d, z.shape).astype(float)


def _step(op: Op, vals: list, z, y, zero):
    if op.kind == "num":
        return np.float64(op.value), zero  # numpy's float: 1/0 is ∞ (silenced), not an exception
    if op.kind == "name":
        if op.which == "z":
            return z, np.ones_like(z)
        if op.which == "y":
            return y, zero
        if op.which == "p":
            p, q = maths.sigmoid_pair(z)
            return p, p * q
        return np.float64(math.e if op.which == "e" else math.pi), zero
    if op.kind == "neg":
        a, da = vals[op.args[0]]
        return -a, -da
    if op.kind == "bin":
        (a, da), (b, db) = vals[op.args[0]], vals[op.args[1]]
        w = op.which
        if w == "+":
            return a + b, da + db
        if w == "-":
            return a - b, da - db
        if w == "*":
            return a * b, _prod(da, b) + _prod(db, a)
        if w == "/":
            return a / b, (_prod(da, b) - _prod(db, a)) / (b * b)
        v = np.power(a, b)
        # d(a^b) = b·a^(b−1)·a′ + a^b·ln(a)·b′, each term only where its derivative is not 0
        # (so that a constant base or exponent never brings ln 0 or 0·∞ into it).
        return v, _prod(da, b * np.power(a, b - 1.0)) + _prod(db, v * np.log(a))
    f = op.which
    if f in ("max", "min"):
        (a, da), (b, db) = vals[op.args[0]], vals[op.args[1]]
        first = a >= b if f == "max" else a <= b
        return np.where(first, a, b), np.where(first, da, db)
    a, da = vals[op.args[0]]
    if f == "log":
        return np.log(a), _prod(da, 1.0 / a)
    if f == "exp":
        e = np.exp(a)
        return e, _prod(da, e)
    if f == "sqrt":
        s = np.sqrt(a)
        return s, _prod(da, 0.5 / s)
    if f == "abs":
        return np.abs(a), _prod(da, np.sign(a))
    if f == "log1p":
        return np.log1p(a), _prod(da, 1.0 / (1.0 + a))
    if f == "expm1":
        return np.expm1(a), _prod(da, np.exp(a))
    if f == "tanh":
        t = np.tanh(a)
        return t, _prod(da, 1.0 - t * t)
    if f == "sigmoid":
        s, c = maths.sigmoid_pair(np.asarray(a, dtype=float))
        return s, _prod(da, s * c)
    # softplus(a) = ln(1 + eᵃ), without overflow; its slope is σ(a)
    return np.logaddexp(0.0, a), _prod(da, maths.sigmoid_pair(np.asarray(a, dtype=float))[0])


def _prod(d, factor):
    """d·factor, exactly 0 wherever d is 0 (a constant's derivative times anything, even ∞)."""
    return np.where(np.asarray(d) == 0.0, 0.0, np.asarray(d) * factor)


def why_not_finite(loss: Loss, z: float, y: int) -> str:
    """Which piece first stops being finite at (z, y), and the stable form to use where there is one."""
    zz = np.array([float(z)])
    vals: list = []
    with np.errstate(all="ignore"):
        for op in loss.ops:
            vals.append(_step(op, vals, zz, np.array([float(y)]), np.zeros(1)))
            v, d = (np.broadcast_to(x, (1,)) for x in vals[-1])
            if not (np.isfinite(v[0]) and np.isfinite(d[0])):
                return _advice(op, loss, len(vals) - 1, v[0])
    return "it is not finite here"


def _advice(op: Op, loss: Loss, index: int, value: float) -> str:
    what = "its slope" if math.isfinite(value) else ("NaN" if math.isnan(value) else "±∞")
    text = f"{op.text or 'a part'} gives {what} here"
    if op.kind == "call" and op.which == "log":
        inner = loss.ops[op.args[0]]
        compact = inner.text.replace(" ", "")
        if compact == "1-p":
            return text + " (1 − p rounds to 0 in floating point); write -softplus(z) for log(1 - p)"
        if compact == "p":
            return text + " (p rounds to 0 in floating point); write -softplus(-z) for log(p)"
        return text + " (the logarithm of 0 or of a negative number)"
    if op.kind == "call" and op.which in ("exp", "expm1"):
        return text + " (the exponential overflows)"
    if op.kind == "bin" and op.which == "/":
        return text + " (a division by 0)"
    if op.kind == "bin" and op.which == "**":
        return text + " (the power overflows or is undefined)"
    return text


def curve(loss: Loss, z, y) -> tuple[list, list]:
    """ℓ and |∂ℓ/∂z| at z for plotting, with None (a gap) wherever either is not finite."""
    return gapped(*evaluate(loss, z, y))


def gapped(v: np.ndarray, d: np.ndarray) -> tuple[list, list]:
    """Values and slopes as lists for a plot: |slope|, and None (a gap) wherever either is not finite."""
    bad = np.flatnonzero(~(np.isfinite(v) & np.isfinite(d))).tolist()
    vs, ds = v.tolist(), np.abs(d).tolist()  # tolist: one conversion, not one float() per point
    for i in bad:
        vs[i] = ds[i] = None
    return vs, ds
