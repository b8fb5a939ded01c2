// Byte-compile a directory of Python sources with Pyodide's own CPython, so
// the .pyc files match the interpreter the page runs (the host's Python is
// another version). Run at setup time by tools/vendor.py (wheels, sourceless:
// mod.pyc beside mod.py) and tools/bytecode.py ("cached": __pycache__/ beside
// sources that will be there too):
//   node tools/pycompile.mjs <pyodide dir> <pyodide-lock.json> <source dir> <install dir> [cached]
// Unchecked-hash .pyc files do not depend on file times, so the output is the
// same on every machine and the lock can pin it.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, lockFile, srcDir, installDir, layout] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(resolve(pyodideDir, "pyodide.mjs")).href);
const py = await loadPyodide({ indexURL: resolve(pyodideDir) + "/", lockFileURL: resolve(lockFile) });
py.FS.mkdirTree("/src");
py.FS.mount(py.FS.filesystems.NODEFS, { root: resolve(srcDir) }, "/src");
py.globals.set("install_dir", installDir);
py.globals.set("legacy", layout !== "cached");
const ok = py.runPython(`
import compileall, py_compile
# legacy=True writes mod.pyc beside mod.py (the sourceless layout); ddir makes
# tracebacks name the installed path, not this temporary one.
compileall.compile_dir("/src", quiet=1, legacy=legacy, ddir=install_dir, workers=1,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
`);
if (!ok) {
  console.error("pycompile: some files did not compile");
  process.exit(1);
}
