"""The page's state, its URL-hash form, and validation of typed input.

Every value is declared once, as a `Field` (explorer.fields), by the panel
it belongs to (the explorer's in explorer.explorer, the race's in
explorer.race, …), and each panel's fields are named in the registry,
explorer.panels. `State`, `from_hash`, `to_hash` and the typed-input
parsers are all derived from those declarations. Pure Python: the browser
module feeds strings in and gets a valid State back; nothing here can
produce an invalid state, whatever the input.
"""
from __future__ import annotations

from dataclasses import field, make_dataclass, replace
from urllib.parse import unquote

from .explorer import snap, with_range, with_z
from .fields import Field, clamp, fmt_plain, parse_number
from .panels import PANELS

__all__ = ["FIELDS", "PANEL_FIELDS", "State", "from_hash", "to_hash", "parse_z", "parse_range", "parse_lr",
           "parse_lab_s", "parse_deep_lr", "parse_deep_seed",
           "parse_sm_z", "parse_sm_s", "parse_sm_lr", "snap", "clamp", "fmt_plain", "parse_number"]

# Longer hashes are not ours; ignoring them keeps parsing cheap. Room for
# every number field and an own loss of ownloss.MAX_CHARS, each character
# percent-encoded (three characters).
MAX_HASH_CHARS = 1024


PANEL_FIELDS: dict[str, tuple[Field, ...]] = {p.name: p.fields for p in PANELS}
FIELDS: tuple[Field, ...] = tuple(f for fs in PANEL_FIELDS.values() for f in fs)
_BY_KEY = {f.key: f for f in FIELDS}
_BY_ATTR = {f.attr: f for f in FIELDS}
# The hash lists z, y and R first, as links always have.
_WRITE_ORDER = (_BY_KEY["z"], _BY_KEY["y"], _BY_KEY["R"],
                *(f for f in FIELDS if f.key not in ("z", "y", "R")))


def _course_key(fields: tuple[Field, ...]) -> property:
    """What a panel's course depends on (State.lab, State.deep): a change to any of these starts it over."""
    return property(lambda self: tuple(getattr(self, f.attr) for f in fields))


State = make_dataclass(
    "State", [(f.attr, f.type, field(default=f.default)) for f in FIELDS], frozen=True,
    namespace={"with_z": with_z, "with_range": with_range,
               **{p.name: _course_key(p.course_fields) for p in PANELS if p.factory},
               "__module__": __name__, "__doc__": "Every panel's state: one attribute per declared Field."})


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


parse_range = _BY_ATTR["R"].typed
parse_lr = _BY_ATTR["lr"].typed
parse_lab_s = _BY_ATTR["lab_s"].typed
parse_deep_lr = _BY_ATTR["deep_lr"].typed
parse_deep_seed = _BY_ATTR["deep_seed"].typed
parse_sm_z = _BY_ATTR["sm_z1"].typed
parse_sm_s = _BY_ATTR["sm_s"].typed
parse_sm_lr = _BY_ATTR["sm_lr"].typed


def from_hash(h: str, base: State | None = None) -> State:
    """Parse `#z=-2&y=1&R=8&lr=1&lp=0&ls=4&llr=1`; a missing or bad field
    keeps its value from `base` (the defaults if None).

    The first occurrence of a key wins; unknown keys are ignored.
    """
    s = base or State()
    if not isinstance(h, str) or len(h) > MAX_HASH_CHARS:
        return s
    given = raw_fields(h)
    for f in FIELDS:
        if f.key not in given:
            continue
        value = f.read(given[f.key], s)
        if value is not None:
            s = f.apply(s, value) if f.apply else replace(s, **{f.attr: value})
    return s


def raw_fields(h: str) -> dict[str, str]:
    """The hash's `key=value` pairs, percent-decoded; the first of a key wins.

    Not parse_qsl: a "+" in a loss is a plus, not an encoded space."""
    given: dict[str, str] = {}
    if not isinstance(h, str) or len(h) > MAX_HASH_CHARS:
        return given
    for part in h.lstrip("#").split("&"):
        k, _, v = part.partition("=")
        given.setdefault(unquote(k), unquote(v))
    return given


def to_hash(s: State) -> str:
    parts = (f.write(getattr(s, f.attr)) for f in _WRITE_ORDER)
    return "#" + "&".join(p for p in parts if p)


KIOSK_IDLE_DEFAULT_S = 60.0


def idle_seconds(param: str | None) -> float:
    """A kiosk's `?idle=S`: seconds without input before the attract demo (1 s to 1 h), else 60."""
    v = parse_number(param) if param is not None else None
    return v if v is not None and 1.0 <= v <= 3600.0 else KIOSK_IDLE_DEFAULT_S
