"""The explorer's state, its URL-hash form, and validation of typed input.

Pure Python: the browser module feeds strings in and gets a valid State back;
nothing here can produce an invalid state, whatever the input.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl

from .lab import PAIRS

Z_STEP = 0.01
R_MIN, R_MAX, R_DEFAULT = 1.0, 50.0, 8.0
LR_MIN, LR_MAX, LR_DEFAULT = 0.01, 10.0, 1.0
Z_DEFAULT, Y_DEFAULT = -2.0, 1
# The training lab: feature pair (an index into lab.PAIRS), the start's
# confidence in the wrong answer s, and its learning rate.
LAB_PAIRS = len(PAIRS)
LAB_S_MIN, LAB_S_MAX, LAB_S_DEFAULT = 0.0, 10.0, 4.0
# Longer hashes are not ours; ignoring them keeps parsing cheap.
MAX_HASH_CHARS = 512
MAX_FIELD_CHARS = 64


@dataclass(frozen=True)
class State:
    z: float = Z_DEFAULT
    y: int = Y_DEFAULT
    R: float = R_DEFAULT
    lr: float = LR_DEFAULT
    log_grad: bool = False
    lab_pair: int = 0
    lab_s: float = LAB_S_DEFAULT
    lab_lr: float = LR_DEFAULT

    @property
    def lab(self) -> tuple[int, float, float]:
        """What a lab course depends on: a change to any of these starts it over."""
        return (self.lab_pair, self.lab_s, self.lab_lr)

    def with_z(self, z: float) -> "State":
        return replace(self, z=clamp(snap(z), -self.R, self.R))

    def with_range(self, R: float) -> "State":
        R = clamp(R, R_MIN, R_MAX)
        return replace(self, R=R, z=clamp(self.z, -R, R))


def clamp(v: float, lo: float, hi: float) -> float:
    return min(max(v, lo), hi)


def snap(z: float) -> float:
    """Round to the slider's 0.01 grid (keeps z, zNum and the hash in step)."""
    return round(round(z / Z_STEP) * Z_STEP, 2) + 0.0  # + 0.0 turns −0.0 into 0.0


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


def parse_z(text: str, R: float) -> tuple[float | None, str]:
    """Typed z → (value on the grid within [−R, R], message for the user).

    value None means the input is rejected and the state must not change.
    """
    v = parse_number(text)
    if v is None:
        return None, f"Enter a number between −{fmt_plain(R)} and {fmt_plain(R)}."
    if abs(v) > R:
        c = clamp(v, -R, R)
        return snap(c), f"Clamped to {fmt_plain(c)}: z ranges over [−{fmt_plain(R)}, {fmt_plain(R)}]."
    return snap(v), ""


def _parse_bounded(text: str, lo: float, hi: float, what: str) -> tuple[float | None, str]:
    """Typed value → (value clamped into [lo, hi] or None if not a number, message)."""
    v = parse_number(text)
    if v is None:
        return None, f"Enter {what} from {fmt_plain(lo)} to {fmt_plain(hi)}."
    if not lo <= v <= hi:
        c = clamp(v, lo, hi)
        return c, f"Clamped to {fmt_plain(c)}: {what} ranges from {fmt_plain(lo)} to {fmt_plain(hi)}."
    return v, ""


def parse_range(text: str) -> tuple[float | None, str]:
    return _parse_bounded(text, R_MIN, R_MAX, "a range R")


def parse_lr(text: str) -> tuple[float | None, str]:
    return _parse_bounded(text, LR_MIN, LR_MAX, "a learning rate")


def parse_lab_s(text: str) -> tuple[float | None, str]:
    return _parse_bounded(text, LAB_S_MIN, LAB_S_MAX, "a confidence s")


def fmt_plain(v: float) -> str:
    """Short human form of a control value (not a readout)."""
    s = f"{v:.6g}"
    return s.replace("-", "\u2212")


def from_hash(h: str, base: State | None = None) -> State:
    """Parse `#z=-2&y=1&R=8&lr=1&lp=0&ls=4&llr=1`; a missing or bad field
    keeps its value from `base` (the defaults if None).

    The first occurrence of a key wins; unknown keys are ignored.
    """
    s = base or State()
    if not isinstance(h, str) or len(h) > MAX_HASH_CHARS:
        return s
    fields: dict[str, str] = {}
    for k, v in parse_qsl(h.lstrip("#"), keep_blank_values=True):
        fields.setdefault(k, v)

    def bounded(key: str, lo: float, hi: float) -> float | None:
        v = parse_number(fields.get(key, ""))
        return v if v is not None and lo <= v <= hi else None

    R = bounded("R", R_MIN, R_MAX)
    if R is not None:
        s = s.with_range(R)
    y = fields.get("y")
    if y in ("0", "1"):
        s = replace(s, y=int(y))
    lr = bounded("lr", LR_MIN, LR_MAX)
    if lr is not None:
        s = replace(s, lr=lr)
    z = bounded("z", -s.R, s.R)
    if z is not None:
        s = s.with_z(z)
    if fields.get("log") in ("0", "1"):
        s = replace(s, log_grad=fields["log"] == "1")
    lp = fields.get("lp", "")
    if lp.isdigit() and len(lp) < 3 and int(lp) < LAB_PAIRS:
        s = replace(s, lab_pair=int(lp))
    ls = bounded("ls", LAB_S_MIN, LAB_S_MAX)
    if ls is not None:
        s = replace(s, lab_s=ls)
    llr = bounded("llr", LR_MIN, LR_MAX)
    if llr is not None:
        s = replace(s, lab_lr=llr)
    return s


def to_hash(s: State) -> str:
    parts = [f"z={s.z:g}", f"y={s.y}", f"R={s.R:g}"]
    if s.lr != LR_DEFAULT:
        parts.append(f"lr={s.lr:g}")
    if s.log_grad:
        parts.append("log=1")
    if s.lab_pair != 0:
        parts.append(f"lp={s.lab_pair}")
    if s.lab_s != LAB_S_DEFAULT:
        parts.append(f"ls={s.lab_s:g}")
    if s.lab_lr != LR_DEFAULT:
        parts.append(f"llr={s.lab_lr:g}")
    return "#" + "&".join(parts)
