"""The Bokeh figures, built in CPython, and the baked first-paint file."""
from __future__ import annotations

import base64
import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bokeh.document import Document
from explorer import figures, maths
from explorer.panels import PANELS
from explorer.race import OWN_RUNNER_MARKERS, RUNNER_MARKERS
from explorer.state import State

ROOT = Path(__file__).resolve().parent.parent


def lab_table():
    import dev
    return dev.lab_table()


def test_named_models_exist_with_the_contracted_columns():
    m = figures.build()
    assert m["loss_plot"].name == "loss_plot" and m["grad_plot"].name == "grad_plot"
    op = m["op_source"]
    assert set(op.data) == {"z", "p", "ce", "mse", "gce", "gmse"}
    assert all(len(v) == 1 for v in op.data.values())
    v = maths.point(-2, 1)
    assert op.data["gmse"][0] == v["gmse"]


def test_operating_points_are_drawn_on_the_overlay_layer():
    """So that moving z repaints two markers, not the axes and curves."""
    m = figures.build()
    points = [r for fig in ("loss_plot", "grad_plot") for r in m[fig].renderers if "_point" in (r.name or "")]
    assert sorted(r.name for r in points) == sorted(
        ["ce_point", "mse_point", "gce_point_lin", "gmse_point_lin", "gce_point_log", "gmse_point_log",
         "own_point", "gown_point_lin", "gown_point_log"])
    assert {r.level for r in points} == {"overlay"}
    assert {r.level for r in m["loss_plot"].renderers if "curve" in (r.name or "")} == {"glyph"}
    # Overlay renderers are not clipped: the CE point is filtered out above the plot instead.
    ce = next(r for r in points if r.name == "ce_point")
    assert ce.view.filter.name == "loss_ce_in_view" and ce.view.filter.booleans == [True]
    # The runners too, each with its own filter, named after it.
    runners = {r.name: r for fig in ("loss_plot", "grad_plot") for r in m[fig].renderers if "_runner_" in (r.name or "")}
    assert set(runners) == set(RUNNER_MARKERS) | set(OWN_RUNNER_MARKERS)
    assert all(r.level == "overlay" and r.view.filter.name == f"{n}_in_view" for n, r in runners.items())
    far = figures.build(State(z=-15.0, R=20.0))
    ce_far = next(r for r in far["loss_plot"].renderers if r.name == "ce_point")
    assert ce_far.view.filter.booleans == [False]


def test_gradient_plot_spans_the_range_and_has_both_scales():
    m = figures.build(State(R=20.0, log_grad=True))
    g = m["grad_plot"]
    assert (g.x_range.start, g.x_range.end) == (-20.0, 20.0)
    names = {r.name: r.visible for r in g.renderers}
    assert names["gmse_curve_log"] and not names["gmse_curve_lin"]
    assert g.extra_y_ranges["log"].start > 0


def all_roots() -> Document:
    """Every figure the page embeds, in one document."""
    d = Document()
    m = figures.build(table=lab_table())
    for hosts in figures.DOCS.values():
        for name in hosts:
            d.add_root(m[name])
    return d


def test_models_every_binding_looks_up_exist():
    # The panels in py/explorer/browser/ find these by name; a rename here must not go unnoticed.
    d = all_roots()
    doc_names = {model.name for model in d.models if model.name}
    source = "".join(p.read_text() for p in (ROOT / "py" / "explorer" / "browser").glob("*.py"))
    # The explorer's models by what they show; every other panel's by its name in the registry.
    prefixes = "|".join(("grad", "gce", "gmse", "loss", "op", *(p.name for p in PANELS if p.name != "explorer")))
    wanted = set(re.findall(rf'"((?:{prefixes})_[a-z_]+)"', source)) - set(State.__dataclass_fields__)
    assert {w.split("_")[0] for w in wanted} >= {"race", "lab", "deep"}
    assert len(wanted) >= 40
    assert wanted <= doc_names, wanted - doc_names


def _floats(v) -> np.ndarray | None:
    """A baked number as floats: a float, a readout's `data-value` string, or one of Bokeh's
    ndarrays (base64, gzipped where the bake packed it); None for anything else."""
    if isinstance(v, float):
        return np.array([v])
    if isinstance(v, str):
        try:
            return np.array([float(v)])
        except ValueError:
            return None
    if isinstance(v, dict) and v.get("type") == "ndarray" and isinstance(v.get("array"), dict):
        raw = base64.b64decode(v["array"]["data"])
        return np.frombuffer(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw, dtype=v["dtype"]).astype(float)
    return None


def _same_bake(a, b, path: str = "") -> list[str]:
    """Where two bakes differ, floats compared to 1e−13 relative (numpy's kernels differ by CPU in
    the last bits of a sum: the same sources baked on two machines give 1.0682763435778029 and
    …027); everything else exactly. Walked with a stack, not recursion."""
    out, todo = [], [(a, b, path)]
    while todo:
        x, y, where = todo.pop()
        fx, fy = _floats(x), _floats(y)
        if fx is not None and fy is not None and (isinstance(x, float) or isinstance(x, dict) or x != y):
            if fx.shape != fy.shape or not np.allclose(fx, fy, rtol=1e-13, atol=0.0, equal_nan=True):
                out.append(where)
        elif isinstance(x, dict) and isinstance(y, dict) and x.keys() == y.keys():
            todo.extend((x[k], y[k], f"{where}/{k}") for k in x)
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            todo.extend((p, q, f"{where}[{i}]") for i, (p, q) in enumerate(zip(x, y)))
        elif x != y:
            out.append(where)
    return out


def test_baked_file_is_fresh():
    """assets/app/baked.js must be what `tools/dev.py bake` produces now (to the last bits of a float)."""
    code = "import sys; sys.path.insert(0, 'tools'); import dev; sys.stdout.write(dev.baked_source())"
    fresh = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    committed = (ROOT / "assets" / "app" / "baked.js").read_text()
    split = lambda text: (text[:text.index("{")], json.loads(text[text.index("{"):text.rindex("}") + 1]),  # noqa: E731
                          text[text.rindex("}") + 1:])
    (head, old, tail), (fresh_head, new, fresh_tail) = split(committed), split(fresh)
    assert (head, tail) == (fresh_head, fresh_tail)
    assert _same_bake(old, new) == [], "run `python3 tools/dev.py bake` and commit assets/app/baked.js"


def test_the_freshness_check_sees_a_change_beyond_the_last_bits():
    baked = {"v": "1.0682763435778029", "a": [0.1, 2.0], "t": "1.068", "arr": {
        "type": "ndarray", "array": {"type": "bytes", "data": base64.b64encode(
            gzip.compress(np.array([1e-300, 3.0]).tobytes())).decode()}, "dtype": "float64", "shape": [2]}}
    assert _same_bake(baked, json.loads(json.dumps(baked))) == []
    last_bits = json.loads(json.dumps(baked))
    last_bits["v"] = "1.0682763435778027"
    assert _same_bake(baked, last_bits) == []
    for change, where in (({"v": "1.06827634358"}, "/v"), ({"a": [0.1, 2.0000000001]}, "/a[1]"), ({"t": "1.069"}, "/t"),
                          ({"a": [0.1]}, "/a")):
        assert _same_bake(baked, {**baked, **change}) == [where], change
    tiny = json.loads(json.dumps(baked))
    tiny["arr"]["array"]["data"] = base64.b64encode(np.array([2e-300, 3.0]).tobytes()).decode()
    assert _same_bake(baked, tiny) == ["/arr"]  # relative, so a tiny value is not blind


@pytest.mark.parametrize("y", [0, 1])
def test_curves_follow_the_label(y):
    c = maths.loss_curves(y)
    # CE is large where p is far from y
    far = c["ce"][0] if y == 1 else c["ce"][-1]
    assert far > 10


def test_lab_figures_show_the_start_of_the_default_course():
    from explorer import lab
    m = figures.build(table=lab_table())
    names = {r.name for r in m["lab_data_plot"].renderers}
    assert {"lab_regions", "lab_boundaries", "lab_benign_points", "lab_malignant_points"} <= names
    assert m["lab_grad_plot"].x_range is m["lab_acc_plot"].x_range  # one epoch axis for both
    assert m["lab_data_plot"].xaxis[0].axis_label == "mean radius (standardised)"
    # w = (−4, −4), b = 0: the boundary is the line x₁ + x₂ = 0
    runners = next(r for r in m["lab_data_plot"].renderers if r.name == "lab_boundaries").data_source.data
    assert runners["runner"] == list(lab.RUNNERS) and runners["dash"] == ["solid", "dashed"]
    for xs, ys in zip(runners["line_xs"], runners["line_ys"]):
        assert len(xs) == 2 and all(abs(x + y) < 1e-12 for x, y in zip(xs, ys))
    assert lab.MAX_EPOCHS == 2000


def test_every_plot_text_ends_in_a_generic_font_family():
    """Bokeh's default, "helvetica" alone, drew serif text in Firefox on Linux."""
    from explorer.figures.style import FONT
    d = all_roots()
    fonts = {(type(model).__name__, prop): getattr(model, prop) for model in d.models
             for prop in model.properties() if prop.endswith("text_font")}
    shown = {k: v for k, v in fonts.items() if k[0] in ("Title", "LinearAxis", "LogAxis", "Legend")
             and not k[1].startswith(("title_", "group_"))}
    assert len(shown) >= 6 and set(shown.values()) == {FONT}, shown
    assert FONT.endswith("sans-serif")


def test_your_loss_is_a_third_series_hidden_until_there_is_one():
    m = figures.build()
    own = {r.name: r for fig in ("loss_plot", "grad_plot") for r in m[fig].renderers
           if "own" in (r.name or "") and "runner" not in r.name}
    assert sorted(own) == sorted(["own_curve", "own_point", "gown_curve_lin", "gown_curve_log", "gown_point_lin",
                                  "gown_point_log"])
    from explorer.figures.style import CE_COLOR, MSE_COLOR, OWN_COLOR, OWN_DASH
    assert OWN_COLOR not in (CE_COLOR, MSE_COLOR) and OWN_DASH not in ("solid", "dashed")
    assert {r.glyph.line_color for r in own.values() if "curve" in r.name} == {OWN_COLOR}
    assert {r.glyph.fill_color for r in own.values() if "point" in r.name} == {OWN_COLOR}
    assert own["own_curve"].glyph.line_dash == own["gown_curve_lin"].glyph.line_dash
    assert all(len(r.data_source.data[next(iter(r.data_source.data))]) == 0 for r in own.values())
    keys = [item for fig in ("loss_plot", "grad_plot") for item in m[fig].legend[0].items if "your loss" in str(item.label)]
    assert len(keys) == 2 and not any(k.visible for k in keys)


def test_the_registry_names_every_colour_mapper_a_dark_scheme_recolours():
    """paint.js recolours the mappers the registry names (runners: CE, MSE, yours; maps): none may be
    missed. Unnamed mappers (the classes' colours) are the same in both schemes."""
    from bokeh.models import ColorMapper
    from explorer.panels import baked
    mappers = {m.name for m in all_roots().models if isinstance(m, ColorMapper)}
    assert set(baked()["palettes"]) == mappers - {None}
