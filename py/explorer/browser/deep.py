"""The depth panel: data, depth, activation, learning-rate and seed controls,
Train / One epoch / Reset, the readouts, the per-layer table `deepLayers`
and the four depth figures.

It owns the panel's elements and every model whose name starts with
`deep_`. The training is explorer.deep's `Course`, which keeps only the
current weights: each frame trains up to the epoch the animation has
reached (never longer than a frame's budget) and shows that epoch.
"""
from __future__ import annotations

import html

from .. import deep, lab
from ..race import seconds_for
from ..state import State, parse_deep_lr, parse_deep_seed
from .plumbing import parse_field
from .store import Change

FRAME_BUDGET_MS = 6.0    # the app's work per animation frame while the course plays: figures, then training
SKIP_BUDGET_MS = 20.0    # and while skipping to the end (no long task: the figures wait their turn)
# While a course runs, the figures are updated in turns, one group every
# TURN_FRAMES frames (as in the lab: BokehJS's per-update cost, not the
# data, is what fills a frame); the maps, the costliest, one runner's map
# every MAP_FRAMES frames, in rotation.
TURN_FRAMES = 2
MAP_FRAMES = 4
RUNNER_IDS = ("CE", "MSE", "Own")
MAP_RUNNERS = (*deep.RUNNERS, "own")  # deep_map_<runner>: runner i of a course draws into MAP_RUNNERS[i]
SELECTS = (("deepData", "deep_data", len(deep.DATASETS), 0), ("deepDepth", "deep_depth", deep.DEPTH_MAX + 1, 1),
           ("deepAct", "deep_act", len(deep.ACTIVATIONS), 0))


class DeepPanel:
    def __init__(self, page, clock, store):
        self.page, self.clock, self.store = page, clock, store
        self.el = page.elements("deepData", "deepDepth", "deepAct", "deepLr", "deepLrMsg", "deepSeed",
                                "deepSeedMsg", "deepRun", "deepStep", "deepReset", "deepEpoch", "deepStatus",
                                "deepCE", "deepMSE", "deepOwn", "deepHeadline", "deepAccCE", "deepAccMSE",
                                "deepAccOwn", "deepLossCE", "deepLossMSE", "deepLossOwn", "deepLayersBody")
        self.m = page.models("deep_layers", "deep_history", "deep_now", "deep_epoch_x", "deep_grad_y",
                             "deep_layer_x", "deep_points", "deep_own_key_grad", "deep_own_key_acc",
                             *(f"deep_map_{r}{part}" for r in MAP_RUNNERS for part in ("", "_x", "_y")))
        self.own_loss = None  # your loss (explorer.ownloss.Loss): a third runner when set
        self.data = deep.datasets()
        self.course: deep.Course | None = None
        self.grid = None
        self.cells: list = []
        self._status = ""
        self.shown = 0
        self.streamed = 0
        self._frames = 0
        self._range = None
        self._epoch_end = None
        self._t0: float | None = None
        self._skip = False
        self._epoch_ms = 0.0  # how long the last animated epoch took
        self._starved = False  # the last frame trained nothing

    @property
    def running(self) -> bool:
        return self._t0 is not None

    # -- state → view -------------------------------------------------------
    def render(self, old: State | None, new: State, change: Change) -> None:
        if old is None or old.deep_data != new.deep_data:
            self._show_points(new.deep_data)
        if old is None or old.deep != new.deep:
            self.reset()
        e = self.el
        if change.typing != "deepLr":
            e["deepLr"].value(f"{new.deep_lr:g}")
        if change.typing != "deepSeed":
            e["deepSeed"].value(str(new.deep_seed))
        for el_id, attr, _, _ in SELECTS:
            e[el_id].value(str(getattr(new, attr)))

    def set_own_loss(self, loss) -> None:
        """Your loss changed: the course starts over, with it as a third runner (or without)."""
        self.own_loss = loss
        self.page.select("#deep [data-own]", "hidden", loss is None)
        for key in ("deep_own_key_grad", "deep_own_key_acc"):
            self.m[key].set(visible=loss is not None)
        if self.course is not None:
            self.reset()

    def _show_points(self, index: int) -> None:
        x, y = self.data[deep.DATASETS[index]]
        self.m["deep_points"].data(deep.points_rows(x, y))
        box = deep.map_box(x)
        self.grid = (box, deep.map_grid(box))
        x0, x1, y0, y1 = box
        for r in MAP_RUNNERS:
            self.m[f"deep_map_{r}_x"].set(start=x0, end=x1)
            self.m[f"deep_map_{r}_y"].set(start=y0, end=y1)

    def _new_course(self) -> None:
        st = self.store.state
        x, y = self.data[deep.DATASETS[st.deep_data]]
        self.course = deep.Course(x, y, st.deep_depth, deep.ACTIVATIONS[st.deep_act], st.deep_lr, st.deep_seed,
                                  own=self.own_loss)
        self.course.advance(1)
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
        c = self.course
        if k > self.streamed:
            self.m["deep_history"].stream(deep.history_rows(c, self.streamed + 1, k + 1))
        elif k < self.streamed or k == 0:
            self.m["deep_history"].data(deep.history_rows(c, 0, k + 1))
        self.streamed = k
        self.m["deep_now"].data(deep.now_rows(c, k))
        self.m["deep_layers"].data(deep.layer_rows(c, k))
        end = lab.epoch_axis_end(k)
        if end != self._epoch_end:
            self._epoch_end = end
            self.m["deep_epoch_x"].set(end=end)
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
        for i, r in enumerate(RUNNER_IDS[:len(c.runners)]):
            n = c.revealed(i, k)
            self._write(self.el[f"deep{r}"], "—" if k == 0 and n is None else deep.count_text(n),
                        "epochs", "" if n is None else str(n))
        self._write(self.el["deepHeadline"], deep.headline(c, k), "epoch", str(k))
        self._show_status()

    def _show_maps(self, runners=None) -> None:
        """Each given runner's map (all of them by default)."""
        box, grid = self.grid
        for i in range(len(self.course.runners)) if runners is None else runners:
            self.m[f"deep_map_{MAP_RUNNERS[i]}"].image(deep.map_probabilities(self.course, grid, i), box)

    @staticmethod
    def _write(el, text: str, data_key: str, data: str) -> None:
        el.text(text)
        el.data(data_key, data)

    def _show_status(self) -> None:
        running, c = self.running, self.course
        finished = self.shown >= c.epochs
        status = "running" if running else ("done" if finished else ("idle" if self.shown == 0 else "paused"))
        if status == self._status:
            return
        self._status = status
        btn = self.el["deepRun"]
        btn.text("Skip to the end" if running else "Train")
        btn.toggle("running", running)
        self.page.root("deep", status)
        if finished and not running:
            ce, mse = (deep.count_text(c.first_at_target[i]) for i in (0, 1))
            own = f", your loss {deep.count_text(c.first_at_target[2])}" if c.own is not None else ""
            self.el["deepStatus"].text(f"Depth panel finished: cross-entropy {ce}, MSE {mse}{own} to 90 % "
                                       f"accuracy. {deep.headline(c, self.shown)}")

    # -- events → course ----------------------------------------------------
    def bind(self) -> None:
        self.page.select("[data-deep-control]", "disabled", False)
        on = self.page.on
        for el_id, attr, limit, lowest in SELECTS:
            on(el_id, "change", lambda ev, i=el_id, a=attr, n=limit, lo=lowest: self._picked(i, a, n, lo, ev.value),
               read=("value",))
        for key, attr, parse in (("deepLr", "deep_lr", parse_deep_lr), ("deepSeed", "deep_seed", parse_deep_seed)):
            on(key, "input", lambda ev, k=key, a=attr, p=parse: self._typed(k, a, p, ev.value, commit=False),
               read=("value",), coalesce=True)
            on(key, "change", lambda ev, k=key, a=attr, p=parse: self._typed(k, a, p, ev.value, commit=True),
               read=("value",))
        on("deepRun", "click", lambda ev: self.toggle())
        on("deepStep", "click", lambda ev: self.step())
        on("deepReset", "click", lambda ev: self.reset())

    def _picked(self, el_id: str, attr: str, limit: int, lowest: int, text: str) -> None:
        text = str(text or "")
        if text.isdigit() and lowest <= int(text) < limit:
            self.store.update(Change(announce=True), **{attr: int(text)})
        else:
            self.el[el_id].value(str(getattr(self.store.state, attr)))

    def _typed(self, key: str, attr: str, parse, text: str, commit: bool) -> None:
        field, st = self.el[key], self.store.state
        value = parse_field(text, field, self.el[key + "Msg"], parse, commit, f"{getattr(st, attr):g}")
        if value is None:
            return
        if commit:
            field.value(f"{value:g}")
        self.store.update(Change(typing=None if commit else key), **{attr: value})

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
        self.clock.run("deep", self._frame)
        self._show_status()

    def step(self) -> None:
        self._stop_clock()
        if self.shown >= self.course.epochs:
            self.reset()
        if self.course.computed <= self.shown + 1:
            self.course.advance(1)
        self.show(self.course.computed - 1)

    def pause(self) -> None:
        if self.running:
            self._stop_clock()
            self.show(self.course.computed - 1)

    def _stop_clock(self) -> None:
        self._t0 = None
        self._skip = False
        self.clock.stop("deep")

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
            self._frames += 1
            if self._frames % MAP_FRAMES == 0:  # one runner's map per turn, in rotation
                self._show_maps([self._frames // MAP_FRAMES % len(c.runners)])
            elif self._frames % TURN_FRAMES == 0:
                self._show_history(k)
            else:
                self._show_numbers(k)
        target = c.epochs if self._skip else min(lab.epoch_at((now - self._t0) / 1000.0), c.epochs)
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
