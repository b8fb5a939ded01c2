"""The depth panel's maths (SPEC §12, §14): a small network trained twice in
lockstep, once on cross-entropy and once on MSE, to show that cross-entropy
cures the output's vanishing gradient only, not the hidden layers'.

Plain numpy, no browser imports. Both runners are computed together: every
array carries a leading axis of length 2 (runner 0 cross-entropy, runner 1
MSE), so one epoch of both costs one set of numpy calls (each costs
microseconds in the browser, whatever its size here).
"""
from __future__ import annotations

import numpy as np

from . import course as shared
from . import maths, network, owneval
from .course import MAX_EPOCHS, PLOT_FLOOR, RUNNER_IDS, RUNNER_NAMES, accuracy_text, standardise
from .fields import Field
from .fmt import readout

N_POINTS = 200
WIDTH = 8
DEPTH_MIN, DEPTH_MAX = 1, 6
SEED_MIN, SEED_MAX = 1, 999
ACTIVATIONS = network.ACTIVATIONS
INITS = network.INITS
DATASETS = ("circle", "xor")
RUNNERS = ("ce", "mse")
MAP_SIZE = 48  # the decision map's grid, per side

# The depth panel's part of the page state.
FIELDS = (
    Field("dd", "deep_data", "choice", 0, choices=DATASETS),
    Field("dl", "deep_depth", "int", 3, lo=DEPTH_MIN, hi=DEPTH_MAX, what="a depth"),
    Field("da", "deep_act", "choice", 0, choices=ACTIVATIONS),
    Field("dlr", "deep_lr", "number", 1.0, lo=0.01, hi=10.0, what="a learning rate"),
    Field("dsd", "deep_seed", "int", 1, lo=SEED_MIN, hi=SEED_MAX, what="a seed"),
    Field("di", "deep_init", "choice", 0, choices=INITS),
    Field("dsk", "deep_skip", "flag", False),
    Field("dbn", "deep_norm", "flag", False),
)


def datasets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Both data sets, in TensorFlow Playground's construction, from one
    generator seeded 0, in the spec's order: name → (standardised 200×2 points, labels 0.0/1.0)."""
    rng = np.random.default_rng(0)
    half = N_POINTS // 2
    r = np.concatenate([rng.uniform(0, 2.5, half), rng.uniform(3.5, 5, half)])
    a = rng.uniform(0, 2 * np.pi, N_POINTS)
    circle = np.column_stack([r * np.cos(a), r * np.sin(a)])
    circle_y = np.concatenate([np.ones(half), np.zeros(half)])
    x = rng.uniform(-5, 5, (N_POINTS, 2))
    x += 0.3 * np.sign(x)
    xor_y = (x[:, 0] * x[:, 1] > 0).astype(float)
    return {"circle": (standardise(circle), circle_y), "xor": (standardise(x), xor_y)}


def layer_sizes(depth: int) -> list[int]:
    return [2, *([WIDTH] * depth), 1]


def start_weights(seed: int, depth: int, act: str, init: str = "fan-in") -> list[np.ndarray]:
    """The seeded start (SPEC §12, §14), input side first."""
    return network.start_weights(seed, layer_sizes(depth), act, init)


def output_grad(z: np.ndarray, y: np.ndarray, own=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(p, ∂ mean loss/∂z per point for each runner, accuracy): (p − y)/n for
    cross-entropy, 2(p − y)p(1 − p)/n for MSE, ∂ℓ/∂z / n for your loss (runner
    2, when given: 0 where it is not finite, so that runner stays put there);
    p − y without cancellation."""
    p, q = maths.sigmoid_pair(z)
    diff = np.where(y == 1, -q, p)
    dz = diff / len(y)
    dz[1] *= 2.0 * p[1] * q[1]
    if own is not None:
        _, d = owneval.evaluate(own, z[2], y)
        dz[2] = np.where(np.isfinite(d), d, 0.0) / len(y)
    return p, dz, np.mean((p >= 0.5) == (y == 1), axis=1)


def mean_losses(p: np.ndarray, z: np.ndarray, y: np.ndarray, own=None) -> np.ndarray:
    """(mean cross-entropy of runner 0, mean squared error of runner 1[, mean ℓ of runner 2]), the page's definitions."""
    ce, _ = maths.cross_entropy(z[0], y, p[0])
    err = p[1] - y
    out = [ce.mean(), np.mean(err * err)]
    if own is not None:
        v, _ = owneval.evaluate(own, z[2], y)
        with np.errstate(all="ignore"):
            out.append(float(np.mean(v)))
    return np.array(out)


class Course(shared.Course):
    """Both runners' training (and your loss's, when given), epoch 0 to `epochs`.

    Only the current parameters are kept; the history holds, per epoch k (the
    state after k updates), each runner's accuracy, mean loss and per-layer
    gradient norms (of the weight matrices: γ and β are not in the table).
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, depth: int, act: str, lr: float, seed: int,
                 epochs: int = MAX_EPOCHS, own=None, init: str = "fan-in", skip: bool = False, norm: bool = False):
        super().__init__(RUNNERS, epochs, own)  # your loss backpropagates its ∂ℓ/∂z
        self.x, self.y, self.act, self.lr = x, y, act, float(lr)
        self.shape = network.Shape(tuple(layer_sizes(depth)), act, skip, norm)
        self.params = network.Params(start_weights(seed, depth, act, init), len(self.runners))
        n = len(self.runners)
        self.layers = depth + 1
        self.accuracy = np.empty((self.epochs + 1, n))
        self.loss = np.empty((self.epochs + 1, n))
        self.grad_norm = np.empty((self.epochs + 1, self.layers, n))

    def gradients(self) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray]:
        """(every parameter's gradient, p, z, accuracy) at the current parameters."""
        cache, h, z = network.forward(self.shape, self.params, self.x)
        p, dz, acc = output_grad(z, self.y, self.own)
        return network.backward(self.shape, self.params, cache, h, dz), p, z, acc

    def _epoch(self, k: int) -> np.ndarray:
        grads, p, z, acc = self.gradients()
        self.accuracy[k] = acc
        self.loss[k] = mean_losses(p, z, self.y, self.own)
        self.grad_norm[k] = [np.sqrt(np.sum(g * g, axis=(1, 2))) for g in grads["ws"]]
        if k < self.epochs:
            network.step(self.params, grads, self.lr)
        return acc


def map_box(x: np.ndarray) -> tuple[float, float, float, float]:
    return shared.plot_box(x, 0.08)


def map_grid(box, size: int = MAP_SIZE) -> np.ndarray:
    return shared.grid_cells(box, size)


def map_probabilities(course: Course, grid: np.ndarray, runner: int, size: int = MAP_SIZE) -> np.ndarray:
    """One runner's p over the grid, (size, size), by the course's own forward pass; with batch
    norm, normalised by the training set's statistics at the current parameters."""
    params = course.params.runner(runner)
    stats = None
    if course.shape.norm:
        cache, _, _ = network.forward(course.shape, params, course.x)
        stats = [layer.stats for layer in cache]
    z = network.logits(course.shape, params, grid, stats)
    return network._sigmoid(z[0]).reshape(size, size)


def layer_rows(course: Course, k: int) -> dict:
    """The gradient plot at epoch k: each weight matrix's norm, input side first, per runner."""
    g = np.maximum(course.grad_norm[k], PLOT_FLOOR)
    own = g[:, 2].tolist() if course.own is not None else [None] * course.layers
    return {"layer": list(range(1, course.layers + 1)), "ce": g[:, 0].tolist(), "mse": g[:, 1].tolist(), "own": own}


def layer_range(course: Course, k: int) -> tuple[float, float]:
    """The log axis for epochs 0..k: whole decades around every norm so far."""
    g = np.maximum(course.grad_norm[:k + 1], PLOT_FLOOR)
    return float(10.0 ** np.floor(np.log10(g.min()))), float(10.0 ** np.ceil(np.log10(g.max()) + 0.01))


def slowdown(norms) -> float | None:
    """How many times slower the first layer learns than the last (last row's norm / first row's);
    None when the first layer gets no gradient at all."""
    first, last = float(norms[0]), float(norms[-1])
    return last / first if first > 0 else None


def headline(course: Course, k: int) -> str:
    parts = []
    for i, name in enumerate(RUNNER_NAMES[:len(course.runners)]):
        f = slowdown(course.grad_norm[k, :, i])
        parts.append(f"{name}: the first layer gets no gradient at all" if f is None else
                     f"{name}: the first layer learns {times(f)} than the last")
    return f"At epoch {k:,}, " + "; ".join(parts) + "."


def times(f: float) -> str:
    if f >= 1.0:
        return f"{readout(f)}× slower"
    return f"{readout(1.0 / f)}× faster"


def readouts(course: Course, k: int) -> dict:
    """The panel's numbers at epoch k, by element id, as (text, value)."""
    out = {"deepEpoch": (f"{k:,}", float(k))}
    for i, r in enumerate(RUNNER_IDS[:len(course.runners)]):
        acc, loss = float(course.accuracy[k, i]), float(course.loss[k, i])
        out[f"deepAcc{r}"] = (accuracy_text(acc), acc)
        out[f"deepLoss{r}"] = (readout(loss), loss)
    return out


def history_rows(course: Course, start: int, stop: int) -> dict:
    a = course.accuracy[start:stop]
    own = a[:, 2].tolist() if course.own is not None else [None] * (stop - start)
    return {"epoch": list(range(start, stop)), "acc_ce": a[:, 0].tolist(), "acc_mse": a[:, 1].tolist(), "acc_own": own}


def now_rows(course: Course, k: int) -> dict:
    return {"runner": list(course.runners), "epoch": [k] * len(course.runners), "acc": course.accuracy[k].tolist()}


def points_rows(x: np.ndarray, y: np.ndarray) -> dict:
    """The deep_points source: standardised points, labels, and the label as text for marker and colour."""
    return {"x1": x[:, 0].tolist(), "x2": x[:, 1].tolist(), "y": y.tolist(),
            "label": ["1" if v else "0" for v in y]}
