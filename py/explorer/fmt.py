"""Readout formatting: 4 significant digits, scientific outside [1e−3, 1e4);
and counts of steps toward a goal that may not be reached."""
from __future__ import annotations

import math

MINUS = "\u2212"


def readout(v: float) -> str:
    if not math.isfinite(v):
        # maths.evaluate never produces these; refuse to display one anyway.
        return "—"
    if v == 0:
        return "0"
    a = abs(v)
    if 1e-3 <= a < 1e4:
        s = f"{v:#.4g}"
        if "e" not in s:  # rounding can carry 9999.7 up to 1.000e+04
            return s.rstrip(".").replace("-", MINUS)
    mant, exp = f"{v:.3e}".split("e")
    return f"{mant}e{int(exp)}".replace("-", MINUS)


def loss_title(y: int) -> str:
    """Title of loss_plot; it names the label, so it changes with y."""
    return f"Loss vs predicted probability (y = {y})"


def count(n: int | None, unit: str, limit: int) -> str:
    """`n` steps of `unit` to a goal; None is still running, negative is never within `limit`."""
    if n is None:
        return "…"
    if n < 0:
        return f"not within {limit:,}"
    return f"{n} {unit}" + ("" if n == 1 else "s")


def revealed(n: int | None, shown: int, last: int) -> int | None:
    """A count to a goal (`n`: None not yet known, −1 never) as shown at step `shown` of `last`:
    the count once the shown step has reached it, −1 once the end is shown, else None (not yet)."""
    if n is not None and 0 <= n <= shown:
        return n
    if n == -1 and shown >= last:
        return -1
    return None
