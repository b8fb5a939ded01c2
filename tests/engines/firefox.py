"""Firefox ESR driven over its built-in WebDriver BiDi (no geckodriver).

Firefox listens on a WebSocket (`--remote-debugging-port`); this is the
few commands of the protocol the tests need, synchronously, over
websocket-client. Console errors and uncaught exceptions arrive as
`log.entryAdded` events.
"""
from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox") or "/usr/bin/firefox-esr"

# Quiet, offline, and unable to reach anything but this machine: every other
# host goes through a proxy that does not exist, so a stray request fails.
PREFS = {
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
    "app.normandy.enabled": False,
    "network.proxy.type": 1,
    "network.proxy.http": "127.0.0.1",
    "network.proxy.http_port": 9,
    "network.proxy.ssl": "127.0.0.1",
    "network.proxy.ssl_port": 9,
    "network.proxy.no_proxies_on": "localhost, 127.0.0.1",
    "network.proxy.allow_hijacking_localhost": False,
    "media.autoplay.default": 5,
}
KEYS = {"Enter": "\ue007", "Tab": "\ue004", "Control": "\ue009", "Shift": "\ue008", "ArrowLeft": "\ue012",
        "ArrowRight": "\ue014", "ArrowUp": "\ue013", "ArrowDown": "\ue015", "Space": " "}


class BiDiError(RuntimeError):
    pass


class Firefox:
    name = "firefox"

    def __init__(self, scheme: str = "light"):
        self.profile = Path(tempfile.mkdtemp(prefix="ff-profile-"))
        prefs = {**PREFS, "layout.css.prefers-color-scheme.content-override": 0 if scheme == "dark" else 1}
        (self.profile / "user.js").write_text(
            "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items()))
        self.proc = subprocess.Popen([FIREFOX, "-headless", "--remote-debugging-port=0", "-profile",
                                      str(self.profile), "-no-remote", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url = self._listening_url()
        threading.Thread(target=lambda: [None for _ in self.proc.stderr], daemon=True).start()  # keep draining
        import websocket
        # Firefox refuses a handshake that carries an Origin (a web page must not drive it).
        self.ws = websocket.create_connection(url + "/session", timeout=180, suppress_origin=True)
        self._next_id = 0
        self.events: list[dict] = []
        self.cmd("session.new", {"capabilities": {}})
        self.cmd("session.subscribe", {"events": ["log.entryAdded"]})
        self.context = self.cmd("browsingContext.getTree", {})["contexts"][0]["context"]

    def _listening_url(self) -> str:
        timer = threading.Timer(90, self.proc.kill)
        timer.start()
        try:
            for line in self.proc.stderr:
                m = re.search(r"WebDriver BiDi listening on (ws://\S+)", line)
                if m:
                    return m.group(1)
        finally:
            timer.cancel()
        raise BiDiError("Firefox exited before its WebDriver BiDi socket opened")

    def cmd(self, method: str, params: dict) -> dict:
        self._next_id += 1
        mid = self._next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("type") == "event":
                self.events.append(msg)
            elif msg.get("id") == mid:
                if msg.get("type") == "error":
                    raise BiDiError(f"{method}: {msg.get('error')}: {msg.get('message')}")
                return msg["result"]

    # -- the small API the engine tests use (the same in webkit.py) ----------
    def goto(self, url: str) -> None:
        self.cmd("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def js(self, expr: str):
        r = self.cmd("script.evaluate", {"expression": f"JSON.stringify((() => ({expr}))()) ?? 'null'",
                                         "target": {"context": self.context}, "awaitPromise": False})
        if r.get("type") == "exception":
            raise BiDiError(r["exceptionDetails"]["text"])
        return json.loads(r["result"]["value"])

    def click(self, selector: str) -> None:
        x, y = self.js(f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
            e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect();
            return [r.x + r.width / 2, r.y + r.height / 2]; }})()""")
        self._actions([{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": [
            {"type": "pointerMove", "x": int(x), "y": int(y), "origin": "viewport"},
            {"type": "pointerDown", "button": 0}, {"type": "pointerUp", "button": 0}]}])

    def keys(self, *names: str, hold: str | None = None) -> None:
        """Press keys in turn (names from KEYS, or single characters), optionally with a modifier held."""
        acts = [{"type": "keyDown", "value": KEYS[hold]}] if hold else []
        for n in names:
            v = KEYS.get(n, n)
            acts += [{"type": "keyDown", "value": v}, {"type": "keyUp", "value": v}]
        if hold:
            acts.append({"type": "keyUp", "value": KEYS[hold]})
        self._actions([{"type": "key", "id": "keyboard", "actions": acts}])

    def type_into(self, selector: str, text: str) -> None:
        self.click(selector)
        self.keys("a", hold="Control")
        self.keys(*text, "Enter")

    def _actions(self, actions: list) -> None:
        self.cmd("input.performActions", {"context": self.context, "actions": actions})
        self.cmd("input.releaseActions", {"context": self.context})

    def set_viewport(self, width: int, height: int) -> None:
        self.cmd("browsingContext.setViewport", {"context": self.context,
                                                 "viewport": {"width": width, "height": height},
                                                 "devicePixelRatio": 1})

    def screenshot(self, path: Path, full_page: bool = False) -> None:
        r = self.cmd("browsingContext.captureScreenshot",
                     {"context": self.context, "origin": "document" if full_page else "viewport"})
        path.write_bytes(base64.b64decode(r["data"]))

    def clear_errors(self) -> None:
        """Forget the errors so far (a test that provoked one on purpose)."""
        self.js("0")
        self.events.clear()
        self.js("window.__probeErrors && (window.__probeErrors.length = 0)")

    def errors(self) -> list[str]:
        self.js("0")  # events sent before this answer have arrived now
        return [f"{e['params'].get('type')}: {e['params'].get('text')}" for e in self.events
                if e.get("method") == "log.entryAdded" and e["params"].get("level") == "error"]

    def close(self) -> None:
        try:
            self.cmd("session.end", {})
        except Exception:
            pass
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)
