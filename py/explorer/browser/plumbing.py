"""What every panel needs to talk to the page, in one place.

`Page` hands out JS callables that survive their handler's exception (the
page shows a short notice and keeps working), finds elements, and shows
validation messages; `Delay` is a restartable timer; `js_obj` converts
Python dicts to plain JS objects for BokehJS. Panels never call
`create_proxy` or `to_js` themselves.
"""
from __future__ import annotations

import js
from pyodide.ffi import create_proxy, to_js

_from_entries = js.Object.fromEntries


def js_obj(value):
    """A Python dict (or list of them) as plain JS objects, the form BokehJS expects."""
    return to_js(value, dict_converter=_from_entries)


def set_image(source, values, box) -> None:
    """Show a 2-D numpy array in a one-image source over box (x0, x1, y0, y1), through
    assets/app/paint.js (BokehJS's image glyph needs an NDArray, which only JS can hold)."""
    h, w = values.shape
    x0, x1, y0, y1 = box
    flat = to_js(values.astype("float64").ravel())  # a Float64Array copy: nothing to release
    js.explorerPaint.setImage(source, flat, h, w, js_obj({"x": x0, "y": y0, "dw": x1 - x0, "dh": y1 - y0}))


class Page:
    def __init__(self):
        # Every proxy lives as long as the page: listeners and timers keep
        # calling them, and recreating one per event would leak.
        self._proxies = []
        self._notice = js.document.getElementById("notice")

    def elements(self, *ids: str) -> dict:
        get = js.document.getElementById
        return {i: get(i) for i in ids}

    def report(self, where: str, exc: Exception) -> None:
        """Tell the console and the visitor that one handler failed; the page goes on."""
        js.console.warn(f"explorer ({where}): {type(exc).__name__}: {exc}")
        self._notice.textContent = ("Something went wrong handling that input; the explorer is still "
                                    "working. (" + type(exc).__name__ + ")")
        self._notice.hidden = False

    def guarded(self, fn, where: str = "handler"):
        def run(*args):
            try:
                return fn(*args)
            except Exception as exc:  # one bad event must never kill the page
                self.report(where, exc)
        return run

    def proxy(self, fn, where: str = "handler"):
        """A JS-callable for `fn` that contains its exceptions; kept for the page's lifetime."""
        p = create_proxy(self.guarded(fn, where))
        self._proxies.append(p)
        return p

    def on(self, target, event: str, handler, options: dict | None = None) -> None:
        if options is None:
            target.addEventListener(event, self.proxy(handler, event))
        else:
            target.addEventListener(event, self.proxy(handler, event), js_obj(options))

    def delay(self, fn, ms: float) -> "Delay":
        return Delay(self.proxy(lambda *_: fn(), "timer"), ms)


class Delay:
    """Runs its callable `ms` after the last `schedule()`: debounces bursts of input."""

    def __init__(self, callback, ms: float):
        self._callback = callback
        self.ms = ms
        self._timer = None

    def schedule(self) -> None:
        self.cancel()
        self._timer = js.setTimeout(self._callback, self.ms)

    def cancel(self) -> None:
        if self._timer is not None:
            js.clearTimeout(self._timer)
            self._timer = None


def show_msg(el, text: str) -> None:
    """A field's message line: shown with `text`, hidden when empty."""
    if el.textContent != text:
        el.textContent = text
    el.hidden = not text


def parse_field(field, msg_el, parse, commit: bool, shown: str):
    """Validate a typed field with `parse(text) -> (value | None, message)`.

    Invalid text marks the field and returns None (the state must not
    change); on commit the field then shows `shown`, the value in effect.
    """
    value, msg = parse(field.value)
    show_msg(msg_el, msg)
    if value is None:
        field.setAttribute("aria-invalid", "true")
        if commit:
            field.value = shown
            field.removeAttribute("aria-invalid")
        return None
    field.removeAttribute("aria-invalid")
    return value
