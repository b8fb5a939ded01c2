"""Composes the page: shared services, the panels, and the order they start in.

No panel logic lives here. The explorer and the race are on screen at
first and start with the app; every panel below them joins on demand
(assets/app/panels.js paints its figures when it comes near the viewport,
when the browser is idle, or when a link or the kiosk needs it, then tells
Python, which calls `add_panel`). Such a panel is a class taking the shared
services, with a `render(old, new, change)` that the store calls on every
state change and a `bind()` for its controls (a training panel gets both
from browser.course's CoursePanel), named by its entry in the registry,
explorer.panels; it is imported when it first joins.
"""
from __future__ import annotations

import importlib

from ..panels import BY_NAME
from ..state import idle_seconds
from .clock import Clock
from .derivation import Derivation
from .explorer import ExplorerPanel
from .kiosk import AttractMode
from .ownloss import OwnLossPanel
from .race import RacePanel
from .store import Change, Store


class App:
    def __init__(self, page, reduced_motion: bool, lab_data: dict):
        self.page = page
        self.clock = Clock(page, reduced_motion)
        self.store = Store(page)
        self.lab_data = lab_data
        self.explorer = ExplorerPanel(page, self.clock, self.store)
        self.race = RacePanel(page, self.clock, self.store, self.explorer.loss_y_max)
        self.own = OwnLossPanel(page, self.store, self.explorer.loss_y_max)
        self.derivation = Derivation(page, self.store)
        self.panels: dict = {}  # the panels below, by name, once they have joined
        # The sweep moves z, which ends a race; so each stops the other first.
        self.explorer.before_sweep = self.race.reset
        self.race.before_start = self.explorer.stop_sweep
        self.kiosk: AttractMode | None = None
        for panel in (self.explorer, self.race, self.own):
            self.store.watch(panel.render)
            panel.bind()
        self.store.watch(self.derivation.render)
        self.store.watch_url(self.own.show_link_text)
        self.own.on_change.append(self.race.set_own_loss)
        self.store.bind_url()
        page.on("window", "panel", lambda ev: self.add_panel(ev.name), read=("name",))

    def _make_panel(self, name: str):
        entry = BY_NAME[name]
        module, cls = entry.factory.split(":")
        factory = getattr(importlib.import_module(f"{__package__}.{module}"), cls)
        return factory(self.page, self.clock, self.store, *((self.lab_data,) if entry.table else ()))

    def start(self, hash_: str, kiosk_idle_s: float | None) -> None:
        self.store.set_from_url(hash_, announce=False)
        self.race.show()
        if kiosk_idle_s is not None:
            self.kiosk = AttractMode(self.page, self.clock, self.store, self.explorer, self.race, kiosk_idle_s,
                                     self.panels)
            self.kiosk.bind()

    def add_panel(self, name: str) -> None:
        """Bind a panel whose figures panels.js has just painted; it renders the current state."""
        name = str(name)
        if name in self.panels or name not in BY_NAME or not BY_NAME[name].on_demand:
            return
        panel = self._make_panel(name)
        if getattr(panel, "races_own", False):  # a panel where your loss races too
            panel.set_own_loss(self.own.loss)
            self.own.on_change.append(panel.set_own_loss)
        self.store.watch(panel.render)
        panel.bind()
        panel.render(None, self.store.state, Change(from_url=True))
        self.panels[name] = panel
        self.page.mark(f"explorer:{name}-bound")
        self.page.root(f"{name}Panel", "ready")


def kiosk_idle(search: dict) -> float | None:
    """A kiosk's seconds without input before the attract demo (`?kiosk=1&idle=S`), or None."""
    return idle_seconds(search.get("idle")) if search.get("kiosk") == "1" else None
