"""What the tools, the tests and the benchmarks share, importing none of them:
where the project is, the app's Python sources, the static server, and the
Chromium every one of them drives."""
from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The Python the page runs (its two workers' entry points and the app): its files in baked.js and in the snapshot (figures are built at bake time only).
BROWSER_SOURCES = ("py/main.py", "py/deriver.py", *sorted(
    p.relative_to(ROOT).as_posix() for p in (ROOT / "py" / "explorer").rglob("*.py")
    if "figures" not in p.relative_to(ROOT / "py" / "explorer").parts))


def app_sources() -> dict[str, str]:
    return {p: (ROOT / p).read_text() for p in BROWSER_SOURCES}


CHROMIUM = os.environ.get("EXPLORER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run",
    # Every host but loopback is unresolvable: a request elsewhere fails
    # loudly instead of silently working on a connected machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
                      ".toml": "text/plain", ".py": "text/plain", ".whl": "application/zip"}

    def log_message(self, fmt, *args):  # quiet: one line per error only
        if args and str(args[1]).startswith(("4", "5")):
            super().log_message(fmt, *args)


def make_server(port: int, root: Path = ROOT) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(Handler, directory=str(root))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve_dir(root: Path):
    """Start the project's own static server on a free port, in a thread; returns (url, server)."""
    httpd = make_server(0, root)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/", httpd
