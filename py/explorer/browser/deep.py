"""The depth panel: data, depth, activation, start, skip, batch-norm, learning-rate and seed controls,
Train / One epoch / Reset, the readouts, the per-layer table `deepLayers`
and the four depth figures.

It owns the panel's elements and every model whose name starts with
`deep_`. The training is explorer.deep's `Course`, which keeps only the
current weights: each frame trains up to the epoch the animation has
reached (never longer than a frame's budget) and shows that epoch.
"""
from __future__ import annotations

import html

from .. import deep
from ..state import parse_deep_lr, parse_deep_seed
from .course import FRAME_BUDGET_MS, SKIP_BUDGET_MS, CoursePanel

MAP_RUNNERS = (*deep.RUNNERS, "own")  # deep_map_<runner>: runner i of a course draws into MAP_RUNNERS[i]


class DeepPanel(CoursePanel):
    name, title, state_key, data_attr = "deep", "Depth panel", "deep", "deep_data"
    selects = (("deepData", "deep_data", len(deep.DATASETS), 0), ("deepDepth", "deep_depth", deep.DEPTH_MAX + 1, 1),
               ("deepAct", "deep_act", len(deep.ACTIVATIONS), 0), ("deepInit", "deep_init", len(deep.INITS), 0))
    flags = (("deepSkip", "deep_skip"), ("deepNorm", "deep_norm"))
    typed = (("deepLr", "deep_lr", parse_deep_lr), ("deepSeed", "deep_seed", parse_deep_seed))
    own_keys = ("deep_own_key_grad", "deep_own_key_acc")
    history = ("deep_history", deep.history_rows, "deep_now", deep.now_rows)
    turns = ("map", "layers", "accuracy", "numbers")  # a map: one runner's, in rotation

    def __init__(self, page, clock, store):
        super().__init__(page, clock, store)
        self.el = page.elements("deepData", "deepDepth", "deepAct", "deepInit", "deepSkip", "deepNorm", "deepLr", "deepLrMsg", "deepSeed",
                                "deepSeedMsg", "deepRun", "deepStep", "deepReset", "deepEpoch", "deepStatus",
                                "deepCE", "deepMSE", "deepOwn", "deepHeadline", "deepAccCE", "deepAccMSE",
                                "deepAccOwn", "deepLossCE", "deepLossMSE", "deepLossOwn", "deepLayersBody")
        self.m = page.models("deep_layers", "deep_history", "deep_now", "deep_epoch_x", "deep_grad_y",
                             "deep_layer_x", "deep_points", *self.own_keys,
                             *(f"deep_map_{r}{part}" for r in MAP_RUNNERS for part in ("", "_x", "_y")))
        self.data = deep.datasets()
        self.grid = None
        self.cells: list = []
        self._range = None
        self._epoch_ms = 0.0  # how long the last animated epoch took
        self._starved = False  # the last frame trained nothing

    def _show_data_set(self, index: int) -> None:
        x, y = self.data[deep.DATASETS[index]]
        self.m["deep_points"].data(deep.points_rows(x, y))
        box = deep.map_box(x)
        self.grid = (box, deep.map_grid(box))
        x0, x1, y0, y1 = box
        for r in MAP_RUNNERS:
            self.m[f"deep_map_{r}_x"].set(start=x0, end=x1)
            self.m[f"deep_map_{r}_y"].set(start=y0, end=y1)

    def _new_course(self) -> deep.Course:
        st = self.store.state
        x, y = self.data[deep.DATASETS[st.deep_data]]
        return deep.Course(x, y, st.deep_depth, deep.ACTIVATIONS[st.deep_act], st.deep_lr, st.deep_seed,
                           own=self.own_loss, init=deep.INITS[st.deep_init], skip=st.deep_skip, norm=st.deep_norm)

    def _started(self) -> None:
        self._range = None
        if len(self.cells) != self.course.layers or len(self.cells[0]) != len(self.course.runners):
            self._build_table(self.course.layers, len(self.course.runners))
            self.m["deep_layer_x"].set(end=self.course.layers + 0.3)

    def _build_table(self, layers: int, runners: int) -> None:
        """One row per weight matrix, input side first; its cells (ids deepLayer<i>_<j>) written as text only."""
        rows = []
        for i in range(layers):
            name = f"W{i + 1}" + (" (input side)" if i == 0 else " (output)" if i == layers - 1 else "")
            cells = "".join(f'<td id="deepLayer{i}_{j}"></td>' for j in range(runners))
            rows.append(f'<tr><th scope="row">{html.escape(name)}</th>{cells}</tr>')
        self.el["deepLayersBody"].html("".join(rows))
        self.cells = [[self.page.el(f"deepLayer{i}_{j}") for j in range(runners)] for i in range(layers)]
        for row in self.cells:  # new elements: nothing written to them yet
            for td in row:
                td._seen.clear()

    def show(self, k: int, maps: bool = True) -> None:
        self._show_history(k)
        self._show_numbers(k)
        if maps:
            self._show_maps()

    def _show_history(self, k: int) -> None:
        """The accuracy plot up to epoch k and the per-layer gradient plot at epoch k."""
        self._stream_history(k, "deep_epoch_x")
        self._show_layers(k)

    def _show_layers(self, k: int) -> None:
        c = self.course
        self.m["deep_layers"].data(deep.layer_rows(c, k))
        rng = deep.layer_range(c, k)
        if rng != self._range:
            self._range = rng
            self.m["deep_grad_y"].set(start=rng[0], end=rng[1])

    def _show_numbers(self, k: int) -> None:
        """Readouts, the layer table, the counts and the headline at epoch k."""
        c = self.course
        self.shown = k
        for key, (text, value) in deep.readouts(c, k).items():
            self._write(self.el[key], text, "value", repr(value))
        for i, row in enumerate(self.cells):
            for j, td in enumerate(row):
                g = float(c.grad_norm[k, i, j])
                self._write(td, deep.readout(g), "value", repr(g))
        self._show_counts(k)
        self._write(self.el["deepHeadline"], deep.headline(c, k), "epoch", str(k))
        self._show_status()

    def _show_maps(self, runners=None) -> None:
        """Each given runner's map (all of them by default)."""
        box, grid = self.grid
        for i in range(len(self.course.runners)) if runners is None else runners:
            self.m[f"deep_map_{MAP_RUNNERS[i]}"].image(deep.map_probabilities(self.course, grid, i), box)

    def _turn_map(self, k: int, nth: int) -> None:
        self._show_maps([nth % len(self.course.runners)])

    def _turn_layers(self, k: int, nth: int) -> None:
        self._show_layers(k)

    def _turn_accuracy(self, k: int, nth: int) -> None:
        self._stream_history(k, "deep_epoch_x")

    def _turn_numbers(self, k: int, nth: int) -> None:
        self._show_numbers(k)

    def _finished_text(self) -> str:
        return deep.headline(self.course, self.shown)

    def _frame(self, now: float) -> bool:
        """Show one group of figures for the epoch trained so far, then train in what is left of the frame."""
        c = self.course
        k = c.computed - 1  # the weights the maps would show
        if k >= c.epochs:
            self._t0 = None
            self.show(k)
            return False
        t0 = self.clock.now()
        if not self.clock.reduced_motion:  # reduced motion: the finished course only
            self._take_turn(k)
        target = self._target(now)
        budget = SKIP_BUDGET_MS if self._skip else FRAME_BUDGET_MS
        # An epoch starts only if the last one's time still fits the frame's
        # budget (a deep stack's epoch is a good part of it), except that a
        # frame after one that trained nothing trains one, so a slow machine
        # still gets to the end.
        t = self.clock.now()
        trained = 0
        while c.computed <= target and (t - t0 + self._epoch_ms <= budget or (self._starved and not trained)):
            c.advance(1)
            trained += 1
            t1 = self.clock.now()
            self._epoch_ms, t = t1 - t, t1
        self._starved = not trained and c.computed <= target
        return True
