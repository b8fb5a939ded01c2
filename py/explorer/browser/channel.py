"""The one narrow channel between Python, in its Web Worker, and the page.

Patches out: whatever Python writes to the page (text, attributes, Bokeh
models) is an operation appended to a batch, and the batch goes to the
main thread as one message when the event, frame or timer that produced
it has been handled: the operations as JSON, numeric columns beside it as
typed arrays whose buffers are transferred, not copied. Events in: the
main thread sends what happened (an input's value, a key, a click, a
frame), batched while Python is busy so that only the latest value of a
control is waiting; each batch is acknowledged by the patch that answers
it, which is how the main thread knows Python is free again.

`Channel` knows nothing of the page's contents; explorer.browser.page
builds the operations. In CPython (tests) `post` is any callable.
"""
from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np

# Shorter columns go as JSON: a typed array costs more to make and hand over than it saves.
TYPED_MIN = 64


class Event(SimpleNamespace):
    """One event as the main thread relayed it: `target` (the element's id, "window" or
    "document"), `type`, and what the listener asked to read (value, checked, key, shift, ...)."""

    def __getattr__(self, name):  # a field the main thread did not send reads as None
        return None


class Channel:
    def __init__(self, post, to_typed=None):
        self._post = post               # post(message: dict, arrays: list) → the main thread
        self._to_typed = to_typed       # numpy float64 array → a transferable typed array
        self.ops: list = []
        self._arrays: list = []
        self._listeners: dict[tuple[str, str], object] = {}
        self._handlers: dict[str, object] = {}   # message kind → handler(message)
        self.on_error = lambda where, exc: None  # set by the page: one failing handler never stops the rest

    # -- out ------------------------------------------------------------------
    def send(self, op: list) -> None:
        self.ops.append(op)

    def column(self, values):
        """A numeric column for Bokeh: a typed array when it is long and every value is a finite
        float (sent by transfer), else a plain list (None where a value is missing: the plot's gaps)."""
        if isinstance(values, list) and len(values) < TYPED_MIN and None not in values:
            return [float(v) if math.isfinite(v) else None for v in values]
        a = np.asarray(values, dtype=float) if not isinstance(values, list) or None not in values else None
        if a is not None and a.ndim == 1 and self._to_typed is not None and np.isfinite(a).all():
            self._arrays.append(self._to_typed(np.ascontiguousarray(a)))
            return {"$": len(self._arrays) - 1}
        if a is not None:
            values = a.tolist()
        return [None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v for v in values]

    def flush(self, ack: int | None = None) -> None:
        """Send what has been written since the last flush (and acknowledge batch `ack`)."""
        if not self.ops and ack is None:
            return
        ops, arrays = self.ops, self._arrays
        self.ops, self._arrays = [], []
        # allow_nan=False: a NaN or ∞ reaching the page is a bug to hear about, not to show.
        self._post({"x": "patch", "ack": ack, "ops": json.dumps(ops, allow_nan=False, separators=(",", ":"))},
                   arrays)

    # -- in -------------------------------------------------------------------
    def listen(self, target: str, type_: str, handler) -> None:
        self._listeners[(target, type_)] = handler

    def handle(self, kind: str, handler) -> None:
        self._handlers[kind] = handler

    def receive(self, message: dict) -> None:
        """One message from the main thread; whatever it makes Python write goes back at once."""
        kind = message.get("x")
        if kind == "events":
            try:
                for ev in message["events"]:
                    self.dispatch(Event(**ev))
            finally:
                self.flush(ack=message["seq"])
            return
        try:
            if kind in self._handlers:
                self._handlers[kind](message)
        except Exception as exc:  # noqa: BLE001 (contained: the page says so and goes on)
            self.on_error(kind, exc)
        finally:
            self.flush()

    def dispatch(self, ev: Event) -> None:
        handler = self._listeners.get((ev.target, ev.type))
        if handler is None:
            return
        if ev.value is not None or ev.checked is not None:
            # What the visitor has since put in that control outdates what this patch wrote to it
            # for an earlier event of the batch (a field put back after a bad entry, then typed in).
            self.ops = [op for op in self.ops if not _writes_control(op, ev.target)]
        try:
            handler(ev)
        except Exception as exc:  # noqa: BLE001 (one bad event must never kill the page)
            self.on_error(ev.type, exc)


def _writes_control(op: list, target: str) -> bool:
    return op[0] == "prop" and op[1] == target and op[2] in ("value", "checked")
