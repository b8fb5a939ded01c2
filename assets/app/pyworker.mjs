// PyScript's interpreter when the page is served: PyScript's worker imports
// this module in place of Pyodide's own and calls its loadPyodide, which
// boots Pyodide the way pyworker.js does everywhere (the snapshot, one
// compile of the wasm, JSPI hidden). PyScript accepts only a scheme:// URL
// for it, which boot.js gives.
import "./snapshot.js";
import "./pyworker.js";

export const version = self.explorerWorker.VERSION;
export const loadPyodide = () => self.explorerWorker.loadForPyScript();
