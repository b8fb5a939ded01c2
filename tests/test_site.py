"""The static-host site (`tools/dev.py site`, what the Pages workflow publishes) carries the snapshot."""
from __future__ import annotations

import json
import re

import dev
import snapshot

from tests.conftest import ROOT


def test_a_site_built_where_a_browser_is_present_carries_the_snapshot(tmp_path, capsys):
    dest = dev.site(tmp_path / "_site")
    snap = dest / "assets" / "vendor" / snapshot.REL
    assert snap.is_file() and snap.read_bytes() == (snapshot.vendor.VENDOR / snapshot.REL).read_bytes()
    manifest = (dest / "assets" / "vendor" / "snapshot" / "manifest.js").read_text()
    baked = (ROOT / "assets" / "app" / "baked.js").read_text()
    digest = json.loads(manifest.split("=", 1)[1].rstrip().rstrip(";"))["app_digest"]
    assert f'"app_digest":"{digest}"' in baked.replace(" ", "")  # the page will accept it
    assert not (dest / "assets" / "vendor" / "packs").exists()  # packs are for file:// only
    assert "carries the Python memory snapshot" in capsys.readouterr().out


def test_a_site_without_a_snapshot_says_so(tmp_path, monkeypatch):
    assert dev.snapshot_note(tmp_path).startswith("site: WARNING: no Python memory snapshot")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert dev.snapshot_note(tmp_path).startswith("::warning::no Python memory snapshot")


def test_the_pages_workflow_makes_the_snapshot_with_the_runners_chrome():
    wf = (ROOT / ".github" / "workflows" / "pages.yml").read_text()
    steps = wf.split("- name: ")
    setup = next(s for s in steps if "tools/dev.py setup" in s)
    site = next(s for s in steps if "tools/dev.py site" in s)
    assert re.search(r"pip install \"?playwright", wf)
    assert wf.index("pip install") < wf.index("tools/dev.py setup")
    for step in (setup, site):
        assert "EXPLORER_CHROMIUM: /usr/bin/google-chrome" in step
