"""Composes the page: shared services, the panels, and the order they start in.

No panel logic lives here. The explorer and the race are on screen at
first and start with the app; every panel below them joins on demand
(assets/app/panels.js paints its figures when it comes near the viewport,
when the browser is idle, or when a link or the kiosk needs it, then calls
`add_panel`). To add one: give it its own module with a class taking the
shared services and its Bokeh document, a `render(old, new, change)` that
the store calls on every state change and a `bind()` for its controls;
then name its factory in `panel_factories` below.
"""
from __future__ import annotations

import js

from .clock import Clock
from .deep import DeepPanel
from .derivation import Derivation
from .explorer import ExplorerPanel
from ..state import idle_seconds
from .kiosk import AttractMode
from .lab import LabPanel
from .ownloss import OwnLossPanel
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
        self.own = OwnLossPanel(self.page, self.store, doc, self.explorer.loss_y_max)
        self.derivation = Derivation(self.page, self.store)
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

    def panel_factories(self) -> dict:
        services = (self.page, self.clock, self.store)
        return {"lab": lambda doc: LabPanel(*services, doc, js.EXPLORER_BAKED.lab_data.to_py()),
                "deep": lambda doc: DeepPanel(*services, doc)}

    def start(self, hash_: str, kiosk_idle_s: float | None) -> None:
        self.store.set_from_url(hash_, announce=False)
        self.race.show()
        if kiosk_idle_s is not None:
            self.kiosk = AttractMode(self.page, self.clock, self.store, self.explorer, self.race, kiosk_idle_s,
                                     self.panels, want=lambda name: js.explorerPanels.want(name))
            self.kiosk.bind()

    def add_panel(self, name: str, doc) -> None:
        """Bind a panel whose figures panels.js has just painted; it renders the current state."""
        name = str(name)
        if name in self.panels:
            return
        panel = self.panel_factories()[name](doc)
        if hasattr(panel, "set_own_loss"):  # a panel where your loss races too
            panel.set_own_loss(self.own.loss)
            self.own.on_change.append(panel.set_own_loss)
        self.store.watch(panel.render)
        panel.bind()
        panel.render(None, self.store.state, Change(from_url=True))
        self.panels[name] = panel
        js.performance.mark(f"explorer:{name}-bound")
        setattr(js.document.documentElement.dataset, f"{name}Panel", "ready")


def _query_param(name: str) -> str | None:
    v = js.URLSearchParams.new(js.location.search).get(name)
    return None if v is None else str(v)


async def start() -> App:
    figs = await js.explorerBoot.figures()
    app = App(figs.doc)
    kiosk = _query_param("kiosk") == "1"
    app.start(js.location.hash, idle_seconds(_query_param("idle")) if kiosk else None)
    js.explorerPanels.bindWith(app.page.proxy(app.add_panel, "panel"))
    return app
