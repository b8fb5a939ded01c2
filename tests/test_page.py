"""The page's static contract (CPython): what index.html promises and the code must keep."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from explorer import lab

from tests.conftest import ROOT

HTML = (ROOT / "index.html").read_text()


def test_brackets_in_formulas_never_stretch():
    """WebKit stretched p(1 − p) to the height of a fraction in the same row (with a math font installed)."""
    brackets = re.findall(r"<mo([^>]*)>\s*([()\[\]])\s*</mo>", HTML)
    assert len(brackets) >= 20
    assert all('stretchy="false"' in attrs for attrs, _ in brackets)


class _Options(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inside, self.options, self.values = False, [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "select" and a.get("id") == "labPair":
            self.inside = True
        elif tag == "option" and self.inside:
            self.values.append(a["value"])
            self.options.append("")

    def handle_endtag(self, tag):
        if tag == "select":
            self.inside = False

    def handle_data(self, data):
        if self.inside and self.options:
            self.options[-1] += data.strip()


def test_the_feature_pairs_on_offer_are_the_labs():
    o = _Options()
    o.feed(HTML)
    assert o.values == [str(i) for i in range(len(lab.PAIRS))]
    assert o.options == [f"{a} + {b}" for a, b in lab.PAIRS]


def test_the_lab_text_quotes_the_labs_numbers():
    for s in (4, 6):
        assert f"#lp=0&amp;ls={s}&amp;llr=1" in HTML
    assert "after 10 epochs, the MSE runner after 266" in HTML
    assert "cross-entropy needs 14 epochs; MSE does not get there within 2,000" in HTML
    assert "62.7 %" in HTML and "357 of 569" in HTML
