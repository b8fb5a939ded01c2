"""State, URL hash and readout formatting (pure Python)."""
from __future__ import annotations

import math

import pytest
from explorer.fmt import readout
from explorer.panels import baked as registry
from explorer.state import (
    FIELDS,
    PANEL_FIELDS,
    State,
    from_hash,
    parse_lab_s,
    parse_lr,
    parse_range,
    parse_z,
    snap,
    to_hash,
)
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize("value,text", [
    (0.0006702504975196977, "6.703e\u22124"),   # the vanishing MSE gradient, never "0.000"
    (0.11920292202211755, "0.1192"),
    (0.5, "0.5000"),
    (8.000335406372896, "8.000"),
    (1491.479161252178, "1491"),
    (75.20994852478785, "75.21"),
    (0.001, "0.001000"),
    (9999.7, "1.000e4"),
    (2.592352764293536e21, "2.592e21"),
    (-0.0005, "\u22125.000e\u22124"),
    (0.0, "0"),
])
def test_readout_format(value, text):
    assert readout(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_readout_never_shows_nan_or_inf(v):
    s = readout(v)
    assert "nan" not in s.lower() and "inf" not in s.lower()
    if v != 0:
        digits = s.replace("\u2212", "").split("e")[0].replace(".", "").lstrip("0")
        assert len(digits) == 4  # four significant digits


def test_default_state_and_round_trip():
    assert from_hash("") == State(z=-2.0, y=1, R=8.0)
    s = State(z=-5.0, y=0, R=12.0, lr=3.0, log_grad=True)
    assert from_hash(to_hash(s)) == s
    assert to_hash(State()) == "#z=-2&y=1&R=8"


@pytest.mark.parametrize("h", [
    "#z=NaN&y=1", "#z=Infinity", "#z=-inf", "#y=2", "#R=0", "#R=1e9", "#z=<script>alert(1)</script>",
    "#" + "z=1&" * 3000, "#%%%", "#z=1e400", "#lr=-1", "#lr=1e9", "#R=abc&z=",
])
def test_hostile_hashes_fall_back_to_valid_state(h):
    s = from_hash(h)
    assert all(math.isfinite(x) for x in (s.z, s.R, s.lr))
    assert 1 <= s.R <= 50 and abs(s.z) <= s.R and s.y in (0, 1) and 0.01 <= s.lr <= 10


def test_hash_first_key_wins_and_unknown_keys_ignored():
    assert from_hash("#z=-5&z=3&foo=bar&y=1").z == -5.0


def test_hash_z_outside_its_range_is_ignored():
    assert from_hash("#z=-20&R=8").z == -2.0
    assert from_hash("#z=-20&R=30").z == -20.0


@pytest.mark.parametrize("text,value,has_msg", [
    ("-5", -5.0, False), (" 3 ", 3.0, False), ("\u22122", -2.0, False), ("-5.004", -5.0, False),
    ("99", 8.0, True), ("-1e400", None, True), ("", None, True), ("-", None, True), ("e", None, True),
    ("abc", None, True), ("1" * 400, None, True), ("nan", None, True), ("1e400", None, True), ("--3", None, True),
    ("   ", None, True), ("12abc", None, True), ("0x10", None, True), ("1,5", None, True), ("∞", None, True),
    ("inf", None, True), ("1e-400", 0.0, False),
])
def test_parse_z(text, value, has_msg):
    v, msg = parse_z(text, 8.0)
    assert v == value
    assert bool(msg) == has_msg


@pytest.mark.parametrize("text,value,has_msg", [
    ("12", 12.0, False), ("0", 1.0, True), ("-5", 1.0, True), ("51", 50.0, True), ("1e9", 50.0, True),
    ("text", None, True), ("", None, True),
])
def test_parse_range_clamps_and_rejects(text, value, has_msg):
    v, msg = parse_range(text)
    assert v == value and bool(msg) == has_msg


def test_narrowing_the_range_pulls_z_in():
    assert State(z=-20.0, R=30.0).with_range(8).z == -8.0


def test_lab_fields_round_trip_and_stay_out_of_the_default_hash():
    s = State(lab_pair=3, lab_s=6.0, lab_lr=0.5)
    assert from_hash(to_hash(s)) == s
    assert to_hash(s) == "#z=-2&y=1&R=8&lp=mean-texture+mean-perimeter&ls=6&llr=0.5"  # a choice by name
    assert from_hash("#lp=3&ls=6&llr=0.5") == s  # a link from before choices had names
    assert to_hash(State()) == "#z=-2&y=1&R=8"


@pytest.mark.parametrize("h", ["#lp=5", "#lp=-1", "#lp=1e0", "#lp=00000001", "#lp=abc", "#ls=11", "#ls=-0.5",
                               "#ls=NaN", "#llr=0", "#llr=11", "#llr=Infinity"])
def test_hostile_lab_fields_fall_back(h):
    s = from_hash(h)
    assert (s.lab_pair, s.lab_s, s.lab_lr) == (0, 4.0, 1.0)


def test_a_link_sets_only_what_it_names():
    current = State(z=-5.0, y=0, R=12.0, lr=3.0, lab_pair=2, lab_s=6.0)
    assert from_hash("#ls=4", current) == State(z=-5.0, y=0, R=12.0, lr=3.0, lab_pair=2, lab_s=4.0)
    assert from_hash("#z=-8&y=1&R=8", current) == State(z=-8.0, y=1, R=8.0, lr=3.0, lab_pair=2, lab_s=6.0)
    assert from_hash("#R=3", current).z == -3.0  # a narrower range still pulls z in


@pytest.mark.parametrize("h,expected", [
    ("#R=<b>51</b>&z=-3", State(z=-3.0)),             # a bad field is ignored; the good ones apply exactly
    ("#R=12&z=<script>", State(R=12.0)),
    ("#y=01&z=1", State(z=1.0)),                       # an index only in its plain form
    ("#y=\u0661", State()),                            # not another script's digit
    ("#lp=3&ls=<i>6</i>&llr=0.5", State(lab_pair=3, lab_lr=0.5)),
    ("#log=true&lr=2", State(lr=2.0)),
])
def test_hostile_fields_leave_exactly_the_valid_ones(h, expected):
    assert from_hash(h) == expected


def test_every_declared_field_round_trips_off_its_default():
    for f in FIELDS:
        if f.kind in ("number", "int"):
            value = f.hi if f.key != "z" else 3.5
        elif f.kind == "flag":
            value = not f.default
        elif f.kind == "text":
            value = "max(0, 1 - (2*y - 1)*z) + 0.5*(p - y)**2"  # "+", "*", spaces and brackets survive
        else:
            value = len(f.choices) - 1
        s = State(**{f.attr: value})
        assert from_hash(to_hash(s)) == s, f.key
        assert f"{f.key}=" in to_hash(s)


def test_each_panel_declares_its_own_keys_once():
    keys = [f.key for f in FIELDS]
    assert len(keys) == len(set(keys))
    assert registry()["keys"] == {"explorer": ["R", "y", "z", "log", "loss"], "race": ["lr"], "lab": ["lp", "ls", "llr"],
                            "deep": ["dd", "dl", "da", "dlr", "dsd", "di", "dsk", "dbn"],
                            "softmax": ["sz1", "sz2", "sz3", "sy", "ss", "slr"]}
    assert set(PANEL_FIELDS) == {"explorer", "race", "lab", "deep", "softmax"}


@pytest.mark.parametrize("parse,text,value,has_msg", [
    (parse_lr, "0.5", 0.5, False), (parse_lr, "0", 0.01, True), (parse_lr, "11", 10.0, True),
    (parse_lr, "\u22121", 0.01, True), (parse_lr, "x", None, True), (parse_lr, "inf", None, True),
    (parse_lr, "-2", 0.01, True), (parse_lr, "1e9", 10.0, True), (parse_lr, "abc", None, True),
    (parse_lab_s, "6", 6.0, False), (parse_lab_s, "-0.5", 0.0, True), (parse_lab_s, "10.5", 10.0, True),
    (parse_lab_s, "", None, True), (parse_lab_s, "1e999", None, True),
])
def test_typed_lr_and_s(parse, text, value, has_msg):
    v, msg = parse(text)
    assert v == value and bool(msg) == has_msg


@pytest.mark.parametrize("z,snapped", [(-5.004, -5.0), (-5.005, -5.0), (0.016, 0.02), (-0.001, 0.0), (49.999, 50.0),
                                       (1.23456, 1.23)])
def test_snap_to_the_slider_grid(z, snapped):
    v = snap(z)
    assert v == snapped and str(v) != "-0.0"


@pytest.mark.parametrize("h,expected", [
    ("#dd=1&dl=6&da=2&dlr=0.5&dsd=999", dict(deep_data=1, deep_depth=6, deep_act=2, deep_lr=0.5, deep_seed=999)),
    ("#da=leaky&dd=xor&di=small&dsk=1&dbn=1", dict(deep_act=3, deep_data=1, deep_init=3, deep_skip=True,
                                                   deep_norm=True)),
    ("#da=relu&di=glorot", dict(deep_act=2, deep_init=1)), ("#da=ReLU", {}), ("#di=4", {}), ("#dsk=2", {}),
    ("#dl=0", {}), ("#dl=7", {}), ("#dl=3.0", {}), ("#dl=03", {}), ("#da=4", {}), ("#dd=2", {}),
    ("#dsd=0", {}), ("#dsd=1000", {}), ("#dsd=1e2", {}), ("#dsd=12&dlr=11", dict(deep_seed=12)),
])
def test_depth_panel_fields(h, expected):
    assert from_hash(h) == State(**expected)


def test_typed_depth_seed_is_whole():
    from explorer.state import parse_deep_seed
    assert parse_deep_seed("42") == (42, "") and parse_deep_seed("1.5")[0] is None
    assert parse_deep_seed("0") == (1, "Clamped to 1: a seed ranges from 1 to 999.")


@pytest.mark.parametrize("h,loss", [
    ("#loss=(p%20-%20y)**2", "(p - y)**2"), ("#loss=%28p-y%29%2A%2A2%2B1", "(p-y)**2+1"), ("#loss=p+z", "p+z"),
    ("#loss=__import__('os')", ""), ("#loss=z.real", ""), ("#loss=%3Cb%3Ez%3C/b%3E", ""), ("#loss=" + "z%2B" * 150 + "z", ""),
    ("#loss=", ""), ("#loss=%00", ""), ("#loss=%EF%BD%9A", ""),
])
def test_a_link_carries_only_a_loss_of_the_grammar(h, loss):
    assert from_hash(h + "&z=-5&ls=6") == State(z=-5.0, lab_s=6.0, loss=loss)  # the rest applies as given


def test_the_loss_is_written_percent_encoded_and_read_back():
    s = State(loss="-(y*log(p) + (1-y)*log(1-p))")
    h = to_hash(s)
    assert "loss=-%28y%2Alog%28p%29%20%2B%20" in h and from_hash(h) == s
    longest = State(loss="z+" + "1" * 198, lab_s=6.0, deep_lr=0.25, lr=0.03)
    assert from_hash(to_hash(longest)) == longest



@pytest.mark.parametrize("param,seconds", [(None, 60.0), ("1", 1.0), ("2.5", 2.5), ("3600", 3600.0), ("0.5", 60.0),
                                           ("3601", 60.0), ("abc", 60.0), ("", 60.0), ("nan", 60.0), ("-5", 60.0),
                                           ("1e400", 60.0), ("<b>9</b>", 60.0)])
def test_kiosk_idle_is_60_s_unless_the_url_asks_for_1_s_to_1_h(param, seconds):
    from explorer.state import idle_seconds
    assert idle_seconds(param) == seconds
