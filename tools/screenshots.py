"""Screenshots of the served page at phone and kiosk width, light and dark.

    python3 tools/screenshots.py        # writes dist/screenshots/*.png
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from project import CHROMIUM, CHROMIUM_ARGS, serve_dir  # noqa: E402

SIZES = {"phone": (360, 780), "kiosk": (1920, 1080)}
if len(sys.argv) > 1:  # e.g. `phone=320x700`: other sizes
    SIZES = {n: tuple(int(v) for v in wh.split("x")) for n, wh in (a.split("=") for a in sys.argv[1:])}


def main() -> None:
    from playwright.sync_api import sync_playwright
    out = ROOT / "dist" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    url, httpd = serve_dir(ROOT)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for scheme in ("light", "dark"):
            for name, (w, h) in SIZES.items():
                ctx = browser.new_context(viewport={"width": w, "height": h}, color_scheme=scheme,
                                          device_scale_factor=1)
                page = ctx.new_page()
                kiosk = "?kiosk=1" if name == "kiosk" else ""
                page.goto(url + kiosk + "#z=-5&y=1&R=8")
                page.wait_for_function("document.documentElement.dataset.state === 'ready'", timeout=90_000)
                page.click("#race")
                page.wait_for_function("document.documentElement.dataset.race === 'done'")
                # On a phone the figures are painted when scrolled near (a full-page shot does not scroll).
                page.locator("#gradPlotHost").scroll_into_view_if_needed()
                page.wait_for_function("document.documentElement.dataset.figures === 'drawn'")
                page.evaluate("window.scrollTo(0, 0)")
                path = out / f"{name}-{scheme}.png"
                page.screenshot(path=str(path), full_page=name == "phone")
                print(path)
                page.fill("#labS", "6")
                page.press("#labS", "Enter")
                page.click("#labRun")
                page.click("#labRun")
                page.wait_for_function("document.documentElement.dataset.lab === 'done'")
                path = out / f"{name}-{scheme}-lab.png"
                page.locator("#lab").screenshot(path=str(path))
                print(path)
                # the depth panel, loaded on demand, after a course; your own loss with its derivation
                page.locator("#deep").scroll_into_view_if_needed()
                page.wait_for_function("document.documentElement.dataset.deepPanel === 'ready'")
                page.click("#deepRun")
                page.click("#deepRun")
                page.wait_for_function("document.documentElement.dataset.deep === 'done'", timeout=120_000)
                path = out / f"{name}-{scheme}-deep.png"
                page.locator("#deep").screenshot(path=str(path))
                print(path)
                page.select_option("#lossPreset", "cross-entropy after a second sigmoid (the bug)")
                page.wait_for_function("document.getElementById('ownDeriv').dataset.state === 'ready'",
                                       timeout=120_000)
                page.locator("#ownLoss").scroll_into_view_if_needed()
                path = out / f"{name}-{scheme}-own.png"
                page.screenshot(path=str(path))
                print(path)
                # the three-class panel: a confidently wrong example, then a course from s = 8
                page.locator("#softmax").scroll_into_view_if_needed()
                page.wait_for_function("document.documentElement.dataset.softmaxPanel === 'ready'")
                page.click("a[href='#sz1=0&sz2=10&sz3=0&sy=1']")
                page.fill("#smS", "8")
                page.press("#smS", "Enter")
                page.click("#smRun")
                page.click("#smRun")
                page.wait_for_function("document.documentElement.dataset.softmax === 'done'", timeout=120_000)
                path = out / f"{name}-{scheme}-softmax.png"
                page.locator("#softmax").screenshot(path=str(path))
                print(path)
                ctx.close()
        browser.close()
    httpd.shutdown()


if __name__ == "__main__":
    main()
