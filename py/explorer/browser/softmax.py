"""The three-class panel: the three logits (sliders and number fields), the
true class, the readouts and `sm_bars_plot` (the explorer part); the
strength and learning-rate fields, Train / One epoch / Reset, the counts and
the two class maps and accuracy plot (the training part).

It owns the panel's elements (ids starting `sm`) and every model whose name
starts with `sm_`. The maths is explorer.softmax; the course player is
browser.course's CoursePanel.
"""
from __future__ import annotations

from .. import softmax
from ..fields import clamp
from ..fmt import readout
from ..state import State, parse_sm_lr, parse_sm_s, parse_sm_z
from .course import CoursePanel
from .plumbing import parse_field, show_msg
from .store import Change, shows_all

ANNOUNCE_DELAY_MS = 600
CLASS_IDS = tuple(range(1, softmax.CLASSES + 1))


def z_text(v: float) -> str:
    """A logit as a field shows it: every digit that was typed, none that float noise adds."""
    return f"{v:.12g}".replace("-", "\u2212")


class SoftmaxPanel(CoursePanel):
    name, prefix, counts, title, state_key = "softmax", "sm", "Epochs", "Three-class panel", "softmax"
    races_own = False  # your loss is a binary loss: it has no third class to race on
    typed = (("smS", "sm_s", parse_sm_s), ("smLr", "sm_lr", parse_sm_lr))
    history = ("sm_history", softmax.history_rows, "sm_now", softmax.now_rows)
    turns = ("accuracy", "map", "numbers", "map")  # a map each other frame, the runners in rotation

    def __init__(self, page, clock, store):
        super().__init__(page, clock, store)
        self.el = page.elements(
            "smS", "smSMsg", "smLr", "smLrMsg", "smRun", "smStep", "smReset", "smEpoch", "smStatus",
            "smEpochsCE", "smEpochsMSE", "smAccCE", "smAccMSE", "smLossCE", "smLossMSE", "smAnnounce",
            *(f"smZ{j}{part}" for j in CLASS_IDS for part in ("", "Num", "Msg")), *(f"smY{j}" for j in CLASS_IDS),
            *softmax.readouts((0.0, 0.0, 0.0), 0))
        self.m = page.models("sm_bars", "sm_history", "sm_now", "sm_epoch_x", "sm_points",
                             *(f"sm_map_{r}{part}" for r in softmax.RUNNERS for part in ("", "_x", "_y")))
        self.x, self.k = softmax.dataset()
        self.box = softmax.map_box(self.x)
        self.grid = softmax.map_grid(self.box)
        self._announce = page.delay(self._write_announce, ANNOUNCE_DELAY_MS)
        self._map_turn = 0  # whose map the next map turn draws

    # -- the explorer part ------------------------------------------------------
    def render(self, old: State | None, new: State, change: Change) -> None:
        super().render(old, new, change)
        z = (new.sm_z1, new.sm_z2, new.sm_z3)
        if change.from_url:
            for j in CLASS_IDS:
                show_msg(self.el[f"smZ{j}Msg"], "")
        if old is None or z != (old.sm_z1, old.sm_z2, old.sm_z3) or old.sm_y != new.sm_y:
            v = softmax.point(z, new.sm_y)  # once, for both
            for key, (text, value) in softmax.readouts(z, new.sm_y, v).items():
                self._write(self.el[key], text, "value", "" if value is None else repr(value))
            self.m["sm_bars"].data(softmax.bars_rows(z, new.sm_y, v))
            if change.announce:
                self._announce.schedule()
        every = shows_all(old, new, change)
        was = (None,) * 3 if every else (old.sm_z1, old.sm_z2, old.sm_z3)
        for j, v, before in zip(CLASS_IDS, z, was):
            if v == before:
                continue
            if change.typing != f"smZ{j}":
                self.el[f"smZ{j}"].value(f"{clamp(v, -softmax.Z_SLIDER, softmax.Z_SLIDER):.2f}")
            if change.typing != f"smZ{j}Num":
                self.el[f"smZ{j}Num"].value(z_text(v))
        if every or old.sm_y != new.sm_y:
            self.el[f"smY{new.sm_y + 1}"].checked(True)

    def _write_announce(self) -> None:
        s = self.store.state
        v = softmax.point((s.sm_z1, s.sm_z2, s.sm_z3), s.sm_y)
        probs = ", ".join(f"p{j} = {readout(p)}" for j, p in zip(CLASS_IDS, v["p"]))
        ratio = "—" if v["ratio"] is None else readout(v["ratio"])
        self.el["smAnnounce"].text(f"True class {s.sm_y + 1}; {probs}; CE = {readout(v['ce'])}, "
                                   f"MSE = {readout(v['mse'])}; gradient norms CE {readout(v['norm_ce'])}, "
                                   f"MSE {readout(v['norm_mse'])}; ratio {ratio}.")

    def bind(self) -> None:
        super().bind()
        on = self.page.on
        for j in CLASS_IDS:
            attr = f"sm_z{j}"
            on(f"smZ{j}", "input", lambda ev, j=j, a=attr: self._slid(j, a, ev.value, False), read=("value",),
               coalesce=True)
            on(f"smZ{j}", "change", lambda ev, j=j, a=attr: self._slid(j, a, ev.value, True), read=("value",))
            on(f"smZ{j}Num", "input", lambda ev, j=j, a=attr: self._z_typed(j, a, ev.value, False), read=("value",),
               coalesce=True)
            on(f"smZ{j}Num", "change", lambda ev, j=j, a=attr: self._z_typed(j, a, ev.value, True), read=("value",))
            on(f"smY{j}", "change", lambda ev, j=j: self.store.update(Change(announce=True), sm_y=j - 1))

    def _slid(self, j: int, attr: str, text: str, commit: bool) -> None:
        v, _ = parse_sm_z(str(text or ""))
        if v is None:
            return
        show_msg(self.el[f"smZ{j}Msg"], "")
        self.store.update(Change(typing=None if commit else f"smZ{j}", announce=commit),
                          **{attr: clamp(v, -softmax.Z_SLIDER, softmax.Z_SLIDER)})

    def _z_typed(self, j: int, attr: str, text: str, commit: bool) -> None:
        key = f"smZ{j}Num"
        field = self.el[key]
        value = parse_field(text, field, self.el[f"smZ{j}Msg"], parse_sm_z, commit,
                            z_text(getattr(self.store.state, attr)))
        if value is None:
            return
        if commit:
            field.value(z_text(value))
        self.store.update(Change(typing=None if commit else key, announce=commit), **{attr: value})

    # -- the training part --------------------------------------------------------
    def _show_data_set(self, index: int) -> None:
        self.m["sm_points"].data(softmax.points_rows(self.x, self.k))
        x0, x1, y0, y1 = self.box
        for r in softmax.RUNNERS:
            self.m[f"sm_map_{r}_x"].set(start=x0, end=x1)
            self.m[f"sm_map_{r}_y"].set(start=y0, end=y1)

    def _new_course(self) -> softmax.Course:
        st = self.store.state
        return softmax.Course(self.x, self.k, st.sm_s, st.sm_lr)

    def show(self, k: int) -> None:
        self._stream_history(k, "sm_epoch_x")
        self._show_maps(k, range(len(softmax.RUNNERS)))
        self._show_numbers(k)

    def _show_maps(self, k: int, runners) -> None:
        for i in runners:
            self.m[f"sm_map_{softmax.RUNNERS[i]}"].image(softmax.class_map(self.course, self.grid, i, k), self.box)

    def _show_numbers(self, k: int) -> None:
        """The readouts and counts at epoch k."""
        c = self.course
        self.shown = k
        for key, (text, value) in softmax.numbers(c, k).items():
            self._write(self.el[key], text, "value", repr(value))
        self._show_counts(k)
        self._show_status()

    # The whole history is kept: One epoch shows the next one, a pause the epoch the accuracy plot reached.
    def _next_step(self) -> int:
        return self.shown + 1

    def _after_pause(self) -> None:
        self._show_maps(self.streamed, range(len(softmax.RUNNERS)))
        self._show_numbers(self.streamed)

    # The maps and readouts show the epoch the accuracy plot has reached.
    def _turn_accuracy(self, k: int, nth: int) -> None:
        if k != self.streamed:
            self._stream_history(k, "sm_epoch_x")

    def _turn_map(self, k: int, nth: int) -> None:
        self._show_maps(self.streamed, [self._map_turn])
        self._map_turn = (self._map_turn + 1) % len(softmax.RUNNERS)

    def _turn_numbers(self, k: int, nth: int) -> None:
        self._show_numbers(self.streamed)
