"""The panel registry: every panel of the page, named once.

Everything that lists panels is derived from here: the page state's fields
(explorer.state), the baked Bokeh documents and their host elements
(explorer.figures), the panels that join on demand and their factories
(explorer.browser.app), and, baked into assets/app/baked.js, what the page's
scripts need (assets/app/panels.js: sections, hash keys, which panels
animate; assets/app/paint.js: which colour mappers a dark scheme recolours).
tests/test_panels.py checks it against index.html.

Adding a panel: its maths module (with its FIELDS), its figure module (with
`build(state, table)`), its browser module (a class taking page, clock,
store and, when it asks for it, the lab's table), one entry below, and its
HTML: a <section> with the entry's name as id holding the host elements.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import deep, explorer, lab, race, softmax
from .fields import Field


@dataclass(frozen=True)
class Panel:
    name: str                    # its <section> id (panels on demand), clock key and html[data-<name>] state
    fields: tuple[Field, ...]    # its part of the page state, in the order a hash is read
    hosts: dict[str, str]        # its figures: root model name → host element id
    doc: str = ""                # the baked Bokeh document holding its figures (default: its own, by name)
    factory: str = ""            # "module:Class" in explorer.browser: a panel that joins on demand
    table: bool = False          # its factory also takes the lab's table (the WDBC features)
    animates: bool = False       # html[data-<name>="running"] while it moves: idle loading waits
    palettes: dict[str, str] = field(default_factory=dict)  # colour mapper → the scheme's palette it takes
    course: tuple[str, ...] = ()  # the hash keys its course depends on (default: all of its fields)

    @property
    def on_demand(self) -> bool:
        return bool(self.factory)

    @property
    def course_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not self.course or f.key in self.course)


PANELS: tuple[Panel, ...] = (
    Panel("explorer", explorer.FIELDS, {"loss_plot": "lossPlotHost", "grad_plot": "gradPlotHost"}),
    Panel("race", race.FIELDS, {"race_plot": "racePlotHost"}, doc="explorer", animates=True),
    Panel("lab", lab.FIELDS,
          {"lab_data_plot": "labDataHost", "lab_grad_plot": "labGradHost", "lab_acc_plot": "labAccHost"},
          factory="lab:LabPanel", table=True, animates=True, palettes={"lab_runner_colors": "runners"}),
    Panel("deep", deep.FIELDS,
          {"deep_grad_plot": "deepGradHost", **{f"deep_map_{r}_plot": f"deepMap{i}Host" for r, i in
                                                 (("ce", "CE"), ("mse", "MSE"), ("own", "Own"))},
           "deep_acc_plot": "deepAccHost"},
          factory="deep:DeepPanel", animates=True,
          palettes={f"deep_map_{r}_colors": "map" for r in ("ce", "mse", "own")}),
    Panel("softmax", softmax.FIELDS,
          {"sm_bars_plot": "smBarsHost", "sm_map_ce_plot": "smMapCEHost", "sm_map_mse_plot": "smMapMSEHost",
           "sm_acc_plot": "smAccHost"},
          factory="softmax:SoftmaxPanel", animates=True, course=("ss", "slr"),
          palettes={f"sm_map_{r}_colors": "classes" for r in ("ce", "mse")}),
)
BY_NAME = {p.name: p for p in PANELS}


def docs() -> dict[str, dict[str, str]]:
    """Each baked document → its figures' hosts, the explorer's first (it is the first paint)."""
    out: dict[str, dict[str, str]] = {}
    for p in PANELS:
        out.setdefault(p.doc or p.name, {}).update(p.hosts)
    return out


def baked() -> dict:
    """What the page's scripts need, JSON-ready (assets/app/baked.js `panels`)."""
    return {
        "on_demand": [p.name for p in PANELS if p.on_demand],
        "keys": {p.name: [f.key for f in p.fields] for p in PANELS},
        "animates": [p.name for p in PANELS if p.animates],
        "palettes": {m: kind for p in PANELS for m, kind in p.palettes.items()},
    }
