/**
 * Entry point of a gradient worker thread (started by GradientWorkerPool, never imported).
 * It starts its own TensorFlow.js backend, rebuilds the network from its description, and
 * then, for each step request, loads the shared weights, computes the gradient of its
 * shard's mean loss and writes it back to shared memory.
 */
import { workerData } from 'worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../backend/select';
import { sizeOf } from '../../nets/params';
import { LOG_LEVELS, LogLevel, setLogLevel } from '../../util/log';
import { TrainingBatch, batchLossAndGradients } from '../diffusion-trainer';
import { buildNetwork } from '../network-description';
import {
  COMMAND,
  COMMAND_STOP,
  GradientWorkerData,
  REQUEST,
  RESPONSE,
  RESPONSE_FAILED,
  writeErrorText,
} from './protocol';

const data = workerData as GradientWorkerData;
const control = new Int32Array(data.buffers.control);
let finished = false;

/** Reports a failure to the main thread once; later failures (e.g. the exit that follows) keep the first message. */
function fail(message: string): void {
  if (finished) return;
  finished = true;
  writeErrorText(data.buffers, message);
  Atomics.store(control, RESPONSE, RESPONSE_FAILED);
  Atomics.notify(control, RESPONSE);
}

function respond(request: number): void {
  Atomics.store(control, RESPONSE, request);
  Atomics.notify(control, RESPONSE);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// A worker thread that exits for any reason other than a stop request (process.exit, an
// uncaught exception) still runs this handler, so the main thread is never left waiting.
process.on('exit', (code) => fail(`the worker thread exited with code ${code} before it finished`));

async function main(): Promise<void> {
  if ((LOG_LEVELS as readonly string[]).includes(data.logLevel)) setLogLevel(data.logLevel as LogLevel);

  // 1. Backend, network and variables. Initial values are overwritten before every step.
  let params: Map<string, tf.Variable>;
  let specs: ReturnType<typeof buildNetwork>['paramSpecs'];
  let network: ReturnType<typeof buildNetwork>;
  try {
    await selectBackend({ backend: data.backend });
    network = buildNetwork(data.network);
    specs = network.paramSpecs;
    params = new Map();
    for (const spec of specs) params.set(spec.name, tf.variable(tf.zeros(spec.shape), true, `worker${data.index}/${spec.name}`));
  } catch (err) {
    fail(`start-up failed: ${errorMessage(err)}`);
    return;
  }
  respond(0);

  // 2. Views on the shared inputs and outputs.
  const { buffers, shardSize, sampleShape, conditioning, contextDim } = data;
  const weights = new Float32Array(buffers.weights);
  const gradients = new Float32Array(buffers.gradients);
  const loss = new Float64Array(buffers.loss);
  const batch: TrainingBatch = {
    size: shardSize,
    sampleShape,
    x0: new Float32Array(buffers.x0),
    noise: new Float32Array(buffers.noise),
    timesteps: new Int32Array(buffers.timesteps),
    labels: conditioning === 'labels' ? new Int32Array(buffers.condition) : null,
    contexts: conditioning === 'contexts' ? new Float32Array(buffers.condition) : null,
    contextDim,
    dropMask: conditioning === 'contexts' ? new Float32Array(buffers.dropMask) : null,
  };

  // 3. Step loop: wait for a request, run it, then store its number in RESPONSE.
  let seen = 0;
  for (;;) {
    Atomics.wait(control, REQUEST, seen);
    const request = Atomics.load(control, REQUEST);
    seen = request;
    if (Atomics.load(control, COMMAND) === COMMAND_STOP) {
      finished = true;
      return;
    }
    try {
      tf.tidy(() => {
        let offset = 0;
        for (const spec of specs) {
          const size = sizeOf(spec.shape);
          (params.get(spec.name) as tf.Variable).assign(tf.tensor(weights.slice(offset, offset + size), spec.shape));
          offset += size;
        }
      });
      const result = batchLossAndGradients({ schedule: data.schedule, predictionType: data.predictionType, forward: network.forward }, params, batch);
      let offset = 0;
      for (const spec of specs) {
        const grad = result.grads.get(spec.name) as tf.Tensor;
        gradients.set(grad.dataSync() as Float32Array, offset);
        offset += sizeOf(spec.shape);
      }
      tf.dispose(Array.from(result.grads.values()));
      loss[0] = result.loss;
    } catch (err) {
      fail(`step ${request} failed: ${errorMessage(err)}`);
      return;
    }
    respond(request);
  }
}

main().catch((err) => fail(errorMessage(err)));
