"""WebKitGTK (Safari's engine) driven by Selenium through WebKitWebDriver,
with Debian's MiniBrowser in automation mode, on a virtual X display.

WebKitWebDriver has no BiDi and no console API, so console errors and
uncaught exceptions are collected by a probe script that the engine tests
put at the top of every page they open (see pages.py).
"""
from __future__ import annotations

import base64
import glob
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

WEBDRIVER = shutil.which("WebKitWebDriver") or "/usr/bin/WebKitWebDriver"
MINIBROWSER = next(iter(glob.glob("/usr/lib/*/webkit2gtk-4.1/MiniBrowser")), "MiniBrowser")


class VirtualDisplay:
    """An Xvfb server for the tests' lifetime (WebKitGTK needs a display)."""

    def __init__(self):
        for n in range(91, 120):
            if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
                break
        self.display = f":{n}"
        self.proc = subprocess.Popen(["Xvfb", self.display, "-screen", "0", "1920x1200x24", "-nolisten", "tcp"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not os.path.exists(f"/tmp/.X11-unix/X{n}"):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("Xvfb did not start")
            time.sleep(0.05)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


class WebKit:
    name = "webkit"

    def __init__(self, display: VirtualDisplay, scheme: str = "light"):
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.service import Service
        opts = webdriver.WebKitGTKOptions()
        opts.binary_location = MINIBROWSER
        opts.add_argument("--automation")
        # GTK's dark variant is what WebKitGTK reports as prefers-color-scheme: dark.
        env = {**os.environ, "DISPLAY": display.display, "GTK_THEME": "Adwaita:dark" if scheme == "dark" else "Adwaita",
               "WEBKIT_DISABLE_COMPOSITING_MODE": "1"}
        self.driver = webdriver.WebKitGTK(options=opts, service=Service(executable_path=WEBDRIVER, env=env))
        self.driver.set_script_timeout(60)

    def goto(self, url: str) -> None:
        self.driver.get(url)

    def js(self, expr: str):
        return json.loads(self.driver.execute_script(f"return JSON.stringify((() => ({expr}))()) ?? 'null';"))

    def click(self, selector: str) -> None:
        el = self.driver.find_element("css selector", selector)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
        el.click()

    def keys(self, *names: str, hold: str | None = None) -> None:
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys
        special = {"Enter": Keys.ENTER, "Tab": Keys.TAB, "Control": Keys.CONTROL, "Shift": Keys.SHIFT,
                   "ArrowLeft": Keys.ARROW_LEFT, "ArrowRight": Keys.ARROW_RIGHT, "ArrowUp": Keys.ARROW_UP,
                   "ArrowDown": Keys.ARROW_DOWN, "Space": Keys.SPACE}
        chain = ActionChains(self.driver)
        if hold:
            chain.key_down(special[hold])
        for n in names:
            chain.send_keys(special.get(n, n))
        if hold:
            chain.key_up(special[hold])
        chain.perform()

    def type_into(self, selector: str, text: str) -> None:
        self.click(selector)
        self.keys("a", hold="Control")
        self.keys(*text, "Enter")

    def set_viewport(self, width: int, height: int) -> None:
        # The window is the viewport in automation mode (no toolbar); correct for any chrome left.
        self.driver.set_window_size(width, height)
        inner = self.js("[innerWidth, innerHeight]")
        if inner != [width, height]:
            self.driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])

    def screenshot(self, path: Path, full_page: bool = False) -> None:
        if full_page:
            el = self.driver.find_element("css selector", "html")
            path.write_bytes(base64.b64decode(el.screenshot_as_base64))
        else:
            self.driver.save_screenshot(str(path))

    def clear_errors(self) -> None:
        """Forget the errors so far (a test that provoked one on purpose)."""
        self.js("window.__probeErrors && (window.__probeErrors.length = 0)")

    def errors(self) -> list[str]:
        return self.js("window.__probeErrors || ['the error probe is missing from this page']")

    def close(self) -> None:
        self.driver.quit()
