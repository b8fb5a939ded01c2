"""What every figure shares: colours, legend placement, text style, themes.

The page's CSS uses the same colours; assets/app/boot.js applies
`theme_overrides()` for the visitor's colour scheme before the first paint.
"""
from __future__ import annotations

# Okabe–Ito blue and vermillion: distinguishable with every common colour-
# vision deficiency; MSE is also dashed and drawn with square markers so
# colour is never the only cue.
CE_COLOR = "#0072B2"
MSE_COLOR = "#D55E00"
CE_COLOR_DARK = "#56B4E9"
MSE_COLOR_DARK = "#E69F00"
# A learner's own loss (SPEC §11): Okabe–Ito reddish purple, dash-dotted, diamonds.
OWN_COLOR = "#CC79A7"
OWN_COLOR_DARK = "#E7A9CB"
# The depth panel's maps fade from a green tint (p = 0) through the
# background (p = ½) to a purple tint (p = 1), so the points stay clear:
# pale on the light scheme, dark on the dark one (a white map there glares).
MAP_PALETTE = ["#bfe6da", "#d7efe8", "#eef8f4", "#ffffff", "#f7edf3", "#efdae7", "#e6c5da"]
MAP_PALETTE_DARK = ["#134035", "#17332d", "#1a2726", "#1c1f24", "#2a2230", "#37253d", "#45294a"]
# The three-class panel's maps: each predicted class a pale (dark: deep) tint of its points' colour.
CLASS_PALETTE = ["#cdeee4", "#f5dfec", "#efe6c6"]
CLASS_PALETTE_DARK = ["#163a31", "#3b2838", "#38321a"]
OWN_DASH = "dashdot"

# Bokeh's default is "helvetica" alone: Chromium maps it to a sans font, but
# Firefox on Linux, without a Helvetica alias installed, falls back to serif.
# The same first choice keeps Chromium's look; the generic family ends it.
FONT = "helvetica, arial, sans-serif"
# Legends sit below the plot area: at phone width they would cover the curves.
LEGEND = dict(orientation="horizontal", location="center", background_fill_alpha=0.0, border_line_color=None,
              padding=2, margin=4, label_text_font=FONT)
# Markers and runners that move every frame are drawn on Bokeh's overlay
# layer: a move then repaints only that layer, not the axes, legends and
# curves (a full repaint of one plot is ~5 ms here). Overlay renderers are
# not clipped to the frame, so whatever can leave it is filtered out instead.
OVERLAY = "overlay"


def style(fig) -> None:
    fig.background_fill_color = None
    fig.border_fill_color = None
    fig.outline_line_color = None
    fig.toolbar_location = None
    fig.title.text_font_size = "14px"
    fig.title.text_font = FONT
    fig.min_border_left = 50
    for ax in (*fig.xaxis, *fig.yaxis):
        ax.axis_label_text_font = ax.major_label_text_font = FONT
        ax.axis_label_text_font_style = "normal"
        ax.axis_label_text_font_size = "13px"
        ax.major_label_text_font_size = "12px"


def theme_overrides() -> dict:
    """Colours the page applies to text and lines for each colour scheme."""
    common = ("axis_label_text_color", "major_label_text_color", "axis_line_color",
              "major_tick_line_color", "minor_tick_line_color")
    light, dark = "#333333", "#d8d8d8"
    return {
        "light": {"axis": {k: light for k in common}, "title": {"text_color": light},
                  "legend": {"label_text_color": light}, "grid": {"grid_line_color": "#e4e4e4"},
                  "ce": CE_COLOR, "mse": MSE_COLOR, "own": OWN_COLOR, "map": MAP_PALETTE,
                  "classes": CLASS_PALETTE},
        "dark": {"axis": {k: dark for k in common}, "title": {"text_color": dark},
                 "legend": {"label_text_color": dark}, "grid": {"grid_line_color": "#3a3a3a"},
                 "ce": CE_COLOR_DARK, "mse": MSE_COLOR_DARK, "own": OWN_COLOR_DARK, "map": MAP_PALETTE_DARK,
                 "classes": CLASS_PALETTE_DARK},
    }


def legend_keys(fig, name: str, keys) -> list:
    """Lines that exist only to be shown in a legend, far outside the plot's fixed ranges.

    BokehJS draws no legend sample for an overlay-level renderer once the
    plot relayouts, nor for a line without data; the lab's moving lines are
    both at times. keys: (label, colour, dash) per entry.
    """
    from bokeh.models import ColumnDataSource, LegendItem
    off = ColumnDataSource({"x": [-1e6, -1e6 + 1], "y": [1.0, 1.0]}, name=f"{name}_keys")
    return [LegendItem(label=label, renderers=[fig.line("x", "y", source=off, color=color, line_width=3,
                                                         line_dash=dash, name=f"{series}_{name}_key")])
            for series, label, color, dash in keys]


def plain_ticks(fig) -> None:
    """No minor ticks: a decision map is repainted several times a second while a course
    plays, and its axes are most of a repaint (minor ticks ~0.7 of 3.4 ms, measured)."""
    for ax in (*fig.xaxis, *fig.yaxis):
        ax.ticker.num_minor_ticks = 0
