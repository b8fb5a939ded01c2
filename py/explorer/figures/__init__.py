"""Bokeh figures of the page, built once in CPython at build time, one
builder module per panel of the registry (explorer.panels); `style` holds what they share.

The page never imports Bokeh's Python package: `bake` turns the figures
into a document (tools/dev.py bake → assets/app/baked.js) that BokehJS
embeds at first paint; Python in the browser then only pushes new data into
the named models. The names are the contract with py/explorer/browser/ and
the tests.
"""
from __future__ import annotations

import importlib

from bokeh.document import Document
from bokeh.embed.util import RenderItem

from ..panels import PANELS, docs
from ..state import State
from . import explorer, race
from .explorer import LOSS_Y_MAX
from .style import theme_overrides

__all__ = ["DOCS", "LOSS_Y_MAX", "bake", "build", "theme_overrides"]

# One document per panel on demand, the explorer's (with the race's figure) first:
# it is embedded at first paint, each other when assets/app/panels.js asks for it.
DOCS = docs()


def build(st: State | None = None, table: dict | None = None) -> dict:
    """All models of the page, named, for state `st` (default state if None);
    a panel whose factory takes the lab's data `table` (lab.reduce_table) only when it is given."""
    st = st or State()
    models = explorer.build(st)
    race.add_runners(st, models["loss_plot"], models["grad_plot"])
    models["race_plot"] = race.race_figure(st)
    for p in PANELS:
        if p.on_demand and (table is not None or not p.table):
            models.update(importlib.import_module(f"{__name__}.{p.name}").build(st, table))
    return models


def bake(st: State | None, table: dict) -> dict:
    """Everything BokehJS needs to draw state `st`, JSON-ready: one document per entry of DOCS."""
    models = build(st, table)
    docs_json, items = {}, []
    for docid, hosts in DOCS.items():
        doc = Document()
        for name in hosts:
            doc.add_root(models[name])
        docs_json[docid] = doc.to_json(deferred=False)
        items.append(RenderItem(docid=docid, roots={models[n]: hosts[n] for n in hosts}).to_json())
    return {"docs_json": docs_json, "render_items": items, "theme": theme_overrides()}
