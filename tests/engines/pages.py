"""The page as each engine test opens it: served, from disk, and as the single
file, each with an error probe at the top.

WebKitWebDriver reports no console messages, so the probe records what
would be one (console.error, uncaught exceptions and rejections, CSP
violations, resources that fail to load) in `window.__probeErrors`. The
probed copies are the real files plus that one script: a temporary folder
whose index.html is the project's with the probe added and whose assets/
is a link to the project's own.
"""
from __future__ import annotations

import base64
import hashlib
import shutil
from pathlib import Path

from tests.conftest import ROOT

PROBE = """(() => {
  const errors = window.__probeErrors = [];
  const text = (v) => (v && v.message) || String(v);
  // "ResizeObserver loop completed with undelivered notifications" is the browser's note that a
  // resize it observed caused another within one frame (BokehJS sizing its plots); no script threw.
  addEventListener("error", (e) => /^ResizeObserver loop/.test(e.message || "") || errors.push(
    e.target && e.target !== window ? `failed to load ${e.target.src || e.target.href}` : `uncaught: ${e.message}`),
  true);
  addEventListener("unhandledrejection", (e) => errors.push(`unhandled rejection: ${text(e.reason)}`));
  document.addEventListener("securitypolicyviolation", (e) => errors.push(`CSP: ${e.violatedDirective} ${e.blockedURI}`));
  const error = console.error.bind(console);
  console.error = (...args) => { errors.push(`console.error: ${args.map(text).join(" ")}`); error(...args); };
})();
"""
CSP_MARK = '<meta http-equiv="Content-Security-Policy"'


def _after_csp(html: str, tag: str) -> str:
    i = html.index(CSP_MARK)
    end = html.index(">", i) + 1
    return html[:end] + "\n" + tag + html[end:]


def probed_site(dest: Path) -> Path:
    """dest/index.html (probed) beside dest/assets → the project's assets; returns dest."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "probe.js").write_text(PROBE)
    html = (ROOT / "index.html").read_text()
    (dest / "index.html").write_text(_after_csp(html, '<script src="probe.js"></script>'))
    (dest / "assets").symlink_to(ROOT / "assets")
    return dest


def probed_single(single: Path, dest: Path) -> Path:
    """A copy of the single-file build with the probe inline, admitted by its hash like the others."""
    html = single.read_text()
    digest = base64.b64encode(hashlib.sha256(PROBE.encode()).digest()).decode()
    html = html.replace("script-src 'self'", f"script-src 'self' 'sha256-{digest}'", 1)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(_after_csp(html, f"<script>{PROBE}</script>"))
    return dest


def clean(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
