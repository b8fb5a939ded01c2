"""Composes the page: shared services, the panels, and the order they start in.

No panel logic lives here. To add a panel: give it its own module with a
class taking (page, clock, store, doc, ...), a `render(old, new, change)`
that the store calls on every state change, and a `bind()` for its
controls; then construct, watch and bind it below (as the explorer and the
race are, or later, as the lab is once its figures are drawn).
"""
from __future__ import annotations

import js

from ..state import from_hash
from .clock import Clock
from .explorer import ExplorerPanel
from .kiosk import AttractMode, idle_seconds
from .lab import LabPanel
from .plumbing import Page
from .race import RacePanel
from .store import Change, Store


class App:
    def __init__(self, doc):
        self.page = Page()
        self.clock = Clock(self.page)
        self.store = Store(self.page)
        self.explorer = ExplorerPanel(self.page, self.clock, self.store, doc)
        self.race = RacePanel(self.page, self.clock, self.store, doc, self.explorer.loss_y_max)
        self.lab: LabPanel | None = None  # joins once its figures are drawn (add_lab)
        # The sweep moves z, which ends a race; so each stops the other first.
        self.explorer.before_sweep = self.race.reset
        self.race.before_start = self.explorer.stop_sweep
        self.kiosk: AttractMode | None = None
        for panel in (self.explorer, self.race):
            self.store.watch(panel.render)
            panel.bind()
        self.store.bind_url()

    def start(self, hash_: str, kiosk_idle_s: float | None) -> None:
        self.store.set(from_hash(hash_), Change(from_url=True))
        self.race.show()
        if kiosk_idle_s is not None:
            self.kiosk = AttractMode(self.page, self.clock, self.store, self.explorer, self.race, kiosk_idle_s)
            self.kiosk.bind()

    def add_lab(self, lab_doc, lab_table: dict) -> None:
        self.lab = LabPanel(self.page, self.clock, self.store, lab_doc, lab_table)
        self.store.watch(self.lab.render)
        self.lab.bind()
        self.lab.render(None, self.store.state, Change(from_url=True))
        if self.kiosk is not None:
            self.kiosk.lab = self.lab


def _query_param(name: str) -> str | None:
    v = js.URLSearchParams.new(js.location.search).get(name)
    return None if v is None else str(v)


async def start() -> App:
    figs = await js.explorerBoot.figures()
    app = App(figs.doc)
    kiosk = _query_param("kiosk") == "1"
    app.start(js.location.hash, idle_seconds(_query_param("idle")) if kiosk else None)
    add_lab = app.page.proxy(lambda lab: app.add_lab(lab.doc, js.EXPLORER_BAKED.lab_data.to_py()), "lab")
    js.explorerBoot.labFigures().then(add_lab)
    return app
