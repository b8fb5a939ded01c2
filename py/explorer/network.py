"""The depth panel's network as a table of layers (SPEC §12, §14): hidden
layers of one activation, each with its own forward and backward step, and
the remedies as local changes to a layer: a start (initialisation), a skip
connection (input added to output) and batch normalisation (before the
activation, over the whole batch).

Plain numpy, no browser imports. Every array carries a leading runner axis
(cross-entropy, MSE[, your loss]): one call trains all of them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky")
INITS = ("fan-in", "glorot", "uniform", "small")
LEAK = 0.01     # the leaky ReLU's slope below 0 (and at 0)
BN_EPS = 1e-5   # batch norm: û = (u − mean) / sqrt(var + BN_EPS)


def _sigmoid(u: np.ndarray) -> np.ndarray:
    """σ: 1/(1 + e^−u) is accurate to an ulp or two everywhere; u is kept above
    −700 so e^−u cannot overflow (σ there is below 1e−304 either way)."""
    return 1.0 / (1.0 + np.exp(-np.maximum(u, -700.0)))


# Each activation as (its value at u, its slope from its output h): σ′ = h(1 − h),
# tanh′ = 1 − h², ReLU′ = [h > 0] (0 at 0), leaky′ = 1 above 0 and LEAK at or below.
ACTIVATION_PAIRS = {
    "sigmoid": (_sigmoid, lambda h: h * (1.0 - h)),
    "tanh": (np.tanh, lambda h: 1.0 - h * h),
    "relu": (lambda u: np.maximum(u, 0.0), lambda h: (h > 0.0).astype(float)),
    "leaky": (lambda u: np.where(u > 0.0, u, LEAK * u), lambda h: np.where(h > 0.0, 1.0, LEAK)),
}


def activate(act: str, u: np.ndarray) -> np.ndarray:
    return ACTIVATION_PAIRS[act][0](u)


def slope(act: str, h: np.ndarray) -> np.ndarray:
    """The activation's derivative, from its output h."""
    return ACTIVATION_PAIRS[act][1](h)


def gain(act: str) -> float:
    return 2.0 if act in ("relu", "leaky") else 1.0


def start_weights(seed: int, sizes: list[int], act: str, init: str = "fan-in") -> list[np.ndarray]:
    """One generator seeded `seed`, drawn from the input side to the output: fan-in N(0, g/fan_in),
    glorot N(0, 2/(fan_in + fan_out)), uniform U(±1/√fan_in) or small N(0, 0.01²)."""
    rng = np.random.default_rng(int(seed))
    out = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        shape = (fan_in, fan_out)
        if init == "glorot":
            w = rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape)
        elif init == "uniform":
            w = rng.uniform(-1.0 / np.sqrt(fan_in), 1.0 / np.sqrt(fan_in), size=shape)
        elif init == "small":
            w = rng.normal(0.0, 0.01, size=shape)
        else:
            w = rng.normal(0.0, np.sqrt(gain(act) / fan_in), size=shape)
        out.append(w)
    return out


@dataclass(frozen=True)
class Shape:
    """The network: layer sizes (input, hidden…, output), activation, skips, batch norm."""
    sizes: tuple[int, ...]
    act: str
    skip: bool = False
    norm: bool = False

    @property
    def hidden(self) -> int:
        return len(self.sizes) - 2

    def skips(self, layer: int) -> bool:
        """Hidden layers after the first (width → width) add their input to their output."""
        return self.skip and 0 < layer < self.hidden


class Params:
    """Every runner's parameters, stacked: W and b per layer (b unused in a normalised hidden layer),
    and γ, β per hidden layer (used only with batch norm)."""

    def __init__(self, weights: list[np.ndarray], runners: int):
        self.ws = [np.stack([w] * runners) for w in weights]
        self.bs = [np.zeros((runners, 1, w.shape[1])) for w in weights]
        self.gammas = [np.ones((runners, 1, w.shape[1])) for w in weights[:-1]]
        self.betas = [np.zeros((runners, 1, w.shape[1])) for w in weights[:-1]]

    def runner(self, r: int) -> Params:
        """One runner's parameters (views), still with a runner axis of length 1."""
        out = Params.__new__(Params)
        for name in ("ws", "bs", "gammas", "betas"):
            setattr(out, name, [a[r:r + 1] for a in getattr(self, name)])
        return out


@dataclass
class Layer:
    """What a hidden layer's backward step needs from its forward step."""
    h_in: np.ndarray           # its input
    a: np.ndarray              # its activation's output
    xhat: np.ndarray | None    # batch norm: the normalised pre-activation
    inv: np.ndarray | None     # batch norm: 1/sqrt(var + BN_EPS)
    stats: tuple | None        # batch norm: (mean, var) over the batch


def _hidden(shape: Shape, params: Params, layer: int, h: np.ndarray, stats: list | None):
    """One hidden layer's step: (its output as the next layer's input, what backward needs)."""
    u = h @ params.ws[layer]
    xhat = inv = st = None
    if shape.norm:
        st = (u.mean(axis=1, keepdims=True), u.var(axis=1, keepdims=True)) if stats is None else stats[layer]
        inv = 1.0 / np.sqrt(st[1] + BN_EPS)
        xhat = (u - st[0]) * inv
        u = params.gammas[layer] * xhat + params.betas[layer]
    else:
        u = u + params.bs[layer]
    a = activate(shape.act, u)
    return (h + a if shape.skips(layer) else a), Layer(h, a, xhat, inv, st)


def forward(shape: Shape, params: Params, x: np.ndarray, stats: list | None = None):
    """(hidden layers' caches, last hidden output, output logits (runners, n)). With batch norm
    the statistics are the batch's own, or `stats` (per hidden layer) when given (the maps)."""
    h = np.broadcast_to(x, (params.ws[0].shape[0], *x.shape))
    cache = []
    for layer in range(shape.hidden):
        h, c = _hidden(shape, params, layer, h, stats)
        cache.append(c)
    return cache, h, (h @ params.ws[-1] + params.bs[-1])[..., 0]


def logits(shape: Shape, params: Params, x: np.ndarray, stats: list | None = None) -> np.ndarray:
    """forward's output logits alone. Each layer's arrays are let go as the next is computed: over
    a decision map's grid they are 150 KB each, and keeping every layer's (as forward must, for
    backward) made each map a burst of megabytes on the worker's heap, which it only ever grows."""
    h = np.broadcast_to(x, (params.ws[0].shape[0], *x.shape))
    for layer in range(shape.hidden):
        h, _ = _hidden(shape, params, layer, h, stats)
    return (h @ params.ws[-1] + params.bs[-1])[..., 0]


def backward(shape: Shape, params: Params, cache: list, h_last: np.ndarray, dz: np.ndarray) -> dict:
    """Gradients of each runner's loss whose ∂/∂z is `dz` (runners, n): W, b per layer, γ, β per hidden layer."""
    delta = dz[..., None]
    n = shape.hidden
    gws, gbs = [None] * (n + 1), [None] * (n + 1)
    ggammas, gbetas = [None] * n, [None] * n
    gws[n] = np.swapaxes(h_last, 1, 2) @ delta
    gbs[n] = delta.sum(axis=1, keepdims=True)
    g_h = delta @ np.swapaxes(params.ws[n], 1, 2)
    for layer in range(n - 1, -1, -1):
        c = cache[layer]
        g_v = g_h * slope(shape.act, c.a)
        if shape.norm:
            ggammas[layer] = (g_v * c.xhat).sum(axis=1, keepdims=True)
            gbetas[layer] = g_v.sum(axis=1, keepdims=True)
            g_xhat = g_v * params.gammas[layer]
            g_u = c.inv * (g_xhat - g_xhat.mean(axis=1, keepdims=True)
                           - c.xhat * (g_xhat * c.xhat).mean(axis=1, keepdims=True))
            gbs[layer] = np.zeros_like(params.bs[layer])
        else:
            ggammas[layer] = np.zeros_like(params.gammas[layer])
            gbetas[layer] = np.zeros_like(params.betas[layer])
            g_u = g_v
            gbs[layer] = g_u.sum(axis=1, keepdims=True)
        gws[layer] = np.swapaxes(c.h_in, 1, 2) @ g_u
        g_prev = g_u @ np.swapaxes(params.ws[layer], 1, 2)
        g_h = g_prev + g_h if shape.skips(layer) else g_prev
    return {"ws": gws, "bs": gbs, "gammas": ggammas, "betas": gbetas}


def step(params: Params, grads: dict, lr: float) -> None:
    for name in ("ws", "bs", "gammas", "betas"):
        for p, g in zip(getattr(params, name), grads[name]):
            p -= lr * g
