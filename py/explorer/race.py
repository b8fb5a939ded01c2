"""The training race as data: two runners descending the logit in lockstep.

The whole course (RACE_MAX_STEPS updates) is computed when the race starts,
so the step counts are fixed by the maths alone; the animation only chooses
which step to show, and never changes an outcome.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import maths
from .fields import Field
from .fmt import count

# The race's part of the page state: its learning rate.
FIELDS = (Field("lr", "lr", "number", 1.0, lo=0.01, hi=10.0, what="a learning rate"),)

# Columns of the race_runners ColumnDataSource (one row: both runners).
RUNNER_COLUMNS = ("z_ce", "p_ce", "ce", "gce", "z_mse", "p_mse", "mse", "gmse")
# The runner markers, by figure renderer name.
RUNNER_MARKERS = ("ce_runner_loss", "mse_runner_loss", "gce_runner_lin", "gmse_runner_lin",
                  "gce_runner_log", "gmse_runner_log")


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
        n = self.counts[runner]
        if n >= 0 and self.step >= n:
            return n
        if n < 0 and self.finished:
            return -1
        return None

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
