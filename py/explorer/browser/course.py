"""The course player every training panel shares (the lab, the depth panel):
its controls (choices, typed numbers, Train / One epoch / Reset), running,
pausing, stepping and skipping, the status line, your loss as a third
runner, and the history plots' streaming.

A panel subclasses `CoursePanel`, names its controls and models, and keeps
only what is its own: its data (`_show_data_set`), how a course is made
(`_new_course`), what an epoch looks like (`show`), and what one animation
frame updates (`turns`, each a `_turn_<name>` method).
"""
from __future__ import annotations

from .. import course as shared
from ..race import seconds_for
from ..state import State
from .plumbing import parse_field
from .store import Change, shows_all

# Training per animation frame while a course plays. Python runs in its own
# worker, so the page does not wait for it; kept under one frame so that
# every frame event is answered before the next one comes, and a click
# (Skip to the end, Reset) waits for no more than that. (On the main thread
# this was 3 to 6 ms, and a deep course fell far behind its ~9.5 s schedule.)
FRAME_BUDGET_MS = 11.0
SKIP_BUDGET_MS = 20.0   # skipping to the end: nothing is drawn in between


class CoursePanel:
    name = ""           # the panel's name: its section id and clock key
    prefix = ""         # its elements' id prefix (default: its name)
    counts = ""         # between prefix and runner id in the ids of its epoch counts ("Epochs": smEpochsCE)
    races_own = True    # your loss joins as a third runner
    title = ""          # its status line's first words ("Lab finished: …")
    state_key = ""      # the State property a course depends on (a change starts it over)
    data_attr = ""      # the State attribute choosing its data, shown by `_show_data_set` (none: one data set)
    selects: tuple = ()  # (element id, State attribute, choices, lowest)
    typed: tuple = ()    # (element id, State attribute, parse)
    flags: tuple = ()    # (checkbox id, State attribute)
    own_keys: tuple = ()  # models of your loss's legend entries, hidden without it
    history: tuple = ()  # the history source, its rows(course, start, stop), the now source, its rows(course, k)
    # While a course plays, each frame updates one thing, in rotation: a
    # repaint by BokehJS, not the data, is what fills the main thread's frame
    # (measured: a decision map 3 to 9 ms, a history plot 1.5 to 8 ms; the
    # frames over 8 ms were those with two repaints). Each name is a method
    # `_turn_<name>(k, nth)`: k the epoch reached, nth how many rounds so far.
    turns: tuple = ()

    def __init__(self, page, clock, store):
        self.page, self.clock, self.store = page, clock, store
        self.own_loss = None  # your loss (explorer.ownloss.Loss): a third runner when set
        self.course = None
        self.shown = 0      # the epoch of the readouts
        self.streamed = 0   # the epoch the history plots reach
        self._status = ""
        self._epoch_end = None
        self._frames = 0    # animation frames so far: whose turn it is
        # Looked up once: CPython 3.12's method cache keeps a reference to each attribute name it
        # was asked for, by the string's address, so a name made afresh every frame
        # ("_turn_" + name) kept up to 4,096 dead strings alive on the worker's heap.
        self._turn_fns = tuple(getattr(type(self), "_turn_" + t) for t in self.turns)
        self._t0: float | None = None   # animation start (ms); None when not animating
        self._skip = False              # Train pressed while running: go to the end

    @property
    def running(self) -> bool:
        return self._t0 is not None

    def _el(self, suffix: str):
        return self.el[(self.prefix or self.name) + suffix]

    # -- what a panel gives ---------------------------------------------------
    def _show_data_set(self, index: int) -> None:
        raise NotImplementedError

    def _new_course(self):
        """A course from the current state, nothing computed yet."""
        raise NotImplementedError

    def _started(self) -> None:
        """A new course has its first row: what depends on its shape."""

    def show(self, k: int) -> None:
        raise NotImplementedError

    def _after_pause(self) -> None:
        """What a pause shows: by default the epoch the course has reached."""
        self.show(self.course.computed - 1)

    def _next_step(self) -> int:
        """The epoch One epoch shows (by default the one after the course's current weights)."""
        return self.course.computed - 1

    def _finished_text(self) -> str:
        return ""

    # -- state → view -------------------------------------------------------
    def render(self, old: State | None, new: State, change: Change) -> None:
        data = getattr(new, self.data_attr) if self.data_attr else 0
        if old is None or (self.data_attr and getattr(old, self.data_attr) != data):
            self._show_data_set(data)
        if old is None or getattr(old, self.state_key) != getattr(new, self.state_key):
            self.reset()
        every = shows_all(old, new, change)
        changed = lambda attr: every or getattr(old, attr) != getattr(new, attr)  # noqa: E731
        for el_id, attr, _ in self.typed:
            if change.typing != el_id and changed(attr):
                self.el[el_id].value(f"{getattr(new, attr):g}")
        for el_id, attr, _, _ in self.selects:
            if changed(attr):
                self.el[el_id].value(str(getattr(new, attr)))
        for el_id, attr in self.flags:
            if changed(attr):
                self.el[el_id].checked(bool(getattr(new, attr)))

    def set_own_loss(self, loss) -> None:
        """Your loss changed: the course starts over, with it as a third runner (or without)."""
        self.own_loss = loss
        self.page.select(f"#{self.name} [data-own]", "hidden", loss is None)
        for key in self.own_keys:
            self.m[key].set(visible=loss is not None)
        if self.course is not None:
            self.reset()

    def _stream_history(self, k: int, axis: str) -> None:
        """The history plot up to epoch k (new rows streamed, a step back redrawn), its marker and
        its epoch axis (`axis`, grown in steps)."""
        source, rows, now, now_rows = self.history
        c = self.course
        if k > self.streamed:
            self.m[source].stream(rows(c, self.streamed + 1, k + 1))
        elif k < self.streamed or k == 0:
            self.m[source].data(rows(c, 0, k + 1))
        self.streamed = k
        self.m[now].data(now_rows(c, k))
        end = shared.epoch_axis_end(k)
        if end != self._epoch_end:
            self._epoch_end = end
            self.m[axis].set(end=end)

    def _show_counts(self, k: int) -> None:
        """Each runner's epochs to the target, once epoch k has reached it."""
        c = self.course
        for i, r in enumerate(shared.RUNNER_IDS[:len(c.runners)]):
            n = c.revealed(i, k)
            self._write(self._el(self.counts + r), "—" if k == 0 and n is None else shared.count_text(n),
                        "epochs", "" if n is None else str(n))

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
        btn = self._el("Run")
        btn.text("Skip to the end" if running else "Train")
        btn.toggle("running", running)
        self.page.root(self.name, status)
        if finished and not running:
            extra = self._finished_text()
            self._el("Status").text(f"{self.title} finished: {c.finished_counts()} to 90 % accuracy."
                                    + (f" {extra}" if extra else ""))

    # -- events → course ----------------------------------------------------
    def bind(self) -> None:
        self.page.select(f"[data-{self.name}-control]", "disabled", False)
        on = self.page.on
        for el_id, attr, limit, lowest in self.selects:
            on(el_id, "change", lambda ev, i=el_id, a=attr, n=limit, lo=lowest: self._picked(i, a, n, lo, ev.value),
               read=("value",))
        for el_id, attr, parse in self.typed:
            on(el_id, "input", lambda ev, k=el_id, a=attr, p=parse: self._typed(k, a, p, ev.value, commit=False),
               read=("value",), coalesce=True)
            on(el_id, "change", lambda ev, k=el_id, a=attr, p=parse: self._typed(k, a, p, ev.value, commit=True),
               read=("value",))
        pre = self.prefix or self.name
        for el_id, attr in self.flags:
            on(el_id, "change", lambda ev, a=attr: self.store.update(Change(announce=True), **{a: bool(ev.checked)}),
               read=("checked",))
        on(f"{pre}Run", "click", lambda ev: self.toggle())
        on(f"{pre}Step", "click", lambda ev: self.step())
        on(f"{pre}Reset", "click", lambda ev: self.reset())

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
        # The old course's history goes before the new one's is made, so the new one can take its
        # place on the worker's heap (which grows for good when a block finds no place).
        self.course = None
        self.course = self._new_course()
        self.course.advance(1)
        self._started()
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
        self._t0 = self.clock.now() - 1000.0 * seconds_for(self.shown, shared.epoch_at)
        self.clock.run(self.name, self._frame)
        self._show_status()

    def step(self) -> None:
        self._stop_clock()
        if self.shown >= self.course.epochs:
            self.reset()
        if self.course.computed <= self.shown + 1:
            self.course.advance(1)
        self.show(self._next_step())

    def pause(self) -> None:
        if self.running:
            self._stop_clock()
            self._after_pause()

    # -- the animation ---------------------------------------------------------
    def _frame(self, now: float) -> bool:
        """Train ahead within the frame's budget, then one turn at the epoch the animation has reached."""
        c = self.course
        target = self._target(now)
        t0 = self.clock.now()
        budget = SKIP_BUDGET_MS if self._skip else FRAME_BUDGET_MS
        while not c.done and self.clock.now() - t0 < budget:
            c.advance(1)
        k = min(target, c.computed - 1)
        if self.clock.reduced_motion and k < c.epochs:
            return True  # the finished course only
        if k >= c.epochs:
            self._t0 = None
            self.show(k)
            return False
        self._take_turn(k)
        return True

    def _take_turn(self, k: int) -> None:
        self._frames += 1
        n = len(self._turn_fns)
        self._turn_fns[self._frames % n](self, k, self._frames // n)

    def _turn_rest(self, k: int, nth: int) -> None:
        """A frame left to the page."""

    def _stop_clock(self) -> None:
        self._t0 = None
        self._skip = False
        self.clock.stop(self.name)

    def _target(self, now: float) -> int:
        """The epoch the animation has reached at `now` (the end when skipping)."""
        c = self.course
        return c.epochs if self._skip else min(shared.epoch_at((now - self._t0) / 1000.0), c.epochs)
