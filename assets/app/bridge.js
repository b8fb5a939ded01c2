// Page layer: the main thread's end of the one channel to Python, which
// lives in a Web Worker (pyworker.js). Classic script: it must run on file://.
//
// Out to Python: the events Python listens to ("listen" operations say
// which, and what to read from each), in batches. While Python is busy with
// a batch, new events wait, and of those marked "coalesce" (a drag, typing,
// frames) only the latest of each kind: a busy Python never receives a queue
// of stale slider positions. Python acknowledges each batch with the patch
// that answers it.
// In from Python: patches, lists of operations on elements and Bokeh models
// (py/explorer/browser/page.py names them), applied here as they arrive;
// writes to Bokeh models go through models.js.
// Nothing here computes any of the maths.
"use strict";
(function () {
  const html = document.documentElement;
  const $ = (id) => document.getElementById(id);
  // Kiosk activity: what counts as a visitor touching the page.
  const ACTIVITY = ["pointerdown", "keydown", "touchstart", "wheel", "input"];

  let worker = null;
  let port = null; // the channel's main-thread end, once the worker has its other end
  let seq = 0;
  let inflight = false; // a batch sent, not yet acknowledged
  const queue = []; // [event, coalesce key | null, its number]
  let lastEvent = 0; // events are numbered as they are queued
  let sentUpTo = 0; // the highest number in the batch with Python
  let handledUpTo = 0; // every event numbered up to this has been handled and its patch applied
  let withPython = new Set(); // the controls whose input (a value, a checked state) is in the batch with Python
  let answering = false; // the patch being applied answers that batch
  const asked = new Map(); // id → resolve, for explorerBoot.python()
  let nextAsk = 0;
  let handlers = {}; // message kind → function, from boot.js
  let framesOn = false;
  const sent = {}; // "target|type" → events sent to Python (tests read it: coalescing)

  function send(message, transfer) {
    if (port) port.postMessage(message, transfer || []);
  }

  // -- events out -------------------------------------------------------------
  function enqueue(ev, key) {
    if (key) {
      const i = queue.findIndex((q) => q[1] === key);
      if (i >= 0) queue.splice(i, 1); // replaced by this one, which answers for it
    }
    queue.push([ev, key, ++lastEvent]);
    pump();
  }

  function pump() {
    if (inflight || !queue.length || !port) return;
    sentUpTo = queue[queue.length - 1][2];
    const events = queue.splice(0).map((q) => q[0]);
    withPython = new Set(events.filter(carriesInput).map((ev) => ev.target));
    for (const ev of events) sent[`${ev.target}|${ev.type}`] = (sent[`${ev.target}|${ev.type}`] || 0) + 1;
    inflight = true;
    send({ x: "events", seq: ++seq, events });
    if (window.__bridgeTrace) window.__bridgeTrace.push(["sent", performance.now(), events.length, seq]);
  }

  function frameLoop() {
    if (!framesOn) return;
    enqueue({ target: "window", type: "frame" }, "frame");
    requestAnimationFrame(frameLoop);
  }

  const listening = new Set();
  function listen(target, type, read, prevent, coalesce) {
    const id = `${target}|${type}`;
    if (listening.has(id)) return;
    listening.add(id);
    const key = coalesce ? id : null;
    if (target === "window" && type === "activity") {
      const touched = () => enqueue({ target, type }, id);
      for (const name of ACTIVITY) window.addEventListener(name, touched, { capture: true, passive: true });
      return;
    }
    if (target === "window" && ["frame", "panel", "derived"].includes(type)) return; // sent by this page itself
    if (target === "document" && type === "statelink") {
      // A link that sets the controls: Python sets the state from its href (no navigation).
      document.addEventListener("click", (e) => {
        const a = e.target.closest && e.target.closest("a[data-state-link]");
        if (!a || html.dataset.state !== "ready") return;
        e.preventDefault();
        enqueue({ target, type, href: a.getAttribute("href"), focus: a.dataset.focus || "" }, null);
      });
      return;
    }
    const el = target === "window" ? window : target === "document" ? document : $(target);
    if (!el) return;
    el.addEventListener(type, (e) => {
      if (prevent.length && prevent.includes(e.key)) e.preventDefault();
      const ev = { target, type };
      for (const what of read) {
        if (what === "value") ev.value = String(e.target.value);
        else if (what === "checked") ev.checked = Boolean(e.target.checked);
        else if (what === "key") ev.key = e.key;
        else if (what === "shift") ev.shift = e.shiftKey;
        else if (what === "hash") ev.hash = location.hash;
      }
      enqueue(ev, key);
    });
  }

  // -- patches in ---------------------------------------------------------------
  function element(id) {
    const el = $(id);
    if (!el) throw new Error(`no element #${id}`);
    return el;
  }

  const MODEL_OPS = new Set(["set", "source", "stream", "image"]);
  const OPS = {
    text: (id, s) => { element(id).textContent = s; },
    html: (id, s) => { element(id).innerHTML = s; }, // markup Python built itself (page.py: El.html)
    data: (id, key, v) => { element(id).dataset[key] = v; },
    attr: (id, name, v) => { if (v === null) element(id).removeAttribute(name); else element(id).setAttribute(name, v); },
    prop: (id, name, v) => { if (!visitorAhead(id, name)) element(id)[name] = v; },
    class: (id, cls, on) => { element(id).classList.toggle(cls, on); },
    focus: (id) => { const el = $(id); if (el) el.focus(); },
    options: (id, options) => {
      const sel = element(id);
      for (const [value, text, title] of options) {
        const o = document.createElement("option");
        o.value = value;
        o.textContent = text;
        o.title = title;
        sel.appendChild(o);
      }
    },
    root: (key, v) => {
      if (v === null) delete html.dataset[key]; else html.dataset[key] = v;
      if (v === "ready" && key.endsWith("Panel")) window.explorerPanels.bound(key.slice(0, -5));
    },
    select: (selector, prop, v) => { for (const el of document.querySelectorAll(selector)) el[prop] = v; },
    hash: (h) => { if (location.hash !== h) history.replaceState(history.state, "", h); },
    scroll: (id, smooth) => {
      const how = { behavior: smooth ? "smooth" : "auto", block: "start", top: 0 };
      const el = id && $(id);
      if (el) el.scrollIntoView(how); else window.scrollTo(how);
    },
    mark: (name) => { performance.mark(name); },
    want: (name) => { window.explorerPanels.want(name).catch(() => {}); },
    derive: (id, loss, y) => { window.explorerDeriver.request(id, loss, y); },
    frames: (on) => {
      const was = framesOn;
      framesOn = on;
      if (on && !was) requestAnimationFrame(frameLoop);
    },
    console: (level, text) => { (console[level] || console.log)(text); },
    listen,
    ready: () => {
      window.explorerBoot.ready();
      // A kiosk's idle countdown was armed in the worker, before this page came alive (under
      // load, 120 ms before): counted again from now, a visitor gets all of it.
      if (listening.has("window|activity")) enqueue({ target: "window", type: "activity" }, "window|activity");
    },
  };

  // A control's value or checked state that Python wrote before it saw what the visitor has since
  // put in that control (an input still waiting, or with Python when this patch does not answer it)
  // is left as the visitor made it: the latest input wins, and its own answer writes what must.
  // Python drops such writes within one batch (channel.py); these are the ones across batches.
  const carriesInput = (ev) => "value" in ev || "checked" in ev;
  function visitorAhead(id, name) {
    if (name !== "value" && name !== "checked") return false;
    return queue.some((q) => q[0].target === id && carriesInput(q[0])) || (!answering && withPython.has(id));
  }

  function fault(op, err) {
    console.warn(`explorer (${op}): ${err.message}`);
    const notice = $("notice");
    notice.textContent = `Something went wrong handling that input; the explorer is still working. (${err.name})`;
    notice.hidden = false;
  }

  function applyPatch(d) {
    const trace = window.__bridgeTrace; // benchmarks: when each patch came, how long it took
    const t0 = trace ? performance.now() : 0;
    const arrays = d.arrays || [];
    answering = d.ack !== undefined && d.ack !== null;
    for (const op of JSON.parse(d.ops)) {
      const [name, ...args] = op;
      try {
        // writes to Bokeh models (models.js) get the patch's typed arrays last
        if (MODEL_OPS.has(name)) window.explorerModels.write(name, args[0], args.slice(1), arrays);
        else OPS[name](...args);
      } catch (err) {
        fault(name, err);
      }
    }
    if (trace) trace.push(["patch", t0, performance.now() - t0, d.ack]);
    if (answering) {
      inflight = false;
      withPython = new Set();
      handledUpTo = sentUpTo;
      pump();
    }
  }

  function receive(e) {
    const d = e.data;
    if (!d || typeof d !== "object" || typeof d.x !== "string") return;
    if (d.x === "patch") applyPatch(d);
    else if (d.x === "mark") performance.mark(d.name, { startTime: d.at - performance.timeOrigin });
    else if (d.x === "evaluated" || d.x === "shared") {
      const done = asked.get(d.id);
      asked.delete(d.id);
      if (done) done(d);
    } else if (handlers[d.x]) handlers[d.x](d);
  }

  // The worker, once created (by PyScript or by boot.js); `on`: boot.js's
  // handlers for the messages of the boot (hello, stage, boot, fail, need, listening).
  function connect(w, on) {
    worker = w;
    handlers = on;
    w.addEventListener("message", receive); // "hello", and the worker's own failures, before the channel
  }

  // The "start" message goes to the worker itself, with the far end of the
  // channel everything else then travels on.
  function start(message, transfer) {
    const channel = new MessageChannel();
    port = channel.port1;
    port.onmessage = receive;
    worker.postMessage(message, [channel.port2, ...(transfer || [])]);
    pump();
  }

  // A panel's figures are painted: Python binds it.
  function panelPainted(name) {
    enqueue({ target: "window", type: "panel", name }, null);
  }

  // The runtime's files Python's worker was handed as packs (derive.js starts a second worker with them).
  function share(paths) {
    if (!port) return Promise.reject(new Error("Python has not started"));
    const id = ++nextAsk;
    return new Promise((resolve, reject) => {
      asked.set(id, (d) => (d.error ? reject(new Error(d.error)) : resolve(d.packs)));
      send({ x: "share", id, paths });
    });
  }

  // Tests and benchmarks: Python's answer to `code`, or the wasm memory's size.
  function ask(request) {
    if (!port) return Promise.reject(new Error("Python has not started"));
    const id = ++nextAsk;
    return new Promise((resolve, reject) => {
      asked.set(id, (d) => (d.ok ? resolve(d.value) : reject(new Error(d.value))));
      send({ x: "eval", id, ...request });
    });
  }

  window.explorerBridge = {
    connect, start, panelPainted, send, share,
    event: (ev) => enqueue(ev, null), // from the page's other workers (derive.js)
    python: (code) => ask({ code }),
    wasmBytes: () => ask({ heap: true }),
    busy: () => inflight, // a batch of events is with Python
    lastEvent: () => lastEvent, // tests: wait until handled() reaches it
    handled: () => handledUpTo,
    sent: () => ({ ...sent }),
  };
})();
