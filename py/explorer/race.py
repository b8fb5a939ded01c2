"""The training race as data: two runners descending the logit in lockstep.

The whole course (RACE_MAX_STEPS updates) is computed when the race starts,
so the step counts are fixed by the maths alone; the animation only chooses
which step to show, and never changes an outcome.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import maths, owneval
from .fields import Field
from .fmt import count, revealed

# The race's part of the page state: its learning rate.
FIELDS = (Field("lr", "lr", "number", 1.0, lo=0.01, hi=10.0, what="a learning rate"),)

# Columns of the race_runners ColumnDataSource (one row: both runners).
RUNNER_COLUMNS = ("z_ce", "p_ce", "ce", "gce", "z_mse", "p_mse", "mse", "gmse")
# The runner markers, by figure renderer name.
RUNNER_MARKERS = ("ce_runner_loss", "mse_runner_loss", "gce_runner_lin", "gmse_runner_lin",
                  "gce_runner_log", "gmse_runner_log")
# Your loss's runner: its own one-row source (race_own) and markers.
OWN_RUNNER_COLUMNS = ("z_own", "p_own", "own", "gown")
OWN_RUNNER_MARKERS = ("own_runner_loss", "gown_runner_lin", "gown_runner_log")


def runners_in_view(row: dict, R: float, loss_top: float, log_floor: float) -> dict[str, bool]:
    """Which runner markers lie inside their plot's frame.

    They are drawn on the plots' overlay layer, which is not clipped to the
    frame, so a runner that has left it (past ±R, or above the loss axis) is
    hidden instead of being drawn over the axes.
    """
    out = {}
    for loss in ("ce", "mse"):
        grad, z = f"g{loss}", row[f"z_{loss}"][0]
        inside_x = -R <= z <= R
        out[f"{loss}_runner_loss"] = row[loss][0] <= loss_top
        out[f"{grad}_runner_lin"] = inside_x
        out[f"{grad}_runner_log"] = inside_x and row[grad][0] >= log_floor
    return out


@dataclass
class Race:
    z0: float
    y: int
    lr: float
    step: int = 0
    course: dict = field(init=False, repr=False)
    counts: dict = field(init=False)

    def __post_init__(self):
        self.course = maths.descend(self.z0, self.y, self.lr)
        self.counts = {k: maths.steps_to_learn(self.course[k], self.y) for k in ("ce", "mse")}

    @property
    def last(self) -> int:
        return maths.RACE_MAX_STEPS

    @property
    def finished(self) -> bool:
        return self.step >= self.last

    def go_to(self, step: int) -> None:
        self.step = int(min(max(step, 0), self.last))

    def revealed(self, runner: str) -> int | None:
        """The count for `runner` once the shown step has reached it, else None."""
        return revealed(self.counts[runner], self.step, self.last)

    def runners(self) -> dict:
        """Both runners at the shown step, as one-row columns for the figures."""
        zc, zm = float(self.course["ce"][self.step]), float(self.course["mse"][self.step])
        c, m = maths.point(zc, self.y), maths.point(zm, self.y)
        return {"z_ce": [zc], "p_ce": [c["p"]], "ce": [c["ce"]], "gce": [c["gce"]],
                "z_mse": [zm], "p_mse": [m["p"]], "mse": [m["mse"]], "gmse": [m["gmse"]]}

    def path(self) -> dict:
        """p against step for both runners, up to the shown step."""
        k = self.step + 1
        p_ce, _ = maths.sigmoid_pair(self.course["ce"][:k])
        p_mse, _ = maths.sigmoid_pair(self.course["mse"][:k])
        return {"step": np.arange(k, dtype=float), "p_ce": p_ce, "p_mse": p_mse}


def own_in_view(row: dict, R: float, loss_top: float, log_floor: float) -> dict[str, bool]:
    """As runners_in_view, for your loss's runner (never shown where its values are not finite)."""
    z, v, g = row["z_own"][0], row["own"][0], row["gown"][0]
    ok = math.isfinite(v) and math.isfinite(g)
    inside_x = ok and -R <= z <= R
    return {"own_runner_loss": ok and -0.2 <= v <= loss_top, "gown_runner_lin": inside_x and g <= 1.05,
            "gown_runner_log": inside_x and log_floor <= g <= 2.0}


class OwnRunner:
    """Your loss's runner (SPEC §11): z ← z − lr·∂ℓ/∂z from the same start,
    with the same stopping rule. Each update is a few numpy calls on one
    value, so the course is computed in chunks as the race shows it
    (`advance_to`), never in one long task.

    A runner whose gradient stops being finite stays where it is from then on.
    """

    def __init__(self, loss, z0: float, y: int, lr: float, steps: int = maths.RACE_MAX_STEPS):
        self.loss, self.y, self.lr, self.steps = loss, y, float(lr), steps
        self.z = np.empty(steps + 1)
        self.z[0] = z0
        self.computed = 1  # z[0..computed−1] are known
        self.count: int | None = None
        self.stalled_at: int | None = None
        self._check(0)

    @property
    def done(self) -> bool:
        return self.computed > self.steps

    def _check(self, k: int) -> None:
        if self.count is None and _far(self.z[k], self.y) < maths.RACE_TOL:
            self.count = k

    def advance_to(self, step: int, budget_s: float, now) -> None:
        """Compute up to `step` (or until `budget_s` seconds of `now()` have passed)."""
        t0 = now()
        z = self.z
        while self.computed <= min(step, self.steps) and now() - t0 < budget_s:
            k = self.computed
            if self.stalled_at is None:
                _, d = owneval.evaluate(self.loss, z[k - 1:k], self.y)
                nxt = z[k - 1] - self.lr * float(d[0])
                if not math.isfinite(nxt):
                    self.stalled_at, nxt = k, z[k - 1]
            else:
                nxt = z[k - 1]
            z[k] = nxt
            self._check(k)
            self.computed = k + 1
        if self.done and self.count is None:
            self.count = -1

    def row(self, k: int) -> dict:
        """The runner at step k (≤ computed − 1), as race_own's one row."""
        z = self.z[k:k + 1]
        v, d = owneval.evaluate(self.loss, z, self.y)
        p = maths.sigmoid_pair(z)[0]
        return {"z_own": [float(z[0])], "p_own": [float(p[0])], "own": [float(v[0])], "gown": [abs(float(d[0]))]}

    def path(self, k: int) -> dict:
        return {"step": np.arange(k + 1, dtype=float).tolist(), "p_own": maths.sigmoid_pair(self.z[:k + 1])[0].tolist()}

    def revealed(self, shown: int) -> int | None:
        return revealed(self.count, shown, self.steps)


def _far(z: float, y: int) -> float:
    """|p − y| without cancellation."""
    p, q = maths.sigmoid_pair(np.array([z]))
    return float(q[0] if y == 1 else p[0])


def count_text(n: int | None) -> str:
    return count(n, "update", maths.RACE_MAX_STEPS)


def step_at(seconds: float) -> int:
    """Which step the animation shows after `seconds`: slow at first, so the
    early steps can be followed, then faster, so 1,000 updates take ~6 s."""
    return int(10.0 * seconds + 28.0 * seconds * seconds)


def seconds_for(step: int, schedule=step_at) -> float:
    """Inverse of an animation schedule (step_at by default): when it reaches
    `step`, to resume an animation from a shown step."""
    lo, hi = 0.0, 60.0
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if schedule(mid) < step else (lo, mid)
    return hi
