"""The explorer panel: the z, y, R and log controls, the six readouts, the
loss and gradient plots, and the sweep.

It owns those elements and the Bokeh models `op_source`, `loss_curves`,
`grad_curves` and the gradient plot's axes; the race draws its runners on
the same plots but through its own models.
"""
from __future__ import annotations

import math

from .. import maths
from ..fmt import loss_title, readout
from ..state import State, parse_range, parse_z
from .plumbing import parse_field, show_msg
from .store import Change, shows_all

READOUTS = ("p", "ce", "mse", "gce", "gmse", "ratio")
OWN_FIELDS = ("z", "y", "R", "log_grad")  # the state this panel shows
LABELS = {"p": "p", "ce": "CE", "mse": "MSE", "gce": "|dCE/dz|", "gmse": "|dMSE/dz|", "ratio": "ratio"}
KEY_STEP = 0.1  # arrow keys on z; Shift multiplies by 10
# The keys that move z, whose default action the page cancels (Home and End
# only on the slider: in the number field they move the caret).
ARROWS = ("ArrowLeft", "ArrowDown", "ArrowRight", "ArrowUp")
SLIDER_KEYS = (*ARROWS, "PageUp", "PageDown", "Home", "End")
FIELD_KEYS = (*ARROWS, "PageUp", "PageDown")
ANNOUNCE_DELAY_MS = 600
SWEEP_PERIOD_S = 8.0        # −R → R → −R
REDUCED_JUMP_S = 0.8        # reduced motion: one jump of R/2 this often


class ExplorerPanel:
    def __init__(self, page, clock, store):
        self.page, self.clock, self.store = page, clock, store
        self.el = page.elements("z", "zNum", "zMsg", "zRange", "rangeMsg", "y0", "y1", "logGrad", "ceClamp",
                                "announce", "sweep", *READOUTS)
        self.m = page.models("op_source", "loss_curves", "grad_curves", "loss_plot", "loss_ce_in_view", "grad_x",
                             "grad_log_y")
        # The CE point is drawn unclipped (overlay layer): hidden while above the plot.
        self.loss_y_max = maths.LOSS_Y_MAX
        self._ce_shown: bool | None = None
        self.lin_parts = [page.model(n) for n in ("grad_lin_axis", "gce_curve_lin", "gmse_curve_lin",
                                                  "gce_point_lin", "gmse_point_lin", "gce_runner_lin",
                                                  "gmse_runner_lin")]
        self.log_parts = [page.model(n) for n in ("grad_log_axis", "gce_curve_log", "gmse_curve_log",
                                                  "gce_point_log", "gmse_point_log", "gce_runner_log",
                                                  "gmse_runner_log")]
        self._announce = page.delay(self._write_announce, ANNOUNCE_DELAY_MS)
        self._sweep_t0: float | None = None
        self._sweep_phase0 = 0.0
        self.before_sweep = lambda: None  # set by the app: a sweep and a race never run together

    # -- state → view -------------------------------------------------------
    def render(self, old: State | None, new: State, change: Change) -> None:
        if not shows_all(old, new, change) and all(getattr(old, f) == getattr(new, f) for f in OWN_FIELDS):
            return  # another panel's change: nothing here shows it
        if change.from_url:
            show_msg(self.el["zMsg"], "")
            show_msg(self.el["rangeMsg"], "")
        v = maths.point(new.z, new.y)
        for k in READOUTS:
            e = self.el[k]
            e.text(readout(v[k]))
            e.data("value", repr(v[k]))
        self.el["ceClamp"].hidden(not v["clamped"])
        in_view = v["ce"] <= self.loss_y_max
        if in_view != self._ce_shown:
            self._ce_shown = in_view
            self.m["loss_ce_in_view"].set(booleans=[in_view])
        self.m["op_source"].data({"z": [new.z], **{k: [v[k]] for k in ("p", "ce", "mse", "gce", "gmse")}})

        if old is None or old.y != new.y:
            self.m["loss_curves"].data(maths.loss_curves(new.y))
            self.m["loss_plot"].set(title__text=loss_title(new.y))
        if old is None or old.y != new.y or old.R != new.R:
            g = maths.grad_curves(new.y, new.R)
            self.m["grad_curves"].data(g)
            self.m["grad_x"].set(start=-new.R, end=new.R)
            self.m["grad_log_y"].set(start=maths.log_floor(g["gmse"]))
        if old is None or old.log_grad != new.log_grad:
            for part in self.lin_parts:
                part.set(visible=not new.log_grad)
            for part in self.log_parts:
                part.set(visible=new.log_grad)
        self._mirror_controls(old, new, change.typing)
        if change.announce:
            self._announce.schedule()

    def _mirror_controls(self, old: State | None, new: State, typing: str | None) -> None:
        """The controls show the state; the field being typed in is left alone."""
        z_el, num = self.el["z"], self.el["zNum"]
        if old is None or old.R != new.R:
            z_el.prop("min", f"{-new.R:g}")
            z_el.prop("max", f"{new.R:g}")
            self.el["zRange"].value(f"{new.R:g}")
        z_text = f"{new.z:.2f}"
        if typing != "z":
            z_el.value(z_text)
        if typing != "zNum":
            num.value(z_text)
        self.el["y1" if new.y == 1 else "y0"].checked(True)
        self.el["logGrad"].checked(new.log_grad)

    def _write_announce(self) -> None:
        s = self.store.state
        v = maths.point(s.z, s.y)
        parts = [f"z = {s.z:.2f}, y = {s.y}"] + [f"{LABELS[k]} = {readout(v[k])}" for k in READOUTS]
        self.el["announce"].text("; ".join(parts))

    # -- events → state -----------------------------------------------------
    def bind(self) -> None:
        on = self.page.on
        on("z", "input", lambda ev: self._z_from_slider(ev.value, announce=False), read=("value",), coalesce=True)
        on("z", "change", lambda ev: self._z_from_slider(ev.value, announce=True), read=("value",))
        on("z", "keydown", self._z_key, read=("key", "shift"), prevent=SLIDER_KEYS)
        on("zNum", "keydown", self._z_key, read=("key", "shift"), prevent=FIELD_KEYS)
        on("zNum", "input", lambda ev: self._z_typed(ev.value, commit=False), read=("value",), coalesce=True)
        on("zNum", "change", lambda ev: self._z_typed(ev.value, commit=True), read=("value",))
        on("zRange", "change", self._range_typed, read=("value",))
        for name in ("y0", "y1"):
            on(name, "change", lambda ev: self.store.update(Change(announce=True), y=1 if ev.target == "y1" else 0))
        on("logGrad", "change", lambda ev: self.store.update(log_grad=bool(ev.checked)), read=("checked",))
        on("sweep", "click", lambda ev: self.toggle_sweep())

    def _set_z(self, z: float, change: Change) -> None:
        self.store.set(self.store.state.with_z(z), change)

    def _z_from_slider(self, text: str, announce: bool) -> None:
        value, _ = parse_z(text, self.store.state.R)
        if value is not None:
            show_msg(self.el["zMsg"], "")
            self._set_z(value, Change(typing=None if announce else "z", announce=announce))

    def _z_typed(self, text: str, commit: bool) -> None:
        st = self.store.state
        value = parse_field(text, self.el["zNum"], self.el["zMsg"], lambda t: parse_z(t, st.R), commit, f"{st.z:.2f}")
        if value is not None:
            self._set_z(value, Change(typing=None if commit else "zNum", announce=commit))

    def _z_key(self, ev) -> None:
        step = {"ArrowLeft": -1, "ArrowDown": -1, "ArrowRight": 1, "ArrowUp": 1}.get(ev.key)
        st = self.store.state
        if step is not None:
            target = st.z + step * KEY_STEP * (10 if ev.shift else 1)
        elif ev.key in ("PageUp", "PageDown"):
            target = st.z + (1 if ev.key == "PageUp" else -1)
        elif ev.key in ("Home", "End") and ev.target == "z":
            target = -st.R if ev.key == "Home" else st.R
        else:
            return
        show_msg(self.el["zMsg"], "")
        self.el["zNum"].attr("aria-invalid", None)
        self._set_z(target, Change(announce=True))

    def _range_typed(self, ev) -> None:
        st = self.store.state
        value = parse_field(ev.value, self.el["zRange"], self.el["rangeMsg"], parse_range, True, f"{st.R:g}")
        if value is not None:
            self.store.set(st.with_range(value), Change(announce=True))

    # -- the sweep ----------------------------------------------------------
    @property
    def sweeping(self) -> bool:
        return self._sweep_t0 is not None

    def toggle_sweep(self) -> None:
        if self.sweeping:
            self.stop_sweep()
        else:
            self.start_sweep()

    def start_sweep(self) -> None:
        self.before_sweep()
        st = self.store.state
        # start the triangle wave where z already is, heading up
        self._sweep_phase0 = (st.z + st.R) / (2 * st.R) * 0.5
        self._sweep_t0 = self.clock.now()
        self.el["sweep"].attr("aria-pressed", "true")
        self.clock.run("sweep", self._sweep_frame)

    def stop_sweep(self) -> None:
        if not self.sweeping:
            return
        self._sweep_t0 = None
        self.clock.stop("sweep")
        self.el["sweep"].attr("aria-pressed", "false")
        self._announce.schedule()

    def _sweep_frame(self, now: float) -> bool:
        self._set_z(self._sweep_z(now), Change())
        return True

    def _sweep_z(self, now: float) -> float:
        R = self.store.state.R
        t = (now - self._sweep_t0) / 1000.0
        if self.clock.reduced_motion:  # discrete jumps of R/2, no gliding
            t = math.floor(t / REDUCED_JUMP_S) * REDUCED_JUMP_S
        phase = (self._sweep_phase0 + t / SWEEP_PERIOD_S) % 1.0
        tri = 2 * phase if phase < 0.5 else 2 - 2 * phase  # 0 → 1 → 0
        z = -R + 2 * R * tri
        if self.clock.reduced_motion:
            z = round(z / (R / 2)) * (R / 2)
        return z
