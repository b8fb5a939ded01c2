"""The one module that touches the browser: DOM events in, DOM and BokehJS out.

Data flows one way: an event handler turns input into a new State (state.py),
`render` computes (maths.py) and writes readouts and ColumnDataSource data.
The figures were built at build time (figures.py); here they are only found
by name and fed data, never rebuilt or re-embedded.
"""
from __future__ import annotations

import js
from pyodide.ffi import create_proxy, to_js

from . import maths
from .fmt import readout
from .state import State, from_hash, parse_range, parse_z, to_hash

READOUTS = ("p", "ce", "mse", "gce", "gmse", "ratio")
LABELS = {"p": "p", "ce": "CE", "mse": "MSE", "gce": "|dCE/dz|", "gmse": "|dMSE/dz|", "ratio": "ratio"}
KEY_STEP = 0.1  # arrow keys on z; Shift multiplies by 10
HASH_DELAY_MS = 250
ANNOUNCE_DELAY_MS = 600

_obj = js.Object.fromEntries


def _js(value):
    return to_js(value, dict_converter=_obj)


class App:
    def __init__(self, doc):
        el = js.document.getElementById
        self.el = {k: el(k) for k in (
            "z", "zNum", "zMsg", "zRange", "rangeMsg", "y0", "y1", "logGrad",
            "ceClamp", "announce", "notice", *READOUTS)}
        m = doc.get_model_by_name
        self.op = m("op_source")
        self.loss_src = m("loss_curves")
        self.grad_src = m("grad_curves")
        self.loss_plot = m("loss_plot")
        self.grad_x = m("grad_x")
        self.grad_log_y = m("grad_log_y")
        self.lin_parts = [m(n) for n in ("grad_lin_axis", "gce_curve_lin", "gmse_curve_lin",
                                         "gce_point_lin", "gmse_point_lin")]
        self.log_parts = [m(n) for n in ("grad_log_axis", "gce_curve_log", "gmse_curve_log",
                                         "gce_point_log", "gmse_point_log")]
        self.state: State | None = None
        self._proxies = []
        self._hash_timer = None
        self._announce_timer = None
        self._flush_hash = self._proxy(self._write_hash)
        self._flush_announce = self._proxy(self._write_announce)

    # -- plumbing ---------------------------------------------------------
    def _proxy(self, fn):
        p = create_proxy(fn)
        self._proxies.append(p)
        return p

    def on(self, target, event, handler):
        target.addEventListener(event, self._proxy(self._guarded(handler)))

    def _guarded(self, handler):
        def run(evt):
            try:
                handler(evt)
            except Exception as exc:  # never let one bad event kill the page
                js.console.warn(f"explorer: {type(exc).__name__}: {exc}")
                n = self.el["notice"]
                n.textContent = ("Something went wrong handling that input; the explorer is still "
                                 "working. (" + type(exc).__name__ + ")")
                n.hidden = False
        return run

    # -- state → view -------------------------------------------------------
    def set_state(self, new: State, *, from_field: str | None = None, announce: bool = False) -> None:
        old = self.state
        self.state = new
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
        self.op.data = _js({"z": [new.z], **{k: [v[k]] for k in ("p", "ce", "mse", "gce", "gmse")}})

        if old is None or old.y != new.y:
            c = maths.loss_curves(new.y)
            self.loss_src.data = _js({k: c[k].tolist() for k in c})
            self.loss_plot.title.text = f"Loss against predicted probability p (true label y = {new.y})"
        if old is None or old.y != new.y or old.R != new.R:
            g = maths.grad_curves(new.y, new.R)
            self.grad_src.data = _js({k: g[k].tolist() for k in g})
            self.grad_x.setv(_js({"start": -new.R, "end": new.R}))
            self.grad_log_y.start = float(g["gmse"].min()) / 3.0
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
                lambda ev: self.set_state(_replace(self.state, log_grad=bool(e["logGrad"].checked))))
        self.on(js.window, "hashchange", lambda ev: self.apply_hash(js.location.hash))
        self.on(js.document, "click", self._link_clicked)

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
        self.set_state(_replace(self.state, y=y), announce=True)

    def _link_clicked(self, ev) -> None:
        a = ev.target.closest("a[data-state-link]") if ev.target.closest else None
        if not a:
            return
        ev.preventDefault()
        self.apply_hash(a.getAttribute("href"))
        self.el["z"].focus()

    def apply_hash(self, h: str) -> None:
        self._show_msg("zMsg", "")
        self._show_msg("rangeMsg", "")
        self.set_state(from_hash(h), announce=True)

    def _show_msg(self, key: str, text: str) -> None:
        m = self.el[key]
        if m.textContent != text:
            m.textContent = text
        m.hidden = not text


def _replace(s: State, **kw) -> State:
    from dataclasses import replace
    return replace(s, **kw)


_app: App | None = None


async def start() -> App:
    global _app
    figs = await js.explorerBoot.figures()
    _app = App(figs.doc)
    _app.bind()
    _app.set_state(from_hash(js.location.hash))
    return _app
