"""The three-class panel's maths (SPEC §15): softmax and categorical
cross-entropy next to MSE for one example, and a softmax regression trained
from a confidently wrong start on both losses in lockstep.

Plain numpy, no browser imports. Every function takes logits with the
classes on the last axis and the true class as an integer index, so one
example, 300 points and both runners' 300 points are the same call.
"""
from __future__ import annotations

import numpy as np

from . import course as shared
from .course import MAX_EPOCHS, RUNNER_IDS, accuracy_text, standardise
from .fields import Field
from .fmt import readout
from .maths import EPS

CLASSES = 3
Z_SLIDER = 10.0   # the sliders' range, ±
Z_TYPED = 50.0    # what the number fields (and a link) take, ±
S_MAX = 10.0
N_PER_CLASS = 100
RUNNERS = ("ce", "mse")
MAP_SIZE = 40     # the class maps' grid, per side
# Class c's centre is at angle θ_c; the bad start points each class's weights the opposite way.
THETA = np.pi / 2 + 2 * np.pi * np.arange(CLASSES) / CLASSES

FIELDS = (
    Field("sz1", "sm_z1", "number", 2.0, lo=-Z_TYPED, hi=Z_TYPED, what="a logit"),
    Field("sz2", "sm_z2", "number", 1.0, lo=-Z_TYPED, hi=Z_TYPED, what="a logit"),
    Field("sz3", "sm_z3", "number", 0.1, lo=-Z_TYPED, hi=Z_TYPED, what="a logit"),
    Field("sy", "sm_y", "choice", 0, choices=("1", "2", "3")),
    Field("ss", "sm_s", "number", 4.0, lo=0.0, hi=S_MAX, what="a strength"),
    Field("slr", "sm_lr", "number", 1.0, lo=0.01, hi=10.0, what="a learning rate"),
)
Z_ATTRS = ("sm_z1", "sm_z2", "sm_z3")


def softmax(z: np.ndarray) -> np.ndarray:
    """p = softmax(z) along the last axis; exp is only taken of z − max z ≤ 0, so it cannot overflow."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def evaluate(z, k) -> dict:
    """Both losses and both gradients for logits z (…, C) and true classes k (…).

    Nothing is a difference of nearly equal numbers: 1 − p_k is the sum of
    the other classes' p (`rest`), p_i − p_j comes from expm1 of z_i − z_j,
    and the MSE gradient is written so that every sum in it has terms of one
    sign, except one term per class that carries its sign exactly.
    """
    z = np.asarray(z, dtype=float)
    k = np.broadcast_to(np.asarray(k), z.shape[:-1])
    c = z.shape[-1]
    true = np.arange(c) == k[..., None]
    p = softmax(z)
    other = np.where(true, 0.0, p)
    rest = other.sum(axis=-1)                     # 1 − p_k
    p_k = np.where(true, p, 0.0).sum(axis=-1)
    # p_i − p_j for every pair, from whichever of the two is larger, times (1 − e^−|z_i − z_j|)
    d = z[..., :, None] - z[..., None, :]
    shrink = np.expm1(-np.abs(d))
    gap = np.where(d >= 0, -p[..., :, None] * shrink, p[..., None, :] * shrink)
    d = np.where(true, z, 0.0).sum(axis=-1)[..., None] - z          # z_k − z_j
    # CE = ln Σ_j e^(z_j − z_k), a log-sum-exp of d_j = z_j − z_k whose largest term is e^0 or more.
    top = np.argmax(-d, axis=-1)[..., None]
    lift = np.take_along_axis(-d, top, axis=-1)
    small = np.where(np.arange(c) == top, 0.0, np.exp(-d - lift))   # the largest term, e^0, is the 1 of log1p
    ce = lift[..., 0] + np.log1p(np.sum(small, axis=-1))
    ce = np.where(p_k < EPS, -np.log(EPS), np.where(rest < EPS, -np.log1p(-EPS), ce))
    mse = rest * rest + np.sum(other * other, axis=-1)
    gce = np.where(true, -rest[..., None], p)
    # ∂MSE/∂z_i = 2 p_i [(p_i − y_i) − S] with S = Σ_j (p_j − y_j) p_j. For the true class the
    # bracket is −Σ_{j≠k} p_j (rest + p_j), terms of one sign. For another class i, with o the
    # third class, it is 2 p_i p_k + p_o (p_i + p_k − p_o), where the larger of p_i and p_k is
    # taken from p_o first (an exact gap) and the smaller added after: what is left can only
    # cancel where the true value does.
    o = (c * (c - 1) // 2 - np.arange(c) - k[..., None]) % c      # the third class, for i ≠ k
    p_o = np.take_along_axis(p, o, axis=-1)
    gap_io = np.take_along_axis(gap, o[..., None], axis=-1)[..., 0]                 # p_i − p_o
    gap_k = np.take_along_axis(gap, np.broadcast_to(k[..., None, None], (*k.shape, 1, c)), axis=-2)[..., 0, :]
    gap_ko = np.take_along_axis(gap_k, o, axis=-1)                                   # p_k − p_o
    i_larger = p >= p_k[..., None]
    inner = np.where(i_larger, gap_io + p_k[..., None], gap_ko + p)
    bracket = np.where(true, -np.sum(other * (rest[..., None] + other), axis=-1)[..., None],
                       2.0 * p * p_k[..., None] + p_o * inner)
    gmse = 2.0 * p * bracket
    return {"p": p, "rest": rest, "ce": ce, "mse": mse, "gce": gce, "gmse": gmse,
            "clamped": (p_k < EPS) | (rest < EPS)}


def norm(g: np.ndarray) -> np.ndarray:
    """Euclidean norm along the last axis, scaled so that tiny components do not underflow when squared."""
    a = np.max(np.abs(g), axis=-1, keepdims=True)
    safe = np.where(a > 0, a, 1.0)
    return a[..., 0] * np.sqrt(np.sum((g / safe) ** 2, axis=-1))


def point(z, k: int) -> dict:
    """Every readout for one example, as Python floats (the ratio None when the MSE gradient is 0)."""
    v = evaluate(np.asarray(z, dtype=float), np.asarray(k))
    n_ce, n_mse = float(norm(v["gce"])), float(norm(v["gmse"]))
    return {"p": v["p"].tolist(), "ce": float(v["ce"]), "mse": float(v["mse"]), "gce": v["gce"].tolist(),
            "gmse": v["gmse"].tolist(), "norm_ce": n_ce, "norm_mse": n_mse,
            "ratio": n_ce / n_mse if n_mse > 0 else None, "clamped": bool(v["clamped"])}


def readouts(z, k: int, v: dict | None = None) -> dict:
    """The explorer part's numbers by element id, as (text, value); a value None shows a dash.
    `v`: point(z, k) when the caller has it already."""
    v = v or point(z, k)
    out = {}
    for j in range(CLASSES):
        out[f"smP{j + 1}"] = v["p"][j]
        out[f"smGCE{j + 1}"] = v["gce"][j]
        out[f"smGMSE{j + 1}"] = v["gmse"][j]
    out.update(smCE=v["ce"], smMSE=v["mse"], smNormCE=v["norm_ce"], smNormMSE=v["norm_mse"], smRatio=v["ratio"])
    return {key: (("—", None) if x is None else (readout(x), x)) for key, x in out.items()}


def bars_rows(z, k: int, v: dict | None = None) -> dict:
    """The sm_bars source: per class, p and the one-hot y, and both gradients' components.
    `v`: point(z, k) when the caller has it already."""
    v = v or point(z, k)
    return {"cls": [f"class {j + 1}" for j in range(CLASSES)], "p": v["p"],
            "y": [1.0 if j == k else 0.0 for j in range(CLASSES)], "gce": v["gce"], "gmse": v["gmse"]}


# -- training ---------------------------------------------------------------

def dataset() -> tuple[np.ndarray, np.ndarray]:
    """300 points, 100 per class around 2.5·(cos θ_c, sin θ_c), class by class from a generator
    seeded 0, columns standardised: (points 300×2, classes 0..2)."""
    rng = np.random.default_rng(0)
    x = np.empty((CLASSES * N_PER_CLASS, 2))
    for c in range(CLASSES):
        centre = 2.5 * np.array([np.cos(THETA[c]), np.sin(THETA[c])])
        for i in range(N_PER_CLASS):
            x[c * N_PER_CLASS + i] = centre + rng.normal(0, 1, 2)
    return standardise(x), np.repeat(np.arange(CLASSES), N_PER_CLASS)


def start_weights(s: float) -> tuple[np.ndarray, np.ndarray]:
    """The confidently wrong start: class c's column of W points away from its centre, with strength s."""
    return -float(s) * np.vstack([np.cos(THETA), np.sin(THETA)]), np.zeros(CLASSES)


class Course(shared.Course):
    """Both runners from the same start, epoch 0 to `epochs`: the whole history is kept (it is small)."""

    def __init__(self, x: np.ndarray, k: np.ndarray, s: float, lr: float, epochs: int = MAX_EPOCHS):
        super().__init__(RUNNERS, epochs)
        self.x, self.k, self.lr = x, k, float(lr)
        w, b = start_weights(s)
        self.w = np.stack([w, w])           # (runner, 2, C)
        self.b = np.stack([b, b])[:, None]  # (runner, 1, C)
        self.accuracy = np.empty((self.epochs + 1, 2))
        self.loss = np.empty((self.epochs + 1, 2))
        self.weights = np.empty((self.epochs + 1, 2, 3, CLASSES))  # W's rows, then b

    def _epoch(self, n: int) -> np.ndarray:
        z = self.x @ self.w + self.b
        v = evaluate(z, self.k)
        acc = np.mean(np.argmax(v["p"], axis=-1) == self.k, axis=-1)
        self.accuracy[n] = acc
        self.loss[n] = [v["ce"][0].mean(), v["mse"][1].mean()]
        self.weights[n] = np.concatenate([self.w, self.b], axis=1)
        if n < self.epochs:
            dz = np.stack([v["gce"][0], v["gmse"][1]]) / len(self.k)
            self.w -= self.lr * (np.swapaxes(self.x, 0, 1) @ dz)
            self.b -= self.lr * dz.sum(axis=1, keepdims=True)
        return acc


def map_box(x: np.ndarray) -> tuple[float, float, float, float]:
    return shared.plot_box(x, 0.08)


def map_grid(box, size: int = MAP_SIZE) -> np.ndarray:
    return shared.grid_cells(box, size)


def class_map(course: Course, grid: np.ndarray, runner: int, n: int, size: int = MAP_SIZE) -> np.ndarray:
    """The class runner predicts in each grid cell at epoch n (0..C−1), as an image (size, size)."""
    wb = course.weights[n, runner]
    return np.argmax(grid @ wb[:2] + wb[2], axis=-1).astype(float).reshape(size, size)


def numbers(course: Course, n: int) -> dict:
    """The training part's numbers at epoch n, by element id, as (text, value)."""
    out = {"smEpoch": (f"{n:,}", float(n))}
    for i, r in enumerate(RUNNER_IDS[:2]):
        acc, loss = float(course.accuracy[n, i]), float(course.loss[n, i])
        out[f"smAcc{r}"] = (accuracy_text(acc), acc)
        out[f"smLoss{r}"] = (readout(loss), loss)
    return out


def history_rows(course: Course, start: int, stop: int) -> dict:
    a = course.accuracy[start:stop]
    return {"epoch": list(range(start, stop)), "acc_ce": a[:, 0].tolist(), "acc_mse": a[:, 1].tolist()}


def now_rows(course: Course, n: int) -> dict:
    return {"runner": list(RUNNERS), "epoch": [n, n], "acc": course.accuracy[n].tolist()}


def points_rows(x: np.ndarray, k: np.ndarray) -> dict:
    return {"x1": x[:, 0].tolist(), "x2": x[:, 1].tolist(), "label": [str(c + 1) for c in k.tolist()]}
