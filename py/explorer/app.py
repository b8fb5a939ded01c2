"""The one module that touches the browser: DOM events in, DOM and BokehJS out.

Data flows one way: an event handler turns input into a new State (state.py),
`render` computes (maths.py) and writes readouts and ColumnDataSource data.
The figures were built at build time (figures.py); here they are only found
by name and fed data, never rebuilt or re-embedded.
"""
from __future__ import annotations

import js
from pyodide.ffi import create_proxy, to_js

import math
from dataclasses import replace

from . import maths
from .fmt import loss_title, readout
from .race import RUNNER_COLUMNS, RUNNER_MARKERS, Race, count_text, runners_in_view, step_at
from .state import State, from_hash, parse_lr, parse_range, parse_z, to_hash

READOUTS = ("p", "ce", "mse", "gce", "gmse", "ratio")
LABELS = {"p": "p", "ce": "CE", "mse": "MSE", "gce": "|dCE/dz|", "gmse": "|dMSE/dz|", "ratio": "ratio"}
KEY_STEP = 0.1  # arrow keys on z; Shift multiplies by 10
HASH_DELAY_MS = 250
ANNOUNCE_DELAY_MS = 600
SWEEP_PERIOD_S = 8.0        # −R → R → −R
REDUCED_JUMP_S = 0.8        # reduced motion: one jump of R/2 this often
DEMO_START = {"z": -6.0, "y": 1}  # attract mode: a confidently wrong start
DEMO_HOLD_S = 4.0           # attract mode: pause on the finished race
IDLE_DEFAULT_S = 60.0

_obj = js.Object.fromEntries


def _js(value):
    return to_js(value, dict_converter=_obj)


class App:
    def __init__(self, doc):
        el = js.document.getElementById
        self.el = {k: el(k) for k in (
            "z", "zNum", "zMsg", "zRange", "rangeMsg", "y0", "y1", "logGrad",
            "ceClamp", "announce", "notice", "lr", "lrMsg", "race", "raceStep", "raceReset",
            "raceCE", "raceMSE", "raceStatus", "sweep", *READOUTS)}
        m = doc.get_model_by_name
        self.op = m("op_source")
        self.loss_src = m("loss_curves")
        self.grad_src = m("grad_curves")
        self.loss_plot = m("loss_plot")
        # The CE point is drawn unclipped (overlay layer): hidden while above the plot.
        self.ce_in_view = m("loss_ce_in_view")
        self.loss_y_max = float(self.loss_plot.y_range.end)
        self._ce_shown: bool | None = None
        self.grad_x = m("grad_x")
        self.grad_log_y = m("grad_log_y")
        self.lin_parts = [m(n) for n in ("grad_lin_axis", "gce_curve_lin", "gmse_curve_lin",
                                         "gce_point_lin", "gmse_point_lin", "gce_runner_lin",
                                         "gmse_runner_lin")]
        self.log_parts = [m(n) for n in ("grad_log_axis", "gce_curve_log", "gmse_curve_log",
                                         "gce_point_log", "gmse_point_log", "gce_runner_log",
                                         "gmse_runner_log")]
        self.runners_src = m("race_runners")
        self.runner_filters = {name: m(f"{name}_in_view") for name in RUNNER_MARKERS}
        self._runner_shown: dict[str, bool] = {}
        self._log_floor = float(self.grad_log_y.start)  # kept here: read every frame of a race
        self.path_src = m("race_path")
        self.race_x = m("race_x")
        self.race_target = m("race_target")
        self.race: Race | None = None
        self.race_t0: float | None = None   # animation start (ms), None when not animating
        self.sweep_t0: float | None = None
        self.sweep_phase0 = 0.0
        self.demo: dict | None = None
        self.reduced_motion = bool(js.matchMedia("(prefers-reduced-motion: reduce)").matches)
        self._frame_pending = False
        self._idle_timer = None
        self.state: State | None = None
        self._proxies = []
        self._hash_timer = None
        self._announce_timer = None
        self._flush_hash = self._proxy(self._write_hash)
        self._flush_announce = self._proxy(self._write_announce)
        self._on_frame = self._proxy(self._frame)
        self._on_idle = self._proxy(lambda *_: self.start_demo())

    # -- plumbing ---------------------------------------------------------
    def _proxy(self, fn):
        """A JS-callable for `fn` that contains its exceptions; kept for the page's lifetime."""
        p = create_proxy(self._guarded(fn))
        self._proxies.append(p)
        return p

    def on(self, target, event, handler):
        target.addEventListener(event, self._proxy(handler))

    def _guarded(self, handler):
        def run(*args):
            try:
                handler(*args)
            except Exception as exc:  # never let one bad event kill the page
                js.console.warn(f"explorer: {type(exc).__name__}: {exc}")
                n = self.el["notice"]
                n.textContent = ("Something went wrong handling that input; the explorer is still "
                                 "working. (" + type(exc).__name__ + ")")
                n.hidden = False
        return run

    # -- state → view -------------------------------------------------------
    def set_state(self, new: State, *, from_field: str | None = None, announce: bool = False,
                  keep_race: bool = False) -> None:
        old = self.state
        self.state = new
        if not keep_race and self.race is not None and old is not None and (
                (old.z, old.y, old.lr) != (new.z, new.y, new.lr)):
            self.reset_race()
        self.render(old, new, from_field)
        self._schedule_hash()
        if announce:
            self._schedule_announce()

    def render(self, old: State | None, new: State, from_field: str | None) -> None:
        v = maths.point(new.z, new.y)
        for k in READOUTS:
            e = self.el[k]
            e.textContent = readout(v[k])
            e.dataset.value = repr(v[k])
        self.el["ceClamp"].hidden = not v["clamped"]
        in_view = v["ce"] <= self.loss_y_max
        if in_view != self._ce_shown:
            self._ce_shown = in_view
            self.ce_in_view.booleans = _js([in_view])
        self.op.data = _js({"z": [new.z], **{k: [v[k]] for k in ("p", "ce", "mse", "gce", "gmse")}})

        if old is None or old.y != new.y:
            lo, hi = (1 - maths.RACE_TOL, 1.0) if new.y == 1 else (0.0, maths.RACE_TOL)
            self.race_target.setv(_js({"bottom": lo, "top": hi}))
            c = maths.loss_curves(new.y)
            self.loss_src.data = _js({k: c[k].tolist() for k in c})
            self.loss_plot.title.text = loss_title(new.y)
        if old is None or old.y != new.y or old.R != new.R:
            g = maths.grad_curves(new.y, new.R)
            self.grad_src.data = _js({k: g[k].tolist() for k in g})
            self.grad_x.setv(_js({"start": -new.R, "end": new.R}))
            self._log_floor = float(g["gmse"].min()) / 3.0
            self.grad_log_y.start = self._log_floor
            if self.race is not None and old is not None and old.R != new.R:
                self._show_runners(self.race.runners())  # the frame moved under them
        if old is None or old.log_grad != new.log_grad:
            for part in self.lin_parts:
                part.visible = not new.log_grad
            for part in self.log_parts:
                part.visible = new.log_grad

        # Controls mirror the state; the field being typed in is left alone.
        z_el, num = self.el["z"], self.el["zNum"]
        if old is None or old.R != new.R:
            z_el.min = f"{-new.R:g}"
            z_el.max = f"{new.R:g}"
            self.el["zRange"].value = f"{new.R:g}"
        z_text = f"{new.z:.2f}"
        if from_field != "z":
            z_el.value = z_text
        if from_field != "zNum":
            num.value = z_text
        self.el["y1" if new.y == 1 else "y0"].checked = True
        self.el["logGrad"].checked = new.log_grad
        if from_field != "lr" and (old is None or old.lr != new.lr):
            self.el["lr"].value = f"{new.lr:g}"

    def _schedule_hash(self) -> None:
        # replaceState on every input of a fast drag trips Chromium's
        # navigation throttling; the URL only needs to be current once it settles.
        if self._hash_timer is not None:
            js.clearTimeout(self._hash_timer)
        self._hash_timer = js.setTimeout(self._flush_hash, HASH_DELAY_MS)

    def _write_hash(self, *_):
        self._hash_timer = None
        h = to_hash(self.state)
        if js.location.hash != h:
            js.history.replaceState(js.history.state, "", h)

    def _schedule_announce(self) -> None:
        if self._announce_timer is not None:
            js.clearTimeout(self._announce_timer)
        self._announce_timer = js.setTimeout(self._flush_announce, ANNOUNCE_DELAY_MS)

    def _write_announce(self, *_):
        self._announce_timer = None
        s = self.state
        v = maths.point(s.z, s.y)
        parts = [f"z = {s.z:.2f}, y = {s.y}"] + [f"{LABELS[k]} = {readout(v[k])}" for k in READOUTS]
        self.el["announce"].textContent = "; ".join(parts)

    # -- events → state -----------------------------------------------------
    def bind(self) -> None:
        e = self.el
        self.on(e["z"], "input", lambda ev: self._z_from_slider(announce=False))
        self.on(e["z"], "change", lambda ev: self._z_from_slider(announce=True))
        self.on(e["z"], "keydown", self._z_key)
        self.on(e["zNum"], "keydown", self._z_key)
        self.on(e["zNum"], "input", lambda ev: self._z_typed(commit=False))
        self.on(e["zNum"], "change", lambda ev: self._z_typed(commit=True))
        self.on(e["zRange"], "change", self._range_typed)
        for name in ("y0", "y1"):
            self.on(e[name], "change", self._y_changed)
        self.on(e["logGrad"], "change",
                lambda ev: self.set_state(replace(self.state, log_grad=bool(e["logGrad"].checked))))
        self.on(js.window, "hashchange", lambda ev: self.apply_hash(js.location.hash))
        self.on(js.document, "click", self._link_clicked)
        self.on(e["lr"], "input", lambda ev: self._lr_typed(commit=False))
        self.on(e["lr"], "change", lambda ev: self._lr_typed(commit=True))
        self.on(e["race"], "click", lambda ev: self.toggle_race())
        self.on(e["raceStep"], "click", lambda ev: self.race_step())
        self.on(e["raceReset"], "click", lambda ev: self.reset_race())
        self.on(e["sweep"], "click", lambda ev: self.toggle_sweep())

    def _z_from_slider(self, announce: bool) -> None:
        value, _ = parse_z(self.el["z"].value, self.state.R)
        if value is not None:
            self._show_msg("zMsg", "")
            self.set_state(self.state.with_z(value), from_field="z" if not announce else None,
                           announce=announce)

    def _z_typed(self, commit: bool) -> None:
        num = self.el["zNum"]
        value, msg = parse_z(num.value, self.state.R)
        if value is None:
            num.setAttribute("aria-invalid", "true")
            self._show_msg("zMsg", msg)
            if commit:  # leave the field showing what is really in effect
                num.value = f"{self.state.z:.2f}"
                num.removeAttribute("aria-invalid")
            return
        num.removeAttribute("aria-invalid")
        self._show_msg("zMsg", msg)
        self.set_state(self.state.with_z(value), from_field=None if commit else "zNum", announce=commit)

    def _z_key(self, ev) -> None:
        step = {"ArrowLeft": -1, "ArrowDown": -1, "ArrowRight": 1, "ArrowUp": 1}.get(ev.key)
        R = self.state.R
        if step is not None:
            target = self.state.z + step * KEY_STEP * (10 if ev.shiftKey else 1)
        elif ev.key in ("PageUp", "PageDown"):
            target = self.state.z + (1 if ev.key == "PageUp" else -1)
        elif ev.key in ("Home", "End") and ev.target.id == "z":
            target = -R if ev.key == "Home" else R
        else:
            return
        ev.preventDefault()
        self._show_msg("zMsg", "")
        self.el["zNum"].removeAttribute("aria-invalid")
        self.set_state(self.state.with_z(target), announce=True)

    def _range_typed(self, ev) -> None:
        value, msg = parse_range(self.el["zRange"].value)
        self._show_msg("rangeMsg", msg)
        if value is None:
            self.el["zRange"].value = f"{self.state.R:g}"
            return
        self.set_state(self.state.with_range(value), announce=True)

    def _y_changed(self, ev) -> None:
        y = 1 if self.el["y1"].checked else 0
        self.set_state(replace(self.state, y=y), announce=True)

    def _link_clicked(self, ev) -> None:
        a = ev.target.closest("a[data-state-link]") if ev.target.closest else None
        if not a:
            return
        ev.preventDefault()
        self.apply_hash(a.getAttribute("href"))
        self.el["z"].focus()

    def _lr_typed(self, commit: bool) -> None:
        field = self.el["lr"]
        value, msg = parse_lr(field.value)
        if value is None:
            field.setAttribute("aria-invalid", "true")
            self._show_msg("lrMsg", msg)
            if commit:
                field.value = f"{self.state.lr:g}"
                field.removeAttribute("aria-invalid")
            return
        field.removeAttribute("aria-invalid")
        self._show_msg("lrMsg", msg)
        if commit:
            field.value = f"{value:g}"
        self.set_state(replace(self.state, lr=value), from_field=None if commit else "lr")

    # -- the training race --------------------------------------------------
    def _new_race(self) -> Race:
        self.stop_sweep()
        s = self.state
        self.race = Race(s.z, s.y, s.lr)
        return self.race

    def toggle_race(self) -> None:
        """Start a race from the current z; pressed while running, skip to the end."""
        if self.race_t0 is not None:
            self.race.go_to(self.race.last)
            self.race_t0 = None
        else:
            if self.race is None or self.race.finished or self.race.step == 0:
                self._new_race()
            if self.reduced_motion:
                self.race.go_to(self.race.last)
            else:  # resume from the shown step
                self.race_t0 = js.performance.now() - 1000.0 * _seconds_for(self.race.step)
                self._request_frame()
        self.show_race()

    def race_step(self) -> None:
        if self.race is None or self.race.finished:
            self._new_race()
        self.race_t0 = None
        self.race.go_to(self.race.step + 1)
        self.show_race()

    def reset_race(self) -> None:
        self.race = None
        self.race_t0 = None
        self.show_race()

    def show_race(self) -> None:
        r = self.race
        running = self.race_t0 is not None
        btn = self.el["race"]
        btn.textContent = "Skip to the end" if running else "Start race"
        btn.classList.toggle("running", running)
        js.document.documentElement.dataset.race = "running" if running else (
            "idle" if r is None else ("done" if r.finished else "paused"))
        if r is None:
            self.runners_src.data = _js({k: [] for k in RUNNER_COLUMNS})
            self.path_src.data = _js({"step": [], "p_ce": [], "p_mse": []})
            self.race_x.end = 20.0
            for key in ("raceCE", "raceMSE"):
                self.el[key].textContent = "—"
                self.el[key].dataset.steps = ""
            return
        row = r.runners()
        self.runners_src.data = _js(row)
        self._show_runners(row)
        path = r.path()
        self.path_src.data = _js({k: v.tolist() for k, v in path.items()})
        self.race_x.end = float(max(20, math.ceil(r.step * 1.1)))
        for key, runner in (("raceCE", "ce"), ("raceMSE", "mse")):
            n = r.revealed(runner)
            el = self.el[key]
            text = count_text(n)
            if el.textContent != text:
                el.textContent = text
                el.dataset.steps = "" if n is None else str(n)
        if r.finished and not running:
            self.el["raceStatus"].textContent = (
                f"Race from z = {r.z0:.2f}: cross-entropy {count_text(r.counts['ce'])}, "
                f"MSE {count_text(r.counts['mse'])}.")

    # -- animation ----------------------------------------------------------
    def _show_runners(self, row: dict) -> None:
        shown = runners_in_view(row, self.state.R, self.loss_y_max, self._log_floor)
        for name, ok in shown.items():
            if self._runner_shown.get(name) != ok:
                self._runner_shown[name] = ok
                self.runner_filters[name].booleans = _js([ok])

    def toggle_sweep(self) -> None:
        if self.sweep_t0 is not None:
            self.stop_sweep()
            return
        self.race_t0 = None
        self.reset_race()
        R = self.state.R
        # start the triangle wave where z already is, heading up
        self.sweep_phase0 = (self.state.z + R) / (2 * R) * 0.5
        self.sweep_t0 = js.performance.now()
        self.el["sweep"].setAttribute("aria-pressed", "true")
        self._request_frame()

    def stop_sweep(self) -> None:
        if self.sweep_t0 is None:
            return
        self.sweep_t0 = None
        self.el["sweep"].setAttribute("aria-pressed", "false")
        self._schedule_announce()

    def _sweep_z(self, now: float) -> float:
        R = self.state.R
        t = (now - self.sweep_t0) / 1000.0
        if self.reduced_motion:  # discrete jumps of R/2, no gliding
            t = math.floor(t / REDUCED_JUMP_S) * REDUCED_JUMP_S
        phase = (self.sweep_phase0 + t / SWEEP_PERIOD_S) % 1.0
        tri = 2 * phase if phase < 0.5 else 2 - 2 * phase  # 0 → 1 → 0
        z = -R + 2 * R * tri
        if self.reduced_motion:
            z = round(z / (R / 2)) * (R / 2)
        return z

    def _request_frame(self) -> None:
        if not self._frame_pending:
            self._frame_pending = True
            js.requestAnimationFrame(self._on_frame)

    def _frame(self, now) -> None:
        self._frame_pending = False
        if self.sweep_t0 is not None:
            self.set_state(self.state.with_z(self._sweep_z(now)))
        if self.race_t0 is not None:
            self.race.go_to(step_at((now - self.race_t0) / 1000.0))
            if self.race.finished:
                self.race_t0 = None
            self.show_race()
        if self.demo is not None:
            self._demo_tick(now)
        if self.sweep_t0 is not None or self.race_t0 is not None or self.demo is not None:
            self._request_frame()

    # -- kiosk attract mode -------------------------------------------------
    def enable_kiosk(self, idle_s: float) -> None:
        self.idle_ms = idle_s * 1000.0
        for name in ("pointerdown", "keydown", "touchstart", "wheel", "input"):
            js.window.addEventListener(name, self._proxy(self._user_activity),
                                       _js({"capture": True, "passive": True}))
        self._arm_idle()

    def _arm_idle(self) -> None:
        if self._idle_timer is not None:
            js.clearTimeout(self._idle_timer)
        self._idle_timer = js.setTimeout(self._on_idle, self.idle_ms)

    def _user_activity(self, ev) -> None:
        if self.demo is not None:
            self.stop_demo()
        self._arm_idle()

    def start_demo(self) -> None:
        self._idle_timer = None
        self.demo = {"phase": "sweep", "t0": js.performance.now()}
        js.document.documentElement.dataset.demo = "running"
        self.set_state(replace(self.state, y=DEMO_START["y"]))
        self.toggle_sweep()

    def _demo_tick(self, now: float) -> None:
        d = self.demo
        elapsed = (now - d["t0"]) / 1000.0
        if d["phase"] == "sweep" and elapsed >= SWEEP_PERIOD_S:
            self.stop_sweep()
            self.set_state(replace(self.state.with_z(DEMO_START["z"]), y=DEMO_START["y"]))
            d.update(phase="race", t0=now)
            self.toggle_race()
        elif d["phase"] == "race" and self.race_t0 is None and (self.race is None or self.race.finished):
            d.update(phase="hold", t0=now)
        elif d["phase"] == "hold" and elapsed >= DEMO_HOLD_S:
            self.reset_race()
            d.update(phase="sweep", t0=now)
            self.toggle_sweep()

    def stop_demo(self) -> None:
        self.demo = None
        self.stop_sweep()
        self.race_t0 = None
        if self.race is not None:
            self.show_race()
        del js.document.documentElement.dataset.demo

    def apply_hash(self, h: str) -> None:
        self._show_msg("zMsg", "")
        self._show_msg("rangeMsg", "")
        self.set_state(from_hash(h), announce=True)

    def _show_msg(self, key: str, text: str) -> None:
        m = self.el[key]
        if m.textContent != text:
            m.textContent = text
        m.hidden = not text


def _seconds_for(step: int) -> float:
    """Inverse of race.step_at, to resume an animation from a shown step."""
    lo, hi = 0.0, 60.0
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if step_at(mid) < step else (lo, mid)
    return hi


def _query_param(name: str) -> str | None:
    v = js.URLSearchParams.new(js.location.search).get(name)
    return None if v is None else str(v)


_app: App | None = None


async def start() -> App:
    global _app
    figs = await js.explorerBoot.figures()
    _app = App(figs.doc)
    _app.bind()
    _app.set_state(from_hash(js.location.hash))
    _app.show_race()
    if _query_param("kiosk") == "1":
        idle = _query_param("idle")
        try:
            idle_s = float(idle) if idle is not None else IDLE_DEFAULT_S
        except ValueError:
            idle_s = IDLE_DEFAULT_S
        if not (math.isfinite(idle_s) and 1.0 <= idle_s <= 3600.0):
            idle_s = IDLE_DEFAULT_S
        _app.enable_kiosk(idle_s)
    return _app
