"""Bokeh figures of the page, built once in CPython at build time, one
builder module per panel (explorer, race); `style` holds what they share.

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
from . import explorer, race
from .explorer import LOSS_Y_MAX
from .style import theme_overrides

__all__ = ["HOST_IDS", "LOSS_Y_MAX", "bake", "build", "theme_overrides"]

HOST_IDS = {"loss_plot": "lossPlotHost", "grad_plot": "gradPlotHost", "race_plot": "racePlotHost"}


def build(st: State | None = None) -> dict:
    """All models of the page, named, for state `st` (default state if None)."""
    st = st or State()
    models = explorer.build(st)
    race.add_runners(st, models["loss_plot"], models["grad_plot"])
    models["race_plot"] = race.race_figure(st)
    return models


def bake(st: State | None = None) -> dict:
    """Everything BokehJS needs to draw the default state, JSON-ready."""
    models = build(st)
    doc = Document()
    for name in HOST_IDS:
        doc.add_root(models[name])
    docid = "explorer"
    item = RenderItem(docid=docid, roots={models[n]: HOST_IDS[n] for n in HOST_IDS})
    return {"docs_json": {docid: doc.to_json(deferred=False)}, "render_items": [item.to_json()],
            "theme": theme_overrides()}
