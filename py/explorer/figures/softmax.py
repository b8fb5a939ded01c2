"""The three-class panel's figures: `sm_bars_plot` (per class, p next to the
one-hot y and both losses' gradient components), `sm_map_ce_plot` and
`sm_map_mse_plot` (each runner's predicted class over the plane, with the
points of `sm_points`) and `sm_acc_plot` (training accuracy against epoch)."""
from __future__ import annotations

import numpy as np
from bokeh.models import (
    BoxAnnotation,
    ColumnDataSource,
    FactorRange,
    Legend,
    LegendItem,
    LinearColorMapper,
    Range1d,
)
from bokeh.plotting import figure
from bokeh.transform import dodge, factor_cmap, factor_mark

from .. import course as shared
from .. import softmax
from ..state import State
from .lab import runner_colors
from .style import CE_COLOR, CLASS_PALETTE, LEGEND, MSE_COLOR, OVERLAY, legend_keys, plain_ticks, style

# The points: Okabe–Ito bluish green circles, reddish purple triangles and
# dark yellow squares (colour is never the only cue), over maps tinted the same.
CLASS_COLORS = ["#009E73", "#CC79A7", "#9A7D0A"]
CLASS_MARKERS = ["circle", "triangle", "square"]
LABELS = ["1", "2", "3"]
BAR = 0.19


def bars_figure(st: State):
    rows = softmax.bars_rows((st.sm_z1, st.sm_z2, st.sm_z3), st.sm_y)
    src = ColumnDataSource(rows, name="sm_bars")
    fig = figure(
        name="sm_bars_plot", height=300, sizing_mode="stretch_width", x_range=FactorRange(*rows["cls"]),
        y_range=Range1d(-1.08, 1.08), title="Per class: p, y and both gradients", tools="",
        y_axis_label="value",
    )
    style(fig)
    fig.xgrid.grid_line_color = None
    items = []
    for offset, column, label, fill, line, hatch in (
            (-1.5, "p", "p", "#8a8a8a", "#8a8a8a", " "), (-0.5, "y", "y (one-hot)", None, "#8a8a8a", " "),
            (0.5, "gce", "∂CE/∂z", CE_COLOR, CE_COLOR, " "), (1.5, "gmse", "∂MSE/∂z", MSE_COLOR, MSE_COLOR, "/")):
        series = {"gce": "gce_sm_bar", "gmse": "gmse_sm_bar"}.get(column, f"sm_{column}_bar")
        r = fig.vbar(x=dodge("cls", offset * BAR, range=fig.x_range), top=column, width=BAR * 0.9, source=src,
                     fill_color=fill, line_color=line, line_width=2, hatch_pattern=hatch, hatch_color="#ffffff",
                     hatch_alpha=0.6, name=series)
        items.append(LegendItem(label=label, renderers=[r]))
    fig.add_layout(Legend(items=items, **{**LEGEND, "ncols": 2}, name="sm_bars_legend"), "below")  # fits 320 px
    return fig


def map_figure(runner: str, title: str, points: ColumnDataSource, box):
    x0, x1, y0, y1 = box
    fig = figure(
        name=f"sm_map_{runner}_plot", height=300, sizing_mode="stretch_width", match_aspect=True,
        x_range=Range1d(x0, x1, name=f"sm_map_{runner}_x"), y_range=Range1d(y0, y1, name=f"sm_map_{runner}_y"),
        title=title, tools="", x_axis_label="x₁ (standardised)", y_axis_label="x₂ (standardised)",
    )
    style(fig)
    plain_ticks(fig)
    # One cell: Python draws the map as soon as the panel joins, so the baked page carries no grid.
    image = ColumnDataSource({"image": [np.zeros((1, 1))], "x": [x0], "y": [y0], "dw": [x1 - x0], "dh": [y1 - y0]},
                             name=f"sm_map_{runner}")
    fig.image("image", x="x", y="y", dw="dw", dh="dh", source=image, name=f"sm_map_{runner}_image",
              color_mapper=LinearColorMapper(palette=CLASS_PALETTE, low=0.0, high=2.0, name=f"sm_map_{runner}_colors"))
    fig.scatter("x1", "x2", source=points, size=6, line_color=factor_cmap("label", CLASS_COLORS, LABELS),
                fill_color=factor_cmap("label", CLASS_COLORS, LABELS), fill_alpha=0.75,
                marker=factor_mark("label", CLASS_MARKERS, LABELS), name=f"sm_points_{runner}")
    return fig


def acc_figure(course: softmax.Course):
    history = ColumnDataSource(softmax.history_rows(course, 0, 1), name="sm_history")
    now = ColumnDataSource(softmax.now_rows(course, 0), name="sm_now")
    fig = figure(
        name="sm_acc_plot", height=240, sizing_mode="stretch_width",
        x_range=Range1d(0, shared.epoch_axis_end(0), name="sm_epoch_x"), y_range=Range1d(0, 1.02, name="sm_acc_y"),
        title="Training accuracy", x_axis_label="epoch", y_axis_label="accuracy", tools="",
    )
    style(fig)
    fig.add_layout(BoxAnnotation(bottom=shared.TARGET_ACCURACY, top=1.02, fill_color="#2ca02c", fill_alpha=0.15,
                                 line_alpha=0, name="sm_target"))
    for runner, color, dash in (("ce", CE_COLOR, "solid"), ("mse", MSE_COLOR, "dashed")):
        fig.line("epoch", f"acc_{runner}", source=history, color=color, line_width=3, line_dash=dash,
                 name=f"{runner}_sm_acc", level=OVERLAY)
    fig.scatter("epoch", "acc", source=now, size=12, level=OVERLAY, name="sm_acc_now",
                marker=factor_mark("runner", ["triangle", "diamond"], list(softmax.RUNNERS)), color=runner_colors())
    fig.add_layout(Legend(items=legend_keys(fig, "sm_acc", (
        ("ce", "cross-entropy", CE_COLOR, "solid"), ("mse", "MSE", MSE_COLOR, "dashed"))),
        **LEGEND, name="sm_acc_legend"), "below")
    return fig


def build(st: State, table: dict | None = None) -> dict:
    """The three-class panel's figures for state `st` (it has its own data: `table` is not used)."""
    x, k = softmax.dataset()
    course = softmax.Course(x, k, st.sm_s, st.sm_lr)
    course.advance(1)
    points = ColumnDataSource(softmax.points_rows(x, k), name="sm_points")
    box = softmax.map_box(x)
    return {"sm_bars_plot": bars_figure(st),
            "sm_map_ce_plot": map_figure("ce", "Cross-entropy runner: predicted class", points, box),
            "sm_map_mse_plot": map_figure("mse", "MSE runner: predicted class", points, box),
            "sm_acc_plot": acc_figure(course)}
