"""Kiosk attract mode (`?kiosk=1`): after a while without input, a short
scripted demo plays through the panels until someone touches the screen.

The demo is a list of acts; each act starts something on a panel and says
when it is over. It only calls the panels' public methods, like a visitor.
"""
from __future__ import annotations

from .explorer import SWEEP_PERIOD_S

DEMO_START = {"z": -6.0, "y": 1}  # a confidently wrong start
DEMO_HOLD_S = 4.0                 # pause on a finished race or lab
DEMO_LAB_S = 6.0                  # the lab start at which MSE never gets there
PANEL_WAIT_S = 20.0               # an act gives up on a panel that has not joined by then
# Six sigmoid layers never train, whatever the loss; batch norm wakes the first layer up.
DEMO_DEEP_SIGMOID = {"deep_data": 0, "deep_depth": 6, "deep_act": 0, "deep_lr": 1.0, "deep_seed": 1, "deep_init": 0,
                     "deep_skip": False, "deep_norm": False}
# Class 2 sure of itself while class 1 is true, and a start at which MSE takes 701 epochs to CE's 12.
DEMO_SOFTMAX = {"sm_z1": 0.0, "sm_z2": 10.0, "sm_z3": 0.0, "sm_y": 0, "sm_s": 8.0, "sm_lr": 1.0}


class AttractMode:
    def __init__(self, page, clock, store, explorer, race, idle_s: float, panels: dict):
        self.page, self.clock, self.store = page, clock, store
        self.explorer, self.race = explorer, race
        # The panels below the explorer join on demand: `panels` is the app's
        # live dict of those that have; page.want_panel asks for one now.
        self.panels = panels
        self._idle = page.delay(self.start, idle_s * 1000.0)
        self._act = None
        self._act_t0 = 0.0
        self._started = False  # the current panel act has started its course
        self.acts = [self._sweep_act, self._race_act, self._hold_act, self._lab_act, self._lab_hold_act,
                     self._deep_act, self._deep_hold_act, self._deep_norm_act, self._deep_norm_hold_act,
                     self._softmax_act, self._softmax_hold_act]

    def bind(self) -> None:
        # One coalesced "activity" event: a pointer, key, touch, wheel or input anywhere (bridge.js).
        self.page.on("window", "activity", self._activity, coalesce=True)
        self._idle.schedule()

    @property
    def playing(self) -> bool:
        return self._act is not None

    def _activity(self, ev) -> None:
        if self.playing:
            self.stop()
        self._idle.schedule()

    def start(self) -> None:
        self.page.root("demo", "running")
        self._begin(0, self.clock.now())
        self.clock.run("demo", self._tick)

    def stop(self) -> None:
        self._act = None
        self.clock.stop("demo")
        self.explorer.stop_sweep()
        self.race.pause()
        for panel in self.panels.values():
            panel.pause()
        self.page.root("demo", None)

    def _begin(self, index: int, now: float) -> None:
        self._act, self._act_t0 = index % len(self.acts), now
        self.acts[self._act](start=True, elapsed=0.0)

    def _tick(self, now: float) -> bool:
        if self.acts[self._act](start=False, elapsed=(now - self._act_t0) / 1000.0):
            self._begin(self._act + 1, now)
        return self.playing

    # Each act: called once with start=True, then every frame; True when over.
    def _sweep_act(self, start: bool, elapsed: float) -> bool:
        if start:
            self.store.update(y=DEMO_START["y"])
            self.explorer.start_sweep()
            return False
        if elapsed < SWEEP_PERIOD_S:
            return False
        self.explorer.stop_sweep()
        return True

    def _race_act(self, start: bool, elapsed: float) -> bool:
        if start:
            self.store.set(self.store.state.with_z(DEMO_START["z"]))
            self.race.toggle()
            return False
        return not self.race.running

    def _hold_act(self, start: bool, elapsed: float) -> bool:
        return not start and elapsed >= DEMO_HOLD_S

    def _panel_act(self, name: str, setup: dict, start: bool, elapsed: float) -> bool:
        """Scroll to a panel (asking for it if it has not joined), set it up, train it; True when done."""
        panel = self.panels.get(name)
        if start:
            self._started = False
            self._scroll(name)
            if panel is None:
                self.page.want_panel(name)
        if panel is None:
            return elapsed > PANEL_WAIT_S  # never joined: go on without it
        if not self._started:
            self._started = True
            self.store.update(**setup)
            panel.reset()
            panel.toggle()
            return False
        return not panel.running

    def _hold(self, name: str, start: bool, elapsed: float, back_to_top: bool) -> bool:
        if start or (name in self.panels and elapsed < DEMO_HOLD_S):
            return False
        if back_to_top:
            self._scroll(None)
        return True

    def _lab_act(self, start: bool, elapsed: float) -> bool:
        return self._panel_act("lab", {"lab_s": DEMO_LAB_S}, start, elapsed)

    def _lab_hold_act(self, start: bool, elapsed: float) -> bool:
        return self._hold("lab", start, elapsed, back_to_top=False)

    # Six sigmoid layers starve the first layer whatever the loss; batch norm keeps it learning.
    def _deep_act(self, start: bool, elapsed: float) -> bool:
        return self._panel_act("deep", DEMO_DEEP_SIGMOID, start, elapsed)

    def _deep_hold_act(self, start: bool, elapsed: float) -> bool:
        return self._hold("deep", start, elapsed, back_to_top=False)

    def _deep_norm_act(self, start: bool, elapsed: float) -> bool:
        return self._panel_act("deep", {**DEMO_DEEP_SIGMOID, "deep_norm": True}, start, elapsed)

    def _deep_norm_hold_act(self, start: bool, elapsed: float) -> bool:
        return self._hold("deep", start, elapsed, back_to_top=False)

    def _softmax_act(self, start: bool, elapsed: float) -> bool:
        return self._panel_act("softmax", DEMO_SOFTMAX, start, elapsed)

    def _softmax_hold_act(self, start: bool, elapsed: float) -> bool:
        return self._hold("softmax", start, elapsed, back_to_top=True)

    def _scroll(self, element_id: str | None) -> None:
        """To an element, or back to the top; a script's scroll is not a visitor's input."""
        self.page.scroll(element_id, smooth=not self.clock.reduced_motion)
