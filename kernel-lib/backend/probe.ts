import * as tf from '@tensorflow/tfjs';
import { UNetConfig, unetForward, unetParamSpecs } from '../nets/unet';
import { createParams, disposeParams } from '../nets/params';
import { Random } from '../util/random';

/** A network with every layer type of the U-Net, small enough to run in milliseconds. */
const PROBE_CONFIG: UNetConfig = {
  widths: [4, 8],
  numResBlocks: 1,
  embeddingDim: 8,
  numClasses: 2,
  normGroups: 4,
  midAttention: true,
  inChannels: 1,
  outChannels: 1,
};

/**
 * Runs one forward and backward pass of a tiny U-Net on the active backend. The network uses
 * every layer type of the real one (convolutions with stride 1 and 2, GroupNorm, attention,
 * upsampling, embedding lookup, padding to a multiple of 4). A kernel that training needs but
 * the backend lacks then fails at start-up, with its name, not partway through a long run.
 */
export function probeTrainingStep(): void {
  const backend = tf.getBackend();
  const rng = new Random(0);
  const params = createParams(unetParamSpecs(PROBE_CONFIG), rng);
  try {
    tf.tidy(() => {
      const x = tf.tensor4d(rng.normalArray(2 * 6 * 6), [2, 6, 6, 1]);
      const t = tf.tensor1d([1, 500], 'int32');
      const y = tf.tensor1d([0, 2], 'int32');
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.square(unetForward(PROBE_CONFIG, params, x, t, y))) as tf.Scalar,
        Array.from(params.values()),
      );
      const checks = [value, ...Object.values(grads)].map((g) => tf.all(tf.isFinite(g)).dataSync()[0]);
      if (checks.some((ok) => !ok)) throw new Error('non-finite gradients');
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const missing = /Kernel '([^']+)' not registered for backend '([^']+)'/.exec(message);
    if (missing) {
      throw new Error(
        `probeTrainingStep: backend '${backend}' has no kernel '${missing[1]}', which training needs; ` +
          'choose another backend with MEDSYNTH_BACKEND (wasm and cpu are supported)',
      );
    }
    throw new Error(`probeTrainingStep: a training step failed on backend '${backend}': ${message}`);
  } finally {
    disposeParams(params);
  }
}
