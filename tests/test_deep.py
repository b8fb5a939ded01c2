"""The depth panel's maths (SPEC §12) against the spec's reference numbers,
an independent forward pass differentiated by finite differences, and the
spec's own construction of the data."""
from __future__ import annotations

import math

import numpy as np
import pytest
from explorer import course as course_mod
from explorer import deep, network, ownloss
from explorer.fmt import readout

DATA = deep.datasets()


def course(act="sigmoid", depth=3, data="circle", lr=1.0, seed=1, epochs=deep.MAX_EPOCHS) -> deep.Course:
    x, y = DATA[data]
    c = deep.Course(x, y, depth, act, lr, seed, epochs)
    c.advance(epochs + 1)
    return c


@pytest.mark.parametrize("act,depth,ce,mse", [
    ("sigmoid", 1, 204, 397), ("sigmoid", 2, 673, 1337), ("sigmoid", 3, -1, -1), ("relu", 3, 9, 15),
    ("tanh", 3, 25, 46),
])
def test_the_specs_epoch_counts(act, depth, ce, mse):
    assert course(act, depth).first_at_target == [ce, mse]


def test_the_specs_first_layer_gradient_at_the_start():
    c = course(epochs=0)
    first, last = c.grad_norm[0, 0, 0], c.grad_norm[0, -1, 0]
    assert f"{first:.2e}" == "6.68e-05" and f"{last:.2e}" == "2.64e-02"
    assert round(last / first) == 395
    assert deep.headline(c, 0).startswith("At epoch 0, cross-entropy: the first layer learns 395.5× slower")


def test_the_data_follow_the_specs_construction():
    """Written out from the spec's text: one generator seeded 0, circle first, then xor."""
    rng = np.random.default_rng(0)
    r = np.concatenate([rng.uniform(0, 2.5, 100), rng.uniform(3.5, 5, 100)])
    a = rng.uniform(0, 2 * math.pi, 200)
    circle = np.stack([r * np.cos(a), r * np.sin(a)], axis=1)
    x = rng.uniform(-5, 5, (200, 2))
    x += 0.3 * np.sign(x)
    for name, raw, labels in (("circle", circle, np.r_[np.ones(100), np.zeros(100)]),
                              ("xor", x, (x[:, 0] * x[:, 1] > 0) * 1.0)):
        pts, y = DATA[name]
        mean, sd = raw.mean(axis=0), np.sqrt(((raw - raw.mean(axis=0)) ** 2).mean(axis=0))
        np.testing.assert_allclose(pts, (raw - mean) / sd, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(y, labels)
        np.testing.assert_allclose(pts.mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(pts.std(axis=0), 1, atol=1e-12)


def test_the_start_follows_the_spec():
    for act, g in (("sigmoid", 1.0), ("tanh", 1.0), ("relu", 2.0)):
        rng = np.random.default_rng(7)
        ws = deep.start_weights(7, 2, act)
        assert [w.shape for w in ws] == [(2, 8), (8, 8), (8, 1)]
        for w in ws:
            np.testing.assert_array_equal(w, rng.normal(0.0, math.sqrt(g / w.shape[0]), size=w.shape))


def reference_losses(ws, bs, x, y, act):
    """A second forward pass, written plainly: (mean CE, mean MSE) for one set of weights."""
    f = {"sigmoid": lambda u: 1 / (1 + np.exp(-u)), "tanh": np.tanh, "relu": lambda u: np.where(u > 0, u, 0.0)}[act]
    h = x
    for w, b in zip(ws[:-1], bs[:-1]):
        h = f(h @ w + b)
    p = 1 / (1 + np.exp(-(h @ ws[-1] + bs[-1])[:, 0]))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), np.mean((p - y) ** 2)


@pytest.mark.parametrize("data", deep.DATASETS)
def test_the_table_shows_each_weight_matrixs_gradient_norm(data):
    """What the page's table shows for an epoch: the Frobenius norms of that epoch's gradients
    (the gradients themselves are checked against finite differences in test_network.py)."""
    x, y = DATA[data]
    c = deep.Course(x, y, 3, "tanh", 0.5, 5, epochs=30)
    c.advance(20)
    grads, _, _, _ = c.gradients()
    c.advance(1)
    for runner in (0, 1):
        for layer in range(c.layers):
            assert c.grad_norm[20, layer, runner] == pytest.approx(np.linalg.norm(grads["ws"][layer][runner]),
                                                                   rel=1e-12, abs=0)


def test_mean_losses_are_the_pages_definitions():
    x, y = DATA["xor"]
    c = deep.Course(x, y, 2, "tanh", 1.0, 3, epochs=5)
    ce, mse = reference_losses([w[0] for w in c.params.ws], [b[0, 0] for b in c.params.bs], x, y, "tanh")
    c.advance(1)
    assert c.loss[0] == pytest.approx([ce, mse], rel=1e-12, abs=0)
    assert c.accuracy[0, 0] == c.accuracy[0, 1]  # same start, same predictions


@pytest.mark.parametrize("act,depth,lr,seed,data", [
    ("relu", 6, 10.0, 1, "circle"), ("relu", 6, 10.0, 999, "xor"), ("sigmoid", 6, 0.01, 1, "circle"),
    ("sigmoid", 6, 10.0, 2, "xor"), ("tanh", 6, 10.0, 999, "circle"), ("tanh", 1, 0.01, 1, "xor"),
])
def test_nothing_the_controls_allow_gives_nan_or_infinity(act, depth, lr, seed, data):
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # not even an overflow on the way
        c = course(act, depth, data, lr, seed)
        box = deep.map_box(DATA[data][0])
        maps = [deep.map_probabilities(c, deep.map_grid(box), r) for r in range(len(c.runners))]
    for arr in (c.accuracy, c.loss, c.grad_norm, *maps, *c.params.ws, *c.params.bs):
        assert np.all(np.isfinite(arr))
    for k in (0, deep.MAX_EPOCHS):
        texts = [t for t, _ in deep.readouts(c, k).values()] + [deep.headline(c, k)]
        assert not any(bad in t.lower() for t in texts for bad in ("nan", "inf"))
    lo, hi = deep.layer_range(c, deep.MAX_EPOCHS)
    rows = deep.layer_rows(c, deep.MAX_EPOCHS)
    assert all(lo <= v <= hi for v in rows["ce"] + rows["mse"])


def test_a_layer_without_gradient_is_said_plainly():
    assert deep.slowdown([0.0, 1e-3]) is None
    assert deep.slowdown([1e-5, 1e-3]) == pytest.approx(100.0)
    assert deep.times(100.0) == f"{readout(100.0)}× slower" and deep.times(0.5) == "2.000× faster"


def test_counts_are_revealed_only_once_shown():
    c = course("relu", 3)
    assert c.revealed(0, 8) is None and c.revealed(0, 9) == 9
    assert course("sigmoid", 3).revealed(1, 1999) is None and course("sigmoid", 3).revealed(1, 2000) == -1
    assert course_mod.count_text(-1) == "not within 2,000" and course_mod.count_text(9) == "9 epochs"


@pytest.mark.parametrize("preset,column,want", [("cross-entropy", 0, 9), ("MSE", 1, 15)])
def test_your_loss_backpropagates_like_the_built_in_runner(preset, column, want):
    """SPEC §11: the typed losses train the network exactly as the built-in runners do (SPEC §12's 9 and 15)."""
    from explorer import ownloss
    x, y = DATA["circle"]
    c = deep.Course(x, y, 3, "relu", 1.0, 1, own=ownloss.parse(ownloss.PRESETS[preset]))
    c.advance(deep.MAX_EPOCHS + 1)
    assert c.first_at_target == [9, 15, want]
    for w in c.params.ws:
        np.testing.assert_allclose(w[2], w[column], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(c.grad_norm[:, :, 2], c.grad_norm[:, :, column], rtol=1e-9, atol=1e-15)
    assert "your loss: the first layer" in deep.headline(c, 0)
    assert len(deep.layer_rows(c, 0)["own"]) == 4 and deep.history_rows(c, 0, 3)["acc_own"][0] == c.accuracy[0, 2]


def test_without_your_loss_its_columns_are_gaps():
    c = course(epochs=3)
    assert deep.layer_rows(c, 0)["own"] == [None] * 4 and deep.history_rows(c, 0, 2)["acc_own"] == [None, None]


@pytest.mark.parametrize("act", deep.ACTIVATIONS)
def test_each_map_is_its_runners_p_over_the_grid(act):
    """The maps' cheaper σ (through tanh) against a plain forward pass with σ = 1/(1 + e^−u), point by point."""
    own = ownloss.parse("(p - y)**2 + 0.1*softplus(-z)")
    c = deep.Course(*DATA["circle"], 3, act, 1.0, 5, own=own)
    c.advance(40)
    box = deep.map_box(DATA["circle"][0])
    grid = deep.map_grid(box)
    assert grid.shape == (deep.MAP_SIZE ** 2, 2)
    for r in range(3):
        h = grid
        for w, b in zip(c.params.ws[:-1], c.params.bs[:-1]):
            u = h @ w[r] + b[r]
            h = {"sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)), "tanh": np.tanh,
                 "relu": lambda v: np.where(v > 0, v, 0.0), "leaky": lambda v: np.where(v > 0, v, 0.01 * v)}[act](u)
        want = 1.0 / (1.0 + np.exp(-(h @ c.params.ws[-1][r] + c.params.bs[-1][r])[:, 0]))
        got = deep.map_probabilities(c, grid, r)
        assert got.shape == (deep.MAP_SIZE, deep.MAP_SIZE)
        assert np.max(np.abs(got.ravel() - want)) < 1e-12
    # the runners differ after 40 epochs, so a map drawn from the wrong runner fails above
    assert np.max(np.abs(deep.map_probabilities(c, grid, 0) - deep.map_probabilities(c, grid, 1))) > 1e-6


@pytest.mark.parametrize("act", deep.ACTIVATIONS)
def test_each_activations_slope_from_its_output_is_its_derivative(act):
    """The table of activations (value, slope from the output) against central differences."""
    assert tuple(network.ACTIVATION_PAIRS) == deep.ACTIVATIONS
    u = np.array([-6.0, -1.3, -0.2, 0.4, 2.2, 7.5])  # no kink: ReLU's 0 is left out
    h = 1e-6
    fd = (network.activate(act, u + h) - network.activate(act, u - h)) / (2 * h)
    assert network.slope(act, network.activate(act, u)) == pytest.approx(fd, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("norm", [False, True])
def test_a_map_lets_each_layers_arrays_go(norm):
    """Over the map's grid a layer's array is 150 KB; in the worker every burst of them that
    the heap cannot place grows its memory for good. Six layers' worth at once (as a forward
    pass kept for backward holds them) was a burst of megabytes."""
    import tracemalloc
    x, y = DATA["circle"]
    c = deep.Course(x, y, 6, "sigmoid", 1.0, 1, epochs=20, norm=norm, skip=True)
    c.advance(5)
    grid = deep.map_grid(deep.map_box(x))
    one = grid.shape[0] * deep.WIDTH * 8  # bytes of one layer's array over the grid
    tracemalloc.start()
    try:
        deep.map_probabilities(c, grid, 1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # measured: 9.9 arrays with batch norm, 6.0 without; with every layer kept, 20 and 12
    assert peak < (12 if norm else 8) * one
