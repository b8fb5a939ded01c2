"""The depth panel's figures: `deep_grad_plot` (each weight matrix's gradient
norm against its layer, log axis, every runner), `deep_map_ce_plot`,
`deep_map_mse_plot` and `deep_map_own_plot` (each runner's p over the plane,
with the points of `deep_points`; the last shown only with your loss) and `deep_acc_plot` (training accuracy against epoch)."""
from __future__ import annotations

import numpy as np
from bokeh.models import (
    BoxAnnotation,
    ColumnDataSource,
    FixedTicker,
    Legend,
    LinearColorMapper,
    Range1d,
)
from bokeh.plotting import figure
from bokeh.transform import factor_cmap, factor_mark

from .. import course as shared
from .. import deep
from ..state import State
from .lab import own_key, runner_colors
from .style import (
    CE_COLOR,
    LEGEND,
    MAP_PALETTE,
    MSE_COLOR,
    OVERLAY,
    OWN_COLOR,
    OWN_DASH,
    legend_keys,
    plain_ticks,
    style,
)

# The points as in the lab (Okabe–Ito bluish green circles for class 0,
# reddish purple triangles for class 1), over a map in style.MAP_PALETTE.
CLASS_COLORS = ["#009E73", "#CC79A7"]


def grad_figure(course: deep.Course):
    rows = deep.layer_rows(course, 0)
    lo, hi = deep.layer_range(course, 0)
    fig = figure(
        name="deep_grad_plot", height=300, sizing_mode="stretch_width",
        x_range=Range1d(0.7, deep.DEPTH_MAX + 1.3, name="deep_layer_x"), y_range=Range1d(lo, hi, name="deep_grad_y"),
        y_axis_type="log", title="Gradient norm per layer", x_axis_label="weight matrix (1 = input side)",
        y_axis_label="norm (log scale)", tools="",
    )
    style(fig)
    fig.xaxis[0].ticker = FixedTicker(ticks=list(range(1, deep.DEPTH_MAX + 2)))
    src = ColumnDataSource(rows, name="deep_layers")
    for runner, color, dash, marker in (("ce", CE_COLOR, "solid", "circle"), ("mse", MSE_COLOR, "dashed", "square"),
                                        ("own", OWN_COLOR, OWN_DASH, "star")):
        fig.line("layer", runner, source=src, color=color, line_width=3, line_dash=dash, name=f"{runner}_deep_grad",
                 level=OVERLAY)
        fig.scatter("layer", runner, source=src, marker=marker, size=10, color=color, name=f"{runner}_deep_grad_pts",
                    level=OVERLAY)
    fig.add_layout(Legend(items=[*legend_keys(fig, "deep_grad", (
        ("ce", "cross-entropy", CE_COLOR, "solid"), ("mse", "MSE", MSE_COLOR, "dashed"))),
        own_key(fig, "deep_own_key_grad")], **LEGEND, name="deep_grad_legend"), "below")
    return fig


def map_figure(runner: str, title: str, points: ColumnDataSource, box):
    x0, x1, y0, y1 = box
    fig = figure(
        name=f"deep_map_{runner}_plot", height=300, sizing_mode="stretch_width", match_aspect=True,
        x_range=Range1d(x0, x1, name=f"deep_map_{runner}_x"), y_range=Range1d(y0, y1, name=f"deep_map_{runner}_y"),
        title=title, tools="", x_axis_label="x₁ (standardised)", y_axis_label="x₂ (standardised)",
    )
    style(fig)
    plain_ticks(fig)
    # One neutral cell: the panel is drawn only when it joins, and its Python
    # draws the map at once, so the baked page carries no grid of numbers.
    image = ColumnDataSource({"image": [np.full((1, 1), 0.5)], "x": [x0], "y": [y0], "dw": [x1 - x0], "dh": [y1 - y0]},
                             name=f"deep_map_{runner}")
    fig.image("image", x="x", y="y", dw="dw", dh="dh", source=image, name=f"deep_map_{runner}_image",
              color_mapper=LinearColorMapper(palette=MAP_PALETTE, low=0.0, high=1.0, name=f"deep_map_{runner}_colors"))
    fig.scatter("x1", "x2", source=points, size=6, line_color=factor_cmap("label", CLASS_COLORS, ["0", "1"]),
                fill_color=factor_cmap("label", CLASS_COLORS, ["0", "1"]), fill_alpha=0.7,
                marker=factor_mark("label", ["circle", "triangle"], ["0", "1"]), name=f"deep_points_{runner}")
    return fig


def acc_figure(course: deep.Course):
    history = ColumnDataSource(deep.history_rows(course, 0, 1), name="deep_history")
    now = ColumnDataSource(deep.now_rows(course, 0), name="deep_now")
    fig = figure(
        name="deep_acc_plot", height=240, sizing_mode="stretch_width",
        x_range=Range1d(0, shared.epoch_axis_end(0), name="deep_epoch_x"), y_range=Range1d(0, 1.02, name="deep_acc_y"),
        title="Training accuracy", x_axis_label="epoch", y_axis_label="accuracy", tools="",
    )
    style(fig)
    fig.add_layout(BoxAnnotation(bottom=shared.TARGET_ACCURACY, top=1.02, fill_color="#2ca02c", fill_alpha=0.15,
                                 line_alpha=0, name="deep_target"))
    for runner, color, dash in (("ce", CE_COLOR, "solid"), ("mse", MSE_COLOR, "dashed"), ("own", OWN_COLOR, OWN_DASH)):
        fig.line("epoch", f"acc_{runner}", source=history, color=color, line_width=3, line_dash=dash,
                 name=f"{runner}_deep_acc", level=OVERLAY)
    fig.scatter("epoch", "acc", source=now, size=12, level=OVERLAY, name="deep_acc_now",
                marker=factor_mark("runner", ["triangle", "diamond", "star"], [*deep.RUNNERS, "own"]), color=runner_colors())
    fig.add_layout(Legend(items=[*legend_keys(fig, "deep_acc", (
        ("ce", "cross-entropy", CE_COLOR, "solid"), ("mse", "MSE", MSE_COLOR, "dashed"))),
        own_key(fig, "deep_own_key_acc")], **LEGEND, name="deep_acc_legend"), "below")
    return fig


def build(st: State, table: dict | None = None) -> dict:
    """The depth panel's figures for state `st` (it has its own data: `table` is not used)."""
    x, y = deep.datasets()[deep.DATASETS[st.deep_data]]
    course = deep.Course(x, y, st.deep_depth, deep.ACTIVATIONS[st.deep_act], st.deep_lr, st.deep_seed)
    course.advance(1)
    points = ColumnDataSource(deep.points_rows(x, y), name="deep_points")
    box = deep.map_box(x)
    return {"deep_grad_plot": grad_figure(course),
            "deep_map_ce_plot": map_figure("ce", "Cross-entropy runner: p", points, box),
            "deep_map_mse_plot": map_figure("mse", "MSE runner: p", points, box),
            "deep_map_own_plot": map_figure("own", "Your loss's runner: p", points, box),
            "deep_acc_plot": acc_figure(course)}
