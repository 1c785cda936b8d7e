import { NoiseSchedule } from '../../diffusion/schedules';
import { NetworkDescription } from '../network-description';

/**
 * Shared memory between the main thread and one gradient worker. The main thread and the
 * worker hand a step back and forth through the `control` words with Atomics, so neither
 * side needs its event loop and the training loop stays synchronous.
 */

/** Indices into the control words, an Int32Array of CONTROL_WORDS. */
export const REQUEST = 0;
export const RESPONSE = 1;
export const COMMAND = 2;
export const ERROR_LENGTH = 3;
export const CONTROL_WORDS = 4;

/** Commands the main thread writes to COMMAND before it increments REQUEST. */
export const COMMAND_STEP = 1;
export const COMMAND_STOP = 2;

/**
 * Values of RESPONSE besides the number of the last finished request (0 after start-up,
 * then 1, 2, … for the steps).
 */
export const RESPONSE_STARTING = -2;
export const RESPONSE_FAILED = -1;

/** Bytes kept for a worker's UTF-8 error message. */
export const ERROR_BYTES = 4096;

/** Conditioning of the network: class labels, float context vectors, or none. */
export type Conditioning = 'labels' | 'contexts' | 'none';

/** Shared buffers of one worker. Each field is a SharedArrayBuffer. */
export interface WorkerBuffers {
  control: SharedArrayBuffer;
  errorText: SharedArrayBuffer;
  /** Float32 weights of every parameter in spec order, [numParameters]; one buffer shared by all workers. */
  weights: SharedArrayBuffer;
  /** Float32 [shardSize, ...sampleShape] each. */
  x0: SharedArrayBuffer;
  noise: SharedArrayBuffer;
  /** Int32 [shardSize]. */
  timesteps: SharedArrayBuffer;
  /** Int32 [shardSize] with labels, Float32 [shardSize, contextDim] with contexts, else empty. */
  condition: SharedArrayBuffer;
  /** Float32 [shardSize] with contexts, else empty. */
  dropMask: SharedArrayBuffer;
  /** Float32 gradient of the shard's mean loss, [numParameters] in spec order. */
  gradients: SharedArrayBuffer;
  /** Float64 [1]: the shard's mean loss. */
  loss: SharedArrayBuffer;
}

/** Start-up data of one gradient worker (structured-cloned into the worker thread). */
export interface GradientWorkerData {
  index: number;
  network: NetworkDescription;
  /** medsynth backend name, e.g. `wasm`. */
  backend: string;
  schedule: NoiseSchedule;
  predictionType: string;
  shardSize: number;
  sampleShape: number[];
  conditioning: Conditioning;
  contextDim: number;
  /** Log level inside the worker. */
  logLevel: string;
  buffers: WorkerBuffers;
}

/** Allocates the buffers of one worker; `weights` is shared and passed in. */
export function allocateWorkerBuffers(
  weights: SharedArrayBuffer,
  numParameters: number,
  shardSize: number,
  sampleSize: number,
  conditioning: Conditioning,
  contextDim: number,
): WorkerBuffers {
  let conditionLength = 0;
  if (conditioning === 'labels') conditionLength = shardSize;
  if (conditioning === 'contexts') conditionLength = shardSize * contextDim;
  const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
  new Int32Array(control)[RESPONSE] = RESPONSE_STARTING;
  return {
    control,
    errorText: new SharedArrayBuffer(ERROR_BYTES),
    weights,
    x0: new SharedArrayBuffer(shardSize * sampleSize * 4),
    noise: new SharedArrayBuffer(shardSize * sampleSize * 4),
    timesteps: new SharedArrayBuffer(shardSize * 4),
    condition: new SharedArrayBuffer(conditionLength * 4),
    dropMask: new SharedArrayBuffer(conditioning === 'contexts' ? shardSize * 4 : 0),
    gradients: new SharedArrayBuffer(numParameters * 4),
    loss: new SharedArrayBuffer(8),
  };
}

/** Writes `message` as UTF-8 into the error buffer (cut to ERROR_BYTES) and its length into the control words. */
export function writeErrorText(buffers: WorkerBuffers, message: string): void {
  const bytes = new TextEncoder().encode(message).subarray(0, ERROR_BYTES);
  new Uint8Array(buffers.errorText).set(bytes);
  Atomics.store(new Int32Array(buffers.control), ERROR_LENGTH, bytes.length);
}

export function readErrorText(buffers: WorkerBuffers): string {
  const length = Atomics.load(new Int32Array(buffers.control), ERROR_LENGTH);
  // TextDecoder rejects views on shared memory, so the bytes are copied first.
  return new TextDecoder().decode(new Uint8Array(buffers.errorText).slice(0, length));
}
