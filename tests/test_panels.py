"""The panel registry (py/explorer/panels.py) against the page: every panel it
names is where index.html puts it, and everything derived from it agrees."""
from __future__ import annotations

import importlib
import re
from html.parser import HTMLParser
from pathlib import Path

from explorer import figures, state
from explorer.panels import BY_NAME, PANELS, baked

ROOT = Path(__file__).resolve().parents[1]


class Sections(HTMLParser):
    """index.html's ids, each with the id of the <section> it is in (None outside one), and
    each section's elements carrying a data-<x> attribute."""

    def __init__(self):
        super().__init__()
        self.stack: list[str | None] = []
        self.where: dict[str, str | None] = {}
        self.data_attrs: dict[str | None, set[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        section = self.stack[-1] if self.stack else None
        if a.get("id"):
            self.where[a["id"]] = section
        if tag == "section":
            self.stack.append(a.get("id") or section)
            section = self.stack[-1]
        self.data_attrs.setdefault(section, set()).update(k for k in a if k.startswith("data-"))

    def handle_endtag(self, tag):
        if tag == "section" and self.stack:
            self.stack.pop()


def page() -> Sections:
    p = Sections()
    p.feed((ROOT / "index.html").read_text())
    return p


def test_every_figure_host_is_on_the_page_and_each_panel_on_demand_in_its_own_section():
    p = page()
    for panel in PANELS:
        for host in panel.hosts.values():
            assert host in p.where, host
            if panel.on_demand:
                assert p.where[host] == panel.name, (panel.name, host)
        if panel.on_demand:
            assert p.where.get(panel.name) is None  # the section itself, at the top level
            assert f"data-{panel.name}-control" in p.data_attrs[panel.name]
            # your loss's parts, hidden without one, in every panel where it races
            races_own = _factory(panel).races_own
            assert ("data-own" in p.data_attrs[panel.name]) == races_own, panel.name


def test_the_panels_on_demand_come_in_page_order():
    text = (ROOT / "index.html").read_text()
    at = [text.index(f'<section id="{p.name}"') for p in PANELS if p.on_demand]
    assert at == sorted(at) and len(at) >= 2


def _factory(panel):
    module, cls = panel.factory.split(":")
    return getattr(importlib.import_module(f"explorer.browser.{module}"), cls)


def test_each_factory_is_a_class_with_render_and_bind():
    for panel in PANELS:
        if not panel.on_demand:
            continue
        factory = _factory(panel)
        assert callable(factory.render) and callable(factory.bind)
        assert factory.name == panel.name  # its clock key and status attribute are the registry's name


def test_everything_derived_from_it_agrees():
    assert list(state.PANEL_FIELDS) == [p.name for p in PANELS]
    assert state.FIELDS == tuple(f for p in PANELS for f in p.fields)
    assert list(figures.DOCS) == ["explorer", *(p.name for p in PANELS if p.on_demand)]
    assert figures.DOCS["explorer"] == {**BY_NAME["explorer"].hosts, **BY_NAME["race"].hosts}
    b = baked()
    assert b["on_demand"] == ["lab", "deep", "softmax"] and b["animates"] == ["race", "lab", "deep", "softmax"]
    # A course restarts when any field it depends on changes: State has one key per training panel.
    for p in PANELS:
        if p.on_demand:
            s = state.State()
            assert getattr(s, p.name) == tuple(f.default for f in p.course_fields)
    # the three-class panel's logits are not its course's: moving them leaves the course alone
    s = state.State()
    assert state.from_hash("#sz1=-4&sy=2", s).softmax == s.softmax != state.from_hash("#ss=6", s).softmax


def test_the_page_scripts_keep_no_list_of_panels_of_their_own():
    for script in ("panels.js", "paint.js", "plots.js", "repaint.js"):
        text = (ROOT / "assets" / "app" / script).read_text()
        assert not re.search(r'"(lab|deep)"', text), script
