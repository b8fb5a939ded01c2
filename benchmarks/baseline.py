"""The common pattern, for comparison: Bokeh's Python package in the browser,
rebuilding the figures and re-embedding them (`json_item`) on every input.

Not the product: only benchmarks/run.py loads it. It needs Bokeh's Python
package and the pure-Python packages Bokeh imports eagerly (Jinja2 with
MarkupSafe, PyYAML), which the product never ships. They are downloaded from
PyPI by exact version, checked against the sums below, and packed with the
app's own Python into one zip that the baseline page unpacks into Pyodide's
site-packages (dist/bench/, git-ignored). Bokeh itself is the wheel that
tools/vendor.py already verified.
"""
from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "dist" / "bench"
SITE_ZIP = OUT / "baseline-site.zip"

# spec → (sha256 of the archive, what to take from it: archive prefix → site-packages prefix)
PACKAGES = {
    "jinja2==3.1.6": ("85ece4451f492d0c13c5dd7c13a64681a86afae63a5f347908daf103ce6d2f67",
                      {"jinja2/": "jinja2/", "jinja2-3.1.6.dist-info/": "jinja2-3.1.6.dist-info/"}),
    # sdists: their pure-Python fallbacks (MarkupSafe's C speed-ups and
    # libyaml are optional, and not built for Pyodide here)
    "markupsafe==3.0.2": ("ee55d3edf80167e48ea11a923c7386f4669df67d7994554387f84e7d8b0a2bf0",
                          {"markupsafe-3.0.2/src/markupsafe/": "markupsafe/"}),
    "pyyaml==6.0.2": ("d584d9ec91ad65861cc08d42e834324ef890a082e591037abe114850ff7bbc3e",
                      {"pyyaml-6.0.2/lib/yaml/": "yaml/"}),
}
SDISTS = {"markupsafe==3.0.2", "pyyaml==6.0.2"}
# The app's modules that build the figures (the same code that bakes them):
# everything but the browser layer.
APP_DIR = ROOT / "py" / "explorer"


def _download(spec: str, into: Path) -> Path:
    sdist = spec in SDISTS
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(into), spec,
           *(["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"])]
    subprocess.run(cmd, check=True, timeout=600, stdout=subprocess.DEVNULL)
    name = spec.split("==")[0].replace("-", "_").lower()
    found = [p for p in into.iterdir() if p.name.lower().replace("-", "_").startswith(name)]
    if len(found) != 1:
        raise SystemExit(f"baseline: expected one archive for {spec}, got {[p.name for p in found]}")
    return found[0]


def _members(archive: Path):
    """(name, bytes) of every file in a wheel or a .tar.gz."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                if not info.is_dir():
                    yield info.filename, z.read(info)
    else:
        with tarfile.open(archive) as t:
            for m in t.getmembers():
                if m.isfile():
                    yield m.name, t.extractfile(m).read()


def prepare() -> Path:
    """dist/bench/baseline-site.zip, built once per set of inputs."""
    sys.path.insert(0, str(ROOT / "tools"))
    import vendor
    lock = json.loads(vendor.LOCK.read_text())
    bokeh = vendor.cached_archive(lock["sources"]["bokeh"])
    if bokeh is None:
        raise SystemExit("baseline: the verified bokeh wheel is not in tools/.cache: run python3 tools/dev.py setup")
    app = {p.relative_to(APP_DIR.parent).as_posix(): p.read_bytes() for p in sorted(APP_DIR.rglob("*.py"))
           if "browser" not in p.relative_to(APP_DIR).parts}
    key = hashlib.sha256(json.dumps([Path(__file__).read_text(), lock["sources"]["bokeh"]["sha256"],
                                     sorted((k, hashlib.sha256(v).hexdigest()) for k, v in app.items())]).encode())
    stamp = OUT / "baseline-site.key"
    if SITE_ZIP.is_file() and stamp.is_file() and stamp.read_text() == key.hexdigest():
        return SITE_ZIP
    OUT.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for spec, (sha, take) in PACKAGES.items():
            archive = _download(spec, Path(tmp) / spec)
            digest = hashlib.sha256(archive.read_bytes()).hexdigest()
            if digest != sha:
                raise SystemExit(f"baseline: {archive.name} has sha256 {digest}, expected {sha}")
            for name, data in _members(archive):
                for src, dst in take.items():
                    if name.startswith(src) and (name.endswith(".py") or ".dist-info/" in name):
                        out.writestr(dst + name[len(src):], data)
        for name, data in _members(bokeh):
            # BokehJS and the sample data are not needed to build documents.
            if name.startswith(("bokeh/", "bokeh-")) and not name.startswith(
                    ("bokeh/server/static/", "bokeh/sampledata/")):
                out.writestr(name, data)
        for name, data in app.items():
            out.writestr(name, data)
    SITE_ZIP.write_bytes(buf.getvalue())
    stamp.write_text(key.hexdigest())
    return SITE_ZIP


if __name__ == "__main__":
    p = prepare()
    print(f"baseline: {p.relative_to(ROOT)} ({p.stat().st_size / 1e6:.1f} MB)")
