"""The training race as data (CPython): counts fixed by the maths alone."""
from __future__ import annotations

import numpy as np
import pytest
from explorer import maths
from explorer.race import RUNNER_MARKERS, Race, count_text, runners_in_view, step_at


@pytest.mark.parametrize("z,y,lr,ce,mse", [
    (-5, 1, 1, 16, 119), (-8, 1, 1, 19, -1), (5, 0, 1, 16, 119), (-5, 1, 3, 5, 40), (3, 1, 1, 0, 0),
])
def test_counts_follow_spec_rule(z, y, lr, ce, mse):
    assert Race(z, y, lr).counts == {"ce": ce, "mse": mse}


def test_counts_are_revealed_only_when_the_shown_step_reaches_them():
    r = Race(-5.0, 1, 1.0)
    assert r.revealed("ce") is None
    r.go_to(16)
    assert r.revealed("ce") == 16 and r.revealed("mse") is None
    r.go_to(10_000)  # clamped to the end
    assert r.finished and r.step == maths.RACE_MAX_STEPS and r.revealed("mse") == 119
    never = Race(-8.0, 1, 1.0)
    never.go_to(999)
    assert never.revealed("mse") is None
    never.go_to(1000)
    assert never.revealed("mse") == -1


def test_runners_and_path_match_the_course():
    r = Race(-5.0, 1, 1.0)
    r.go_to(3)
    row = r.runners()
    assert row["z_ce"] == [r.course["ce"][3]] and row["gmse"] == [maths.point(r.course["mse"][3], 1)["gmse"]]
    path = r.path()
    assert list(path["step"]) == [0, 1, 2, 3] and len(path["p_mse"]) == 4


def test_animation_schedule_is_monotonic_and_ends_within_seconds():
    steps = [step_at(t / 10) for t in range(0, 100)]
    assert steps == sorted(steps) and steps[0] == 0
    assert step_at(6.0) >= maths.RACE_MAX_STEPS


def test_count_text():
    assert count_text(None) == "…" and count_text(1) == "1 update" and count_text(119) == "119 updates"
    assert count_text(-1) == "not within 1,000"


def test_runners_outside_a_frame_are_hidden_there_only():
    row = {"z_ce": [9.2], "p_ce": [0.9999], "ce": [1e-4], "gce": [1e-4],
           "z_mse": [-3.0], "p_mse": [0.047], "mse": [0.9], "gmse": [0.08]}
    assert runners_in_view(row, R=5.0, loss_top=9.0, log_floor=1e-3) == {
        "ce_runner_loss": True, "gce_runner_lin": False, "gce_runner_log": False,  # past +R
        "mse_runner_loss": True, "gmse_runner_lin": True, "gmse_runner_log": True}
    high = dict(row, ce=[12.0], z_ce=[-4.0])  # CE above the loss plot's top
    shown = runners_in_view(high, R=5.0, loss_top=9.0, log_floor=1e-3)
    assert not shown["ce_runner_loss"] and shown["gce_runner_lin"]
    assert not runners_in_view(row, R=5.0, loss_top=9.0, log_floor=0.1)["gmse_runner_log"]  # below the log axis
    assert set(shown) == set(RUNNER_MARKERS)


def test_seconds_for_inverts_the_animation_schedule():
    from explorer.race import seconds_for
    for step in (1, 5, 16, 119, 500, 1000):
        t = seconds_for(step)
        assert step_at(t) >= step and step_at(t - 1e-6) < step


# -- your loss as a third runner (SPEC §11) ------------------------------------

def own_course(text: str, z0: float, y: int = 1, lr: float = 1.0):
    import time

    from explorer import ownloss
    from explorer.race import OwnRunner
    r = OwnRunner(ownloss.parse(text), z0, y, lr)
    r.advance_to(1000, 60.0, time.perf_counter)
    return r


@pytest.mark.parametrize("z0,ce,mse", [(-5.0, 16, 119), (-8.0, 19, -1)])
def test_the_presets_for_cross_entropy_and_mse_race_like_the_built_in_runners(z0, ce, mse):
    """The spec's race numbers again, now from the typed losses through the dual-number evaluator."""
    from explorer import ownloss
    r_ce, r_mse = own_course(ownloss.PRESETS["cross-entropy"], z0), own_course(ownloss.PRESETS["MSE"], z0)
    assert (r_ce.count, r_mse.count) == (ce, mse)
    ref = maths.descend(z0, 1, 1.0)
    np.testing.assert_allclose(r_ce.z, ref["ce"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(r_mse.z, ref["mse"], rtol=1e-9, atol=1e-12)


def test_a_runner_that_stops_short_of_the_goal_and_one_whose_gradient_blows_up():
    hinge = own_course("max(0, 1 - (2*y - 1)*z)", -5.0)
    assert hinge.count == -1 and hinge.z[-1] == pytest.approx(1.0)  # parks on the margin, p ≈ 0.73
    blow = own_course("exp(exp(exp(-z)))", -5.0)  # its slope overflows at once
    assert blow.stalled_at == 1 and np.all(blow.z == -5.0) and blow.count == -1
    assert own_course("exp(-(2*y - 1)*z)", -5.0).count == 1  # AdaBoost's loss leaps there in one update


def test_the_runner_is_computed_in_chunks_within_a_budget():
    import itertools

    from explorer import ownloss
    from explorer.race import OwnRunner
    ticks = itertools.count()
    r = OwnRunner(ownloss.parse("(p - y)**2"), -5.0, 1, 1.0)
    r.advance_to(1000, 5, lambda: next(ticks))  # a clock that moves 1 per call: a few steps per budget
    assert 1 < r.computed < 10 and r.count is None and r.revealed(r.computed - 1) is None
