"""Independent references for browser tests: the spec's readout format written
out from SPEC §3, and the six quantities of SPEC §1 in mpmath. Nothing here
imports the app's own code, so a browser test that compares against these
cannot pass by agreeing with a bug."""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import mpmath

MINUS = "\u2212"
# SPEC §1's six quantities, by element id (also mp_point's keys).
READOUT_IDS = ("p", "ce", "mse", "gce", "gmse", "ratio")


def spec_format(v: float) -> str:
    """4 significant digits; scientific when |v| < 1e−3 or when it rounds to 1e4 or more; a Unicode minus."""
    if v == 0:
        return "0"
    d = Decimal(v)  # the float's exact binary value, so that halves round as the float lies
    exp = d.adjusted()
    mant = (d.scaleb(-exp)).quantize(Decimal("1.000"), rounding=ROUND_HALF_EVEN)
    if abs(mant) >= 10:  # 9.9997 rounds up to 10.00
        exp, mant = exp + 1, (mant / 10).quantize(Decimal("1.000"), rounding=ROUND_HALF_EVEN)
    if abs(v) >= 1e-3 and exp <= 3:
        text = f"{mant.scaleb(exp):.{max(0, 3 - exp)}f}"
    else:
        text = f"{mant}e{exp}"
    return text.replace("-", MINUS)


def mp_point(z: float, y: int) -> dict:
    """p, CE (with the 1e−12 clamp on the logarithm only), MSE, |dCE/dz|, |dMSE/dz| and their ratio, in mpmath."""
    mpmath.mp.dps = 50
    zm = mpmath.mpf(z)
    p = 1 / (1 + mpmath.exp(-zm))
    eps = mpmath.mpf("1e-12")
    ph = min(max(p, eps), 1 - eps)
    ce = -(y * mpmath.log(ph) + (1 - y) * mpmath.log(1 - ph))
    gce = abs(p - y)
    gmse = abs(2 * (p - y) * p * (1 - p))
    return {"p": float(p), "ce": float(ce), "mse": float((p - y) ** 2), "gce": float(gce), "gmse": float(gmse),
            "ratio": float(gce / gmse)}


def mp_descend(z0: float, y: int, lr: float, steps: int, mse: bool) -> float:
    """z after `steps` updates z ← z − lr·dℓ/dz (SPEC §5), for CE or MSE, in mpmath."""
    mpmath.mp.dps = 50
    z = mpmath.mpf(z0)
    for _ in range(steps):
        p = 1 / (1 + mpmath.exp(-z))
        z -= lr * (p - y) * (2 * p * (1 - p) if mse else 1)
    return float(z)
