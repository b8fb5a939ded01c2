"""Python's side of its Web Worker: the only module that touches `js`.

It connects the channel to the worker's postMessage, gives the page its
timers and clock, asks the main thread for the page's state (the URL, the
query, the visitor's motion preference, the lab's data), starts the app and
says when it is ready. assets/app/pyworker.js, the worker's JavaScript, is
`js.explorerWorker`: it booted Pyodide. (SymPy runs in a worker of its own:
py/deriver.py.)
"""
from __future__ import annotations

import asyncio

import js
from pyodide.ffi import create_proxy, to_js

from .app import App, kiosk_idle
from .channel import Channel
from .page import Page

_KEPT = []  # proxies the worker calls for as long as it lives
RUNNING: list = []  # [the app, its channel], once started


def _post(message: dict, arrays: list) -> None:
    m = js.Object.new()  # three fields: cheaper set one by one than converted as a dict
    for k, v in message.items():
        setattr(m, k, v)
    if arrays:
        m.arrays = to_js(arrays)
        _PORT[0].postMessage(m, to_js([a.buffer for a in arrays]))
    else:
        _PORT[0].postMessage(m)


_PORT: list = []  # the page's MessagePort (pyworker.js holds it; bridge.js is at the other end)


class Timers:
    """setTimeout through one long-lived proxy; what a timer's callable writes goes out when it returns."""

    def __init__(self, channel: Channel, page_report):
        self._channel, self._report = channel, page_report
        self._due: dict[int, object] = {}
        self._next = 0
        self._fire = create_proxy(self._run)
        _KEPT.append(self._fire)

    def start(self, ms: float, fn) -> tuple[int, int]:
        self._next += 1
        self._due[self._next] = fn
        return self._next, js.setTimeout(self._fire, ms, self._next)

    def clear(self, handle: tuple[int, int]) -> None:
        key, timer = handle
        self._due.pop(key, None)
        js.clearTimeout(timer)

    def _run(self, key) -> None:
        fn = self._due.pop(int(key), None)
        if fn is None:
            return
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 (a failing timer never stops the page)
            self._report("timer", exc)
        finally:
            self._channel.flush()


async def start() -> App:
    channel = Channel(_post, to_typed=to_js)
    page = Page(channel, None, lambda: float(js.performance.now()))
    page.timers = Timers(channel, page.report)
    got_init = asyncio.get_running_loop().create_future()
    channel.handle("init", lambda m: got_init.done() or got_init.set_result(m))

    def on_message(ev) -> None:
        data = ev.data
        kind = getattr(data, "x", None)
        if kind in ("events", "init"):
            channel.receive(data.to_py())

    listener = create_proxy(on_message)
    _KEPT.append(listener)
    _PORT[:] = [js.explorerWorker.port()]
    _PORT[0].addEventListener("message", listener)
    _PORT[0].postMessage(to_js({"x": "listening"}, dict_converter=js.Object.fromEntries))
    init = await got_init
    app = App(page, bool(init.get("reducedMotion")), init["labData"])
    app.start(init.get("hash", ""), kiosk_idle(init.get("search", {})))
    page.mark("explorer:app-started")
    channel.send(["ready"])
    channel.flush()
    RUNNING[:] = [app, channel]  # for tests and benchmarks, through explorerBoot.python
    return app
