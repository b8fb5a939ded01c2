"""Served, the worker imports PyScript's package and the app from bytecode
made at setup by the same CPython (tools/bytecode.py, assets/app/bytecode.mjs),
and from source whenever that bytecode was made from other sources."""
from __future__ import annotations

import json
import struct

import bytecode
import pytest

from .conftest import wait_ready
from .helpers import wait_z

# For every module of PyScript's package and of the app that Python has imported: a .pyc where
# CPython looks first, for this CPython (magic number), unchecked (flags 1), made from exactly the
# source beside it (the hash it stores). CPython imports such a module from it without compiling.
FROM_BYTECODE = """
import importlib.util, sys
seen, wrong = {"pyscript": 0, "explorer": 0}, []
for name, module in list(sys.modules.items()):
    path = getattr(module, "__file__", None) or ""
    part = path.removeprefix("/home/pyodide/").split("/")[0]
    if part not in seen:
        continue
    seen[part] += 1
    try:
        with open(importlib.util.cache_from_source(path), "rb") as f:
            pyc = f.read(16)
    except OSError:
        wrong.append(name + ": none")
        continue
    with open(path, "rb") as f:
        source = f.read()
    if (pyc[:4], pyc[4:8], pyc[8:]) != (importlib.util.MAGIC_NUMBER, (1).to_bytes(4, "little"),
                                        importlib.util.source_hash(source)):
        wrong.append(name + ": other")
[seen, sorted(wrong)]
"""


def marks(page, word):
    return page.evaluate(f"performance.getEntriesByType('mark').map(m => m.name).filter(n => n.includes('{word}'))")


@pytest.mark.parametrize("query", ["", "?snapshot=0"])
def test_pyscript_and_the_app_are_imported_from_bytecode_made_from_their_sources(page, base_url, query):
    page.goto(base_url + query)
    wait_ready(page)
    assert marks(page, "bytecode") == ["explorer:bytecode-written"]
    seen, wrong = page.evaluate("c => explorerBoot.python(c)", FROM_BYTECODE)
    assert wrong == []
    assert seen["pyscript"] >= 8 and seen["explorer"] >= 20


def test_bytecode_made_from_other_app_sources_is_left_out_for_the_app(page, base_url):
    data = bytecode.OUT.read_bytes()
    length = struct.unpack("<I", data[:4])[0]
    header = json.loads(data[4:4 + length])
    header["app_digest"] = "0" * len(header["app_digest"])  # same length: the files stay where they are
    other = data[:4] + json.dumps(header, sort_keys=True).encode() + data[4 + length:]
    assert len(other) == len(data)
    page.route("**/bytecode/python.pack", lambda route: route.fulfill(status=200, body=other))
    page.goto(base_url + "?snapshot=0")
    wait_ready(page)
    seen, wrong = page.evaluate("c => explorerBoot.python(c)", FROM_BYTECODE)
    assert seen["explorer"] >= 20 and len(wrong) == seen["explorer"]
    assert all(w.startswith("explorer") and w.endswith(": none") for w in wrong)
    page.fill("#zNum", "-5")  # and the app, compiled from its sources, answers
    page.press("#zNum", "Enter")
    wait_z(page, -5.0)


def test_without_the_bytecode_python_compiles_the_sources(page, base_url):
    page.route("**/bytecode/python.pack", lambda route: route.fulfill(status=404, body=b"gone"))
    page.goto(base_url + "?snapshot=0")
    wait_ready(page)
    assert marks(page, "bytecode") == ["explorer:bytecode-missed"]
    page.fill("#zNum", "-5")
    page.press("#zNum", "Enter")
    wait_z(page, -5.0)
