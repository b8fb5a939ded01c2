"""Bokeh figures of the page, built once in CPython at build time, one
builder module per panel (explorer, race, lab, deep); `style` holds what they share.

The page never imports Bokeh's Python package: `bake` turns the figures
into a document (tools/dev.py bake → assets/app/baked.js) that BokehJS
embeds at first paint; Python in the browser then only pushes new data into
the named models. The names are the contract with py/explorer/browser/ and
the tests.
"""
from __future__ import annotations

from bokeh.document import Document
from bokeh.embed.util import RenderItem

from ..state import State
from . import deep, explorer, lab, race
from .explorer import LOSS_Y_MAX
from .style import theme_overrides

__all__ = ["DOCS", "HOST_IDS", "LOSS_Y_MAX", "bake", "build", "theme_overrides"]

HOST_IDS = {"loss_plot": "lossPlotHost", "grad_plot": "gradPlotHost", "race_plot": "racePlotHost"}
# One document per panel: the explorer's is embedded first (first paint);
# each panel below it when assets/app/panels.js asks for it.
DOCS = {"explorer": HOST_IDS, "lab": lab.HOST_IDS, "deep": deep.HOST_IDS}


def build(st: State | None = None, table: dict | None = None) -> dict:
    """All models of the page, named, for state `st` (default state if None);
    the lab's only when its data `table` (lab.reduce_table) is given."""
    st = st or State()
    models = explorer.build(st)
    race.add_runners(st, models["loss_plot"], models["grad_plot"])
    models["race_plot"] = race.race_figure(st)
    if table is not None:
        models.update(lab.build(st, table))
    models.update(deep.build(st))
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
