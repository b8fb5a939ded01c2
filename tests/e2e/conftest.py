"""Page fixtures: every test fails on a console error or uncaught page error,
and every request the page makes is recorded."""
from __future__ import annotations

import pytest

READY_TIMEOUT_MS = 90_000
# Actions that can send Python an event: after each, the test waits until Python
# has handled it and the page shows the result, as a visitor sees it happen.
ACTIONS = {"click", "dblclick", "fill", "press", "select_option", "check", "uncheck", "type", "tap", "set_checked",
           "press_sequentially", "dispatch_event"}


class _Settling:
    """Python answers from its worker, a moment after an input (SPEC §16): actions on this
    page (and its keyboard) return once every event they made has been handled."""

    def __init__(self, target, page):
        self._target, self._page = target, page

    def __getattr__(self, name):
        attr = getattr(self._target, name)
        if name == "keyboard":
            return _Settling(attr, self._page)
        if name not in ACTIONS or not callable(attr):
            return attr

        def act(*args, **kwargs):
            out = attr(*args, **kwargs)
            from .helpers import settled
            settled(self._page)
            return out
        return act


class SettlingPage(_Settling):
    def __init__(self, page):
        super().__init__(page, page)


class PageWatch:
    def __init__(self, page):
        self.raw = page
        self.page = SettlingPage(page)
        self.errors: list[str] = []
        self.allowed: list[str] = []  # regexes of the errors a test provokes on purpose
        self.requests: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url} {r.failure}"))

    def _console(self, msg):
        if msg.type == "error":
            self.errors.append(f"console.error: {msg.text}")

    def allow(self, pattern: str) -> None:
        """Errors matching `pattern` are the point of this test; any other still fails it."""
        self.allowed.append(pattern)

    def unexpected(self) -> list[str]:
        import re
        return [e for e in self.errors if not any(re.search(p, e) for p in self.allowed)]


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture
def make_context(browser):
    """browser.new_context for a test that needs its own options: every one is closed at teardown,
    whatever the test did (a kiosk page left open would play its demo through later tests)."""
    made = []

    def make(**options):
        made.append(browser.new_context(**options))
        return made[-1]
    yield make
    for ctx in made:
        ctx.close()


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def watch(context):
    page = context.new_page()
    w = PageWatch(page)
    yield w
    bad = w.unexpected()
    assert not bad, "the page reported errors:\n" + "\n".join(bad)


@pytest.fixture
def page(watch):
    return watch.page


def wait_ready(page, timeout=READY_TIMEOUT_MS, panels=("lab",)):
    """The explorer is live (`data-state=ready`); then each panel in `panels`,
    asked for as a link or the kiosk would (they load on demand), has joined."""
    from playwright.sync_api import Error
    try:
        page.wait_for_function("document.documentElement.dataset.state !== 'loading'", timeout=timeout)
    except Error as e:
        if "crashed" not in str(e):
            raise
        from tests.conftest import browser_log_tail
        raise AssertionError(f"the page crashed while booting; Chromium said:\n{browser_log_tail()}") from e
    state = page.evaluate("document.documentElement.dataset.state")
    assert state == "ready", f"page ended in state {state!r}: " + page.inner_text("#bootError")
    for name in panels:
        open_panel(page, name, timeout, scroll=False)


def open_panel(page, name: str, timeout=READY_TIMEOUT_MS, scroll=True) -> None:
    """Bring a panel in: scrolled near (as a reader would) or asked for (as a link would); wait until bound."""
    if scroll:
        page.locator(f"[data-panel={name}]").scroll_into_view_if_needed()
    else:
        # not the promise itself: Playwright would serialise the Bokeh document it resolves with (~8 s)
        page.evaluate("name => { explorerPanels.want(name); }", name)
    page.wait_for_function(f"document.documentElement.dataset.{name}Panel === 'ready'", timeout=timeout)


@pytest.fixture
def app(page, base_url):
    """The explorer, loaded at its default state and ready for input, with the lab.

    Idle loading is off: a panel painted in the middle of a test would repaint
    what the test measures (the panels' own tests cover it)."""
    page.goto(base_url + "?panel_idle=never")
    wait_ready(page)
    return page
