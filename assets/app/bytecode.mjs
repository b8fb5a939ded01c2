// Served: the bytecode of PyScript's `pyscript` package and of the app
// (tools/bytecode.py, made by this same CPython at setup), written into
// __pycache__/ before either is imported, so the worker compiles neither
// (measured: `ready` ~40 ms sooner in both boots; benchmarks/RESULTS.md). Never waited for: if the file is not here by the time Python is,
// Python compiles the sources as it would without it. The files are
// unchecked-hash .pyc (Python does not compare them with the sources), so the
// app's are written only when made from exactly the sources this page carries.

// Starts the download once the page has said where the file is (its start message).
export function fetchBytecode(plan) {
  const got = { made: null, appDigest: plan.appDigest };
  if (!plan.bytecode) return got;
  fetch(plan.bytecode)
    .then((r) => (r.ok ? r.arrayBuffer() : null))
    .then((buffer) => { got.made = buffer && open(buffer); }, () => {});
  return got;
}

// tools/bytecode.py's layout: the header's length (uint32 LE), the header
// (JSON), the files back to back.
function open(buffer) {
  const length = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  return { header, body: new Uint8Array(buffer, 4 + length) };
}

// How many files it wrote (0: none here yet, or none usable).
export function writeBytecode(py, got) {
  if (!got.made) return 0;
  const { header, body } = got.made;
  const app = header.app_digest === got.appDigest;
  let written = 0;
  for (const [path, part, offset, length] of header.files) {
    if (part === "app" && !app) continue;
    py.FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
    py.FS.writeFile(path, body.subarray(offset, offset + length));
    written += 1;
  }
  return written;
}
