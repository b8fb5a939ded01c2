"""Bokeh figures of the explorer, built once in CPython at build time.

The page never imports Bokeh's Python package: this module bakes the figures
into a document (tools/dev.py bake → assets/app/baked.js) that BokehJS embeds
at first paint; Python in the browser then only pushes new data into the
named ColumnDataSources. Names here are the contract with py/explorer/app.py
and the tests.
"""
from __future__ import annotations

import numpy as np
from bokeh.document import Document
from bokeh.embed.util import RenderItem
from bokeh.models import (
    BooleanFilter, BoxAnnotation, CDSView, ColumnDataSource, HoverTool, Legend, LegendItem, LogAxis, LogScale,
    Range1d,
)
from bokeh.plotting import figure

from . import maths
from .fmt import loss_title
from .race import RUNNER_COLUMNS
from .state import State

# Okabe–Ito blue and vermillion: distinguishable with every common colour-
# vision deficiency; MSE is also dashed and drawn with square markers so
# colour is never the only cue. The page's CSS uses the same two colours.
CE_COLOR = "#0072B2"
MSE_COLOR = "#D55E00"
CE_COLOR_DARK = "#56B4E9"
MSE_COLOR_DARK = "#E69F00"

# Legends sit below the plot area: at phone width they would cover the curves.
LEGEND = dict(orientation="horizontal", location="center", background_fill_alpha=0.0, border_line_color=None,
              padding=2, margin=4)
LOSS_Y_MAX = 9.0  # CE at z = ±8 (the default range) is 8.0003: stays in view
HOST_IDS = {"loss_plot": "lossPlotHost", "grad_plot": "gradPlotHost", "race_plot": "racePlotHost"}
# The operating points are drawn on Bokeh's overlay layer: moving z then
# repaints only that layer, not the axes, legends and curves (a full repaint
# of one plot is ~5 ms here, three times an input's whole Python path).
# Overlay renderers are not clipped to the frame, so the one point that can
# leave it (CE above LOSS_Y_MAX when R > 9) is filtered out instead.
OVERLAY = "overlay"
# The race's runners: triangles for CE, diamonds for MSE, on every plot;
# on the overlay layer too (they move every frame of a race), each with its
# own filter (race.runners_in_view) for when it leaves the frame.
RUNNER = {"ce": dict(marker="triangle", size=15), "mse": dict(marker="diamond", size=16)}


def _runner_view(name: str) -> dict:
    return {"level": OVERLAY, "name": name, "view": CDSView(filter=BooleanFilter([], name=f"{name}_in_view"))}


def op_data(st: State) -> dict:
    v = maths.point(st.z, st.y)
    return {"z": [st.z], **{k: [v[k]] for k in ("p", "ce", "mse", "gce", "gmse")}}


def log_floor(gmse) -> float:
    """Lower end of the log gradient axis: a little below the smallest value."""
    return float(np.min(gmse)) / 3.0


def _style(fig) -> None:
    fig.background_fill_color = None
    fig.border_fill_color = None
    fig.outline_line_color = None
    fig.toolbar_location = None
    fig.title.text_font_size = "14px"
    fig.min_border_left = 50
    for ax in (*fig.xaxis, *fig.yaxis):
        ax.axis_label_text_font_style = "normal"
        ax.axis_label_text_font_size = "13px"
        ax.major_label_text_font_size = "12px"


def build(st: State | None = None) -> dict:
    """All models of the page, named, for state `st` (default state if None)."""
    st = st or State()
    op = ColumnDataSource(op_data(st), name="op_source")
    loss_src = ColumnDataSource(maths.loss_curves(st.y), name="loss_curves")
    grad = maths.grad_curves(st.y, st.R)
    grad_src = ColumnDataSource(grad, name="grad_curves")
    runners = ColumnDataSource({k: [] for k in RUNNER_COLUMNS}, name="race_runners")

    loss = figure(
        name="loss_plot", height=330, sizing_mode="stretch_width",
        x_range=Range1d(0, 1, name="loss_x"), y_range=Range1d(-0.2, LOSS_Y_MAX),
        title=loss_title(st.y),
        x_axis_label="predicted probability p = σ(z)", y_axis_label="loss", tools="",
    )
    _style(loss)
    ce_line = loss.line("p", "ce", source=loss_src, color=CE_COLOR, line_width=3, name="ce_curve")
    mse_line = loss.line("p", "mse", source=loss_src, color=MSE_COLOR, line_width=3,
                         line_dash="dashed", name="mse_curve")
    in_view = BooleanFilter([op.data["ce"][0] <= LOSS_Y_MAX], name="loss_ce_in_view")
    ce_pt = loss.scatter("p", "ce", source=op, view=CDSView(filter=in_view), size=13, color=CE_COLOR,
                         line_color="white", name="ce_point", level=OVERLAY)
    loss.scatter("p", "mse", source=op, size=12, marker="square", color=MSE_COLOR,
                 line_color="white", name="mse_point", level=OVERLAY)
    loss.scatter("p_ce", "ce", source=runners, color=CE_COLOR, line_color="white", **RUNNER["ce"],
                 **_runner_view("ce_runner_loss"))
    loss.scatter("p_mse", "mse", source=runners, color=MSE_COLOR, line_color="white", **RUNNER["mse"],
                 **_runner_view("mse_runner_loss"))
    loss.add_layout(Legend(items=[
        # Curves only: BokehJS stops drawing a legend's glyphs once an
        # overlay-level renderer (the points) is among them and the plot relayouts.
        LegendItem(label="cross-entropy", renderers=[ce_line]),
        LegendItem(label="MSE", renderers=[mse_line]),
    ], **LEGEND, name="loss_legend"), "below")
    loss.add_tools(HoverTool(renderers=[ce_line], mode="vline", tooltips=[
        ("p", "@p{0.0000}"), ("CE", "@ce{0.0000}"), ("MSE", "@mse{0.0000}")]))
    loss.add_tools(HoverTool(renderers=[ce_pt], tooltips=[
        ("operating point z", "@z{0.00}"), ("p", "@p{0.0000}"), ("CE", "@ce{0.0000}"), ("MSE", "@mse{0.0000}")]))

    gr = figure(
        name="grad_plot", height=330, sizing_mode="stretch_width",
        x_range=Range1d(-st.R, st.R, name="grad_x"), y_range=Range1d(-0.02, 1.05, name="grad_y"),
        title="Gradient magnitude vs logit z",
        x_axis_label="logit z", y_axis_label="|∂loss/∂z|", tools="",
    )
    _style(gr)
    # The log view is a second set of renderers on a log-scaled extra range,
    # shown instead of the linear set: Bokeh cannot switch an axis's scale
    # after the plot is built, but visibility is ordinary data.
    gr.extra_y_ranges = {"log": Range1d(log_floor(grad["gmse"]), 2.0, name="grad_log_y")}
    gr.extra_y_scales = {"log": LogScale()}
    gr.add_layout(LogAxis(y_range_name="log", axis_label="|∂loss/∂z| (log scale)", visible=st.log_grad,
                          name="grad_log_axis"), "left")
    gr.yaxis[0].name = "grad_lin_axis"
    gr.yaxis[0].visible = not st.log_grad
    items = {"CE": [], "MSE": []}
    for scale in ("lin", "log"):
        kw = {"y_range_name": "log"} if scale == "log" else {}
        vis = (scale == "log") == st.log_grad
        c = gr.line("z", "gce", source=grad_src, color=CE_COLOR, line_width=3, visible=vis,
                    name=f"gce_curve_{scale}", **kw)
        m = gr.line("z", "gmse", source=grad_src, color=MSE_COLOR, line_width=3, line_dash="dashed",
                    visible=vis, name=f"gmse_curve_{scale}", **kw)
        gr.scatter("z", "gce", source=op, size=13, color=CE_COLOR, line_color="white", visible=vis,
                   name=f"gce_point_{scale}", level=OVERLAY, **kw)
        gr.scatter("z", "gmse", source=op, size=12, marker="square", color=MSE_COLOR,
                   line_color="white", visible=vis, name=f"gmse_point_{scale}", level=OVERLAY, **kw)
        gr.scatter("z_ce", "gce", source=runners, color=CE_COLOR, line_color="white", visible=vis,
                   **RUNNER["ce"], **_runner_view(f"gce_runner_{scale}"), **kw)
        gr.scatter("z_mse", "gmse", source=runners, color=MSE_COLOR, line_color="white", visible=vis,
                   **RUNNER["mse"], **_runner_view(f"gmse_runner_{scale}"), **kw)
        items["CE"].append(c)  # curves only, as in the loss legend
        items["MSE"].append(m)
        gr.add_tools(HoverTool(renderers=[c], mode="vline", tooltips=[
            ("z", "@z{0.00}"), ("|dCE/dz|", "@gce{0.0000}"), ("|dMSE/dz|", "@gmse{0.000e0}")]))
    gr.add_layout(Legend(items=[
        LegendItem(label="|dCE/dz| = |p − y|", renderers=items["CE"]),
        LegendItem(label="|dMSE/dz|", renderers=items["MSE"]),
    ], **LEGEND, name="grad_legend"), "below")

    race = figure(
        name="race_plot", height=260, sizing_mode="stretch_width",
        x_range=Range1d(0, 20, name="race_x"), y_range=Range1d(-0.02, 1.02),
        title="Training race: p after each update",
        x_axis_label="updates", y_axis_label="predicted probability p", tools="",
    )
    _style(race)
    path = ColumnDataSource({"step": [], "p_ce": [], "p_mse": []}, name="race_path")
    lo, hi = (1 - maths.RACE_TOL, 1.0) if st.y == 1 else (0.0, maths.RACE_TOL)
    race.add_layout(BoxAnnotation(bottom=lo, top=hi, fill_color="#2ca02c", fill_alpha=0.15, line_alpha=0,
                                  name="race_target"))
    rc = race.line("step", "p_ce", source=path, color=CE_COLOR, line_width=3, name="ce_race_line")
    rm = race.line("step", "p_mse", source=path, color=MSE_COLOR, line_width=3, line_dash="dashed",
                   name="mse_race_line")
    race.add_layout(Legend(items=[
        LegendItem(label="cross-entropy runner", renderers=[rc]),
        LegendItem(label="MSE runner", renderers=[rm]),
    ], **LEGEND, name="race_legend"), "below")
    race.add_tools(HoverTool(renderers=[rc], mode="vline", tooltips=[
        ("update", "@step{0}"), ("p (CE runner)", "@p_ce{0.0000}"), ("p (MSE runner)", "@p_mse{0.0000}")]))
    return {"loss_plot": loss, "grad_plot": gr, "race_plot": race, "op_source": op}


def theme_overrides() -> dict:
    """Colours the page applies to text and lines for each colour scheme."""
    common = ("axis_label_text_color", "major_label_text_color", "axis_line_color",
              "major_tick_line_color", "minor_tick_line_color")
    light, dark = "#333333", "#d8d8d8"
    return {
        "light": {"axis": {k: light for k in common}, "title": {"text_color": light},
                  "legend": {"label_text_color": light}, "grid": {"grid_line_color": "#e4e4e4"},
                  "ce": CE_COLOR, "mse": MSE_COLOR},
        "dark": {"axis": {k: dark for k in common}, "title": {"text_color": dark},
                 "legend": {"label_text_color": dark}, "grid": {"grid_line_color": "#3a3a3a"},
                 "ce": CE_COLOR_DARK, "mse": MSE_COLOR_DARK},
    }


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
