# Python's entry point, in its Web Worker: PyScript runs it there when the
# page is served (assets/app/pyworker.mjs is its interpreter), and
# assets/app/pyworker.js runs it itself where PyScript's worker cannot start
# (opened from disk, the single file). The app's modules come from the page
# (baked.js) through the worker: no request for Python source in any mode.
# Stages are reported to the page's progress bar.
import js

try:  # hosted by PyScript: its worker hands every message to xworker.onmessage too; ours are read elsewhere
    from polyscript import xworker

    xworker.onmessage = lambda event: None
except ImportError:  # hosted by pyworker.js itself (from disk, the single file)
    pass

try:
    js.explorerWorker.stage("packages")
    from pathlib import Path

    import pyodide_js

    numpy_ready = pyodide_js.loadPackage("numpy")  # the download overlaps the writes below
    for name, text in js.explorerWorker.appFiles().to_py().items():
        if name.startswith("py/explorer/"):
            path = Path(name.removeprefix("py/"))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    await numpy_ready  # noqa: F704 (top-level await: the script runs asynchronously)
    js.explorerWorker.mark("explorer:numpy")
    js.explorerWorker.stage("app")
    from explorer.browser import worker

    js.explorerWorker.mark("explorer:app-imported")

    await worker.start()  # noqa: F704
except Exception as exc:  # the page shows a clear panel instead of a traceback
    js.console.warn(f"explorer failed to start: {exc!r}")
    js.explorerWorker.fail(f"The app could not start ({type(exc).__name__}: {exc}).")
