"""Reading the real page: readouts from the DOM, models from BokehJS."""
from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.reference import READOUT_IDS

_MODEL_DATA = """name => {
  const doc = Bokeh.documents[0];
  const d = doc.get_model_by_name(name).data;
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Array.from(v)]));
}"""


def readouts(page) -> dict:
    return page.evaluate(
        """ids => Object.fromEntries(ids.map(id => {
             const e = document.getElementById(id);
             return [id, {text: e.textContent, value: e.dataset.value}];
           }))""",
        list(READOUT_IDS),
    )


def source(page, name: str) -> dict:
    return page.evaluate(_MODEL_DATA, name)


def model_prop(page, name: str, prop: str):
    return page.evaluate("([n, p]) => Bokeh.documents[0].get_model_by_name(n)[p]", [name, prop])


def wait_value(page, readout_id: str, value: float, rel: float = 1e-9) -> None:
    """Wait until a readout's full-precision value is `value` (Python updates asynchronously)."""
    try:
        page.wait_for_function(
            "([id, v, rel]) => Math.abs(Number(document.getElementById(id).dataset.value) - v) <= rel * Math.abs(v)",
            arg=[readout_id, value, rel],
        )
    except PlaywrightTimeout as e:
        raise AssertionError(f"#{readout_id} never showed {value!r}; the page: {page.evaluate(_WHERE)}") from e


# What a timed-out wait saw: enough to tell a lost event from a silent Python.
_WHERE = """() => ({
  state: document.documentElement.dataset.state, hash: location.hash,
  zNum: document.getElementById('zNum').value, p: document.getElementById('p').dataset.value,
  notice: document.getElementById('notice').hidden ? null : document.getElementById('notice').textContent,
  bridge: window.explorerBridge && {busy: explorerBridge.busy(), last: explorerBridge.lastEvent(),
                                    handled: explorerBridge.handled(), sent: explorerBridge.sent()},
})"""


SETTLED = "n => !window.explorerBridge || explorerBridge.handled() >= n"
LAST_EVENT = "window.explorerBridge ? explorerBridge.lastEvent() : 0"


def settled(page) -> None:
    """Every event the page has queued for Python so far has been handled and its patch applied."""
    page.wait_for_function(SETTLED, arg=page.evaluate(LAST_EVENT))


def type_and_enter(page, selector: str, text: str) -> None:
    """Type a value and commit it, then wait for Python's answers: Enter's answer rewrites the field
    (`2` becomes `2.00`), and landing between the next `fill`'s select-all and its typing it would
    leave `2.0015` (seen 2 runs in 11)."""
    page.fill(selector, text)
    page.press(selector, "Enter")
    settled(page)


def wait_z(page, z: float) -> None:
    page.wait_for_function("z => Bokeh.documents[0].get_model_by_name('op_source').data.z[0] === z", arg=z)


# Makes the next write to op_source throw inside Python's handler; HEAL undoes it.
BREAK_OP_SOURCE = """() => {
    const op = Bokeh.documents[0].get_model_by_name('op_source');
    Object.defineProperty(op, 'data', {configurable: true, get() { return {}; },
                                       set() { throw new Error('injected failure'); }});
}"""
HEAL_OP_SOURCE = "() => { delete Bokeh.documents[0].get_model_by_name('op_source').data; }"


_ANY_DOC_DATA = """name => {
  const m = Bokeh.documents.map(d => d.get_model_by_name(name)).find(Boolean);
  return Object.fromEntries(Object.entries(m.data).map(([k, v]) => [k, Array.from(v)]));
}"""


def any_source(page, name: str) -> dict:
    """A ColumnDataSource's data from whichever embedded document holds it (the lab has its own)."""
    return page.evaluate(_ANY_DOC_DATA, name)


def any_model(page, name: str, expr: str):
    """`expr` evaluated with `m` bound to the named model of any embedded document."""
    return page.evaluate(f"name => {{ const m = Bokeh.documents.map(d => d.get_model_by_name(name)).find(Boolean); return {expr}; }}",
                         name)


def lab_to_end(page) -> tuple[int, int]:
    """Train and skip to the end; the two epoch counts (−1: not within 2,000)."""
    page.click("#labRun")
    page.wait_for_function("document.documentElement.dataset.lab === 'running'")
    page.click("#labRun")  # "Skip to the end"
    page.wait_for_function("document.documentElement.dataset.lab === 'done'", timeout=30_000)
    return int(page.get_attribute("#labCE", "data-epochs")), int(page.get_attribute("#labMSE", "data-epochs"))


# Resolves after n animation frames: long enough for a stale animation to move
# something again (the page's one clock moves things once per frame).
FRAMES = "n => new Promise(r => { const step = k => k ? requestAnimationFrame(() => step(k - 1)) : r(true); step(n); })"


def frames(page, n: int = 10) -> None:
    page.evaluate(FRAMES, n)


def tab_order(page, first: str, n: int) -> list[str]:
    """The ids Tab visits from #first on: n of them, #first included."""
    page.focus(f"#{first}")
    order = []
    for _ in range(n):
        order.append(page.evaluate("document.activeElement.id"))
        page.keyboard.press("Tab")
    return order


# Counts full repaints (axes, legends, curves, points: Bokeh's primary layer) per named plot
# whose name starts with the given prefix, in window.__primary; returns the names counted.
COUNT_PRIMARY = """(prefix) => {
    prefix = prefix || '';
    window.__primary = {};
    for (const view of Object.values(Bokeh.index)) {
        const name = view.model.name, paint = view._paint_primary;
        if (!name || !name.startsWith(prefix) || typeof paint !== 'function') continue;
        window.__primary[name] = 0;
        view._paint_primary = function (...args) { window.__primary[name]++; return paint.apply(this, args); };
    }
    return Object.keys(window.__primary).sort();
}"""
