"""The snapshot's inputs and format (CPython): a stale one can never ship."""
from __future__ import annotations

import json
import struct

import bytecode
import pytest
import snapshot


def test_the_vendored_snapshot_is_made_from_exactly_what_ships():
    """Any change to the runtime, the numpy wheel, py/ or the snapshot code changes
    the key; `tools/dev.py setup` then makes a new one. Here the two agree."""
    assert snapshot.fresh(), "run `python3 tools/dev.py setup` (the snapshot is stale or missing)"
    manifest = (snapshot.DIR / "manifest.js").read_text()
    info = json.loads(manifest[manifest.index("=") + 1:].strip().rstrip(";"))
    assert info["app_digest"] == snapshot.app_digest()
    assert info["file"] == snapshot.REL and info["bytes"] == (snapshot.vendor.VENDOR / snapshot.REL).stat().st_size
    # made as the page boots: with JSPI hidden from Pyodide (pyworker.js: hideJspi)
    assert info["engine"]["jspiNew"] is False and info["engine"]["jspiOld"] is False
    import dev
    baked = dev.BAKED.read_text()
    assert f'"app_digest":"{snapshot.app_digest()}"' in baked  # the page compares the two


# Both keyed artefacts made at setup from the app's Python: the snapshot and the served worker's bytecode.
@pytest.mark.parametrize("made", [snapshot, bytecode], ids=["snapshot", "bytecode"])
@pytest.mark.parametrize("change", ["a module", "a new module"])
def test_changing_the_python_changes_the_key(monkeypatch, made, change):
    before = made.inputs_key()
    sources = made.app_sources()
    if change == "a module":
        sources["py/explorer/maths.py"] += "\n# changed\n"
    else:
        sources["py/explorer/extra.py"] = "X = 1\n"
    monkeypatch.setattr(made, "app_sources", lambda: sources)
    assert made.inputs_key() != before


def test_the_container_is_what_the_page_reads():
    image = bytes(8192) + b"\x01" * 100 + bytes(5000) + b"\x02" * 7
    data = snapshot.container(["/a/x.so", "/b/y.py"], [b"wasm", b"py"], image, key="k")
    assert data[:8] == snapshot.MAGIC and (12 + struct.unpack("<I", data[8:12])[0]) % 16 == 0
    meta = json.loads(data[12:12 + struct.unpack("<I", data[8:12])[0]])
    assert meta["files"] == [["/a/x.so", 0, 4], ["/b/y.py", 4, 2]]
    assert meta["memory"] == {"size": len(image), "runs": [[8192, len(image) - 8192]]}  # adjacent pages merge
    assert snapshot.zero_free_runs(b"\x01" + bytes(3 * 4096)) == [[0, 4096]]
    assert snapshot.zero_free_runs(bytes(4096 * 3)) == []


def test_a_stale_snapshot_is_removed_when_it_cannot_be_made_again(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot.vendor, "VENDOR", tmp_path)
    monkeypatch.setattr(snapshot, "DIR", tmp_path / "snapshot")
    monkeypatch.setattr(snapshot, "KEY", tmp_path / "snapshot" / "key.txt")
    monkeypatch.setattr(snapshot, "MANIFEST", tmp_path / "snapshot" / "manifest.js")
    monkeypatch.setattr(snapshot, "inputs_key", lambda: "new")
    monkeypatch.setattr(snapshot, "can_make", lambda: False)
    (tmp_path / "snapshot").mkdir()
    (tmp_path / "packs").mkdir()
    old = ["snapshot/explorer-jspi.snap", snapshot.REL]  # an earlier layout's image too
    for rel in old:
        (tmp_path / rel).write_bytes(b"old")
        (tmp_path / snapshot.vendor.pack_name(rel)).write_text("old")
    snapshot.KEY.write_text("old\n")
    snapshot.MANIFEST.write_text("self.EXPLORER_SNAPSHOT = {};\n")
    snapshot.ensure(quiet=True)
    assert not any((tmp_path / rel).exists() for rel in old)
    assert not list((tmp_path / "packs").iterdir())
    assert snapshot.MANIFEST.read_text() == snapshot.PLACEHOLDER


def test_no_python_worker_is_terminated_from_outside():
    """Chromium 156's renderer crashed (about one load in eight) when the page
    terminated a worker that was inflating the snapshot: its reader closes
    itself once it has answered, and Python's worker is never terminated."""
    for name in ("boot.js", "bridge.js", "runtime.js", "snapshot.js", "pyfiles.js", "pyworker.js"):
        src = (snapshot.ROOT / "assets" / "app" / name).read_text()
        assert ".terminate(" not in src, name
