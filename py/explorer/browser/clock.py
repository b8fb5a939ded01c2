"""The page's one animation clock: the only asker for animation frames.

Whatever moves (the sweep, the race, the kiosk demo, the lab, the depth
panel) registers a ticker under a name; every frame each ticker gets the
time (ms, the worker's performance.now) and returns True to be called
again. Python lives in a worker, so the frames come from the main thread:
while any ticker runs, the page sends one "frame" event per animation
frame, and never a second before Python has answered the first (a slow
frame is skipped, not queued). Nothing asks for frames once everything
has stopped.
"""
from __future__ import annotations


class Clock:
    def __init__(self, page, reduced_motion: bool = False):
        self._page = page
        self._tickers: dict = {}
        self._asking = False
        self.reduced_motion = reduced_motion
        page.on("window", "frame", lambda ev: self._frame())

    def now(self) -> float:
        return self._page.now()

    def now_s(self) -> float:
        return self._page.now() / 1000.0

    def run(self, name: str, tick) -> None:
        """Call `tick(now)` every frame until it returns a false value or `stop(name)`."""
        self._tickers[name] = tick
        self._ask(True)

    def stop(self, name: str) -> None:
        self._tickers.pop(name, None)

    def _ask(self, on: bool) -> None:
        if on != self._asking:
            self._asking = on
            self._page.frames(on)

    def _frame(self) -> None:
        now = self.now()
        for name, tick in list(self._tickers.items()):
            if self._tickers.get(name) is not tick:
                continue  # stopped or replaced by an earlier ticker this frame
            try:
                again = tick(now)
            except Exception as exc:  # noqa: BLE001 (a failing animation stops; the others go on)
                self._page.report(name, exc)
                again = False
            if not again and self._tickers.get(name) is tick:
                del self._tickers[name]
        self._ask(bool(self._tickers))
