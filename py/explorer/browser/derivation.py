"""The typeset derivation of your own loss (SPEC §11): `ownDeriv` shows ∂ℓ/∂z
for the current label as MathML, SymPy's plain text in its `data-expr`.

SymPy runs in a worker of its own (assets/app/derive.js, py/deriver.py),
started on the first derivation asked for (never at boot), so that the page
can stop a derivation past its budget: this Python asks, goes on, and hears
back as a "derived" event. The numbers and curves never wait for it (they
come from explorer.ownloss). A derivation is asked for only once typing has
paused, and only an answer to the latest request is shown.
`data-state` on `ownDeriv`: none, pending (the loss or label changed and
its derivation is not shown yet: the old formula is dimmed), loading (the
first derivation, while SymPy's worker starts), ready, too-long (too long
to show, too large, or too slow: stopped past its budget), unavailable.
"""
from __future__ import annotations

from .. import derive
from ..state import State

DERIVE_DELAY_MS = 350  # after the last keystroke


class Derivation:
    def __init__(self, page, store):
        self.page, self.store = page, store
        self.el = page.elements("ownDeriv", "ownDerivNote")
        self._asked: tuple[int, tuple] | None = None  # (request id, (loss, y)) awaiting its answer
        self._next = 0
        self._first = True  # no derivation shown yet: SymPy's worker is (or will be) starting
        self._shown: tuple | None = None
        self._state = "none"
        self._later = page.delay(self._derive, DERIVE_DELAY_MS)
        page.on("window", "derived", self._derived, read=("id", "kind", "text", "mathml", "why"))

    def render(self, old: State | None, new: State, change) -> None:
        if old is not None and (old.loss, old.y) == (new.loss, new.y):
            return
        if not new.loss:
            self._later.cancel()
            self._asked = None
            self._show("none", "", "", "")
            return
        if self._state != "loading":
            self.el["ownDeriv"].data("state", "pending")
        self._later.schedule()

    def _show(self, state: str, note: str, mathml: str, text: str) -> None:
        box = self.el["ownDeriv"]
        self._state = state
        box.data("state", state)
        box.data("expr", text)
        # MathML from SymPy's printer in the derivation's worker, built from a
        # checked loss and checked there and again here against a list of
        # MathML elements (explorer.derive): no text a learner typed is ever
        # inserted as markup.
        box.html(mathml)
        self.el["ownDerivNote"].text(note)

    def _derive(self) -> None:
        st = self.store.state
        if not st.loss:
            return
        key = (st.loss, st.y)
        if key == self._shown:  # back to the loss and label on show: no longer pending
            self._asked = None
            self.el["ownDeriv"].data("state", self._state)
            return
        if self._asked and self._asked[1] == key:
            return
        self._next += 1
        self._asked = (self._next, key)
        if self._first:
            self._show("loading", "Loading SymPy to derive ∂ℓ/∂z (first use only; the numbers and curves "
                                  "above are already live)…", "", "")
        self.page.derive(self._next, st.loss, st.y)

    def _derived(self, ev) -> None:
        if not self._asked or ev.id != self._asked[0]:
            return  # an answer to a loss or label no longer in use
        key = self._asked[1]
        self._asked = None
        kind = ev.kind
        self._first = False
        if kind == "ready" and not derive.typesettable(str(ev.mathml or "")):
            kind, ev.why = "too-long", "the derivative cannot be typeset"
        if kind == "ready":
            self._show("ready", f"For y = {key[1]}, derived by SymPy and written in p = σ(z) where it can be.",
                       str(ev.mathml), str(ev.text or ""))
        elif kind == "too-slow":
            self._show("too-long", f"Not derived: {ev.why}. The numbers and curves above are exact all the same.",
                       "", "")
        elif kind == "too-long":
            self._show("too-long", f"The derivative is too long to show: {ev.why}.", "", "")
        else:
            self.page.warn(f"explorer: SymPy unavailable ({ev.why})")
            self._show("unavailable", f"The typeset derivation needs SymPy, which could not be loaded here "
                                      f"({ev.why}). Everything else works.", "", "")
        self._shown = key
