import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../kernel-lib/backend/select';

/** The backend a benchmark runs on, for its output line. */
export interface BenchBackend {
  /** A name of selectBackend (`node-gpu`, `node`, `wasm`, `cpu`) or `webgpu`. */
  name: string;
  wasmThreads?: number;
  /** Releases what keeps the process alive (the Dawn instance of `webgpu`); call it after the last output. */
  close(): void;
}

/**
 * Starts the backend `name` for a benchmark: any choice of selectBackend, or `webgpu`, which
 * runs `@tensorflow/tfjs-backend-webgpu` on the Dawn WebGPU implementation of the `webgpu` npm
 * package. Neither package is a dependency of medsynth. Throws, naming the missing package,
 * when one is not installed.
 */
export async function startBenchBackend(name: string | undefined): Promise<BenchBackend> {
  if (name !== 'webgpu') {
    const info = await selectBackend({ backend: name });
    return { name: info.name, wasmThreads: info.wasmThreads, close: () => undefined };
  }

  // NOTE: written from the two packages' documented usage; no machine with both installed has run it yet.
  let dawn: { create(flags: string[]): unknown; globals: Record<string, unknown> };
  try {
    dawn = require('webgpu');
  } catch {
    throw new Error("startBenchBackend: backend 'webgpu' needs the npm package 'webgpu' (Dawn for Node.js), which is not installed; install it as the README's section GPU shows");
  }
  try {
    require('@tensorflow/tfjs-backend-webgpu');
  } catch {
    throw new Error("startBenchBackend: backend 'webgpu' needs the npm package '@tensorflow/tfjs-backend-webgpu', which is not installed; install it as the README's section GPU shows");
  }
  // tfjs-backend-webgpu looks for navigator.gpu, as in a browser.
  Object.assign(globalThis, dawn.globals);
  (globalThis as Record<string, unknown>).navigator = { gpu: dawn.create([]) };
  if (!(await tf.setBackend('webgpu'))) throw new Error('startBenchBackend: the webgpu backend did not start; check that Dawn finds a GPU adapter');
  await tf.ready();
  return {
    name: 'webgpu',
    // Dawn keeps the process alive while navigator.gpu is referenced.
    close: () => delete (globalThis as Record<string, unknown>).navigator,
  };
}
