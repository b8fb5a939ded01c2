// Python's worker, its files: what it was handed, so that it need not ask the
// network. Its fetch answers the runtime's requests for them from memory: the
// packs (from disk and in the single file), the bytes the page fetched
// (served), the files that follow the start message, and those fetched ahead
// of Pyodide's own request. Any other request goes to the network.
//
// On the page this file only defines explorerPyFilesInstall (the workers are
// made from its text: runtime.js, workerSource); in a worker it installs
// itself at once.
"use strict";
self.explorerPyFilesInstall = function (scope) {
  "use strict";
  const S = scope.explorerSnapshot; // installed first (snapshot.js): its byte helpers
  const TYPES = { wasm: "application/wasm", json: "application/json", zip: "application/zip", whl: "application/zip",
    js: "text/javascript", mjs: "text/javascript" };
  const typeOf = (path) => TYPES[path.split(".").pop()] || "application/octet-stream";
  const bare = (url) => url.split(/[?#]/)[0];

  // URL (no query) → () => Promise of [bytes, type].
  const answered = new Map();
  const realFetch = scope.fetch.bind(scope);
  scope.fetch = function (input, init) {
    const hit = answered.get(bare(String(typeof input === "string" || input instanceof URL ? input : input.url)));
    if (!hit) return realFetch(input, init);
    return hit().then(([bytes, type]) => new Response(bytes, { status: 200, headers: { "Content-Type": type } }));
  };
  const answer = (url, get) => answered.set(bare(url), get);
  const has = (url) => answered.has(bare(url));
  // Bytes already here (an ArrayBuffer or a view), answered as they are.
  const give = (url, bytes) => answer(url, () => Promise.resolve([new Uint8Array(bytes), typeOf(url)]));

  // A pack (base64, gzipped or not; or bytes another worker had): a function giving its bytes,
  // decoded when first asked for.
  function unpack(pack) {
    if (pack.bytes) return () => Promise.resolve(new Uint8Array(pack.bytes));
    let done = null;
    return () => (done ||= (async () => {
      const raw = S.fromBase64(pack.data);
      pack.data = null; // the decoded bytes are all we keep
      return pack.gz ? S.inflate(raw) : raw;
    })());
  }

  // Packs keyed "assets/vendor/pyodide/<file>", answered at indexURL + <file>.
  const unpacked = {}; // pack path → its bytes function
  function answerPacks(packs, indexURL) {
    for (const [path, pack] of Object.entries(packs || {})) {
      const file = path.slice(path.lastIndexOf("/") + 1);
      const bytes = unpacked[path] = unpack(pack);
      answer(indexURL + file, () => bytes().then((b) => [b, typeOf(file)]));
    }
  }
  const packed = (path) => unpacked[path]; // its bytes function, if this worker was handed it

  // Files the page sends after its start message (served: numpy's wheel): a
  // request for one waits for it; arrived() takes the page's "file" message.
  const pending = new Map(); // URL → {resolve, reject}
  function expect(urls) {
    for (const url of urls || []) {
      const got = new Promise((resolve, reject) => pending.set(bare(url), { resolve, reject }));
      got.catch(() => {}); // Pyodide's own request for it reports a failure
      answer(url, () => got);
    }
  }
  function arrived(d) {
    const wait = pending.get(bare(d.url));
    if (wait) (d.error ? wait.reject(new Error(d.error)) : wait.resolve([new Uint8Array(d.bytes), typeOf(d.url)]));
  }

  // A file fetched ahead of Pyodide's own request for it (which then gets it).
  function prefetch(url) {
    if (has(url)) return Promise.resolve();
    const got = realFetch(url).then(async (r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status} for ${url}`);
      return [new Uint8Array(await r.arrayBuffer()), typeOf(url)];
    });
    got.catch(() => answered.delete(bare(url))); // Pyodide's own fetch then reports it
    answer(url, () => got);
    return got.then(() => {}, () => {});
  }

  scope.explorerPyFiles = { TYPES, typeOf, realFetch, answer, has, give, unpack, answerPacks, packed, expect, arrived,
    prefetch };
};
if (typeof document === "undefined" && !self.explorerPyFiles) self.explorerPyFilesInstall(self);
