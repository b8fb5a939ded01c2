"""The training lab as data: logistic regression on two standardised
features of the Wisconsin Diagnostic Breast Cancer set, trained twice in
lockstep from the same start, once on the mean cross-entropy and once on the
mean squared error, by full-batch gradient descent.

Plain numpy, no browser imports. The parameters are θ = (w₁, w₂, b); both
runners are the two columns of one 3×2 matrix, so one epoch of both is one
matrix product. A `Course` is computed a slice at a time (the browser
spreads it over animation frames); its numbers never depend on how it was
sliced.
"""
from __future__ import annotations

import numpy as np

from . import course as shared
from . import maths, owneval
from .course import MAX_EPOCHS, PLOT_FLOOR, RUNNER_IDS, accuracy_text, standardise
from .fields import Field
from .fmt import readout

# Column order of sklearn/datasets/data/breast_cancer.csv (the UCI order).
_MEASURES = ("radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
             "concave points", "symmetry", "fractal dimension")
FEATURES = tuple(f"{kind} {m}" for kind in ("mean", "error", "worst") for m in _MEASURES)
# The pairs a learner can pick: the default, two more that separate well,
# one that needs many epochs from any start, one that no loss can fix.
PAIRS = (
    ("mean radius", "mean concave points"),
    ("worst radius", "worst concave points"),
    ("worst area", "worst smoothness"),
    ("mean texture", "mean perimeter"),
    ("mean smoothness", "mean symmetry"),
)
LAB_FEATURES = tuple(dict.fromkeys(f for pair in PAIRS for f in pair))
RUNNERS = ("ce", "mse")
RUNNER_DASHES = ("solid", "dashed", "dashdot")  # each runner's line in every figure: colour is never the only cue
# The lab's part of the page state: a change to any of these starts its course over.
FIELDS = (
    Field("lp", "lab_pair", "choice", 0, choices=tuple(" + ".join(p) for p in PAIRS),
          names=tuple("+".join(f.replace(" ", "-") for f in p) for p in PAIRS)),
    Field("ls", "lab_s", "number", 4.0, lo=0.0, hi=10.0, what="a confidence s"),
    Field("llr", "lab_lr", "number", 1.0, lo=0.01, hi=10.0, what="a learning rate"),
)


def parse_wdbc(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The scikit-learn copy of the table → (features n×30, malignant n as 0.0/1.0).

    Its first line is "569,30,malignant,benign"; then 30 numbers and the
    class, 0 for malignant, per row.
    """
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    n, d = (int(v) for v in lines[0].split(",")[:2])
    rows = np.array([[float(v) for v in ln.split(",")] for ln in lines[1:]])
    if rows.shape != (n, d + 1) or d != len(FEATURES):
        raise ValueError(f"expected {n} rows of {d + 1} values, got {rows.shape}")
    return rows[:, :d], (rows[:, d] == 0).astype(float)


def reduce_table(x: np.ndarray, malignant: np.ndarray) -> dict:
    """What the page needs of the table: the features of PAIRS and the labels, as lists."""
    return {"features": {f: x[:, FEATURES.index(f)].tolist() for f in LAB_FEATURES},
            "malignant": [int(v) for v in malignant]}


def pair_data(table: dict, pair: int) -> tuple[np.ndarray, np.ndarray]:
    """(standardised n×2 features of PAIRS[pair], labels) from a reduced table."""
    f1, f2 = PAIRS[pair]
    x2 = np.column_stack([table["features"][f1], table["features"][f2]])
    return standardise(x2), np.asarray(table["malignant"], dtype=float)


def start_theta(s: float) -> np.ndarray:
    """Both runners' start, w = (−s, −s), b = 0: bigger tumours called benign."""
    return np.array([[-s, -s], [-s, -s], [0.0, 0.0]])


def epoch_stats(a: np.ndarray, y: np.ndarray, theta: np.ndarray) -> dict:
    """For both runners at θ (3×2): accuracy, the gradient of each one's own
    mean loss, and its norm. a is the n×3 design matrix (x₁, x₂, 1), y the
    labels (0.0/1.0). The hot loop of a course: as few array operations as
    the maths allows (each costs microseconds in the browser).
    """
    z = a @ theta
    p, q = maths.sigmoid_pair(z)
    y1 = (y == 1)[:, None]
    dz = np.where(y1, -q, p)  # p − y, without cancellation (see maths)
    slope = p * q             # σ′(z) = p(1 − p), for MSE's factor 2(p − y)·p(1 − p)
    slope *= 2.0
    slope[:, 0] = 1.0         # CE's factor is p − y itself
    dz *= slope               # ∂loss/∂z per tumour, both runners
    grad = a.T @ dz / len(y)
    return {
        "accuracy": np.mean((p >= 0.5) == y1, axis=0),
        "grad": grad,
        "grad_norm": np.sqrt(np.sum(grad * grad, axis=0)),
    }


def mean_losses(a: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Each runner's own mean loss at θ: (mean CE of runner 0, mean MSE of runner 1)."""
    z = a @ theta
    p, q = maths.sigmoid_pair(z)
    ce, _ = maths.cross_entropy(z[:, 0], y, p[:, 0])
    err = np.where(y == 1, q[:, 1], p[:, 1])
    return np.array([ce.mean(), np.mean(err * err)])


def own_stats(loss, a: np.ndarray, y: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Your loss's runner at θ (3): (∇θ mean ℓ = mean(∂ℓ/∂z · (x₁, x₂, 1)), accuracy, |∇θ|).

    Where ∂ℓ/∂z is not finite for some tumour the runner cannot move: its
    gradient is taken as 0 (it stays where it is), never NaN."""
    z = a @ theta
    _, d = owneval.evaluate(loss, z, y)
    with np.errstate(all="ignore"):  # a non-finite ∂ℓ/∂z is expected here, and handled below
        grad = a.T @ d / len(y)
    if not np.all(np.isfinite(grad)):
        grad = np.zeros(3)
    acc = float(np.mean((maths.sigmoid_pair(z)[0] >= 0.5) == (y == 1)))
    return grad, acc, float(np.sqrt(grad @ grad))


def design(x2: np.ndarray) -> np.ndarray:
    return np.column_stack([x2, np.ones(len(x2))])


class Course(shared.Course):
    """Both runners' whole training (and your loss's, when given), epoch 0 to
    `epochs`: row k of each history holds the state after k updates."""

    def __init__(self, x2: np.ndarray, y: np.ndarray, s: float, lr: float, epochs: int = MAX_EPOCHS, own=None):
        super().__init__(RUNNERS, epochs, own)
        self.a = design(np.asarray(x2, dtype=float))
        self.y = np.asarray(y, dtype=float)
        self.lr = float(lr)
        n = len(self.runners)
        self.theta = np.empty((self.epochs + 1, 3, n))
        self.theta[0] = start_theta(float(s))[:, :1]
        self.accuracy = np.empty((self.epochs + 1, n))
        self.grad_norm = np.empty((self.epochs + 1, n))

    def _epoch(self, k: int) -> np.ndarray:
        st = epoch_stats(self.a, self.y, self.theta[k][:, :2])
        self.accuracy[k, :2], self.grad_norm[k, :2] = st["accuracy"], st["grad_norm"]
        grad = st["grad"]
        if self.own is not None:
            g, self.accuracy[k, 2], self.grad_norm[k, 2] = own_stats(self.own, self.a, self.y, self.theta[k][:, 2])
            grad = np.column_stack([grad, g])
        if k < self.epochs:
            self.theta[k + 1] = self.theta[k] - self.lr * grad
        return self.accuracy[k]

    def loss(self, k: int) -> np.ndarray:
        """Each runner's own mean loss after k updates (computed when shown, not every epoch)."""
        out = mean_losses(self.a, self.y, self.theta[k][:, :2])
        if self.own is None:
            return out
        with np.errstate(all="ignore"):
            v, _ = owneval.evaluate(self.own, self.a @ self.theta[k][:, 2], self.y)
            return np.append(out, float(np.mean(v)))


def half_plane(theta: np.ndarray, box: tuple[float, float, float, float]) -> dict:
    """Where one runner says "malignant" (w₁x₁ + w₂x₂ + b ≥ 0) inside the plot box.

    Returns the region as a polygon (xs, ys; empty if none of the box) and
    the decision boundary as the segment where it crosses the box (empty if
    the boundary misses the box). Clipping the box's corners by the line
    needs no division by a tiny weight, so any θ gives finite points.
    """
    x0, x1, y0, y1 = box
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    w1, w2, b = (float(v) for v in theta)
    f = [w1 * cx + w2 * cy + b for cx, cy in corners]
    poly, cut = [], []
    for i in range(4):
        j = (i + 1) % 4
        if f[i] >= 0:
            poly.append(corners[i])
        if (f[i] >= 0) != (f[j] >= 0):
            t = f[i] / (f[i] - f[j])
            (ax, ay), (bx, by) = corners[i], corners[j]
            pt = (ax + t * (bx - ax), ay + t * (by - ay))
            poly.append(pt)
            cut.append(pt)
    return {"xs": [p[0] for p in poly], "ys": [p[1] for p in poly],
            "line_x": [p[0] for p in cut], "line_y": [p[1] for p in cut]}


def plot_box(x2: np.ndarray) -> tuple[float, float, float, float]:
    """The data plot's ranges: every tumour inside, with a small margin."""
    return shared.plot_box(x2, 0.06)


def history_rows(course: Course, start: int, stop: int) -> dict:
    """Rows start..stop−1 of both runners' history, as the lab's plots take them."""
    g = np.maximum(course.grad_norm[start:stop], PLOT_FLOOR)
    a = course.accuracy[start:stop]
    own = course.own is not None  # without one, its columns are gaps (the figure always has them)
    none = [None] * (stop - start)
    return {"epoch": list(range(start, stop)), "gnorm_ce": g[:, 0].tolist(), "gnorm_mse": g[:, 1].tolist(),
            "acc_ce": a[:, 0].tolist(), "acc_mse": a[:, 1].tolist(),
            "gnorm_own": g[:, 2].tolist() if own else none, "acc_own": a[:, 2].tolist() if own else none}


def grad_range(course: Course, shown: int) -> tuple[float, float]:
    """The log axis of the gradient plot for epochs 0..shown−1: a decade
    beyond the extremes, with a fixed top, so it only ever widens downwards."""
    g = np.maximum(course.grad_norm[:shown], PLOT_FLOOR)
    return float(10.0 ** np.floor(np.log10(g.min()) - 0.5)), 10.0


def runner_rows(course: Course, k: int, box) -> dict:
    """Both runners' "malignant" regions (xs, ys) and boundaries (line_xs,
    line_ys) at epoch k, one row per runner in RUNNERS order: one source and
    one renderer each for both runners, so a frame updates two renderers, not four."""
    parts = [half_plane(course.theta[k][:, i], box) for i in range(len(course.runners))]
    return {"runner": list(course.runners), "dash": list(RUNNER_DASHES[:len(course.runners)]),
            "xs": [p["xs"] for p in parts], "ys": [p["ys"] for p in parts],
            "line_xs": [p["line_x"] for p in parts], "line_ys": [p["line_y"] for p in parts]}


def now_rows(course: Course, k: int) -> dict:
    """Both runners at epoch k, one row per runner in RUNNERS order (the history plots' markers)."""
    n = len(course.runners)
    return {"runner": list(course.runners), "epoch": [k] * n, "gnorm": np.maximum(course.grad_norm[k], PLOT_FLOOR).tolist(),
            "acc": course.accuracy[k].tolist()}


def readouts(course: Course, k: int) -> dict:
    """The lab's numbers at epoch k, by element id, as (text, value)."""
    out = {"labEpoch": (f"{k:,}", float(k))}
    losses = course.loss(k)
    for i, r in enumerate(RUNNER_IDS[:len(course.runners)]):
        acc, loss, g = float(course.accuracy[k, i]), float(losses[i]), float(course.grad_norm[k, i])
        out[f"labAcc{r}"] = (accuracy_text(acc), acc)
        out[f"labLoss{r}"] = (readout(loss), loss)
        out[f"labGrad{r}"] = (readout(g), g)
    return out

