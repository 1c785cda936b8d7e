import * as tf from '@tensorflow/tfjs';

/** Memory use of this process so far, in MiB. */
export interface MemoryFigures {
  /** Peak resident set size of the whole process (`process.resourceUsage().maxRSS`). */
  maxRssMiB: number;
  /**
   * Size of the wasm backend's linear memory, or null on another backend. A WebAssembly memory
   * grows and never shrinks, so its current size is its peak size.
   */
  wasmHeapMiB: number | null;
  /** Bytes held by live TensorFlow.js tensors now (`tf.memory().numBytes`). */
  tensorMiB: number;
}

const MIB = 1024 * 1024;

/** Returns the memory figures of this process now, rounded to 0.1 MiB. */
export function memoryFigures(): MemoryFigures {
  const round = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;
  // maxRSS is in kibibytes (Node.js `process.resourceUsage`).
  const maxRssMiB = round(process.resourceUsage().maxRSS * 1024);
  const wasm = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm : undefined;
  const heapBytes = wasm?.HEAPU8?.buffer.byteLength;
  return { maxRssMiB, wasmHeapMiB: heapBytes === undefined ? null : round(heapBytes), tensorMiB: round(tf.memory().numBytes) };
}
