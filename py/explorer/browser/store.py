"""The page's State, who watches it, and its copy in the URL hash.

Data flows one way: a panel turns an input event into a new State and
calls `set`; every panel's `render(old, new, change)` then updates its own
part of the page. The hash follows the state (debounced, without history
entries) and a changed hash or a state link becomes a new State in turn.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..state import State, from_hash, to_hash

HASH_DELAY_MS = 250


@dataclass(frozen=True)
class Change:
    """How a state change came about, for the panels that care.

    typing: the id of the field being typed in or dragged, which must not be
    overwritten while the visitor uses it; announce: screen readers should
    hear the new values; from_url: the state came from the address.
    """
    typing: str | None = None
    announce: bool = False
    from_url: bool = False


def shows_all(old: State | None, new: State, change: Change) -> bool:
    """Whether a panel writes all of its controls, not only those whose state changed: at its first
    render, for a change from the URL, and for a state set again unchanged (its own commit, whose field
    then shows the value as read). Otherwise a field left with refused text keeps it, beside its
    message, through other panels' changes."""
    return old is None or change.from_url or old == new


class Store:
    def __init__(self, page, state: State | None = None):
        self.page = page
        self.state = state
        self._views = []
        self._url_views = []  # also told the raw text of a hash or link that set the state
        # The URL only needs to be current once a drag settles (replaceState
        # on every input of a fast drag trips Chromium's navigation throttling).
        self._write_hash = page.delay(self._flush_hash, HASH_DELAY_MS)
        self._written = None  # the hash last written (the main thread skips one the URL already has)

    def watch(self, render) -> None:
        self._views.append(render)

    def watch_url(self, fn) -> None:
        self._url_views.append(fn)

    def set_from_url(self, h: str, base: State | None = None, announce: bool = True) -> None:
        """The state a hash or a link asks for (what is not valid in it keeps `base`'s value)."""
        self.set(from_hash(h, base), Change(announce=announce, from_url=True))
        for fn in self._url_views:
            fn(h)

    def set(self, new: State, change: Change = Change()) -> None:
        old, self.state = self.state, new
        for render in self._views:
            render(old, new, change)
        self._write_hash.schedule()

    def update(self, change: Change = Change(), **fields) -> None:
        self.set(replace(self.state, **fields), change)

    def _flush_hash(self) -> None:
        h = to_hash(self.state)
        if h != self._written:
            self._written = h
            self.page.hash(h)

    def bind_url(self) -> None:
        """A hash edited by hand, or a link that sets the controls, becomes the state."""
        self.page.on("window", "hashchange", self._hash_changed, read=("hash",))
        # The main thread cancels a state link's navigation itself and sends its href.
        self.page.on("document", "statelink", self._link_clicked, read=("href", "focus"))

    def _hash_changed(self, ev) -> None:
        self._written = ev.hash
        self.set_from_url(ev.hash)

    def _link_clicked(self, ev) -> None:
        # A link names only what it sets (a worked example: z and y; the lab: its own fields).
        self.set_from_url(ev.href or "", self.state)
        self.page.el(ev.focus or "z").focus()
