"""The typeset derivation of your own loss (SPEC §11): `ownDeriv` shows ∂ℓ/∂z
for the current label as MathML, SymPy's plain text in its `data-expr`.

SymPy is loaded the first time a loss is set (never at boot) and the stage
is named while it loads; the numbers and curves never wait for it (they
come from explorer.ownloss). A derivation runs only once typing has paused,
and only for the loss and label still in use when it runs.
`data-state` on `ownDeriv`: none, pending (the loss or label changed and
its derivation is not shown yet: the old formula is dimmed), loading,
ready, too-long (too long to show, too large, or stopped after
derive.BUDGET_S), unavailable.
"""
from __future__ import annotations

import asyncio

from .. import derive, ownloss
from ..state import State

DERIVE_DELAY_MS = 350  # after the last keystroke


class Derivation:
    def __init__(self, page, store, load_sympy):
        self.page, self.store = page, store
        self._load_sympy = load_sympy  # async: SymPy imported, or an exception saying why not
        self.el = page.elements("ownDeriv", "ownDerivNote")
        self._sympy = None  # None: not asked for; a Future once loading; True once imported
        self._shown: tuple | None = None
        self._state = "none"
        self._later = page.delay(self._derive, DERIVE_DELAY_MS)

    def render(self, old: State | None, new: State, change) -> None:
        if old is not None and (old.loss, old.y) == (new.loss, new.y):
            return
        if not new.loss:
            self._later.cancel()
            self._show("none", "", "", "")
            return
        if self._sympy is True or self._sympy is None:
            self.el["ownDeriv"].data("state", "pending")
        self._later.schedule()

    def _show(self, state: str, note: str, mathml: str, text: str) -> None:
        box = self.el["ownDeriv"]
        self._state = state
        box.data("state", state)
        box.data("expr", text)
        # MathML from SymPy's printer, built from a checked loss and checked
        # against a list of MathML elements (explorer.derive): no text a
        # learner typed is ever inserted as markup.
        box.html(mathml)
        self.el["ownDerivNote"].text(note)

    def _derive(self) -> None:
        st = self.store.state
        if not st.loss:
            return
        if self._sympy is not True:
            if self._sympy is None:
                self._show("loading", "Loading SymPy to derive ∂ℓ/∂z (first use only; the numbers and curves "
                                      "above are already live)…", "", "")
                self._sympy = asyncio.ensure_future(self._load())
            return
        key = (st.loss, st.y)
        if key == self._shown:  # back to the loss and label on show: no longer pending
            self.el["ownDeriv"].data("state", self._state)
            return
        try:
            text, mathml = derive.derivative(ownloss.parse(st.loss), st.y)
        except derive.TooSlow as e:
            self._show("too-long", f"Not derived: {e}. The numbers and curves above are exact all the same.",
                       "", "")
        except derive.TooLong as e:
            self._show("too-long", f"The derivative is too long to show: {e}.", "", "")
        else:
            self._show("ready", f"For y = {st.y}, derived by SymPy and written in p = σ(z) where it can be.",
                       mathml, text)
        self._shown = key

    async def _load(self) -> None:
        try:
            await self._load_sympy()
            derive.warm_up()
        except Exception as exc:  # noqa: BLE001 (offline CDN fork, or a copy without SymPy: lite.html)
            self._sympy = False
            self.page.warn(f"explorer: SymPy unavailable ({exc})")
            self._show("unavailable", f"The typeset derivation needs SymPy, which could not be loaded here "
                                      f"({exc}). Everything else works.", "", "")
            self.page.channel.flush()
            return
        self._sympy = True
        self.page.mark("explorer:sympy-ready")
        self._derive()
        self.page.channel.flush()
