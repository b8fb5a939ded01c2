"""The explorer panel's figures: `loss_plot` and `grad_plot`, with the
operating point (`op_source`) marked on both."""
from __future__ import annotations

from bokeh.models import (
    BooleanFilter,
    CDSView,
    ColumnDataSource,
    HoverTool,
    Legend,
    LegendItem,
    LogAxis,
    LogScale,
    Range1d,
)
from bokeh.plotting import figure

from .. import maths
from ..fmt import loss_title
from ..state import State
from .style import CE_COLOR, LEGEND, MSE_COLOR, OVERLAY, OWN_COLOR, OWN_DASH, style

LOSS_Y_MAX = maths.LOSS_Y_MAX


def op_data(st: State) -> dict:
    v = maths.point(st.z, st.y)
    return {"z": [st.z], **{k: [v[k]] for k in ("p", "ce", "mse", "gce", "gmse")}}


def loss_figure(st: State, op: ColumnDataSource, own_op: ColumnDataSource):
    loss_src = ColumnDataSource(maths.loss_curves(st.y), name="loss_curves")
    loss = figure(
        name="loss_plot", height=330, sizing_mode="stretch_width",
        x_range=Range1d(0, 1, name="loss_x"), y_range=Range1d(-0.2, LOSS_Y_MAX),
        title=loss_title(st.y),
        x_axis_label="predicted probability p = σ(z)", y_axis_label="loss", tools="",
    )
    style(loss)
    ce_line = loss.line("p", "ce", source=loss_src, color=CE_COLOR, line_width=3, name="ce_curve")
    mse_line = loss.line("p", "mse", source=loss_src, color=MSE_COLOR, line_width=3,
                         line_dash="dashed", name="mse_curve")
    # The one point that can leave the frame: CE above LOSS_Y_MAX when R > 9.
    in_view = BooleanFilter([op.data["ce"][0] <= LOSS_Y_MAX], name="loss_ce_in_view")
    ce_pt = loss.scatter("p", "ce", source=op, view=CDSView(filter=in_view), size=13, color=CE_COLOR,
                         line_color="white", name="ce_point", level=OVERLAY)
    loss.scatter("p", "mse", source=op, size=12, marker="square", color=MSE_COLOR,
                 line_color="white", name="mse_point", level=OVERLAY)
    # Your own loss (SPEC §11): empty, its legend entry hidden, until there is one.
    own_src = ColumnDataSource({"p": [], "own": []}, name="own_curves")
    own_line = loss.line("p", "own", source=own_src, color=OWN_COLOR, line_width=3, line_dash=OWN_DASH,
                         name="own_curve")
    loss.scatter("p", "own", source=own_op, view=CDSView(filter=BooleanFilter([], name="own_loss_in_view")),
                 size=12, marker="diamond", color=OWN_COLOR, line_color="white", name="own_point", level=OVERLAY)
    loss.add_layout(Legend(items=[
        # Curves only: BokehJS stops drawing a legend's glyphs once an
        # overlay-level renderer (the points) is among them and the plot relayouts.
        LegendItem(label="cross-entropy", renderers=[ce_line]),
        LegendItem(label="MSE", renderers=[mse_line]),
        LegendItem(label="your loss", renderers=[own_line], visible=False, name="own_loss_key"),
    ], **LEGEND, name="loss_legend"), "below")
    loss.add_tools(HoverTool(renderers=[ce_line], mode="vline", tooltips=[
        ("p", "@p{0.0000}"), ("CE", "@ce{0.0000}"), ("MSE", "@mse{0.0000}")]))
    loss.add_tools(HoverTool(renderers=[ce_pt], tooltips=[
        ("operating point z", "@z{0.00}"), ("p", "@p{0.0000}"), ("CE", "@ce{0.0000}"), ("MSE", "@mse{0.0000}")]))
    return loss


def grad_figure(st: State, op: ColumnDataSource, own_op: ColumnDataSource):
    grad = maths.grad_curves(st.y, st.R)
    grad_src = ColumnDataSource(grad, name="grad_curves")
    gr = figure(
        name="grad_plot", height=330, sizing_mode="stretch_width",
        x_range=Range1d(-st.R, st.R, name="grad_x"), y_range=Range1d(-0.02, maths.GRAD_Y_MAX, name="grad_y"),
        title="Gradient magnitude vs logit z",
        x_axis_label="logit z", y_axis_label="|∂loss/∂z|", tools="",
    )
    # The log view is a second set of renderers on a log-scaled extra range,
    # shown instead of the linear set: Bokeh cannot switch an axis's scale
    # after the plot is built, but visibility is ordinary data.
    gr.extra_y_ranges = {"log": Range1d(maths.log_floor(grad["gmse"]), maths.GRAD_LOG_Y_MAX, name="grad_log_y")}
    gr.extra_y_scales = {"log": LogScale()}
    gr.add_layout(LogAxis(y_range_name="log", axis_label="|∂loss/∂z| (log scale)", visible=st.log_grad,
                          name="grad_log_axis"), "left")
    gr.yaxis[0].name = "grad_lin_axis"
    gr.yaxis[0].visible = not st.log_grad
    style(gr)
    items = {"CE": [], "MSE": [], "own": []}
    own_grad = ColumnDataSource({"z": [], "gown": []}, name="own_grad")
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
        o = gr.line("z", "gown", source=own_grad, color=OWN_COLOR, line_width=3, line_dash=OWN_DASH, visible=vis,
                    name=f"gown_curve_{scale}", **kw)
        gr.scatter("z", "gown", source=own_op, size=12, marker="diamond", color=OWN_COLOR, line_color="white",
                   visible=vis, name=f"gown_point_{scale}", level=OVERLAY,
                   view=CDSView(filter=BooleanFilter([], name=f"own_grad_in_view_{scale}")), **kw)
        items["CE"].append(c)  # curves only, as in the loss legend
        items["MSE"].append(m)
        items["own"].append(o)
        gr.add_tools(HoverTool(renderers=[c], mode="vline", tooltips=[
            ("z", "@z{0.00}"), ("|dCE/dz|", "@gce{0.0000}"), ("|dMSE/dz|", "@gmse{0.000e0}")]))
    gr.add_layout(Legend(items=[
        LegendItem(label="|dCE/dz| = |p − y|", renderers=items["CE"]),
        LegendItem(label="|dMSE/dz|", renderers=items["MSE"]),
        LegendItem(label="your loss", renderers=items["own"], visible=False, name="own_grad_key"),
    ], **LEGEND, name="grad_legend"), "below")
    return gr


def build(st: State) -> dict:
    op = ColumnDataSource(op_data(st), name="op_source")
    # Your own loss at the operating point: empty until there is one (browser/ownloss.py fills it).
    own_op = ColumnDataSource({"z": [], "p": [], "own": [], "gown": []}, name="own_op")
    return {"loss_plot": loss_figure(st, op, own_op), "grad_plot": grad_figure(st, op, own_op), "op_source": op}
