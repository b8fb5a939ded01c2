"""What every training panel's course shares (the lab, the depth panel):
the epoch budget, the accuracy target and its bookkeeping, the animation's
schedule, the axes' steps and the texts of counts.

Plain numpy, no browser imports. A panel's course subclasses `Course` and
writes one epoch in `_epoch`; `advance` does the rest.
"""
from __future__ import annotations

import numpy as np

from .fmt import count, revealed

MAX_EPOCHS = 2000
TARGET_ACCURACY = 0.9
# Runner i of a course: its id in element names, and its name in sentences.
RUNNER_IDS = ("CE", "MSE", "Own")
RUNNER_NAMES = ("cross-entropy", "MSE", "your loss")
# Gradient norms are drawn on log axes; an exact 0 (a converged runner, a
# dead ReLU layer) would sit at −∞, so plotted values never go below this.
PLOT_FLOOR = 1e-30
# The epoch axis grows in steps, not every frame: a changed range repaints a
# whole plot, while new points on the overlay layer repaint only that layer.
EPOCH_AXIS_STEPS = (20, 50, 100, 200, 500, 1000, 2100)


class Course:
    """Epoch 0 (the start) to `epochs` of every runner's training.

    `first_at_target[r]` is the first epoch at which runner r's training
    accuracy reached TARGET_ACCURACY (None: not yet known; −1: never, once
    the course is complete). Rows are filled by `advance`; a subclass's
    `_epoch(k)` computes row k (and the update after it, unless k is the
    last) and returns each runner's accuracy there.
    """

    def __init__(self, runners: tuple, epochs: int, own=None):
        self.own = own  # your loss (explorer.ownloss.Loss), the last runner when given
        self.runners = runners + (("own",) if own is not None else ())
        self.epochs = int(epochs)
        self.computed = 0
        self.first_at_target: list[int | None] = [None] * len(self.runners)

    @property
    def done(self) -> bool:
        return self.computed > self.epochs

    def _epoch(self, k: int) -> np.ndarray:
        raise NotImplementedError

    def advance(self, n: int = 1) -> None:
        """Fill the next `n` rows (fewer at the end)."""
        for k in range(self.computed, min(self.computed + n, self.epochs + 1)):
            accuracy = self._epoch(k)
            for r, acc in enumerate(accuracy):
                if self.first_at_target[r] is None and acc >= TARGET_ACCURACY:
                    self.first_at_target[r] = k
            self.computed = k + 1
        if self.done:
            self.first_at_target = [-1 if f is None else f for f in self.first_at_target]

    def revealed(self, runner: int, shown: int) -> int | None:
        """The epoch count for `runner` once the shown epoch has reached it, else None."""
        return revealed(self.first_at_target[runner], shown, self.epochs)

    def finished_counts(self) -> str:
        """"cross-entropy 12 epochs, MSE not within 2,000[, your loss …]", for the status line."""
        return ", ".join(f"{name} {count_text(n)}" for name, n in zip(RUNNER_NAMES, self.first_at_target))


def standardise(x: np.ndarray) -> np.ndarray:
    """Each column to mean 0 and population standard deviation 1 (a constant column to 0)."""
    x = np.asarray(x, dtype=float)
    sd = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def plot_box(x: np.ndarray, margin: float) -> tuple[float, float, float, float]:
    """A 2-D plot's ranges: every point inside, with a margin (a share of each side's span)."""
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = (hi - lo) * margin
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1]))


def grid_cells(box, size: int) -> np.ndarray:
    """Cell centres of a size×size grid over the box, row-major from the bottom (Bokeh's image order):
    where a panel's decision map is evaluated."""
    x0, x1, y0, y1 = box
    gx = x0 + (np.arange(size) + 0.5) * (x1 - x0) / size
    gy = y0 + (np.arange(size) + 0.5) * (y1 - y0) / size
    xx, yy = np.meshgrid(gx, gy)
    return np.column_stack([xx.ravel(), yy.ravel()])


def epoch_axis_end(k: int) -> float:
    return float(next((e for e in EPOCH_AXIS_STEPS if k < e), EPOCH_AXIS_STEPS[-1]))


def epoch_at(seconds: float) -> int:
    """Which epoch the animation shows after `seconds`: slow at first, so the
    boundaries can be seen turning, then fast; 2,000 epochs take ~9.5 s."""
    return int(6.0 * seconds + 2.0 * seconds ** 3)


def count_text(n: int | None) -> str:
    return count(n, "epoch", MAX_EPOCHS)


def accuracy_text(a: float) -> str:
    return f"{100.0 * a:.1f} %"

