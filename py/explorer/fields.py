"""How a panel declares its part of the page's state: one `Field` per value,
naming its URL-hash key, its kind, its bounds or choices and its default.

Parsing a hash, writing one and checking typed input are all derived from
these declarations (explorer.state composes them), so a new panel adds its
fields in one place, as TensorFlow Playground's state table does. Pure
Python, no browser imports.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

MAX_FIELD_CHARS = 64


def clamp(v: float, lo: float, hi: float) -> float:
    return min(max(v, lo), hi)


def fmt_plain(v: float) -> str:
    """Short human form of a control value (not a readout)."""
    return f"{v:.6g}".replace("-", "\u2212")


def parse_number(text: str) -> float | None:
    """A finite float from user text, or None. Accepts a Unicode minus."""
    if not isinstance(text, str):
        return None
    t = text.strip().replace("\u2212", "-")
    if not t or len(t) > MAX_FIELD_CHARS:
        return None
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


@dataclass(frozen=True)
class Field:
    """One value of the state.

    kind "number": a float in [lo, hi]; "int": a whole number in [lo, hi];
    "flag": a bool written 0/1; "choice": an int index below len(choices),
    written by name (`names`, or the choice itself) and read by name or index
    (the hash carries its digits); "text": a string that `accept` approves
    (percent-encoded in the hash). A number
    may narrow its bounds by the rest of the state (`within`, e.g. z by R)
    and have its own way of being set (`apply`, e.g. R also pulls z in).
    `always`: written to the hash even at its default. `what`: how a message
    about typed input names it ("a learning rate").
    """
    key: str
    attr: str
    kind: str
    default: Any
    lo: float = 0.0
    hi: float = 0.0
    choices: tuple[str, ...] = ()
    always: bool = False
    what: str = ""
    within: Callable[[Any], tuple[float, float]] | None = None
    apply: Callable[[Any, Any], Any] | None = None
    accept: Callable[[str], bool] | None = None
    names: tuple[str, ...] = ()  # a choice's names in the hash (default: the choices themselves)

    @property
    def url_names(self) -> tuple[str, ...]:
        return self.names or self.choices

    @property
    def type(self) -> type:
        return {"number": float, "int": int, "flag": bool, "choice": int, "text": str}[self.kind]

    def read(self, text: str, state) -> Any | None:
        """The value a hash's text asks for, or None when it is not one this field accepts."""
        if self.kind == "flag":
            return {"0": False, "1": True}.get(text)
        if self.kind == "text":
            return text if self.accept is not None and self.accept(text) else None
        if self.kind == "choice" and text in self.url_names:
            return self.url_names.index(text)
        if self.kind in ("choice", "int"):
            # An index (a link from before choices had names), digits in their plain form only: not "1e0", "-1", "01" or other scripts' digits.
            if not (len(text) < 6 and text.isascii() and text.isdigit() and str(int(text)) == text):
                return None
            v = int(text)
            ok = v < len(self.choices) if self.kind == "choice" else self.lo <= v <= self.hi
            return v if ok else None
        v = parse_number(text)
        lo, hi = self.within(state) if self.within else (self.lo, self.hi)
        return v if v is not None and lo <= v <= hi else None

    def write(self, value) -> str | None:
        """`key=value` for the hash, or None when the default needs no mention."""
        if value == self.default and not self.always:
            return None
        if self.kind == "flag":
            return f"{self.key}={int(value)}"
        if self.kind == "choice":
            return f"{self.key}={quote(self.url_names[value], safe='+-')}"
        if self.kind == "int":
            return f"{self.key}={value}"
        if self.kind == "text":
            return f"{self.key}={quote(value, safe='')}"
        return f"{self.key}={value:g}"

    def typed(self, text: str) -> tuple[float | None, str]:
        """Typed text → (value clamped into [lo, hi], or None when not a number; a message)."""
        v = parse_number(text)
        lo, hi, what = self.lo, self.hi, self.what
        if v is None or (self.kind == "int" and not v.is_integer()):
            return None, f"Enter {what} from {fmt_plain(lo)} to {fmt_plain(hi)}."
        if self.kind == "int":
            v = int(v)
        if not lo <= v <= hi:
            c = clamp(v, lo, hi)
            return c, f"Clamped to {fmt_plain(c)}: {what} ranges from {fmt_plain(lo)} to {fmt_plain(hi)}."
        return v, ""
