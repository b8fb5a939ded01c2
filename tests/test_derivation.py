"""The derivation's protocol in CPython (issue 29): Python's main worker asks the
derivation's worker through one operation and hears back as an event; it shows
only the answer to its latest request, never waits, and shows nothing that is
not MathML of the page's own list. The worker's side (py/deriver.py) is
explorer.derive, tested in test_derive.py; the page's side (derive.js: the
budget, the terminated worker) end to end in tests/e2e/test_ownloss.py."""
from __future__ import annotations

from explorer import derive, ownloss

from tests.test_browser import Harness

OK = '<math display="block"><mrow><mi>p</mi><mo>-</mo><mn>1</mn></mrow></math>'


def _typed(h: Harness, text: str) -> None:
    h.send({"target": "lossExpr", "type": "change", "value": text})


def _asked(h: Harness) -> list:
    """The derive operations sent when the pause after typing ends."""
    h.posts.clear()
    h.timers.fire_all()
    h.channel.flush()  # as the worker's timers do once a callable returns
    return [op for op in h.ops() if op[0] == "derive"]


def _answer(h: Harness, **ev) -> dict:
    h.send({"target": "window", "type": "derived", **ev})
    return h.dom.el["ownDeriv"]


def test_a_loss_is_asked_for_once_typing_pauses_and_shown_when_answered():
    h = Harness()
    _typed(h, "-(y*log(p) + (1-y)*log(1-p))")
    assert h.dom.el["ownDeriv"]["data"]["state"] == "pending"
    asked = _asked(h)
    assert asked == [["derive", 1, "-(y*log(p) + (1-y)*log(1-p))", 1]]
    assert h.dom.el["ownDeriv"]["data"]["state"] == "loading"  # the first: SymPy's worker is starting
    box = _answer(h, id=1, kind="ready", text="p - 1", mathml=OK)
    assert box["data"] == {"state": "ready", "expr": "p - 1"}
    assert h.dom.el["ownDerivNote"]["text"].startswith("For y = 1, derived by SymPy")


def test_only_the_latest_request_is_shown():
    h = Harness()
    _typed(h, "z")
    _asked(h)
    _typed(h, "z**2")
    assert _asked(h) == [["derive", 2, "z**2", 1]]
    box = _answer(h, id=1, kind="ready", text="1", mathml=OK)  # the answer to a loss no longer in use
    assert box["data"]["state"] == "loading"
    box = _answer(h, id=2, kind="ready", text="2*z", mathml=OK)
    assert box["data"] == {"state": "ready", "expr": "2*z"}


def test_back_to_the_loss_on_show_asks_nothing_and_is_no_longer_pending():
    h = Harness()
    _typed(h, "z")
    _asked(h)
    _answer(h, id=1, kind="ready", text="1", mathml=OK)
    _typed(h, "z**2")
    assert h.dom.el["ownDeriv"]["data"]["state"] == "pending"
    _typed(h, "z")
    assert _asked(h) == []
    assert h.dom.el["ownDeriv"]["data"]["state"] == "ready"


def test_a_stopped_derivation_says_too_slow_and_the_next_loss_is_asked_for():
    h = Harness()
    _typed(h, "z")
    _asked(h)
    box = _answer(h, id=1, kind="too-slow", why="it takes SymPy more than 2.5 s, too slow to derive here")
    assert box["data"] == {"state": "too-long", "expr": ""}
    assert "too slow to derive here" in h.dom.el["ownDerivNote"]["text"]
    _typed(h, "z**3")
    assert _asked(h) == [["derive", 2, "z**3", 1]]
    assert h.dom.el["ownDeriv"]["data"]["state"] == "pending"  # not "loading" again: SymPy has answered once


def test_unavailable_names_the_reason_and_the_rest_works():
    h = Harness()
    _typed(h, "z")
    _asked(h)
    box = _answer(h, id=1, kind="unavailable", why="this copy of the page leaves it out to stay small")
    assert box["data"]["state"] == "unavailable"
    assert "leaves it out to stay small" in h.dom.el["ownDerivNote"]["text"]
    assert "Everything else works" in h.dom.el["ownDerivNote"]["text"]


def test_markup_that_is_not_the_pages_mathml_is_never_shown():
    h = Harness()
    _typed(h, "z")
    _asked(h)
    box = _answer(h, id=1, kind="ready", text="1", mathml='<math><mi>p</mi><img src=x onerror="alert(1)"></math>')
    assert box["data"]["state"] == "too-long"
    assert "cannot be typeset" in h.dom.el["ownDerivNote"]["text"]


def test_the_typeset_check_is_linear_on_a_failing_input():
    """A long text that fails at its very end (the old pattern backtracked exponentially there)."""
    assert not derive.typesettable("<math>" + "a" * 20_000 + "<")
    assert derive.typesettable(derive.derivative(ownloss.parse("(p - y)**2"), 1)[1])


def test_an_empty_loss_cancels_the_request():
    h = Harness()
    _typed(h, "z")
    _typed(h, "")
    assert _asked(h) == []
    assert h.dom.el["ownDeriv"]["data"]["state"] == "none"
