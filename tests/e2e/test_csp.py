"""The Content-Security-Policy is in force in every mode, and the app runs under it."""
from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

from .conftest import wait_ready


def policy(html: str) -> dict:
    m = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert m, "no CSP meta tag"
    return {d.split()[0]: d.split()[1:] for d in m.group(1).split("; ")}


def test_policy_allows_only_what_the_runtime_needs():
    p = policy((ROOT / "index.html").read_text())
    assert p["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in p["script-src"]
    assert p["object-src"] == ["'none'"] and p["base-uri"] == ["'none'"] and p["form-action"] == ["'none'"]
    hosts = [s for s in p["script-src"] + p["connect-src"] if s.startswith("https://")]
    assert set(hosts) <= {"https://cdn.jsdelivr.net", "https://cdn.bokeh.org"}


def test_single_file_admits_its_inline_scripts_by_hash():
    """Each inline script that runs is admitted by its hash, and nothing else is; the runtime's
    files ride along as data blocks (a type no browser executes)."""
    import base64
    import hashlib

    import dev
    html = dev.build().read_text()
    p = policy(html)
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    assert len(scripts) >= 4
    admitted = {s for s in p["script-src"] if s.startswith("'sha256-")}
    assert admitted == {"'sha256-%s'" % base64.b64encode(hashlib.sha256(t.encode()).digest()).decode()
                        for t in scripts}
    blocks = re.findall(r'<script type="application/x-explorer-pack" data-path="([^"]+)"', html)
    assert "assets/vendor/pyodide/pyodide.asm.wasm" in blocks and len(blocks) >= 8
    assert "'unsafe-inline'" not in p["script-src"]


@pytest.mark.parametrize("where", ["served", "file", "single"])
def test_injected_inline_script_is_blocked(watch, base_url, where):
    page = watch.page
    if where == "single":
        import dev
        page.goto(dev.build().as_uri())
    else:
        page.goto(base_url if where == "served" else (ROOT / "index.html").as_uri())
    wait_ready(page)
    watch.allow(r"Content Security Policy|Refused to execute")  # the violation report is the point
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.__pwned = 1';
        document.body.appendChild(s);
    }""")
    assert page.evaluate("window.__pwned") is None
    assert any("Content Security Policy" in e for e in watch.errors)
    assert page.evaluate("document.documentElement.dataset.state") == "ready"
