import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs';
import { NoiseSchedule } from '../../diffusion/schedules';
import { ParamSpec, countParams, sizeOf } from '../../nets/params';
import { log } from '../../util/log';
import { TrainingBatch } from '../diffusion-trainer';
import { NetworkDescription, buildNetwork } from '../network-description';
import {
  COMMAND,
  COMMAND_STEP,
  COMMAND_STOP,
  Conditioning,
  GradientWorkerData,
  REQUEST,
  RESPONSE,
  RESPONSE_FAILED,
  WorkerBuffers,
  allocateWorkerBuffers,
  readErrorText,
} from './protocol';
import { ShardRange, combineShardGradients, shardRanges, sliceBatch } from './shards';

export interface GradientWorkerPoolOptions {
  network: NetworkDescription;
  numWorkers: number;
  batchSize: number;
  /** Shape of one sample, e.g. [height, width, 1]. */
  sampleShape: number[];
  conditioning: Conditioning;
  /** Length of a context vector; 0 unless conditioning is `contexts`. */
  contextDim?: number;
  schedule: NoiseSchedule;
  predictionType: string;
  /** medsynth backend name each worker starts, e.g. `wasm` (see selectBackend). */
  backend: string;
  /** Maximum wait for the workers to start, in milliseconds (default 120,000). */
  startTimeoutMs?: number;
}

const WORKER_FILE = path.join(__dirname, 'gradient-worker.js');

/**
 * Worker threads that each hold a copy of a network on their own backend and compute the
 * gradient of a fixed shard of every batch (data-parallel training). The calls are
 * synchronous: the main thread blocks in Atomics.wait while the workers run, so a
 * training loop written for one thread keeps its shape.
 *
 * Errors thrown in a worker and process.exit inside it are reported as errors that name the worker.
 * NOTE: a worker thread killed without running its exit handlers (for example when V8 runs
 * out of heap) leaves `computeGradients` waiting, because nothing signals its death.
 */
export class GradientWorkerPool {
  readonly ranges: ShardRange[];
  readonly paramSpecs: ParamSpec[];
  readonly numParameters: number;
  private readonly workers: Worker[] = [];
  private readonly buffers: WorkerBuffers[] = [];
  private readonly weights: Float32Array;
  private readonly combined: Float32Array;
  private readonly conditioning: Conditioning;
  private request = 0;
  private disposed = false;
  private failure: string | null = null;

  /** Starts the workers and waits until every one has its backend and network ready. */
  constructor(options: GradientWorkerPoolOptions) {
    const { numWorkers, batchSize, sampleShape, conditioning } = options;
    const contextDim = options.contextDim ?? 0;
    if (!Number.isInteger(numWorkers) || numWorkers < 1 || numWorkers > batchSize) {
      throw new Error(`GradientWorkerPool: numWorkers must be an integer from 1 to the batch size (${batchSize}), got ${numWorkers}`);
    }
    if (conditioning === 'contexts' && !(Number.isInteger(contextDim) && contextDim >= 1)) {
      throw new Error(`GradientWorkerPool: context conditioning needs contextDim >= 1, got ${contextDim}`);
    }
    if (!fs.existsSync(WORKER_FILE)) {
      throw new Error(`GradientWorkerPool: worker script ${WORKER_FILE} is missing; build the project with 'npx tsc -p .' and run the compiled code`);
    }
    if (numWorkers > os.cpus().length) {
      log.warnOnce('gradient-workers-cores', `${numWorkers} gradient workers on ${os.cpus().length} cores; workers beyond the core count cannot run at the same time`);
    }
    this.paramSpecs = buildNetwork(options.network).paramSpecs;
    this.numParameters = countParams(this.paramSpecs);
    this.ranges = shardRanges(batchSize, numWorkers);
    this.conditioning = conditioning;
    const weightBuffer = new SharedArrayBuffer(this.numParameters * 4);
    this.weights = new Float32Array(weightBuffer);
    this.combined = new Float32Array(this.numParameters);
    const sampleSize = sizeOf(sampleShape);

    try {
      this.ranges.forEach((range, index) => {
        const shardSize = range.end - range.start;
        const buffers = allocateWorkerBuffers(weightBuffer, this.numParameters, shardSize, sampleSize, conditioning, contextDim);
        const workerData: GradientWorkerData = {
          index,
          network: options.network,
          backend: options.backend,
          schedule: options.schedule,
          predictionType: options.predictionType,
          shardSize,
          sampleShape,
          conditioning,
          contextDim,
          logLevel: process.env.MEDSYNTH_LOG_LEVEL === 'debug' ? 'debug' : 'warn',
          buffers,
        };
        const worker = new Worker(WORKER_FILE, { workerData });
        // The worker reports its own failures through shared memory; this keeps an
        // uncaught 'error' event from ending the process and records it for the message.
        worker.on('error', (err) => {
          log.debug(`gradient worker ${index}: ${err.message}`);
        });
        worker.unref();
        this.workers.push(worker);
        this.buffers.push(buffers);
      });
      const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
      for (let k = 0; k < this.workers.length; k++) this.waitFor(k, 0, 'start', deadline);
    } catch (err) {
      this.dispose();
      throw err;
    }
    log.debug(`gradient workers: ${numWorkers} on ${options.backend}, shards ${this.ranges.map((r) => r.end - r.start).join(' + ')} rows`);
  }

  /** Copies the current value of every parameter (by spec name) into the weights the workers read. */
  setWeights(params: Map<string, tf.Tensor>): void {
    let offset = 0;
    for (const spec of this.paramSpecs) {
      const value = params.get(spec.name);
      if (!value || value.shape.join() !== spec.shape.join()) {
        throw new Error(`GradientWorkerPool.setWeights: parameter '${spec.name}' ${value ? `has shape [${value.shape}], expected [${spec.shape}]` : 'is missing'}`);
      }
      this.weights.set(value.dataSync() as Float32Array, offset);
      offset += sizeOf(spec.shape);
    }
  }

  /**
   * Splits `batch` into the workers' shards, waits for their gradients and returns the
   * batch's mean loss and gradient, flat in spec order. The next call reuses the gradient array.
   */
  computeGradients(batch: TrainingBatch): { loss: number; gradients: Float32Array } {
    if (this.disposed) throw new Error('GradientWorkerPool.computeGradients: the pool is shut down; create a new one');
    if (this.failure) throw new Error(this.failure);
    const expectedSize = this.ranges[this.ranges.length - 1].end;
    if (batch.size !== expectedSize) {
      throw new Error(`GradientWorkerPool.computeGradients: the pool was built for batches of ${expectedSize} rows, got ${batch.size}`);
    }
    const missingLabels = this.conditioning === 'labels' && batch.labels === null;
    const missingContexts = this.conditioning === 'contexts' && (batch.contexts === null || batch.dropMask === null);
    if (missingLabels || missingContexts) {
      throw new Error(`GradientWorkerPool.computeGradients: the pool was built for ${this.conditioning} conditioning, but the batch has none`);
    }

    // 1. Each worker's inputs, then the step request to all of them.
    this.request += 1;
    this.ranges.forEach((range, k) => {
      const shard = sliceBatch(batch, range);
      const buffers = this.buffers[k];
      new Float32Array(buffers.x0).set(shard.x0);
      new Float32Array(buffers.noise).set(shard.noise);
      new Int32Array(buffers.timesteps).set(shard.timesteps);
      if (shard.labels) new Int32Array(buffers.condition).set(shard.labels);
      if (this.conditioning === 'contexts') {
        new Float32Array(buffers.condition).set(shard.contexts as Float32Array);
        new Float32Array(buffers.dropMask).set(shard.dropMask as Float32Array);
      }
      const control = new Int32Array(buffers.control);
      Atomics.store(control, COMMAND, COMMAND_STEP);
      Atomics.store(control, REQUEST, this.request);
      Atomics.notify(control, REQUEST);
    });

    // 2. Wait for every worker, in order; then combine in that fixed order.
    for (let k = 0; k < this.workers.length; k++) this.waitFor(k, this.request, `step ${this.request}`, Infinity);
    const sizes = this.ranges.map((r) => r.end - r.start);
    const shardGradients = this.buffers.map((b) => new Float32Array(b.gradients));
    combineShardGradients(shardGradients, sizes, this.combined);
    let loss = 0;
    this.buffers.forEach((b, k) => {
      loss += (sizes[k] / batch.size) * new Float64Array(b.loss)[0];
    });
    return { loss, gradients: this.combined };
  }

  /** Stops every worker thread. Safe to call more than once. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.workers.forEach((worker, k) => {
      const control = new Int32Array(this.buffers[k].control);
      Atomics.store(control, COMMAND, COMMAND_STOP);
      Atomics.add(control, REQUEST, 1);
      Atomics.notify(control, REQUEST);
      void worker.terminate();
    });
  }

  /** Blocks until worker k has finished `request`. On failure it shuts the pool down and throws the worker's message. */
  private waitFor(k: number, request: number, phase: string, deadline: number): void {
    const control = new Int32Array(this.buffers[k].control);
    for (;;) {
      const response = Atomics.load(control, RESPONSE);
      if (response === request) return;
      if (response === RESPONSE_FAILED) {
        this.failure = `GradientWorkerPool: worker ${k} of ${this.workers.length} failed (${phase}): ${readErrorText(this.buffers[k])}`;
        this.dispose();
        throw new Error(this.failure);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        this.failure = `GradientWorkerPool: worker ${k} of ${this.workers.length} timed out (${phase}); check the machine's load and memory`;
        this.dispose();
        throw new Error(this.failure);
      }
      Atomics.wait(control, RESPONSE, response, Number.isFinite(remaining) ? remaining : undefined);
    }
  }
}
