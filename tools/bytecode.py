"""Make the bytecode of the Python the page's worker imports from source
(assets/vendor/bytecode/), with Pyodide's own CPython run in Node.js:

    python3 tools/bytecode.py      # make it if missing or stale (run by `tools/dev.py setup`)

Served, PyScript writes its `pyscript` package into the worker and imports
it, and py/main.py writes the app's modules and imports them: both compiled
from source on every visit (measured on this machine: PyScript's set-up ~20 ms
shorter with it, the app's import ~60 ms, `ready` ~40 ms sooner). The worker writes these files into __pycache__/ first, so
those imports compile nothing. They are unchecked-hash .pyc files: Python
does not compare them with the sources, so the page uses the app's part only
when it was made from exactly the sources it carries (the app digest), and
this file is remade whenever anything it is made from changes.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vendor  # noqa: E402
from project import ROOT, app_sources  # noqa: E402
from snapshot import app_digest  # noqa: E402

OUT = vendor.VENDOR / "bytecode" / "python.pack"
HOME = "/home/pyodide/"  # the worker's working directory: both packages are written there


def sources() -> dict[str, str]:
    """{path under HOME: source} of what the worker writes and imports."""
    pyscript = json.loads((vendor.VENDOR / vendor.PYSCRIPT_SOURCES).read_text())
    app = {rel.removeprefix("py/"): text for rel, text in app_sources().items() if rel.startswith("py/explorer/")}
    return {**pyscript, **app}


def inputs_key() -> str:
    h = hashlib.sha256()
    for rel in ("pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip", vendor.PYSCRIPT_SOURCES):
        h.update(f"{rel}={vendor.sha256_file(vendor.VENDOR / rel)}\n".encode())
    for part in (json.dumps(sources(), sort_keys=True), (ROOT / "tools" / "pycompile.mjs").read_text(),
                 Path(__file__).read_text()):
        h.update(hashlib.sha256(part.encode()).hexdigest().encode())
    return h.hexdigest()


def pack(meta: dict, files: list[tuple[str, str]], blobs: list[bytes]) -> bytes:
    """The page's layout (assets/app/bytecode.mjs): the header's length
    (uint32, little-endian), the header (JSON: `meta`, and each of `files`,
    (path, part), as [path, part, offset, length]), then the files back to
    back; decoding is slicing."""
    entries, offset = [], 0
    for (path, part), blob in zip(files, blobs):
        entries.append([path, part, offset, len(blob)])
        offset += len(blob)
    head = json.dumps({**meta, "files": entries}, sort_keys=True).encode()
    return struct.pack("<I", len(head)) + head + b"".join(blobs)


def header() -> dict:
    try:
        with OUT.open("rb") as f:
            return json.loads(f.read(struct.unpack("<I", f.read(4))[0]))
    except (OSError, ValueError, struct.error):
        return {}


def fresh() -> bool:
    return header().get("key") == inputs_key()


def make() -> bytes:
    work = Path(tempfile.mkdtemp(prefix=".bytecode-", dir=vendor.VENDOR.parent))
    try:
        src, wanted = work / "src", sources()
        for rel, text in wanted.items():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_text(text)
        cmd = ["node", str(ROOT / "tools" / "pycompile.mjs"), str(vendor.VENDOR / "pyodide"),
               str(vendor.VENDOR / vendor.GENERATED_LOCK), str(src), HOME.rstrip("/"), "cached"]
        subprocess.run(cmd, check=True, timeout=600, stdout=subprocess.DEVNULL)
        made = sorted(src.rglob("*.pyc"))
        if len(made) != len(wanted):
            raise RuntimeError(f"{len(made)} .pyc files for {len(wanted)} sources")
        # The app's files are used only by a page carrying the sources they were made from.
        files = [(HOME + p.relative_to(src).as_posix(),
                  "app" if p.relative_to(src).parts[0] == "explorer" else "pyscript") for p in made]
        blobs = [p.read_bytes() for p in made]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return pack({"key": inputs_key(), "app_digest": app_digest()}, files, blobs)


def ensure(quiet: bool = False) -> None:
    if fresh():
        return
    OUT.unlink(missing_ok=True)
    try:
        made = make()
    except (OSError, subprocess.SubprocessError, RuntimeError) as e:
        # Without it the worker compiles from source, as a page without assets/vendor/ does.
        if not quiet:
            print(f"bytecode: none ({e}); Python compiles the page's modules from source", flush=True)
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(made)
    if not quiet:
        print(f"bytecode: {len(header()['files'])} modules, {len(made) // 1024} KB", flush=True)


if __name__ == "__main__":
    ensure()
