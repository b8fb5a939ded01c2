"""The lab panel: the feature pair, s and learning-rate fields, Train / One
epoch / Reset, the per-runner readouts and the three lab figures.

It owns the lab's elements and every model whose name starts with `lab_`.
The training itself is explorer.lab's `Course`; this module decides how
much of it to compute in each frame (never more than FRAME_BUDGET_MS, so a
2,000-epoch course never keeps Python's worker from answering), which epoch to show and which
figures to update in each frame.
"""
from __future__ import annotations

from .. import course as shared
from .. import lab
from ..state import parse_lab_s, parse_lr
from .course import CoursePanel


class LabPanel(CoursePanel):
    name, title, state_key, data_attr = "lab", "Lab", "lab", "lab_pair"
    selects = (("labPair", "lab_pair", len(lab.PAIRS), 0),)
    typed = (("labS", "lab_s", parse_lab_s), ("labLr", "lab_lr", parse_lr))
    own_keys = ("lab_own_key_acc", "lab_own_key_gnorm")
    history = ("lab_history", lab.history_rows, "lab_now", lab.now_rows)
    # The history plots, then the data plot and the readouts at the epoch the
    # history reached (the readouts never lead the curves); every other frame
    # is left to the page (each figure at ~15 per second, as measured on the main thread).
    turns = ("rest", "history", "rest", "data")

    def __init__(self, page, clock, store, table: dict):
        super().__init__(page, clock, store)
        self.el = page.elements("labPair", "labS", "labSMsg", "labLr", "labLrMsg", "labRun", "labStep", "labReset",
                                "labEpoch", "labStatus", "labCE", "labMSE", "labOwn",
                                *(f"lab{k}{r}" for k in ("Acc", "Loss", "Grad") for r in shared.RUNNER_IDS))
        self.m = page.models("lab_history", "lab_now", "lab_epoch_x", "lab_grad_y", "lab_x", "lab_y", "lab_x_axis",
                             "lab_y_axis", "lab_benign", "lab_malignant", "lab_runners", *self.own_keys)
        self.table = table
        self._pairs: dict[int, tuple] = {}
        self.box = (0.0, 1.0, 0.0, 1.0)
        self._grad_floor = None

    def _pair(self, index: int) -> tuple:
        if index not in self._pairs:
            x2, y = lab.pair_data(self.table, index)
            self._pairs[index] = (x2, y, lab.plot_box(x2))
        return self._pairs[index]

    def _show_data_set(self, index: int) -> None:
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

    def _new_course(self) -> lab.Course:
        st = self.store.state
        x2, y, _ = self._pair(st.lab_pair)
        return lab.Course(x2, y, st.lab_s, st.lab_lr, own=self.own_loss)

    def _started(self) -> None:
        self._grad_floor = None

    def show(self, k: int) -> None:
        """Epoch k of the course: plots, readouts and counts."""
        self._show_history(k)
        self._show_data(k)

    def _show_history(self, k: int) -> None:
        """The gradient and accuracy plots up to epoch k."""
        self._stream_history(k, "lab_epoch_x")
        floor = lab.grad_range(self.course, k + 1)[0]
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
            self._write(self.el[key], text, "value", repr(value))
        self._show_counts(k)
        self._show_status()

    # The whole history is kept: One epoch shows the next one, a pause the
    # epoch the history plots reached (the data plot may be a frame behind).
    def _next_step(self) -> int:
        return self.shown + 1

    def _after_pause(self) -> None:
        self._show_data(self.streamed)

    def _turn_history(self, k: int, nth: int) -> None:
        if k != self.streamed:
            self._show_history(k)

    def _turn_data(self, k: int, nth: int) -> None:
        self._show_data(self.streamed)
