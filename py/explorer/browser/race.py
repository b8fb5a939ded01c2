"""The race panel: the learning-rate field, Start / One step / Reset, the
step counts, the race plot and the runners it draws on the explorer's plots.

It owns `race_runners`, `race_path`, `race_x`, `race_target` and the
runners' visibility filters. The race itself is data (explorer.race); this
module only decides which step to show and when.
"""
from __future__ import annotations

import math

from .. import maths
from ..race import (
    OWN_RUNNER_COLUMNS,
    OWN_RUNNER_MARKERS,
    RUNNER_COLUMNS,
    RUNNER_MARKERS,
    OwnRunner,
    Race,
    count_text,
    own_in_view,
    runners_in_view,
    seconds_for,
    step_at,
)
from ..state import State, parse_lr
from .plumbing import parse_field
from .store import Change

OWN_BUDGET_S = 0.003  # your loss's runner, per frame (×8 when skipping to the end)


class RacePanel:
    def __init__(self, page, clock, store, loss_y_max: float):
        self.page, self.clock, self.store = page, clock, store
        self.el = page.elements("lr", "lrMsg", "race", "raceStep", "raceReset", "raceCE", "raceMSE", "raceStatus",
                                "raceOwn", "raceOwnRow")
        self.m = page.models("race_runners", "race_path", "race_x", "race_target", "race_own", "race_own_path",
                             "own_race_key")
        self.runner_filters = {name: page.model(f"{name}_in_view") for name in (*RUNNER_MARKERS, *OWN_RUNNER_MARKERS)}
        self.own_loss = None  # your loss (explorer.ownloss.Loss), set by the own-loss panel
        self.own: OwnRunner | None = None
        self._skip = False
        self._runner_shown: dict[str, bool] = {}
        self.loss_y_max = loss_y_max
        self._log_floor = 0.0
        self.race: Race | None = None
        self._t0: float | None = None  # animation start (ms); None when not animating
        self.before_start = lambda: None  # set by the app: a sweep and a race never run together

    @property
    def running(self) -> bool:
        return self._t0 is not None

    # -- state → view -------------------------------------------------------
    def render(self, old: State | None, new: State, change: Change) -> None:
        if old is not None and self.race is not None and (old.z, old.y, old.lr) != (new.z, new.y, new.lr):
            self.reset()
        if old is None or old.y != new.y:
            lo, hi = (1 - maths.RACE_TOL, 1.0) if new.y == 1 else (0.0, maths.RACE_TOL)
            self.m["race_target"].set(bottom=lo, top=hi)
        if old is None or old.y != new.y or old.R != new.R:
            self._log_floor = maths.log_floor(maths.grad_curves(new.y, new.R)["gmse"])
            if self.race is not None and old is not None:
                self._show_runners(self.race.runners())  # the frame moved under them
        if change.typing != "lr" and (old is None or old.lr != new.lr):
            self.el["lr"].value(f"{new.lr:g}")

    def set_own_loss(self, loss) -> None:
        """Your loss changed: it races as a third runner from the next race on."""
        self.own_loss = loss
        self.m["own_race_key"].set(visible=loss is not None)
        self.el["raceOwnRow"].hidden(loss is None)
        if self.race is not None:
            self.reset()
        else:
            self._show_own()

    def _show_own(self) -> None:
        o, r = self.own, self.race
        if o is None or r is None:
            self.m["race_own"].data({k: [] for k in OWN_RUNNER_COLUMNS})
            self.m["race_own_path"].data({"step": [], "p_own": []})
            self._count("raceOwn", None, "—")
            return
        k = min(r.step, o.computed - 1)
        row = o.row(k)
        self.m["race_own"].data(row)
        self.m["race_own_path"].data(o.path(k))
        self._filter(own_in_view(row, self.store.state.R, self.loss_y_max, self._log_floor))
        n = o.revealed(k)
        self._count("raceOwn", n, count_text(n))

    def _count(self, key: str, n: int | None, text: str) -> None:
        self.el[key].text(text)
        self.el[key].data("steps", "" if n is None else str(n))

    def _filter(self, shown: dict) -> None:
        for name, ok in shown.items():
            if self._runner_shown.get(name) != ok:
                self._runner_shown[name] = ok
                self.runner_filters[name].set(booleans=[ok])

    def show(self) -> None:
        self._show_own()
        r = self.race
        btn = self.el["race"]
        btn.text("Skip to the end" if self.running else "Start race")
        btn.toggle("running", self.running)
        self.page.root("race", "running" if self.running else (
            "idle" if r is None else ("done" if r.finished else "paused")))
        if r is None:
            self.m["race_runners"].data({k: [] for k in RUNNER_COLUMNS})
            self.m["race_path"].data({"step": [], "p_ce": [], "p_mse": []})
            self.m["race_x"].set(end=20.0)
            for key in ("raceCE", "raceMSE"):
                self._count(key, None, "—")
            return
        row = r.runners()
        self.m["race_runners"].data(row)
        self._show_runners(row)
        self.m["race_path"].data(r.path())
        self.m["race_x"].set(end=float(max(20, math.ceil(r.step * 1.1))))
        for key, runner in (("raceCE", "ce"), ("raceMSE", "mse")):
            n = r.revealed(runner)
            self._count(key, n, count_text(n))
        if r.finished and not self.running:
            own = f", your loss {count_text(self.own.count)}" if self.own is not None else ""
            self.el["raceStatus"].text(
                f"Race from z = {r.z0:.2f}: cross-entropy {count_text(r.counts['ce'])}, "
                f"MSE {count_text(r.counts['mse'])}{own}.")

    def _show_runners(self, row: dict) -> None:
        """Runners are drawn unclipped (overlay layer): hide each one outside its frame."""
        self._filter(runners_in_view(row, self.store.state.R, self.loss_y_max, self._log_floor))

    # -- events → race ------------------------------------------------------
    def bind(self) -> None:
        on = self.page.on
        on("lr", "input", lambda ev: self._lr_typed(ev.value, commit=False), read=("value",), coalesce=True)
        on("lr", "change", lambda ev: self._lr_typed(ev.value, commit=True), read=("value",))
        on("race", "click", lambda ev: self.toggle())
        on("raceStep", "click", lambda ev: self.step())
        on("raceReset", "click", lambda ev: self.reset())

    def _lr_typed(self, text: str, commit: bool) -> None:
        field, st = self.el["lr"], self.store.state
        value = parse_field(text, field, self.el["lrMsg"], parse_lr, commit, f"{st.lr:g}")
        if value is None:
            return
        if commit:
            field.value(f"{value:g}")
        self.store.update(Change(typing=None if commit else "lr"), lr=value)

    def _new_race(self) -> Race:
        self.before_start()
        s = self.store.state
        self.race = Race(s.z, s.y, s.lr)
        self.own = OwnRunner(self.own_loss, s.z, s.y, s.lr) if self.own_loss is not None else None
        return self.race

    def toggle(self) -> None:
        """Start a race from the current z; pressed while running, skip to the end."""
        if self.running:
            self._skip = True
            if self.own is None:  # nothing left to compute: the end at once
                self.race.go_to(self.race.last)
                self._stop_clock()
        else:
            if self.race is None or self.race.finished or self.race.step == 0:
                self._new_race()
            if self.clock.reduced_motion and self.own is None:
                self.race.go_to(self.race.last)
            else:  # resume from the shown step (reduced motion: straight to the end, in as few frames as it takes)
                self._skip = self.clock.reduced_motion
                self._t0 = self.clock.now() - 1000.0 * seconds_for(self.race.step)
                self.clock.run("race", self._frame)
        self.show()

    def step(self) -> None:
        if self.race is None or self.race.finished:
            self._new_race()
        self._stop_clock()
        if self.own is not None:
            self.own.advance_to(self.race.step + 1, 1.0, self.clock.now_s)
        self.race.go_to(self.race.step + 1)
        self.show()

    def reset(self) -> None:
        self.race = None
        self.own = None
        self._stop_clock()
        self.show()

    def pause(self) -> None:
        """Stop animating, keep what is shown (a visitor took over from the kiosk demo)."""
        if self.running:
            self._stop_clock()
            self.show()

    def _stop_clock(self) -> None:
        self._t0 = None
        self._skip = False
        self.clock.stop("race")

    def _frame(self, now: float) -> bool:
        target = self.race.last if self._skip else step_at((now - self._t0) / 1000.0)
        if self.own is not None:  # the runners stay in lockstep: all wait for your loss's
            self.own.advance_to(target, OWN_BUDGET_S * (8 if self._skip else 1), self.clock.now_s)
            target = min(target, self.own.computed - 1)
        self.race.go_to(target)
        if self.race.finished:
            self._t0 = None
            self._skip = False
        elif self.clock.reduced_motion:
            return True  # the end only
        self.show()
        return self.running
