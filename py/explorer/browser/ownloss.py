"""Your own loss (SPEC §11): the `lossExpr` field and `lossPreset` select,
the readouts `own` and `gown`, and the third curve and point on the loss
and gradient plots.

It owns those elements and the models `own_curves`, `own_grad`, `own_op`,
their in-view filters and legend entries. The state holds only losses of
the grammar (explorer.ownloss); text that is not one stays in the field
with its message, and the last valid loss stays in use.
"""
from __future__ import annotations

import math

import numpy as np

from .. import maths, owneval, ownloss
from ..fmt import readout
from ..state import State, raw_fields
from .plumbing import show_msg
from .store import Change

RENDERERS = ("own_curve", "own_point", "gown_curve_lin", "gown_curve_log", "gown_point_lin", "gown_point_log")
MAX_FIELD_CHARS = 1000  # what the field itself keeps of a pasted text; the grammar allows 200


class OwnLossPanel:
    def __init__(self, page, store, loss_y_max: float):
        self.page, self.store = page, store
        self.el = page.elements("lossExpr", "lossPreset", "lossMsg", "own", "gown", "ownWhy")
        self.m = page.models("own_curves", "own_grad", "own_op", "own_loss_in_view", "own_grad_in_view_lin",
                             "own_grad_in_view_log", "own_loss_key", "own_grad_key")
        self.loss_y_max = loss_y_max
        self._loss_z = maths.loss_curve_z()  # the loss plot's p grid, as logits (exact, not logit(p))
        self._loss_p = maths.sigmoid_pair(self._loss_z)[0].tolist()
        self.loss: ownloss.Loss | None = None
        self._op_empty = False  # own_op as last written: with no loss it stays empty, written once
        self.on_change = []  # other panels' callbacks: the loss in use changed (a Loss or None)

    # -- state → view -------------------------------------------------------
    def render(self, old: State | None, new: State, change: Change) -> None:
        if old is None or old.loss != new.loss:
            self.loss = ownloss.parse(new.loss) if new.loss else None
            if change.typing != "lossExpr":
                self.el["lossExpr"].value(new.loss)
                self._field_ok()
            self.el["lossPreset"].value(next((k for k, v in ownloss.PRESETS.items() if v == new.loss), ""))
            for name in ("own_loss_key", "own_grad_key"):
                self.m[name].set(visible=self.loss is not None)
            for cb in self.on_change:
                cb(self.loss)
        if old is None or (old.loss, old.y, old.R) != (new.loss, new.y, new.R):
            self._curves_and_point(new)
        elif (old.z, old.log_grad) != (new.z, new.log_grad):
            self._point(new)

    def _curves_and_point(self, st: State) -> None:
        """Both curves and the point from one evaluation over all their logits (typing pays for one pass)."""
        if self.loss is None:
            self.m["own_curves"].data({"p": [], "own": []})
            self.m["own_grad"].data({"z": [], "gown": []})
            self._point(st)
            return
        zl, zg = self._loss_z, maths.grad_curve_z(st.R)
        v, d = owneval.evaluate(self.loss, np.concatenate([zl, zg, [st.z]]), st.y)
        n = len(zl)
        own, _ = owneval.gapped(v[:n], d[:n])
        _, gown = owneval.gapped(v[n:-1], d[n:-1])
        self.m["own_curves"].data({"p": self._loss_p, "own": own})
        self.m["own_grad"].data({"z": zg, "gown": gown})
        self._point(st, (float(v[-1]), float(d[-1])))

    def _point(self, st: State, at: tuple[float, float] | None = None) -> None:
        """Readouts, operating point and in-view flags at st.z; `at`: (ℓ, ∂ℓ/∂z) there, if known."""
        e = self.el
        if self.loss is None:
            for k in ("own", "gown"):
                e[k].text("—")
                e[k].data("value", "")
            show_msg(e["ownWhy"], "")
            # Not rewritten on each move of z: a source written is a redraw of the points on both plots.
            if not self._op_empty:
                self.m["own_op"].data({"z": [], "p": [], "own": [], "gown": []})
                self._op_empty = True
            return
        v, d = at or (float(a[0]) for a in owneval.evaluate(self.loss, np.array([st.z]), st.y))
        finite = math.isfinite(v) and math.isfinite(d)
        for k, x in (("own", v), ("gown", abs(d))):
            ok = finite and math.isfinite(x)
            e[k].text(readout(x) if ok else "not finite here")
            e[k].data("value", repr(x) if ok else "")
        show_msg(e["ownWhy"], "" if finite else f"At z = {st.z:g}: {owneval.why_not_finite(self.loss, st.z, st.y)}.")
        p = maths.sigmoid_pair(np.array([st.z]))[0][0]
        row = {"z": [st.z], "p": [float(p)], "own": [v if finite else 0.0], "gown": [abs(d) if finite else 0.0]}
        self.m["own_op"].data(row)
        self._op_empty = False
        # Drawn unclipped (overlay): shown only inside each plot's frame, and never where not finite.
        log_lo = maths.log_floor(maths.grad_curves(st.y, st.R)["gmse"])
        g = row["gown"][0]
        self.m["own_loss_in_view"].set(booleans=[finite and -0.2 <= v <= self.loss_y_max])
        self.m["own_grad_in_view_lin"].set(booleans=[finite and g <= maths.GRAD_Y_MAX])
        self.m["own_grad_in_view_log"].set(booleans=[finite and log_lo <= g <= maths.GRAD_LOG_Y_MAX])

    # -- events → state -----------------------------------------------------
    def bind(self) -> None:
        self.el["lossPreset"].options([(name, name, text) for name, text in ownloss.PRESETS.items()])
        self.page.on("lossExpr", "input", lambda ev: self._typed(ev.value, commit=False), read=("value",),
                     coalesce=True)
        self.page.on("lossExpr", "change", lambda ev: self._typed(ev.value, commit=True), read=("value",))
        self.page.on("lossPreset", "change", lambda ev: self._preset(ev.value), read=("value",))

    def show_link_text(self, hash_: str) -> None:
        """A link's loss that is not of the grammar: shown in the field with its message (it runs nothing)."""
        text = raw_fields(hash_).get("loss")
        if text and text != self.store.state.loss:
            self.el["lossExpr"].value(text[:MAX_FIELD_CHARS])
            self._check(text)

    def _check(self, text: str) -> str | None:
        """The message for `text`, shown on the field; None when it is a loss of the grammar."""
        try:
            ownloss.parse(text)
        except ownloss.LossError as err:
            show_msg(self.el["lossMsg"], str(err))
            self.el["lossExpr"].attr("aria-invalid", "true")
            return str(err)
        self._field_ok()
        return None

    def _field_ok(self) -> None:
        show_msg(self.el["lossMsg"], "")
        self.el["lossExpr"].attr("aria-invalid", None)

    def _typed(self, value: str, commit: bool) -> None:
        text = str(value or "")[:MAX_FIELD_CHARS].strip()
        if text == "":
            self._field_ok()
            self.store.update(Change(typing=None if commit else "lossExpr"), loss="")
            return
        if self._check(text) is None and text != self.store.state.loss:
            self.store.update(Change(typing=None if commit else "lossExpr", announce=commit), loss=text)

    def _preset(self, name: str) -> None:
        text = ownloss.PRESETS.get(str(name or ""), "")
        self.el["lossExpr"].value(text)  # even when it is the loss already in use (the field held other text)
        self._field_ok()
        self.store.update(Change(announce=True), loss=text)
