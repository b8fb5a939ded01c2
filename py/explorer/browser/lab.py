"""The lab panel: the feature pair, s and learning-rate fields, Train / One
epoch / Reset, the per-runner readouts and the three lab figures.

It owns the lab's elements and every model whose name starts with `lab_`.
The training itself is explorer.lab's `Course`; this module decides how
much of it to compute in each frame (never more than FRAME_BUDGET_MS, so a
2,000-epoch course never blocks the page), which epoch to show and which
figures to update in each frame.
"""
from __future__ import annotations

from .. import lab
from ..race import seconds_for
from ..state import State, parse_lab_s, parse_lr
from .plumbing import parse_field
from .store import Change

FRAME_BUDGET_MS = 3.0  # training per animation frame (~20 epochs here); the figures need the rest
# With your own loss as a third runner an epoch costs several times more; and
# skipping to the end draws nothing in between, so a frame can train longer.
OWN_BUDGET_MS = 6.0
SKIP_BUDGET_MS = 20.0
# While a course runs, the figures are updated in two groups taking turns,
# one group every TURN_FRAMES animation frames (each figure at ~15 per
# second). All three every frame kept the main thread so busy that a garbage
# collection or a slow frame on this 2-core machine became a task over 50 ms;
# most of the cost is BokehJS's per-update and per-repaint work, not the data.
TURN_FRAMES = 2
RUNNER_IDS = (("ce", "CE"), ("mse", "MSE"))


class LabPanel:
    def __init__(self, page, clock, store, table: dict):
        self.page, self.clock, self.store = page, clock, store
        self.el = page.elements("labPair", "labS", "labSMsg", "labLr", "labLrMsg", "labRun", "labStep", "labReset",
                                "labEpoch", "labStatus", "labCE", "labMSE",
                                "labOwn", *(f"lab{k}{r}" for k in ("Acc", "Loss", "Grad") for _, r in RUNNER_IDS),
                                *(f"lab{k}Own" for k in ("Acc", "Loss", "Grad")))
        self.m = page.models("lab_history", "lab_now", "lab_epoch_x", "lab_grad_y", "lab_x", "lab_y", "lab_x_axis",
                             "lab_y_axis", "lab_benign", "lab_malignant", "lab_runners", "lab_own_key_acc",
                             "lab_own_key_gnorm", "lab_own_key_data")
        self.table = table
        self._pairs: dict[int, tuple] = {}
        self._status = ""
        self.course: lab.Course | None = None
        self.box = (0.0, 1.0, 0.0, 1.0)
        self.shown = 0      # the epoch of the data plot and readouts
        self.streamed = 0   # the epoch the history plots reach; never behind `shown`
        self._history_turn = True
        self._frames = 0    # animation frames so far: only the parity counts (whose turn it is)
        self._grad_floor = None
        self._epoch_end = None
        self._t0: float | None = None   # animation start (ms); None when not animating
        self._skip = False              # Train pressed while running: go to the end
        self.own_loss = None            # your loss (explorer.ownloss.Loss): a third runner when set

    @property
    def running(self) -> bool:
        return self._t0 is not None

    # -- state → view -------------------------------------------------------
    def render(self, old: State | None, new: State, change: Change) -> None:
        if old is None or old.lab_pair != new.lab_pair:
            self._show_pair(new.lab_pair)
        if old is None or old.lab != new.lab:
            self.reset()
        e = self.el
        if change.typing != "labS":
            e["labS"].value(f"{new.lab_s:g}")
        if change.typing != "labLr":
            e["labLr"].value(f"{new.lab_lr:g}")
        e["labPair"].value(str(new.lab_pair))

    def set_own_loss(self, loss) -> None:
        """Your loss changed: the course starts over, with it as a third runner (or without)."""
        self.own_loss = loss
        self.page.select("#lab [data-own]", "hidden", loss is None)
        for key in ("lab_own_key_acc", "lab_own_key_gnorm", "lab_own_key_data"):
            self.m[key].set(visible=loss is not None)
        if self.course is not None:
            self.reset()

    def _pair(self, index: int) -> tuple:
        if index not in self._pairs:
            x2, y = lab.pair_data(self.table, index)
            self._pairs[index] = (x2, y, lab.plot_box(x2))
        return self._pairs[index]

    def _show_pair(self, index: int) -> None:
        x2, y, self.box = self._pair(index)
        f1, f2 = lab.PAIRS[index]
        for name, value in (("lab_benign", 0), ("lab_malignant", 1)):
            keep = y == value
            self.m[name].data({"x": x2[keep, 0], "y": x2[keep, 1]})
        x0, x1, y0, y1 = self.box
        self.m["lab_x"].set(start=x0, end=x1)
        self.m["lab_y"].set(start=y0, end=y1)
        self.m["lab_x_axis"].set(axis_label=f"{f1} (standardised)")
        self.m["lab_y_axis"].set(axis_label=f"{f2} (standardised)")

    def show(self, k: int) -> None:
        """Epoch k of the course: plots, readouts and counts."""
        self._show_history(k)
        self._show_data(k)

    def _show_history(self, k: int) -> None:
        """The gradient and accuracy plots up to epoch k."""
        c = self.course
        if k > self.streamed:
            self.m["lab_history"].stream(lab.history_rows(c, self.streamed + 1, k + 1))
        elif k < self.streamed or k == 0:
            self.m["lab_history"].data(lab.history_rows(c, 0, k + 1))
        self.streamed = k
        self.m["lab_now"].data(lab.now_rows(c, k))
        end = lab.epoch_axis_end(k)
        if end != self._epoch_end:
            self._epoch_end = end
            self.m["lab_epoch_x"].set(end=end)
        floor = lab.grad_range(c, k + 1)[0]
        if floor != self._grad_floor:
            self._grad_floor = floor
            self.m["lab_grad_y"].set(start=floor)

    def _show_data(self, k: int) -> None:
        """The data plot's regions and boundaries, the readouts and counts at epoch k."""
        c = self.course
        self.shown = k
        self.m["lab_runners"].data(lab.runner_rows(c, k, self.box))
        # Written only when changed (the page's elements remember what they were sent).
        for key, (text, value) in lab.readouts(c, k).items():
            self._write(key, text, "value", repr(value))
        for i, r in enumerate(("CE", "MSE", "Own")[:len(c.runners)]):
            n = c.revealed(i, k)
            self._write(f"lab{r}", "—" if k == 0 and n is None else lab.count_text(n),
                        "epochs", "" if n is None else str(n))
        self._show_status()

    def _write(self, key: str, text: str, data_key: str, data: str) -> None:
        el = self.el[key]
        el.text(text)
        el.data(data_key, data)

    def _show_status(self) -> None:
        running = self.running
        c = self.course
        finished = self.shown >= c.epochs
        status = "running" if running else ("done" if finished else ("idle" if self.shown == 0 else "paused"))
        if status == self._status:
            return
        self._status = status
        btn = self.el["labRun"]
        btn.text("Skip to the end" if running else "Train")
        btn.toggle("running", running)
        self.page.root("lab", status)
        if finished and not running:
            ce, mse = (lab.count_text(c.first_at_target[i]) for i in (0, 1))
            own = f", your loss {lab.count_text(c.first_at_target[2])}" if c.own is not None else ""
            self.el["labStatus"].text(f"Lab finished: cross-entropy {ce}, MSE {mse}{own} to 90 % accuracy.")

    # -- events → lab -------------------------------------------------------
    def bind(self) -> None:
        self.page.select("[data-lab-control]", "disabled", False)
        on = self.page.on
        on("labPair", "change", lambda ev: self._pair_picked(ev.value), read=("value",))
        for key, parse in (("labS", parse_lab_s), ("labLr", parse_lr)):
            on(key, "input", lambda ev, k=key, p=parse: self._typed(k, p, ev.value, commit=False), read=("value",),
               coalesce=True)
            on(key, "change", lambda ev, k=key, p=parse: self._typed(k, p, ev.value, commit=True), read=("value",))
        on("labRun", "click", lambda ev: self.toggle())
        on("labStep", "click", lambda ev: self.step())
        on("labReset", "click", lambda ev: self.reset())

    def _pair_picked(self, text: str) -> None:
        text = str(text or "")
        if text.isdigit() and int(text) < len(lab.PAIRS):
            self.store.update(Change(announce=True), lab_pair=int(text))
        else:
            self.el["labPair"].value(str(self.store.state.lab_pair))

    def _typed(self, key: str, parse, text: str, commit: bool) -> None:
        field, st = self.el[key], self.store.state
        attr = "lab_s" if key == "labS" else "lab_lr"
        value = parse_field(text, field, self.el[key + "Msg"], parse, commit, f"{getattr(st, attr):g}")
        if value is None:
            return
        if commit:
            field.value(f"{value:g}")
        self.store.update(Change(typing=None if commit else key), **{attr: value})

    def _new_course(self) -> None:
        x2, y, _ = self._pair(self.store.state.lab_pair)
        st = self.store.state
        self.course = lab.Course(x2, y, st.lab_s, st.lab_lr, own=self.own_loss)
        self.course.advance(1)
        self._grad_floor = None

    def reset(self) -> None:
        self._stop_clock()
        self._new_course()
        self.shown = 0
        self.show(0)

    def toggle(self) -> None:
        """Train from the start; pressed while running, skip to the end."""
        if self.running:
            self._skip = True
            return
        if self.shown >= self.course.epochs:
            self.reset()
        self._skip = self.clock.reduced_motion  # reduced motion: no glide, the end at once
        self._t0 = self.clock.now() - 1000.0 * seconds_for(self.shown, lab.epoch_at)
        self.clock.run("lab", self._frame)
        self._show_status()

    def step(self) -> None:
        self._stop_clock()
        if self.shown >= self.course.epochs:
            self.reset()
        if self.course.computed <= self.shown + 1:
            self.course.advance(1)
        self.show(self.shown + 1)

    def pause(self) -> None:
        if self.running:
            self._stop_clock()
            self._show_data(self.streamed)  # the data plot may be a frame behind the history

    def _stop_clock(self) -> None:
        self._t0 = None
        self._skip = False
        self.clock.stop("lab")

    def _frame(self, now: float) -> bool:
        c = self.course
        target = c.epochs if self._skip else min(lab.epoch_at((now - self._t0) / 1000.0), c.epochs)
        # Compute what this frame shows, then ahead, within the frame's budget.
        t0 = self.clock.now()
        budget = SKIP_BUDGET_MS if self._skip else OWN_BUDGET_MS if c.own is not None else FRAME_BUDGET_MS
        while not c.done and self.clock.now() - t0 < budget:
            c.advance(1)
        k = min(target, c.computed - 1)
        if self.clock.reduced_motion and k < c.epochs:
            return True  # the finished course only
        if k >= c.epochs:
            self._t0 = None
            self.show(k)
            return False
        self._frames += 1
        if self._frames % TURN_FRAMES:
            return True
        # Turns: the history plots, then the data plot and the readouts at the
        # epoch the history reached, so the readouts never lead the curves.
        if self._history_turn:
            if k != self.streamed:
                self._show_history(k)
                self._history_turn = False
        else:
            self._show_data(self.streamed)
            self._history_turn = True
        return True
