// The memory snapshot's reader: from the file's bytes to what a restore
// needs (numpy's and the app's files, and the wasm memory image laid out at
// its addresses), in a worker of its own. The page starts it as soon as the
// snapshot's bytes are on their way, so the ~0.2 s of inflating is done
// while PyScript and Python's worker are still starting, not after
// (measured: inflating in Python's worker held its boot up by 214 ms).
// Python's worker also takes its byte helpers (base64, gzip) from here.
//
// The file (tools/snapshot.py writes it):
//   EXSNAP2\n | u32 meta length | meta (JSON) | files (gzip) | memory image (gzip, zero pages left out)
// Pyodide's image of the wasm memory after `import numpy` and the app's
// modules, packed with what the image cannot hold: numpy's and the app's
// files (the file system lives in JS) and numpy's 14 extension modules,
// which must be instantiated again, in the same order, before the runtime
// starts, so that they land at the same addresses as when it was made.
//
// On the page this file only defines explorerSnapshotReaderInstall (the
// reader's worker is made from its text); in a worker it installs itself.
"use strict";
self.explorerSnapshotReaderInstall = function (scope) {
  "use strict";
  const MAGIC = "EXSNAP2\n";

  function fromBase64(text) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
    const raw = atob(text);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  // Streams only, no Blob or Response: a file:// worker in WebKit cannot read a Blob (NotReadableError).
  function inflated(bytes) {
    const source = new ReadableStream({ start(c) { c.enqueue(bytes); c.close(); } });
    return source.pipeThrough(new DecompressionStream("gzip")).getReader();
  }

  async function inflate(bytes) {
    const reader = inflated(bytes);
    const chunks = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  }

  // The memory image, each inflated chunk written straight to its place
  // (`runs`: [offset, length] of the pages that are not all zero, in order).
  async function inflateImage(bytes, size, runs) {
    const image = new Uint8Array(size);
    const reader = inflated(bytes);
    let run = 0;
    let into = 0; // bytes of runs[run] written
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (let at = 0; at < value.length;) {
        if (run === runs.length) throw new Error("its memory image is longer than its layout");
        const [offset, length] = runs[run];
        const n = Math.min(length - into, value.length - at);
        image.set(value.subarray(at, at + n), offset + into);
        at += n;
        into += n;
        if (into === length) { run += 1; into = 0; }
      }
    }
    if (run !== runs.length) throw new Error("its memory image is shorter than its layout");
    return image;
  }

  // The file's bytes → {meta, files, memory}: memory is null in the maker's
  // parts file, which has no image yet.
  async function open(bytes) {
    if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw new Error("not an explorer snapshot");
    const metaLength = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
    const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + metaLength)));
    const body = bytes.subarray(12 + metaLength);
    const part = ([startAt, length]) => body.subarray(startAt, startAt + length);
    const [files, memory] = await Promise.all([inflate(part(meta.parts.files)),
      meta.parts.memory ? inflateImage(part(meta.parts.memory), meta.memory.size, meta.memory.runs) : null]);
    return { meta, files, memory };
  }

  // What the restore reads: a file's bytes by its meta entry, and the image.
  function view({ meta, files, memory }) {
    return { meta, file: ([, offset, size]) => files.subarray(offset, offset + size), memory: () => memory };
  }

  // The reader's worker: one request ({url} served, {bytes} from the Cache
  // API, {pack} from disk or the single file), one answer, transferred.
  function serve() {
    scope.onmessage = async (e) => {
      try {
        const s = e.data;
        let bytes;
        if (s.url) {
          const r = await scope.fetch(s.url);
          if (!r.ok) throw new Error(`HTTP ${r.status}`);
          bytes = new Uint8Array(await r.arrayBuffer());
        } else if (s.bytes) {
          bytes = new Uint8Array(s.bytes);
        } else {
          bytes = fromBase64(s.pack.data);
          if (s.pack.gz) bytes = await inflate(bytes);
        }
        const { meta, files, memory } = await open(bytes);
        scope.postMessage({ meta, files, memory }, memory ? [files.buffer, memory.buffer] : [files.buffer]);
      } catch (err) {
        scope.postMessage({ error: (err && err.message) || String(err) });
      }
      scope.close(); // one answer: done (see runtime.js, readSnapshot)
    };
  }

  scope.explorerSnapshotReader = { fromBase64, inflate, open, view, serve };
};
if (typeof document === "undefined" && !self.explorerSnapshotReader) self.explorerSnapshotReaderInstall(self);
