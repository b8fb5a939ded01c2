"""The training lab as data (CPython): the table, the gradients, the counts of SPEC §9."""
from __future__ import annotations

import math

import numpy as np
import pytest
import vendor
from explorer import course as course_mod
from explorer import lab
from explorer.race import seconds_for
from hypothesis import given, settings
from hypothesis import strategies as st


@pytest.fixture(scope="module")
def table():
    x, malignant = lab.parse_wdbc((vendor.VENDOR / vendor.LAB_DATA).read_text())
    return lab.reduce_table(x, malignant)


def test_the_table_is_the_wdbc_set():
    x, malignant = lab.parse_wdbc((vendor.VENDOR / vendor.LAB_DATA).read_text())
    assert x.shape == (569, 30) and malignant.sum() == 212
    # The first tumour of the UCI file: malignant, mean radius 17.99, worst radius 25.38.
    assert malignant[0] == 1 and x[0, lab.FEATURES.index("mean radius")] == 17.99
    assert x[0, lab.FEATURES.index("worst radius")] == 25.38
    assert len(set(lab.FEATURES)) == 30 and set(lab.LAB_FEATURES) <= set(lab.FEATURES)


def test_a_malformed_table_is_refused():
    with pytest.raises(ValueError):
        lab.parse_wdbc("2,30,malignant,benign\n1,2,3\n")


def test_standardised_over_all_rows_with_the_population_sd(table):
    x2, y = lab.pair_data(table, 0)
    assert x2.shape == (569, 2) and y.sum() == 212
    assert np.allclose(x2.mean(axis=0), 0, atol=1e-12) and np.allclose(x2.std(axis=0, ddof=0), 1, rtol=1e-12)
    raw = np.array(table["features"]["mean radius"])
    assert x2[0, 0] == pytest.approx((raw[0] - raw.mean()) / raw.std())


def _mean_losses(a, y, theta, eps=1e-12):
    """Both runners' mean losses, straight from the definitions (no shared code).

    The clip (SPEC §1) applies to the logarithm only; with eps=0 this is the
    exact loss whose derivative the gradients are (at s = 4 some tumours start
    with |z| > 27.6, where the clip is active).
    """
    z = a @ theta
    p = 1.0 / (1.0 + np.exp(-z))
    ph = np.clip(p[:, 0], eps, 1 - eps)
    ce = -np.mean(y * np.log(ph) + (1 - y) * np.log(1 - ph))
    mse = np.mean((p[:, 1] - y) ** 2)
    return np.array([ce, mse])


@pytest.mark.parametrize("theta", [lab.start_theta(4.0), lab.start_theta(0.0),
                                   np.array([[1.5, -0.7], [2.0, 0.3], [-0.5, 1.1]])])
def test_gradients_match_finite_differences(table, theta):
    x2, y = lab.pair_data(table, 0)
    a = lab.design(x2)
    st_ = lab.epoch_stats(a, y, theta)
    assert np.allclose(lab.mean_losses(a, y, theta), _mean_losses(a, y, theta), rtol=1e-12)
    h = 1e-6
    for i in range(3):
        bump = np.zeros((3, 2))
        bump[i] = h
        numeric = (_mean_losses(a, y, theta + bump, 0) - _mean_losses(a, y, theta - bump, 0)) / (2 * h)
        assert np.allclose(st_["grad"][i], numeric, rtol=1e-6, atol=1e-10), i
    assert np.allclose(st_["grad_norm"], np.linalg.norm(st_["grad"], axis=0))


def independent_count(x2, y, s, lr, loss, epochs=lab.MAX_EPOCHS):
    """SPEC §9 written out plainly, one runner, one tumour at a time for the gradient."""
    w1, w2, b = -s, -s, 0.0
    for epoch in range(epochs + 1):
        p = [1 / (1 + math.exp(-(w1 * u + w2 * v + b))) for u, v in x2]
        if sum((pi >= 0.5) == (yi == 1) for pi, yi in zip(p, y)) / len(y) >= 0.9:
            return epoch
        g = [0.0, 0.0, 0.0]
        for (u, v), pi, yi in zip(x2, p, y):
            d = (pi - yi) if loss == "ce" else 2 * (pi - yi) * pi * (1 - pi)
            g[0] += d * u / len(y)
            g[1] += d * v / len(y)
            g[2] += d / len(y)
        w1, w2, b = w1 - lr * g[0], w2 - lr * g[1], b - lr * g[2]
    return -1


# SPEC §9: mean radius + mean concave points, lr = 1.
@pytest.mark.parametrize("s,ce,mse", [(4, 10, 266), (6, 14, -1)])
def test_the_numbers_of_the_spec(table, s, ce, mse):
    c = lab.Course(*lab.pair_data(table, 0), s, 1.0)
    c.advance(lab.MAX_EPOCHS + 1)
    assert c.done and c.first_at_target == [ce, mse]
    if mse < 0:  # stuck calling every tumour benign: 357 of 569 right
        assert c.accuracy[-1, 1] == pytest.approx(357 / 569)
        assert lab.readouts(c, lab.MAX_EPOCHS)["labAccMSE"][0] == "62.7 %"  # what the page shows, SPEC §9's figure


@pytest.mark.parametrize("pair,s,lr", [(0, 4.0, 1.0), (1, 6.0, 1.0), (3, 2.0, 3.0), (2, 4.0, 0.5)])
def test_counts_match_an_independent_implementation(table, pair, s, lr):
    x2, y = lab.pair_data(table, pair)
    c = lab.Course(x2, y, s, lr, epochs=400)
    c.advance(401)
    got = c.first_at_target
    for i, loss in enumerate(("ce", "mse")):
        assert got[i] == independent_count(x2.tolist(), y.tolist(), s, lr, loss, epochs=400), loss


def test_slicing_never_changes_a_course(table):
    x2, y = lab.pair_data(table, 0)
    whole = lab.Course(x2, y, 4.0, 1.0, epochs=300)
    whole.advance(1000)
    sliced = lab.Course(x2, y, 4.0, 1.0, epochs=300)
    for n in (1, 7, 3, 50, 1000):
        sliced.advance(n)
    for attr in ("theta", "accuracy", "grad_norm"):
        assert np.array_equal(getattr(whole, attr), getattr(sliced, attr)), attr
    assert whole.first_at_target == sliced.first_at_target


def test_counts_are_revealed_only_when_the_shown_epoch_reaches_them(table):
    c = lab.Course(*lab.pair_data(table, 0), 6.0, 1.0)
    c.advance(100)
    assert c.revealed(0, 13) is None and c.revealed(0, 14) == 14
    assert c.revealed(1, 99) is None  # not known yet
    c.advance(5000)
    assert c.revealed(1, 1999) is None and c.revealed(1, 2000) == -1


def test_the_text_s_gradient_ratios(table):
    """index.html: at the start the MSE gradient is 48× (s = 4) and 120× (s = 6) smaller."""
    for s, ratio in ((4.0, 48), (6.0, 120)):
        c = lab.Course(*lab.pair_data(table, 0), s, 1.0)
        c.advance(1)
        assert round(c.grad_norm[0, 0] / c.grad_norm[0, 1]) == ratio


@settings(max_examples=25, deadline=None)
@given(pair=st.integers(0, len(lab.PAIRS) - 1), s=st.floats(0, 10), lr=st.floats(0.01, 10))
def test_everything_stays_finite(table, pair, s, lr):
    c = lab.Course(*lab.pair_data(table, pair), s, lr, epochs=150)
    c.advance(200)
    for k in (0, 75, 150):
        for v in lab.readouts(c, k).values():
            assert math.isfinite(v[1]) and "nan" not in v[0].lower() and "inf" not in v[0].lower()
    for attr in ("theta", "accuracy", "grad_norm"):
        assert np.isfinite(getattr(c, attr)).all(), attr
    rows = lab.history_rows(c, 0, 151)
    assert min(rows["gnorm_ce"] + rows["gnorm_mse"]) >= lab.PLOT_FLOOR
    box = lab.plot_box(c.a[:, :2])
    rows = lab.runner_rows(c, 150, box)
    assert all(math.isfinite(v) for k in ("xs", "ys", "line_xs", "line_ys") for row in rows[k] for v in row)
    now = lab.now_rows(c, 150)
    assert all(math.isfinite(v) for k in ("epoch", "gnorm", "acc") for v in now[k])


@pytest.mark.parametrize("pair", range(len(lab.PAIRS)))
def test_the_extreme_controls_run_the_whole_course_finitely(table, pair):
    c = lab.Course(*lab.pair_data(table, pair), 10.0, 10.0)
    c.advance(lab.MAX_EPOCHS + 1)
    assert all(np.isfinite(getattr(c, a)).all() for a in ("theta", "accuracy", "grad_norm"))
    assert np.isfinite(c.loss(lab.MAX_EPOCHS)).all()
    lo, hi = lab.grad_range(c, lab.MAX_EPOCHS + 1)
    assert 0 < lo < hi and math.isfinite(lo)


BOX = (-2.0, 4.0, -1.0, 3.0)


@pytest.mark.parametrize("theta", [(-4, -4, 0), (1, 0, 0), (0, 1, -10), (0, 0, 1), (0, 0, -1), (0, 0, 0),
                                   (1e-300, -1e-300, 0), (1e12, 3e12, -5e11), (2, -3, 1)])
def test_half_plane_is_the_malignant_side_clipped_to_the_box(theta):
    r = lab.half_plane(np.array(theta, dtype=float), BOX)
    w1, w2, b = theta
    for x, y in zip(r["xs"], r["ys"]):
        assert BOX[0] - 1e-9 <= x <= BOX[1] + 1e-9 and BOX[2] - 1e-9 <= y <= BOX[3] + 1e-9
        assert w1 * x + w2 * y + b >= -1e-6 * max(1.0, abs(w1), abs(w2), abs(b))
    assert len(r["line_x"]) in (0, 2)
    inside = [w1 * cx + w2 * cy + b >= 0 for cx in BOX[:2] for cy in BOX[2:]]
    if all(inside):
        assert len(r["xs"]) == 4 and r["line_x"] == []
    elif not any(inside):
        assert r["xs"] == [] and r["line_x"] == []
    else:
        assert len(r["line_x"]) == 2 and len(r["xs"]) >= 3


def test_one_row_per_runner_for_the_figures(table):
    """The data plot and the markers draw both runners from one source: row i is RUNNERS[i]."""
    c = lab.Course(*lab.pair_data(table, 0), 4.0, 1.0)
    c.advance(30)
    box = lab.plot_box(c.a[:, :2])
    rows, now = lab.runner_rows(c, 20, box), lab.now_rows(c, 20)
    assert all(len(col) == len(lab.RUNNERS) for col in (*rows.values(), *now.values()))
    # every column, the constant ones too: a first paint for another lab state blanks them all
    assert rows["runner"] == now["runner"] == list(lab.RUNNERS) and rows["dash"] == ["solid", "dashed"]
    for i in range(len(lab.RUNNERS)):
        alone = lab.half_plane(c.theta[20][:, i], box)
        assert (rows["xs"][i], rows["ys"][i], rows["line_xs"][i], rows["line_ys"][i]) == (
            alone["xs"], alone["ys"], alone["line_x"], alone["line_y"])
        assert now["epoch"][i] == 20 and now["acc"][i] == c.accuracy[20, i]
        assert now["gnorm"][i] == lab.history_rows(c, 20, 21)[f"gnorm_{lab.RUNNERS[i]}"][0]
    # the two runners really differ by epoch 20 (the start is shared)
    assert rows["line_xs"][0] != rows["line_xs"][1]


def test_animation_schedule(table):
    epochs = [course_mod.epoch_at(t / 10) for t in range(0, 120)]
    assert epochs == sorted(epochs) and epochs[0] == 0
    assert course_mod.epoch_at(1.0) < 12  # the first epochs are slow enough to follow
    assert course_mod.epoch_at(10.0) >= lab.MAX_EPOCHS
    for k in (1, 10, 266, 2000):
        t = seconds_for(k, course_mod.epoch_at)
        assert course_mod.epoch_at(t) >= k > course_mod.epoch_at(t - 1e-6)


def test_texts():
    assert course_mod.count_text(None) == "…" and course_mod.count_text(1) == "1 epoch" and course_mod.count_text(266) == "266 epochs"
    assert course_mod.count_text(-1) == "not within 2,000"
    assert course_mod.accuracy_text(357 / 569) == "62.7 %"



# -- your loss as a third runner (SPEC §11) ------------------------------------

@pytest.mark.parametrize("s,ce,mse", [(4.0, 10, 266), (6.0, 14, -1)])
def test_the_presets_train_like_the_built_in_runners(table, s, ce, mse):
    """The spec's lab numbers, from the typed losses: ∇θ mean ℓ = mean(∂ℓ/∂z · (x₁, x₂, 1))."""
    from explorer import ownloss
    for preset, want in (("cross-entropy", ce), ("MSE", mse)):
        c = lab.Course(*lab.pair_data(table, 0), s, 1.0, own=ownloss.parse(ownloss.PRESETS[preset]))
        c.advance(lab.MAX_EPOCHS + 1)
        assert c.first_at_target == [ce, mse, want]
        column = 0 if preset == "cross-entropy" else 1  # the same course as the built-in runner's
        np.testing.assert_allclose(c.theta[:, :, 2], c.theta[:, :, column], rtol=1e-9, atol=1e-12)
        rows = lab.runner_rows(c, 50, lab.plot_box(c.a[:, :2]))
        assert rows["runner"] == ["ce", "mse", "own"] and rows["dash"] == ["solid", "dashed", "dashdot"]


def test_a_loss_that_overflows_leaves_its_runner_still_and_shows_no_nan(table):
    from explorer import ownloss
    c = lab.Course(*lab.pair_data(table, 0), 6.0, 1.0, own=ownloss.parse("exp(exp(exp(-(2*y - 1)*z)))"))
    c.advance(50)
    assert np.all(c.theta[:50, :, 2] == c.theta[0, :, 2]) and np.all(c.grad_norm[:50, 2] == 0)
    texts = [t for t, _ in lab.readouts(c, 49).values()]
    assert not any(bad in t.lower() for t in texts for bad in ("nan", "inf"))
    h = lab.history_rows(c, 0, 50)
    assert all(v is None or np.isfinite(v) for v in h["gnorm_own"] + h["acc_own"])
