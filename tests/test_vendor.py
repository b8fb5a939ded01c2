"""The setup step: lock, verification, and failure without half-filled folders."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import vendor


@pytest.fixture
def lock():
    return json.loads(vendor.LOCK.read_text())


def test_lock_pins_exactly_the_plan(lock):
    assert set(lock["sources"]) == set(vendor.PLAN)
    for name, src in vendor.PLAN.items():
        entry = lock["sources"][name]
        assert entry["spec"] == src["spec"]
        assert set(entry["files"]) == set(src["files"].values())
        assert len(entry["sha256"]) == 64


def test_versions_are_the_ones_that_fit_together(lock):
    specs = {e["spec"] for e in lock["sources"].values()}
    assert {"pyodide@0.27.7", "@pyscript/core@0.6.66", "bokeh==3.9.2"} <= specs


def test_installed_tree_is_verified_and_complete(lock):
    assert vendor.verify_installed(lock) == []
    ours = json.loads((vendor.VENDOR / vendor.GENERATED_LOCK).read_text())
    assert set(ours["packages"]) == {"numpy", "sympy", "mpmath"}
    assert ours["info"]["version"] == "0.27.7"
    for pkg in ours["packages"].values():
        wheel = vendor.VENDOR / "pyodide" / pkg["file_name"]
        assert vendor.sha256_file(wheel) == pkg["sha256"]
    assert ours["packages"]["sympy"]["depends"] == ["mpmath"]


@pytest.mark.parametrize("pkg,version,modules", [("sympy", "1.14.0", 800), ("mpmath", "1.3.0", 50)])
def test_sympy_ships_byte_compiled_without_its_tests(pkg, version, modules):
    """SymPy 1.14 (1.13's MathML uses <mfenced>, not in MathML Core) and mpmath, for the derivation."""
    import zipfile
    ours = json.loads((vendor.VENDOR / vendor.GENERATED_LOCK).read_text())["packages"][pkg]
    assert ours["file_name"] == f"{pkg}-{version}-1runtime-py3-none-any.whl" and ours["version"] == version
    names = zipfile.ZipFile(vendor.VENDOR / "pyodide" / ours["file_name"]).namelist()
    assert not [n for n in names if "/tests/" in n or "/benchmarks/" in n]
    assert len([n for n in names if n.endswith(".pyc")]) > modules and not [n for n in names if n.endswith(".py")]
    assert vendor.pack_name(f"pyodide/{ours['file_name']}") in vendor.expected_files(json.loads(vendor.LOCK.read_text()))


def test_numpy_ships_as_a_runtime_wheel(lock):
    """Byte-compiled for Pyodide's CPython 3.12, build-only files gone, and the
    official wheel (the input) checked but not shipped."""
    import zipfile
    ours = json.loads((vendor.VENDOR / vendor.GENERATED_LOCK).read_text())["packages"]["numpy"]
    assert ours["file_name"] == "numpy-2.0.2-1runtime-cp312-cp312-pyodide_2024_0_wasm32.whl"
    assert not list((vendor.VENDOR / "pyodide").glob("numpy-2.0.2-cp312-*.whl"))
    names = zipfile.ZipFile(vendor.VENDOR / "pyodide" / ours["file_name"]).namelist()
    pycs = [n for n in names if n.endswith(".pyc")]
    assert len(pycs) > 140 and "numpy/__init__.pyc" in pycs
    assert not [n for n in names if n.endswith(".py")], "sourceless: a .py beside its .pyc would be compiled again"
    assert not [n for n in names if n.endswith((".h", ".pyi", ".pxd")) or n.startswith(("numpy/f2py/", "numpy/random/_examples/"))]
    assert "numpy/_core/_multiarray_tests.cpython-312-wasm32-emscripten.so" in names  # numpy imports it
    assert not [n for n in names if "_umath_tests" in n]
    with zipfile.ZipFile(vendor.VENDOR / "pyodide" / ours["file_name"]) as z:
        header = z.read("numpy/__init__.pyc")[:8]
        record = z.read("numpy-2.0.2.dist-info/RECORD").decode()
    # CPython 3.12's magic number (3531; the host's Python may be another version) and flags 0b01:
    # hash-based and unchecked, so neither file times nor a missing .py matter.
    assert header[:4] == (3531).to_bytes(2, "little") + b"\r\n" and header[4:8] == b"\x01\0\0\0"
    assert "numpy/__init__.pyc,sha256=" in record and "numpy/__init__.py," not in record


def test_warm_run_needs_no_network(monkeypatch):
    def no_fetch(*a, **k):
        raise AssertionError("a verified assets/vendor/ must not be downloaded again")
    monkeypatch.setattr(vendor, "fetch", no_fetch)
    vendor.ensure(quiet=True)


def test_a_changed_file_is_detected(tmp_path, monkeypatch, lock):
    copy = tmp_path / "vendor"
    shutil.copytree(vendor.VENDOR, copy, copy_function=os.symlink)  # links: the real files are never written
    monkeypatch.setattr(vendor, "VENDOR", copy)
    tampered = copy / "pyscript" / "pyscript.bundle.js"
    tampered.unlink()
    tampered.write_text("tampered")
    (copy / "extra.js").write_text("")
    problems = vendor.verify_installed(lock)
    assert "checksum mismatch pyscript/pyscript.bundle.js" in problems and "unexpected extra.js" in problems


def _fake_fetch(bad_source: str):
    """fetch() that fails for one source and returns a corrupt archive for it."""
    def fetch(name, src, into: Path):
        into.mkdir(parents=True, exist_ok=True)
        if name == bad_source:
            p = into / "corrupt.tgz"
            p.write_bytes(b"not the archive you locked")
            return p
        raise vendor.fail(name, "network down", "check the connection and run again")
    return fetch


@pytest.mark.parametrize("bad", ["pyodide"])
def test_checksum_mismatch_stops_and_leaves_nothing_behind(tmp_path, monkeypatch, lock, bad):
    target = tmp_path / "assets" / "vendor"
    monkeypatch.setattr(vendor, "VENDOR", target)
    monkeypatch.setattr(vendor, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(vendor, "fetch", _fake_fetch(bad))
    with pytest.raises(SystemExit) as e:
        vendor.build(lock, relock=False)
    msg = str(e.value)
    assert "pyodide" in msg and "sha256" in msg and "what to do" in msg
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # no temporary folder left either
    assert not (tmp_path / "cache").exists()  # nothing unverified is cached


def test_failure_midway_keeps_the_previous_tree(tmp_path, monkeypatch, lock):
    target = tmp_path / "assets" / "vendor"
    target.mkdir(parents=True)
    (target / "marker").write_text("previous")
    monkeypatch.setattr(vendor, "VENDOR", target)
    monkeypatch.setattr(vendor, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(vendor, "fetch", _fake_fetch("none"))
    with pytest.raises(SystemExit, match="network down"):
        vendor.build(lock, relock=False)
    assert (target / "marker").read_text() == "previous"
    assert sorted(p.name for p in target.parent.iterdir()) == ["vendor"]


def test_a_made_file_unlike_its_locked_sum_stops_the_step_and_names_the_file(tmp_path, monkeypatch, lock):
    # Built from the verified cache (setup filled it), with one made file's locked sum changed.
    target = tmp_path / "assets" / "vendor"
    monkeypatch.setattr(vendor, "VENDOR", target)
    lock["generated"]["bokeh/bokeh.min.js"] = "0" * 64
    with pytest.raises(SystemExit) as e:
        vendor.build(lock, relock=False)
    msg = str(e.value)
    assert "bokeh/bokeh.min.js" in msg and "what to do" in msg and "--relock" in msg
    assert "pyodide/pyodide-lock.json" not in msg  # the files that match are not named
    assert not target.exists()


def test_cdn_urls_in_the_page_pin_the_vendored_versions():
    boot = (vendor.ROOT / "assets" / "app" / "runtime.js").read_text()
    specs = {name: src["spec"].rsplit("@", 1)[-1].split("==")[-1] for name, src in vendor.PLAN.items()}
    assert f'pyodide: "{specs["pyodide"]}"' in boot
    assert f'pyscript: "{specs["pyscript"]}"' in boot
    assert f'bokeh: "{specs["bokeh"]}"' in boot


def test_packs_decode_to_the_vendored_files(lock):
    import base64
    import gzip
    for rel, zipped in vendor.PACKED.items():
        text = (vendor.VENDOR / vendor.pack_name(rel)).read_text()
        b64 = text.split('data: "', 1)[1].split('"', 1)[0]
        data = base64.b64decode(b64)
        if zipped:
            data = gzip.decompress(data)
        assert data == (vendor.VENDOR / rel).read_bytes(), rel


def test_bokehjs_ships_the_wheels_code_after_a_compile_hint(lock):
    """V8's compile hint is the first line; after it, the wheel's file byte for byte."""
    import hashlib
    shipped = (vendor.VENDOR / "bokeh" / "bokeh.min.js").read_bytes()
    assert shipped.startswith(b"//# allFunctionsCalledOnLoad\n")
    code = shipped[len(vendor.COMPILE_HINT):]
    assert hashlib.sha256(code).hexdigest() == lock["sources"]["bokeh"]["files"]["bokeh/bokeh.min.js"]
    assert vendor.expected_files(lock)["bokeh/bokeh.min.js"] == hashlib.sha256(shipped).hexdigest()
