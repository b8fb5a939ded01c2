# Entry point run by PyScript: load numpy from the vendored lock, then hand
# over to the app. Stages are reported to the page's progress bar.
import js

try:
    js.explorerBoot.stage("packages")
    import pyodide_js
    from pyodide.ffi import create_proxy

    await pyodide_js.loadPackage("numpy")  # noqa: F704 (PyScript allows top-level await)
    js.explorerBoot.stage("app")
    from explorer import app

    await app.start()  # noqa: F704
    # For the benchmarks' memory figures (wasm memory is invisible from JS otherwise).
    js.explorerBoot.wasmBytes = create_proxy(lambda: pyodide_js._module.HEAP8.length)
    js.explorerBoot.ready()
except Exception as exc:  # the page shows a clear panel instead of a traceback
    js.console.warn(f"explorer failed to start: {exc!r}")
    js.explorerBoot.fail(f"The app could not start ({type(exc).__name__}: {exc}).")
