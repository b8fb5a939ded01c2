"""The bytecode the served worker writes before PyScript and the app are
imported (tools/bytecode.py; CPython): made from exactly what ships, or remade
(that a change to the app's Python changes its key: tests/test_snapshot.py)."""
from __future__ import annotations

from pathlib import PurePosixPath

import bytecode
import snapshot


def test_the_vendored_bytecode_is_made_from_exactly_what_ships():
    assert bytecode.fresh(), "run `python3 tools/dev.py setup` (the bytecode is stale or missing)"
    header = bytecode.header()
    assert header["app_digest"] == snapshot.app_digest()  # the page compares it with baked.js's
    # one .pyc per module PyScript or py/main.py writes, where CPython 3.12 looks for it
    want = {str(PurePosixPath(bytecode.HOME, rel).parent / "__pycache__" / (PurePosixPath(rel).stem + ".cpython-312.pyc"))
            for rel in bytecode.sources()}
    assert {path for path, *_ in header["files"]} == want and len(want) > 40
    data = bytecode.OUT.read_bytes()
    body = data[len(data) - sum(length for *_, length in header["files"]):]
    for path, part, offset, length in header["files"]:
        pyc = body[offset:offset + length]
        assert part == ("app" if path.startswith("/home/pyodide/explorer/") else "pyscript")
        # CPython 3.12's magic number; flags 1: hash-based, unchecked (Python never compares it with the file times)
        assert pyc[:4] == (3531).to_bytes(2, "little") + b"\r\n" and pyc[4:8] == (1).to_bytes(4, "little"), path


def test_the_pack_is_what_the_page_reads(tmp_path, monkeypatch):
    data = bytecode.pack({"key": "k", "app_digest": "d"}, [("/a/x.pyc", "app"), ("/b/y.pyc", "pyscript")],
                         [b"abc", b"de"])
    monkeypatch.setattr(bytecode, "OUT", tmp_path / "python.pack")
    bytecode.OUT.write_bytes(data)
    assert bytecode.header() == {"key": "k", "app_digest": "d",
                                 "files": [["/a/x.pyc", "app", 0, 3], ["/b/y.pyc", "pyscript", 3, 2]]}
    assert data.endswith(b"abcde")
