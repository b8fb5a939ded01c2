"""The race panel's figures: `race_plot` (p against update for both runners)
and the runners it adds to the explorer's loss and gradient plots."""
from __future__ import annotations

from bokeh.models import (
    BooleanFilter,
    BoxAnnotation,
    CDSView,
    ColumnDataSource,
    HoverTool,
    Legend,
    LegendItem,
    Range1d,
)
from bokeh.plotting import figure

from .. import maths
from ..race import OWN_RUNNER_COLUMNS, RUNNER_COLUMNS
from ..state import State
from .style import CE_COLOR, LEGEND, MSE_COLOR, OVERLAY, OWN_COLOR, OWN_DASH, style

# Triangles for CE, diamonds for MSE, on every plot: on the overlay layer
# (they move every frame of a race), each with its own filter
# (race.runners_in_view) for when it leaves the frame.
RUNNER = {"ce": dict(marker="triangle", size=15), "mse": dict(marker="diamond", size=16),
          "own": dict(marker="star", size=18)}


def _runner_view(name: str) -> dict:
    return {"level": OVERLAY, "name": name, "view": CDSView(filter=BooleanFilter([], name=f"{name}_in_view"))}


def add_runners(st: State, loss, grad) -> None:
    runners = ColumnDataSource({k: [] for k in RUNNER_COLUMNS}, name="race_runners")
    # Your loss's runner (SPEC §11), in a source of its own: empty while there is none.
    own = ColumnDataSource({k: [] for k in OWN_RUNNER_COLUMNS}, name="race_own")
    loss.scatter("p_own", "own", source=own, color=OWN_COLOR, line_color="white", **RUNNER["own"],
                 **_runner_view("own_runner_loss"))
    loss.scatter("p_ce", "ce", source=runners, color=CE_COLOR, line_color="white", **RUNNER["ce"],
                 **_runner_view("ce_runner_loss"))
    loss.scatter("p_mse", "mse", source=runners, color=MSE_COLOR, line_color="white", **RUNNER["mse"],
                 **_runner_view("mse_runner_loss"))
    for scale in ("lin", "log"):
        kw = {"y_range_name": "log"} if scale == "log" else {}
        vis = (scale == "log") == st.log_grad
        grad.scatter("z_ce", "gce", source=runners, color=CE_COLOR, line_color="white", visible=vis,
                     **RUNNER["ce"], **_runner_view(f"gce_runner_{scale}"), **kw)
        grad.scatter("z_mse", "gmse", source=runners, color=MSE_COLOR, line_color="white", visible=vis,
                     **RUNNER["mse"], **_runner_view(f"gmse_runner_{scale}"), **kw)
        grad.scatter("z_own", "gown", source=own, color=OWN_COLOR, line_color="white", visible=vis,
                     **RUNNER["own"], **_runner_view(f"gown_runner_{scale}"), **kw)


def race_figure(st: State):
    race = figure(
        name="race_plot", height=260, sizing_mode="stretch_width",
        x_range=Range1d(0, 20, name="race_x"), y_range=Range1d(-0.02, 1.02),
        title="Training race: p after each update",
        x_axis_label="updates", y_axis_label="predicted probability p", tools="",
    )
    style(race)
    path = ColumnDataSource({"step": [], "p_ce": [], "p_mse": []}, name="race_path")
    lo, hi = (1 - maths.RACE_TOL, 1.0) if st.y == 1 else (0.0, maths.RACE_TOL)
    race.add_layout(BoxAnnotation(bottom=lo, top=hi, fill_color="#2ca02c", fill_alpha=0.15, line_alpha=0,
                                  name="race_target"))
    rc = race.line("step", "p_ce", source=path, color=CE_COLOR, line_width=3, name="ce_race_line")
    rm = race.line("step", "p_mse", source=path, color=MSE_COLOR, line_width=3, line_dash="dashed",
                   name="mse_race_line")
    own_path = ColumnDataSource({"step": [], "p_own": []}, name="race_own_path")
    ro = race.line("step", "p_own", source=own_path, color=OWN_COLOR, line_width=3, line_dash=OWN_DASH,
                   name="own_race_line")
    race.add_layout(Legend(items=[
        LegendItem(label="cross-entropy", renderers=[rc]),
        LegendItem(label="MSE", renderers=[rm]),
        LegendItem(label="your loss", renderers=[ro], visible=False, name="own_race_key"),
    ], **LEGEND, name="race_legend"), "below")
    race.add_tools(HoverTool(renderers=[rc], mode="vline", tooltips=[
        ("update", "@step{0}"), ("p (CE runner)", "@p_ce{0.0000}"), ("p (MSE runner)", "@p_mse{0.0000}")]))
    return race
