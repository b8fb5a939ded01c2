// PyScript's interpreter when the page is served: PyScript's worker imports
// this module in place of Pyodide's own and calls its loadPyodide, which
// boots Pyodide the way pyworker.js does everywhere (the snapshot, one
// compile of the wasm, JSPI hidden), then writes the bytecode of what PyScript
// and the app import (bytecode.mjs). PyScript accepts only a scheme:// URL
// for it, which boot.js gives.
import "./snapshot.js";
import "./pyfiles.js";
import "./pyworker.js";
import { fetchBytecode, writeBytecode } from "./bytecode.mjs";

const bytecode = self.explorerWorker.plan().then(fetchBytecode);

export const version = self.explorerWorker.VERSION;
export const loadPyodide = async () => {
  const py = await self.explorerWorker.loadForPyScript();
  const written = writeBytecode(py, await bytecode);
  self.explorerWorker.mark(written ? "explorer:bytecode-written" : "explorer:bytecode-missed");
  return py;
};
