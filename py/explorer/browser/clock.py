"""The page's one animation clock: the only caller of requestAnimationFrame.

Whatever moves (the sweep, the race, the kiosk demo, the lab) registers a
ticker under a name; every frame each ticker gets the frame's timestamp
(ms) and returns True to be called again. One loop means one callback per
frame however many things move, and nothing keeps asking for frames once
everything has stopped.
"""
from __future__ import annotations

import js


class Clock:
    def __init__(self, page):
        self._page = page
        self._tickers: dict = {}
        self._pending = False
        self._on_frame = page.proxy(self._frame, "animation frame")
        self.reduced_motion = bool(js.matchMedia("(prefers-reduced-motion: reduce)").matches)

    @staticmethod
    def now() -> float:
        return float(js.performance.now())

    @staticmethod
    def now_s() -> float:
        return float(js.performance.now()) / 1000.0

    def run(self, name: str, tick) -> None:
        """Call `tick(now)` every frame until it returns a false value or `stop(name)`."""
        self._tickers[name] = tick
        if not self._pending:
            self._pending = True
            js.requestAnimationFrame(self._on_frame)

    def stop(self, name: str) -> None:
        self._tickers.pop(name, None)

    def running(self, name: str) -> bool:
        return name in self._tickers

    def _frame(self, now) -> None:
        self._pending = False
        now = float(now)
        for name, tick in list(self._tickers.items()):
            if self._tickers.get(name) is not tick:
                continue  # stopped or replaced by an earlier ticker this frame
            try:
                again = tick(now)
            except Exception as exc:  # a failing animation stops; the others go on
                self._page.report(name, exc)
                again = False
            if not again and self._tickers.get(name) is tick:
                del self._tickers[name]
        if self._tickers and not self._pending:
            self._pending = True
            js.requestAnimationFrame(self._on_frame)
