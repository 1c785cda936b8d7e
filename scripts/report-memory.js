'use strict';
// Preload that prints the peak memory of a Node.js process when it exits, for any medsynth
// command, e.g. the quickstart experiment:
//   NODE_OPTIONS="--require ./scripts/report-memory.js" npm start
// Every Node.js process started with it prints one line to stderr: the npm process itself as
// well as `node bin/medsynth.js`. Peak resident memory is process.resourceUsage().maxRSS. The
// wasm heap is the linear memory of the TensorFlow.js wasm backend, which grows and never
// shrinks, so its size at exit is its peak.

const MIB = 1024 * 1024;

/** Size in bytes of the wasm backend's memory when this process loaded TensorFlow.js and uses wasm, else null. */
function wasmHeapBytes() {
  const loaded = Object.keys(require.cache).find((file) => /[\\/]@tensorflow[\\/]tfjs-core[\\/]dist[\\/]tf-core\.node\.js$/.test(file));
  if (loaded === undefined) return null;
  const tf = require.cache[loaded].exports;
  if (tf.getBackend() !== 'wasm') return null;
  const heap = tf.backend().wasm?.HEAPU8;
  return heap === undefined ? null : heap.buffer.byteLength;
}

process.on('exit', (code) => {
  const maxRssMiB = (process.resourceUsage().maxRSS * 1024) / MIB;
  let heap = null;
  try {
    heap = wasmHeapBytes();
  } catch (err) {
    process.stderr.write(`report-memory: could not read the wasm heap size: ${err.message}\n`);
  }
  const command = process.argv.slice(1).map((arg) => arg.replace(process.cwd() + '/', '')).join(' ');
  const wasm = heap === null ? '' : `, wasm heap ${(heap / MIB).toFixed(0)} MiB`;
  process.stderr.write(`report-memory: pid ${process.pid} (${command}) exit ${code}: peak resident memory ${maxRssMiB.toFixed(0)} MiB${wasm}\n`);
});
