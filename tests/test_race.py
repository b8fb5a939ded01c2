"""The training race as data (CPython): counts fixed by the maths alone."""
from __future__ import annotations

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
