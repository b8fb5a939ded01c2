"""The lab panel's figures: `lab_data_plot` (the tumours, and where each
runner says "malignant"), `lab_grad_plot` (gradient norm against epoch, log
axis) and `lab_acc_plot` (training accuracy against epoch)."""
from __future__ import annotations

from bokeh.models import (
    BoxAnnotation,
    CategoricalColorMapper,
    ColumnDataSource,
    HoverTool,
    Legend,
    LegendItem,
    Range1d,
)
from bokeh.plotting import figure
from bokeh.transform import factor_mark

from .. import course as shared
from .. import lab
from ..state import State
from .style import CE_COLOR, LEGEND, MSE_COLOR, OVERLAY, OWN_COLOR, OWN_DASH, legend_keys, style

# Okabe–Ito bluish green and reddish purple: apart from the runners' blue and
# vermillion, and told apart by shape too (circles benign, triangles malignant).
BENIGN_COLOR = "#009E73"
MALIGNANT_COLOR = "#CC79A7"
RUNNER_COLORS = "lab_runner_colors"
# Each runner's "malignant" side, tinted in its colour: strong enough to read
# on the dark scheme's background, faint enough that the points stay clear
# where both tints overlap.
REGION_ALPHA = 0.16


def runner_colors() -> dict:
    """A colour per row from its `runner` column. The page recolours every
    mapper named RUNNER_COLORS for a dark scheme (assets/app/paint.js)."""
    return {"field": "runner", "transform": CategoricalColorMapper(
        factors=[*lab.RUNNERS, "own"], palette=[CE_COLOR, MSE_COLOR, OWN_COLOR], name=RUNNER_COLORS)}


def own_key(fig, name: str):
    """A legend entry for your loss's runner, hidden until there is one (browser/lab.py shows it)."""
    off = ColumnDataSource({"x": [-1e6, -1e6 + 1], "y": [1.0, 1.0]}, name=f"{name}_src")
    line = fig.line("x", "y", source=off, color=OWN_COLOR, line_width=3, line_dash=OWN_DASH, name=f"own_{name}_line")
    return LegendItem(label="your loss", renderers=[line], visible=False, name=name)


def axis_label(feature: str) -> str:
    return f"{feature} (standardised)"


def data_figure(st: State, course: lab.Course, x2, y, box):
    f1, f2 = lab.PAIRS[st.lab_pair]
    fig = figure(
        name="lab_data_plot", height=460, sizing_mode="stretch_width",
        x_range=Range1d(box[0], box[1], name="lab_x"), y_range=Range1d(box[2], box[3], name="lab_y"),
        title="Where each runner says “malignant”", tools="",
    )
    style(fig)
    fig.xaxis[0].axis_label = axis_label(f1)
    fig.xaxis[0].name = "lab_x_axis"
    fig.yaxis[0].axis_label = axis_label(f2)
    fig.yaxis[0].name = "lab_y_axis"
    # Both runners in one source, drawn by one patches and one multi_line
    # renderer: BokehJS's cost per frame grows with the renderers whose data
    # change, far more than with their rows. No hatching: BokehJS makes new
    # canvases for a hatched glyph's pattern on every data change, and their
    # disposal held up the garbage collector for 30-70 ms at a time.
    runners = ColumnDataSource(lab.runner_rows(course, 0, box), name="lab_runners")
    color = runner_colors()
    # On the overlay layer (see style.OVERLAY); inside the frame by
    # construction (lab.half_plane clips them to the plot box).
    fig.patches("xs", "ys", source=runners, fill_color=color, fill_alpha=REGION_ALPHA, line_alpha=0,
                name="lab_regions", level=OVERLAY)
    fig.multi_line("line_xs", "line_ys", source=runners, line_color=color, line_width=3, line_dash="dash",
                   name="lab_boundaries", level=OVERLAY)
    pts = []
    for name, value, marker, color in (("benign", 0, "circle", BENIGN_COLOR),
                                       ("malignant", 1, "triangle", MALIGNANT_COLOR)):
        keep = y == value
        src = ColumnDataSource({"x": x2[keep, 0].tolist(), "y": x2[keep, 1].tolist()}, name=f"lab_{name}")
        pts.append(fig.scatter("x", "y", source=src, marker=marker, size=7, fill_color=color, fill_alpha=0.55,
                               line_color=color, name=f"lab_{name}_points"))
    fig.add_layout(Legend(items=[
        LegendItem(label="benign", renderers=[pts[0]]), LegendItem(label="malignant", renderers=[pts[1]]),
        *legend_keys(fig, "lab_data", (("ce", "CE line", CE_COLOR, "solid"), ("mse", "MSE line", MSE_COLOR, "dashed"))),
    ], **{**LEGEND, "ncols": 2}, name="lab_data_legend"), "below")
    # Your loss's boundary is named by the caption (index.html), not here: a third legend row
    # appearing after the plot's layout was drawn over the caption below it.
    return fig


def history_figures(course: lab.Course):
    history = ColumnDataSource(lab.history_rows(course, 0, 1), name="lab_history")
    now = ColumnDataSource(lab.now_rows(course, 0), name="lab_now")
    epochs = Range1d(0, shared.epoch_axis_end(0), name="lab_epoch_x")
    g = figure(
        name="lab_grad_plot", height=260, sizing_mode="stretch_width", x_range=epochs,
        y_range=Range1d(*lab.grad_range(course, 1), name="lab_grad_y"), y_axis_type="log",
        title="Gradient norm |∇θ| of each loss", x_axis_label="epoch",
        y_axis_label="|∇θ mean loss| (log scale)", tools="",
    )
    a = figure(
        name="lab_acc_plot", height=260, sizing_mode="stretch_width", x_range=epochs,
        y_range=Range1d(0, 1.02, name="lab_acc_y"),
        title="Training accuracy", x_axis_label="epoch", y_axis_label="accuracy", tools="",
    )
    a.add_layout(BoxAnnotation(bottom=shared.TARGET_ACCURACY, top=1.02, fill_color="#2ca02c", fill_alpha=0.15,
                               line_alpha=0, name="lab_target"))
    for fig, col in ((g, "gnorm"), (a, "acc")):
        style(fig)
        lines = []
        for runner, color, dash in (("ce", CE_COLOR, "solid"), ("mse", MSE_COLOR, "dashed"), ("own", OWN_COLOR, OWN_DASH)):
            # Growing every frame: overlay layer. Inside the frame by construction:
            # the epoch axis always reaches past the shown epoch, accuracy is in
            # [0, 1], the gradient axis reaches below the smallest norm.
            lines.append(fig.line("epoch", f"{col}_{runner}", source=history, color=color, line_width=3,
                                  line_dash=dash, name=f"{runner}_lab_{col}", level=OVERLAY))
        fig.scatter("epoch", col, source=now, marker=factor_mark("runner", ["triangle", "diamond", "star"],
                                                                 [*lab.RUNNERS, "own"]),
                    size=13, color=runner_colors(), level=OVERLAY, name=f"lab_{col}_now")
        fig.add_layout(Legend(items=[*legend_keys(fig, f"lab_{col}", (
            ("ce", "cross-entropy", CE_COLOR, "solid"), ("mse", "MSE", MSE_COLOR, "dashed"))),
            own_key(fig, f"lab_own_key_{col}")],
            **LEGEND, name=f"lab_{col}_legend"), "below")
        fig.add_tools(HoverTool(renderers=[lines[0]], mode="vline", tooltips=[
            ("epoch", "@epoch{0}"), ("CE runner", f"@{col}_ce{{0.000e0}}" if col == "gnorm" else "@acc_ce{0.0%}"),
            ("MSE runner", f"@{col}_mse{{0.000e0}}" if col == "gnorm" else "@acc_mse{0.0%}")]))
    return g, a


def build(st: State, table: dict) -> dict:
    x2, y = lab.pair_data(table, st.lab_pair)
    box = lab.plot_box(x2)
    course = lab.Course(x2, y, st.lab_s, st.lab_lr)
    course.advance(1)
    grad, acc = history_figures(course)
    return {"lab_data_plot": data_figure(st, course, x2, y, box), "lab_grad_plot": grad, "lab_acc_plot": acc}
