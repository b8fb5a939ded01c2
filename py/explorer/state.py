"""The explorer's state, its URL-hash form, and validation of typed input.

Pure Python: the browser module feeds strings in and gets a valid State back;
nothing here can produce an invalid state, whatever the input.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl

Z_STEP = 0.01
R_MIN, R_MAX, R_DEFAULT = 1.0, 50.0, 8.0
LR_MIN, LR_MAX, LR_DEFAULT = 0.01, 10.0, 1.0
Z_DEFAULT, Y_DEFAULT = -2.0, 1
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


def fmt_plain(v: float) -> str:
    """Short human form of a control value (not a readout)."""
    s = f"{v:.6g}"
    return s.replace("-", "\u2212")


def from_hash(h: str) -> State:
    """Parse `#z=-2&y=1&R=8&lr=1`; any bad field falls back to its default.

    The first occurrence of a key wins; unknown keys are ignored.
    """
    s = State()
    if not isinstance(h, str) or len(h) > MAX_HASH_CHARS:
        return s
    fields: dict[str, str] = {}
    for k, v in parse_qsl(h.lstrip("#"), keep_blank_values=True):
        fields.setdefault(k, v)
    R = parse_number(fields.get("R", ""))
    if R is not None and R_MIN <= R <= R_MAX:
        s = replace(s, R=R)
    y = fields.get("y")
    if y in ("0", "1"):
        s = replace(s, y=int(y))
    lr = parse_number(fields.get("lr", ""))
    if lr is not None and LR_MIN <= lr <= LR_MAX:
        s = replace(s, lr=lr)
    z = parse_number(fields.get("z", ""))
    if z is not None and abs(z) <= s.R:
        s = s.with_z(z)
    if fields.get("log") == "1":
        s = replace(s, log_grad=True)
    return s


def to_hash(s: State) -> str:
    parts = [f"z={s.z:g}", f"y={s.y}", f"R={s.R:g}"]
    if s.lr != LR_DEFAULT:
        parts.append(f"lr={s.lr:g}")
    if s.log_grad:
        parts.append("log=1")
    return "#" + "&".join(parts)
