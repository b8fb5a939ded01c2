"""The page as the panels see it from Python's worker: elements and Bokeh
models to write to, events to listen to, timers, a notice when something
fails. Every write is an operation on the channel (explorer.browser.channel),
applied by assets/app/bridge.js on the main thread; the names of the
operations below are the whole contract between the two.

Panels never touch `js` or the DOM: everything they do to the page goes
through here, so that Python can live in a worker.
"""
from __future__ import annotations

import math

import numpy as np

from .channel import Channel, Event

__all__ = ["Page", "Event"]


class El:
    """One element, by id. Text and data written through here are remembered and
    not sent again unchanged; a form control's value or checked state always is
    (the visitor changes those behind Python's back)."""

    def __init__(self, page: "Page", id_: str):
        self._page, self.id = page, id_
        self._seen: dict = {}

    def _op(self, key, op: list, dedupe: bool = True) -> None:
        if dedupe:
            if self._seen.get(key, self) == op[-1]:
                return
            self._seen[key] = op[-1]
        self._page.channel.send(op)

    def text(self, s: str) -> None:
        self._op("text", ["text", self.id, s])

    def html(self, s: str) -> None:
        """Markup Python built itself (never text a visitor typed)."""
        self._op("html", ["html", self.id, s])

    def data(self, key: str, value: str) -> None:
        self._op(("data", key), ["data", self.id, key, value])

    def attr(self, name: str, value: str | None) -> None:
        """Set an attribute, or remove it (None)."""
        self._op(("attr", name), ["attr", self.id, name, value])

    def hidden(self, on: bool) -> None:
        self._op("hidden", ["prop", self.id, "hidden", bool(on)])

    def toggle(self, cls: str, on: bool) -> None:
        self._op(("class", cls), ["class", self.id, cls, bool(on)])

    def value(self, s: str) -> None:
        self._op("value", ["prop", self.id, "value", s], dedupe=False)

    def checked(self, on: bool) -> None:
        self._op("checked", ["prop", self.id, "checked", bool(on)], dedupe=False)

    def prop(self, name: str, value) -> None:
        self._op(("prop", name), ["prop", self.id, name, value])

    def focus(self) -> None:
        self._page.channel.send(["focus", self.id])

    def options(self, options: list[tuple[str, str, str]]) -> None:
        """Append <option>s: (value, text, title) each."""
        self._page.channel.send(["options", self.id, [list(o) for o in options]])


class Model:
    """One named Bokeh model, on whichever of the page's documents holds it."""

    def __init__(self, page: "Page", name: str):
        self._page, self.name = page, name

    def set(self, **props) -> None:
        """Set properties (one `setv`); `title__text=...` sets a property of a sub-model."""
        self._page.channel.send(["set", self.name, {k.replace("__", "."): v for k, v in props.items()}])

    def data(self, columns: dict) -> None:
        """Replace a ColumnDataSource's data."""
        self._page.channel.send(["source", self.name, self._columns(columns)])

    def stream(self, columns: dict) -> None:
        """Append rows to a ColumnDataSource."""
        self._page.channel.send(["stream", self.name, self._columns(columns)])

    def image(self, values: np.ndarray, box: tuple) -> None:
        """A 2-D array as the one image of an image glyph's source, over box (x0, x1, y0, y1)."""
        h, w = values.shape
        x0, x1, y0, y1 = box
        self._page.channel.send(["image", self.name, self._page.channel.column(values.ravel()), h, w,
                                 [x0, y0, x1 - x0, y1 - y0]])

    def _columns(self, columns: dict) -> dict:
        out = {}
        for k, v in columns.items():
            if isinstance(v, np.ndarray) or (isinstance(v, list) and v and isinstance(v[0], (float, int))
                                             and not isinstance(v[0], bool)):
                out[k] = self._page.channel.column(v)
            else:
                out[k] = v if not isinstance(v, tuple) else list(v)
        return out


class Delay:
    """Runs its callable `ms` after the last `schedule()`: debounces bursts of input.

    One timer at a time, re-armed when it fires early: a drag that schedules
    on every input costs no timer calls but the first."""

    def __init__(self, page: "Page", fn, ms: float):
        self._page, self._fn, self.ms = page, fn, ms
        self._timer = None
        self._due = 0.0

    def schedule(self) -> None:
        self._due = self._page.now() + self.ms
        if self._timer is None:
            self._timer = self._page.timers.start(self.ms, self._fire)

    def cancel(self) -> None:
        if self._timer is not None:
            self._page.timers.clear(self._timer)
            self._timer = None

    def _fire(self) -> None:
        left = self._due - self._page.now()
        if left > 1.0:  # scheduled again meanwhile: wait for the rest
            self._timer = self._page.timers.start(left, self._fire)
            return
        self._timer = None
        self._fn()


class Page:
    """What the panels may do to the page. `timers` starts and clears timeouts
    (the worker's own setTimeout in the browser; something else in tests)."""

    def __init__(self, channel: Channel, timers, now):
        self.channel = channel
        self.timers = timers
        self.now = now  # ms, monotonic (the worker's performance.now)
        self._els: dict[str, El] = {}
        self._models: dict[str, Model] = {}
        self._root: dict[str, str | None] = {}
        self._notice = self.el("notice")
        channel.on_error = self.report

    def el(self, id_: str) -> El:
        if id_ not in self._els:
            self._els[id_] = El(self, id_)
        return self._els[id_]

    def elements(self, *ids: str) -> dict[str, El]:
        return {i: self.el(i) for i in ids}

    def model(self, name: str) -> Model:
        if name not in self._models:
            self._models[name] = Model(self, name)
        return self._models[name]

    def models(self, *names: str) -> dict[str, Model]:
        return {n: self.model(n) for n in names}

    # -- the page as a whole ----------------------------------------------
    def root(self, key: str, value: str | None) -> None:
        """<html data-key="value"> (None removes it); only when it changes."""
        if self._root.get(key, self) != value:
            self._root[key] = value
            self.channel.send(["root", key, value])

    def select(self, selector: str, prop: str, value) -> None:
        """Set a property on every element a CSS selector of our own finds (e.g. a panel's cells)."""
        self.channel.send(["select", selector, prop, value])

    def hash(self, h: str) -> None:
        """The URL's hash, replaced without a history entry (the main thread skips an unchanged one)."""
        self.channel.send(["hash", h])

    def scroll(self, id_: str | None, smooth: bool) -> None:
        """To an element, or back to the top."""
        self.channel.send(["scroll", id_, smooth])

    def mark(self, name: str) -> None:
        """A performance mark on the page's timeline (tests and benchmarks read them)."""
        self.channel.send(["mark", name])

    def want_panel(self, name: str) -> None:
        """Ask for a panel below the explorer to be painted (it joins Python once it has been)."""
        self.channel.send(["want", name])

    def derive(self, id_: int, loss: str, y: int) -> None:
        """Ask the derivation's worker (assets/app/derive.js) for ∂ℓ/∂z; the answer comes back as a
        "derived" event on the window (Python never waits for it)."""
        self.channel.send(["derive", id_, loss, y])

    def frames(self, on: bool) -> None:
        """Whether Python wants an animation frame event each frame."""
        self.channel.send(["frames", bool(on)])

    def warn(self, text: str) -> None:
        self.channel.send(["console", "warn", text])

    def report(self, where: str, exc: Exception) -> None:
        """Tell the console and the visitor that one handler failed; the page goes on."""
        self.warn(f"explorer ({where}): {type(exc).__name__}: {exc}")
        self._notice.text("Something went wrong handling that input; the explorer is still working. ("
                          + type(exc).__name__ + ")")
        self._notice.hidden(False)

    # -- events -------------------------------------------------------------
    def on(self, target: str, type_: str, handler, read: tuple = (), prevent: tuple = (),
           coalesce: bool = False) -> None:
        """Listen to `type_` on element `target` (or "window"/"document"). `read`: what the main
        thread sends along (value, checked, key, shift, ...); `prevent`: the keys whose default
        action the main thread cancels (it cannot wait for Python to decide); `coalesce`: while
        Python is busy only the latest such event waits (a drag, typing)."""
        self.channel.listen(target, type_, handler)
        self.channel.send(["listen", target, type_, list(read), list(prevent), bool(coalesce)])

    def delay(self, fn, ms: float) -> Delay:
        return Delay(self, fn, ms)

    def guarded(self, fn, where: str):
        def run(*args):
            try:
                return fn(*args)
            except Exception as exc:  # noqa: BLE001
                self.report(where, exc)
        return run


def finite(v: float) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)
