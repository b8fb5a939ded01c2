# The derivation's own worker (issue 29): a second Python, started by
# assets/app/derive.js on a learner's first own loss and never at boot, that
# only runs SymPy. It has a worker of its own so that the page can stop it:
# past its time budget derive.js terminates it, and the next loss starts a
# fresh one. Python's main worker (py/main.py) never waits for it.
# pyworker.js booted Pyodide here (no snapshot, no numpy) and runs this file.
import js
from pyodide.ffi import create_proxy, to_js

W = js.explorerWorker
NEEDED = ("py/explorer/__init__.py", "py/explorer/ownloss.py", "py/explorer/derive.py")
SYMPY = ["mpmath", "sympy"]


def _answer(event) -> None:
    d = event.data
    if getattr(d, "x", None) != "derive":
        return
    reply = {"x": "derived", "id": d.id}
    try:
        text, mathml = derive.derivative(ownloss.parse(str(d.loss)), int(d.y))
    except derive.TooSlow as exc:
        reply.update(kind="too-slow", why=str(exc))
    except derive.TooLong as exc:
        reply.update(kind="too-long", why=str(exc))
    except ownloss.LossError as exc:  # the main worker sends only checked losses; a bug, said plainly
        reply.update(kind="too-long", why=f"not a loss of the grammar ({exc})")
    except Exception as exc:  # noqa: BLE001 (SymPy failing on some input: said, and the worker lives on)
        reply.update(kind="too-long", why=f"SymPy could not derive it here ({type(exc).__name__})")
    else:
        reply.update(kind="ready", text=text, mathml=mathml)
    W.port().postMessage(to_js(reply, dict_converter=js.Object.fromEntries))


try:
    from pathlib import Path

    import pyodide_js

    files = W.appFiles().to_py()
    for name in NEEDED:
        path = Path(name.removeprefix("py/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[name])
    await W.provide(to_js(SYMPY))  # noqa: F704 (top-level await: the script runs asynchronously)
    await pyodide_js.loadPackage(to_js(SYMPY))  # noqa: F704
    from explorer import derive, ownloss

    # SymPy's first derivation imports and caches far more than later ones: no loss is charged for it.
    derive.warm_up()
except Exception as exc:  # noqa: BLE001 (a copy without SymPy, an offline CDN fork: the page says why)
    W.fail(f"{type(exc).__name__}: {exc}")
else:
    _PROXY = create_proxy(_answer)
    W.port().addEventListener("message", _PROXY)
    W.mark("explorer:sympy-ready")
    W.port().postMessage(to_js({"x": "ready"}, dict_converter=js.Object.fromEntries))
