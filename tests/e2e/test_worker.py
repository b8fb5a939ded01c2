"""Python off the main thread (SPEC §16): the page keeps answering while
Python is busy, a busy Python gets only the latest value of a control, and a
browser that refuses the worker gets the failure panel, not a dead page."""
from __future__ import annotations

import pytest

from tests.conftest import ROOT

from .helpers import wait_z

# Counts the main thread's animation frames while `ms` pass on its clock.
FRAMES_DURING = """ms => new Promise(resolve => {
  const t0 = performance.now(); let n = 0;
  const step = t => { n++; if (t - t0 < ms) requestAnimationFrame(step); else resolve(n); };
  requestAnimationFrame(step);
})"""


def test_the_page_answers_while_python_is_busy_and_a_drag_arrives_as_its_last_value(app):
    before = app.evaluate("explorerBridge.sent()['z|input'] || 0")
    # Python busy for 2 s, as with a long computation (the call returns when it is over).
    app.evaluate("window.__busy = explorerBoot.python('import time; time.sleep(2.0); 1')")
    # A fast drag meanwhile: 120 positions, in the order a visitor would make them.
    app.evaluate("""() => {
        const z = document.getElementById('z');
        for (let i = 1; i <= 120; i++) {
            z.value = (-8 + i * 0.05).toFixed(2);
            z.dispatchEvent(new Event('input', {bubbles: true}));
        }
    }""")
    # The main thread goes on painting: a frozen one would give a handful of frames, not ~60 a second.
    frames = app.evaluate(FRAMES_DURING, 1000)
    assert frames >= 20, f"only {frames} frames in a second while Python was busy"
    assert app.evaluate("window.__busy") == 1
    wait_z(app, -2.0)  # the last position wins
    # Python saw the first position (sent before it was known to be busy) and then only the latest.
    assert app.evaluate("explorerBridge.sent()['z|input']") - before <= 2
    assert app.input_value("#zNum") == "-2.00"


def test_events_from_every_control_still_arrive_in_order_after_a_busy_spell(app):
    app.evaluate("window.__busy = explorerBoot.python('import time; time.sleep(1.0); 1')")
    app.fill("#zNum", "-5")
    app.press("#zNum", "Enter")
    app.click("label[for=y0]")  # a change, not coalesced: it must not be lost behind the typing
    app.evaluate("window.__busy")
    app.wait_for_function("document.getElementById('y0').checked && document.getElementById('p').dataset.value !== ''")
    wait_z(app, -5.0)
    app.wait_for_function("location.hash.includes('y=0')")


# A bad entry committed in the z field; the moment its message shows (the answer to its input), the
# visitor types 3 there, while the commit (which puts the field back to the value in effect) is still
# with Python. Then Enter. Returns the field's text and z at the end.
TYPED_OVER_A_COMMIT = """async () => {
  const num = document.getElementById('zNum');
  const msg = document.getElementById('zMsg');
  const typed = (value, type) => { num.value = value; num.dispatchEvent(new Event(type, {bubbles: true})); };
  const shown = new Promise(resolve => {
    new MutationObserver((_, mo) => {
      if (!msg.textContent) return;
      mo.disconnect();
      typed('3', 'input');  // the commit's batch went out as this message's patch was applied
      resolve(explorerBridge.busy());
    }).observe(msg, {childList: true, characterData: true, subtree: true});
  });
  typed('1e999', 'input');
  typed('1e999', 'change');
  const commitWithPython = await shown;
  await new Promise(resolve => {
    const wait = () => (explorerBridge.busy() ? setTimeout(wait, 5) : resolve());
    wait();
  });
  typed(num.value, 'change');
  return commitWithPython;
}"""


def test_a_field_typed_in_while_python_answers_an_earlier_commit_keeps_what_was_typed(app):
    app.fill("#zNum", "-7")
    app.press("#zNum", "Enter")
    wait_z(app, -7.0)
    assert app.evaluate(TYPED_OVER_A_COMMIT) is True  # the commit was with Python when 3 was typed
    wait_z(app, 3.0)
    app.wait_for_function("document.getElementById('zNum').value === '3.00' && location.hash.includes('z=3&')")
    assert app.evaluate("Bokeh.documents[0].get_model_by_name('op_source').data.z[0]") == 3.0


# For each of a run of moves, one after the other: was the plot drawing op_source repainted in the
# first animation frame after it asked for a repaint? (BokehJS asks a little after the patch, once
# its glyphs have taken the new data; a frame callback asked for just after its own runs after it
# in that frame.) Returns the moves that were not.
REPAINTED_NEXT_FRAME = """async () => {
  const op = Bokeh.documents[0].get_model_by_name('op_source');
  const views = [];
  const visit = v => { if (!v) return; if (v.renderer_views) views.push(v); (v.child_views || []).forEach(visit); };
  Object.values(Bokeh.index).forEach(visit);
  const plot = views.find(v => [...v.renderer_views.values()].some(r => r.model.data_source === op));
  let paints = 0;
  let asked = null;
  let probe = null;
  const repaint = plot.repaint;
  const request = plot.throttled_paint;
  plot.repaint = function () { paints++; return repaint.call(this); };
  plot.throttled_paint = function () {
    const out = request.apply(this, arguments);
    if (!probe) {
      const before = paints;
      probe = new Promise(resolve => requestAnimationFrame(() => resolve(paints > before)));
      asked();
    }
    return out;
  };
  const z = document.getElementById('z');
  const late = [];
  try {
    for (let i = 0; i < 12; i++) {
      const v = Number((-6 + i * 0.5).toFixed(2));
      probe = null;
      const requested = new Promise(resolve => { asked = resolve; });
      z.value = String(v);
      z.dispatchEvent(new Event('input', {bubbles: true}));
      await requested;
      if (!(await probe)) late.push(v);
    }
  } finally {
    delete plot.repaint;
    plot.throttled_paint = request;
  }
  return late;
}"""


def test_a_plot_is_repainted_in_the_first_frame_after_its_data_changes(app):
    """BokehJS's own throttle would hold a repaint asked for within 1/60 s of the last one on a timer,
    into a later frame, where the next move's patch then waits behind it: repaint.js asks once per frame."""
    assert app.evaluate(REPAINTED_NEXT_FRAME) == []


# Three plots' repaints through repaint.js's frame queue, each taking `ms` on the main thread
# (a busy loop), asked for together, twice over; then two slow ones: the frame each was painted in.
FRAME_QUEUE = """async () => {
  const spin = ms => { const t = performance.now(); while (performance.now() - t < ms) {} };
  const log = [];
  const painter = (name, ms) => explorerRepaint.framePainter(() => { log.push([name, document.timeline.currentTime]); spin(ms); });
  const [a, b, c] = ['a', 'b', 'c'].map(n => painter(n, 4));
  const same = a() === a();  // asked twice before its paint: one paint, one promise
  await Promise.all([a(), b(), c()]);
  const first = log.splice(0);
  await Promise.all([a(), b(), c()]);
  const again = log.splice(0);
  const [h, k] = ['h', 'k'].map(n => painter(n, 20));
  await Promise.all([h(), k()]);
  log.splice(0);
  await Promise.all([h(), k()]);
  return {same, first, again, slow: log.splice(0)};
}"""


def test_repaints_asked_for_together_are_shared_out_over_frames_by_their_cost(app):
    """A panel whose figures all change at once painted them all in one frame (the depth panel: a
    task of 100 to 175 ms). A plot never painted before gets a frame of its own; plots whose last
    paints fit the frame's budget (30 ms) share one; a paint that would overrun it waits a frame."""
    got = app.evaluate(FRAME_QUEUE)
    assert got["same"] is True
    frame = lambda log: [t for _, t in log]  # noqa: E731
    assert [n for n, _ in got["first"]] == ["a", "b", "c"]
    assert len(set(frame(got["first"]))) == 3, got["first"]  # never painted: one per frame
    assert [n for n, _ in got["again"]] == ["a", "b", "c"]
    assert len(set(frame(got["again"]))) == 1, got["again"]  # 4 ms each: one frame
    assert [n for n, _ in got["slow"]] == ["h", "k"]
    assert len(set(frame(got["slow"]))) == 2, got["slow"]  # 20 + 20 ms: over the budget


def test_pyscript_does_not_watch_the_shadow_roots_of_bokehjs_views(app):
    """PyScript's main side patches attachShadow to observe every shadow root for its py-* attributes;
    BokehJS builds each view in one, so each node it added was walked again. The page takes it back."""
    assert app.evaluate("Function.prototype.toString.call(Element.prototype.attachShadow)").find("[native code]") > 0
    # ...and PyScript still hosts the worker that answers.
    app.fill("#zNum", "-3")
    app.press("#zNum", "Enter")
    wait_z(app, -3.0)


@pytest.mark.parametrize("where", ["served", "file"])
def test_a_browser_that_refuses_the_worker_gets_the_failure_panel(watch, base_url, where):
    page = watch.page
    watch.allow("background worker|refused")
    page.add_init_script("window.Worker = function () { throw new DOMException('refused by policy', 'SecurityError'); };")
    page.goto(base_url if where == "served" else (ROOT / "index.html").as_uri())
    page.wait_for_function("document.documentElement.dataset.state === 'error'", timeout=30_000)
    text = page.inner_text("#bootError")
    assert "background worker" in text and "refused by policy" in text
    assert page.is_hidden("#boot")
    assert page.text_content("#gmse") == "0.1850"  # the baked example is still there to read
