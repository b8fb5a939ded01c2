"""Firefox and WebKit fixtures: one browser per engine for the session, the
probed pages in every mode, and what each test checks on the way out."""
from __future__ import annotations

import time

import pytest

from tests.conftest import serve_dir

from . import pages

ENGINES = ("firefox", "webkit")
READY_S = 180  # WebKit spends several seconds on numpy alone


@pytest.fixture(scope="session")
def urls(tmp_path_factory):
    import dev
    root = tmp_path_factory.mktemp("engines")
    site = pages.probed_site(root / "site")
    single = pages.probed_single(dev.build(), root / "single" / "explorer.html")
    lite = pages.probed_single(dev.build(lite=True), root / "lite" / "explorer.html")
    url, httpd = serve_dir(site)
    yield {"served": url, "file": (site / "index.html").as_uri(), "single": single.as_uri(), "lite": lite.as_uri(),
           "origin": url}
    httpd.shutdown()


@pytest.fixture(scope="session")
def display():
    from .webkit import VirtualDisplay
    d = VirtualDisplay()
    yield d
    d.close()


def launch(name: str, request, scheme: str = "light"):
    if name == "firefox":
        from .firefox import Firefox
        return Firefox(scheme)
    from .webkit import WebKit
    return WebKit(request.getfixturevalue("display"), scheme)


@pytest.fixture(scope="session", params=ENGINES)
def engine(request):
    b = launch(request.param, request)
    yield b
    b.close()


def wait(b, expr: str, timeout: float = 30.0) -> None:
    """Poll a JS expression until it is truthy (the engines have no wait-for of their own here)."""
    deadline = time.monotonic() + timeout
    while not b.js(expr):
        if time.monotonic() > deadline:
            raise AssertionError(f"{b.name}: timed out waiting for {expr}")
        time.sleep(0.05)


def open_ready(b, url: str) -> None:
    b.goto("about:blank")
    b.goto(url)
    wait(b, "document.documentElement.dataset.state !== 'loading'", READY_S)
    state = b.js("document.documentElement.dataset.state")
    assert state == "ready", f"{b.name}: page ended in {state!r}: " + str(b.js("document.getElementById('bootError').innerText"))
    b.js("explorerPanels.want('lab'), true")  # panels load on demand; ask as a link would
    wait(b, "document.documentElement.dataset.labPanel === 'ready'", READY_S)
