"""The browser layer in CPython: the whole app, driven through its one channel
as the page drives it from the main thread (events in, patches out), with
no browser. What reaches the page is checked as the operations bridge.js
applies; the maths behind them against tests/reference.py's mpmath values."""
from __future__ import annotations

import json

import numpy as np
import pytest
from explorer import lab
from explorer.browser.app import App, kiosk_idle
from explorer.browser.channel import Channel, Event
from explorer.browser.page import Page

from tests.reference import mp_point

# SPEC §1's rows (z, y)
REFERENCE_ROWS = [{"z": z, "y": y} for z, y in ((-2, 1), (-5, 1), (-8, 1), (0, 1), (3, 1), (2, 0), (30, 0), (-30, 1))]


class FakeTimers:
    """Timers on a clock of the test's own: firing one moves the clock to its due time."""

    def __init__(self, clock=None):
        self.due: dict[int, tuple[float, object]] = {}
        self._next = 0
        self.clock = clock or [0.0]

    def now(self) -> float:
        return self.clock[0]

    def start(self, ms, fn):
        self._next += 1
        self.due[self._next] = (self.clock[0] + ms, fn)
        return self._next

    def clear(self, handle):
        self.due.pop(handle, None)

    def fire_all(self):
        while self.due:
            key = min(self.due, key=lambda k: self.due[k][0])
            at, fn = self.due.pop(key)
            self.clock[0] = max(self.clock[0], at)
            fn()


class FakeDOM:
    """What bridge.js would have made of the patches so far: elements and models by name."""

    def __init__(self):
        self.el: dict[str, dict] = {}
        self.models: dict[str, dict] = {}
        self.root: dict[str, str] = {}

    def apply(self, op) -> None:
        kind, *a = op
        e = lambda: self.el.setdefault(a[0], {"data": {}, "attr": {}, "prop": {}})  # noqa: E731
        if kind == "text":
            e()["text"] = a[1]
        elif kind == "data":
            e()["data"][a[1]] = a[2]
        elif kind == "attr":
            e()["attr"][a[1]] = a[2]
        elif kind == "prop":
            e()["prop"][a[1]] = a[2]
        elif kind == "source":
            self.models.setdefault(a[0], {})["data"] = a[1]
        elif kind == "set":
            self.models.setdefault(a[0], {}).update(a[1])
        elif kind == "root":
            self.root[a[0]] = a[1]

    def value(self, id_: str) -> float:
        return float(self.el[id_]["data"]["value"])


class Harness:
    """An app whose page is a list of patches; `send` is the main thread sending a batch."""

    def __init__(self, hash_="", search=None):
        self.posts: list[tuple[dict, list]] = []
        self._dom = FakeDOM()
        self.channel = Channel(self._post, to_typed=lambda a: a.copy())
        self.timers = FakeTimers()
        self.page = Page(self.channel, self.timers, self.timers.now)
        table = _lab_table()
        self.app = App(self.page, False, table)
        self.app.start(hash_, kiosk_idle(search or {}))
        self.channel.flush()
        self.seq = 0

    def send(self, *events) -> list:
        self.seq += 1
        self.posts.clear()
        self.channel.receive({"x": "events", "seq": self.seq, "events": list(events)})
        return self.ops()

    @property
    def dom(self) -> FakeDOM:
        return self._dom

    @property
    def t(self) -> float:
        return self.timers.clock[0]

    @t.setter
    def t(self, value: float) -> None:
        self.timers.clock[0] = value

    def ops(self) -> list:
        out = []
        for m, arrays in self.posts:
            for op in json.loads(m["ops"]):
                out.append(_resolve(op, arrays))
        return out

    def _post(self, m, arrays) -> None:
        self.posts.append((m, arrays))
        for op in json.loads(m["ops"]):
            self._dom.apply(_resolve(op, arrays))

    def acks(self) -> list:
        return [m["ack"] for m, _ in self.posts]


def _resolve(value, arrays):
    if isinstance(value, dict) and set(value) == {"$"}:
        return list(arrays[value["$"]])
    if isinstance(value, dict):
        return {k: _resolve(v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, arrays) for v in value]
    return value


_TABLE = None


def _lab_table():
    global _TABLE
    if _TABLE is None:
        import vendor
        vendor.ensure(quiet=True)
        x, malignant = lab.parse_wdbc((vendor.VENDOR / vendor.LAB_DATA).read_text())
        _TABLE = lab.reduce_table(x, malignant)
    return json.loads(json.dumps(_TABLE))  # as the page sends it: JSON


def texts(ops) -> dict:
    return {op[1]: op[2] for op in ops if op[0] == "text"}


@pytest.fixture(scope="module")
def h():
    return Harness()


def test_each_batch_is_answered_by_one_patch_that_acknowledges_it(h):
    h.send({"target": "zNum", "type": "change", "value": "-5"})
    assert h.acks() == [h.seq]
    h.send()  # even an empty batch is acknowledged, or the page would wait for ever
    assert h.acks() == [h.seq]


@pytest.mark.parametrize("row", REFERENCE_ROWS, ids=lambda r: f"z={r['z']},y={r['y']}")
def test_typed_z_writes_the_six_readouts_within_1e_9_of_mpmath(row):
    h = Harness()
    h.send({"target": "y0" if row["y"] == 0 else "y1", "type": "change"})
    h.send({"target": "zRange", "type": "change", "value": "30"},
           {"target": "zNum", "type": "change", "value": str(row["z"])})
    want = mp_point(row["z"], row["y"])
    for k in ("p", "ce", "mse", "gce", "gmse", "ratio"):
        assert h.dom.value(k) == pytest.approx(want[k], rel=1e-9, abs=0), k
    source = h.dom.models["op_source"]["data"]
    assert source["z"] == [row["z"]] and source["gmse"] == [h.dom.value("gmse")]


def test_numeric_columns_travel_as_typed_arrays_and_gaps_as_null():
    h = Harness()
    ops = h.send({"target": "lossExpr", "type": "change", "value": "log(1 - p)"},
                 {"target": "zRange", "type": "change", "value": "50"})
    m, arrays = h.posts[0]
    raw = json.loads(m["ops"])
    curves = next(op for op in raw if op[:2] == ["source", "grad_curves"])[2]
    assert set(curves["z"]) == {"$"} and isinstance(arrays[curves["z"]["$"]], np.ndarray)
    own = [op for op in raw if op[:2] == ["source", "own_grad"]][-1][2]  # at R = 50
    assert None in own["gown"]  # the gap where 1 − p rounds to 0: a null, never NaN
    assert "NaN" not in m["ops"] and "Infinity" not in m["ops"]
    assert texts(ops).get("ownWhy") is None or "NaN" not in texts(ops)["ownWhy"]


def test_a_failing_handler_reports_and_still_acknowledges():
    h = Harness()

    def broken(ev):
        raise RuntimeError("injected")
    h.channel.listen("sweep", "click", broken)
    ops = h.send({"target": "sweep", "type": "click"}, {"target": "zNum", "type": "change", "value": "1"})
    assert h.acks() == [h.seq]
    assert ["prop", "notice", "hidden", False] in ops
    assert h.dom.value("p") == pytest.approx(mp_point(1, 1)["p"], rel=1e-12, abs=0)  # the next event still ran


def test_what_the_visitor_typed_later_in_a_batch_outdates_what_python_wrote_to_that_field_before():
    h = Harness()
    h.send({"target": "zNum", "type": "change", "value": "-7"})
    # A bad entry committed (the field would be put back to -7.00), then typed over in the same batch.
    ops = h.send({"target": "zNum", "type": "change", "value": "1e999"},
                 {"target": "zNum", "type": "input", "value": "3"})
    assert not [op for op in ops if op[:3] == ["prop", "zNum", "value"]]
    assert h.dom.value("p") == pytest.approx(mp_point(3, 1)["p"], rel=1e-12, abs=0)
    assert ["prop", "z", "value", "3.00"] in ops  # the slider, not typed in, still follows
    ops = h.send({"target": "zNum", "type": "input", "value": "3"},
                 {"target": "zNum", "type": "change", "value": "3"})
    assert [op for op in ops if op[:3] == ["prop", "zNum", "value"]] == [["prop", "zNum", "value", "3.00"]]


def test_a_value_event_drops_only_earlier_writes_to_its_own_control():
    channel = Channel(lambda m, a: None)
    channel.listen("f", "input", lambda ev: channel.send(["prop", "f", "value", "after"]))
    channel.listen("f", "keydown", lambda ev: None)
    channel.send(["prop", "f", "value", "before"])
    channel.send(["prop", "f", "checked", True])
    channel.send(["prop", "f", "hidden", False])
    channel.send(["prop", "g", "value", "other"])
    channel.dispatch(Event(target="f", type="input", value="typed"))
    assert channel.ops == [["prop", "f", "hidden", False], ["prop", "g", "value", "other"],
                           ["prop", "f", "value", "after"]]
    channel.dispatch(Event(target="f", type="keydown", key="a"))  # no value: nothing it outdates
    assert ["prop", "f", "value", "after"] in channel.ops


def test_keys_that_move_z_are_declared_for_the_main_thread_to_cancel():
    posts = []
    channel = Channel(lambda m, a: posts.append(m), to_typed=lambda a: a.copy())
    timers = FakeTimers()
    page = Page(channel, timers, timers.now)
    App(page, False, _lab_table())
    channel.flush()
    listens = {(op[1], op[2]): op for op in json.loads(posts[0]["ops"]) if op[0] == "listen"}
    assert set(listens[("z", "keydown")][4]) >= {"ArrowLeft", "ArrowRight", "Home", "End", "PageUp"}
    assert "Home" not in listens[("zNum", "keydown")][4]  # the caret's, in a text field
    assert listens[("z", "input")][5] is True  # a drag coalesces
    assert listens[("race", "click")][5] is False  # a click never does


def test_frames_are_asked_for_only_while_something_moves():
    h = Harness()
    ops = h.send({"target": "sweep", "type": "click"})
    assert ["frames", True] in ops
    h.t = 100.0
    ops = h.send({"target": "window", "type": "frame"})
    assert "z" in {op[1] for op in ops if op[0] == "prop"}  # the sweep moved z
    ops = h.send({"target": "sweep", "type": "click"})
    ops = h.send({"target": "window", "type": "frame"})
    assert ["frames", False] in ops


def test_the_url_follows_the_state_after_a_pause():
    h = Harness()
    h.send({"target": "zNum", "type": "change", "value": "-5"})
    h.posts.clear()
    h.timers.fire_all()
    h.channel.flush()
    assert ["hash", "#z=-5&y=1&R=8"] in h.ops()


def test_a_panel_joins_when_painted_and_says_so():
    h = Harness()
    ops = h.send({"target": "window", "type": "panel", "name": "lab"})
    assert ["root", "labPanel", "ready"] in ops
    assert ["select", "[data-lab-control]", "disabled", False] in ops
    assert texts(ops)["labEpoch"] == "0"
    ops = h.send({"target": "window", "type": "panel", "name": "nonsense"})
    assert not [op for op in ops if op[0] == "root"]  # unknown names are ignored


def test_a_debounce_arms_one_timer_and_runs_once_after_the_last_schedule():
    timers = FakeTimers()
    page = Page(Channel(lambda m, a: None), timers, timers.now)
    ran = []
    d = page.delay(lambda: ran.append(timers.now()), 250)
    for t in range(0, 1000, 16):  # a drag: one schedule per frame for a second
        timers.clock[0] = float(t)
        d.schedule()
    assert len(timers.due) == 1 and timers._next == 1  # one timer for the whole drag
    timers.fire_all()
    assert ran == [992.0 + 250]  # once, 250 ms after the last input


def test_with_no_loss_of_your_own_its_point_is_cleared_once_not_at_every_move_of_z():
    # A source written is a redraw of its points on both plots: an empty one is not sent again.
    h = Harness()
    h.send({"target": "lossExpr", "type": "change", "value": "(p - y)**2"})
    h.send({"target": "z", "type": "input", "value": "1.5"})
    assert len(h.dom.models["own_op"]["data"]["z"]) == 1
    cleared = h.send({"target": "lossExpr", "type": "change", "value": ""})
    assert [op[2] for op in cleared if op[:2] == ["source", "own_op"]] == [{"z": [], "p": [], "own": [], "gown": []}]
    for z in ("1.6", "-3", "0.25"):
        ops = h.send({"target": "z", "type": "input", "value": z})
        assert h.dom.value("p") == pytest.approx(1 / (1 + np.exp(-float(z))), rel=1e-12, abs=1e-15)
        assert not [op for op in ops if op[:2] == ["source", "own_op"]]
    h.send({"target": "lossExpr", "type": "change", "value": "-log(p)"})
    assert h.dom.models["own_op"]["data"]["z"] == [0.25]


@pytest.mark.parametrize("name", ["lab", "deep", "softmax"])
def test_a_playing_course_holds_on_to_nothing_frame_after_frame(name):
    """A kiosk plays courses all day: once a round of frames has filled what is cached, more
    rounds keep nothing more of the app's allocations (a fresh attribute name per frame was
    kept by CPython's method cache: 40 to 80 blocks more a round, for hours)."""
    import gc
    import tracemalloc
    h = Harness()
    h.send({"target": "window", "type": "panel", "name": name})
    panel = h.app.panels[name]
    panel.reset()
    panel.course.advance(200)

    def held() -> int:
        stats = tracemalloc.take_snapshot().statistics("filename")
        return sum(s.count for s in stats if "/explorer/" in s.traceback[0].filename)

    tracemalloc.start()
    try:
        counts = []
        for _ in range(3):
            for k in range(2000):
                panel._take_turn(k % 200)
                if k % 4 == 0:  # a patch goes out every few frames, as the worker's do
                    h.channel.flush()
                    h.posts.clear()
            h.channel.flush()
            h.posts.clear()
            gc.collect()
            counts.append(held())
    finally:
        tracemalloc.stop()
    assert counts[2] - counts[0] <= 2, counts
