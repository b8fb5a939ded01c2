# Entry point run by PyScript. boot.js hands it over as the script's text, and
# the app's modules come the same way (in baked.js): no request for Python
# source in any mode. Stages are reported to the page's progress bar.
import js

try:
    js.explorerBoot.stage("packages")
    from pathlib import Path

    import pyodide_js
    from pyodide.ffi import create_proxy

    numpy_ready = pyodide_js.loadPackage("numpy")  # the download overlaps the writes below
    for name, text in js.EXPLORER_BAKED.app_files.to_py().items():
        if name.startswith("py/explorer/"):
            path = Path(name.removeprefix("py/"))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    await numpy_ready  # noqa: F704 (PyScript allows top-level await)
    js.explorerBoot.stage("app")
    from explorer.browser import app

    await app.start()  # noqa: F704
    # For the benchmarks' memory figures (wasm memory is invisible from JS otherwise).
    js.explorerBoot.wasmBytes = create_proxy(lambda: pyodide_js._module.HEAP8.length)
    js.explorerBoot.ready()
except Exception as exc:  # the page shows a clear panel instead of a traceback
    js.console.warn(f"explorer failed to start: {exc!r}")
    js.explorerBoot.fail(f"The app could not start ({type(exc).__name__}: {exc}).")
