import * as tf from '@tensorflow/tfjs';
import { predictEpsilon, predictOriginalSample } from '../parameterization';
import {
  evaluateDenoiser,
  levelOf,
  maybeClip,
  prepareSampling,
  previousAlphaBar,
  runSamplingLoop,
  SamplerOptions,
  standardNormal,
} from './common';

/**
 * Samples with DDIM (Song et al. 2021, "Denoising Diffusion Implicit Models"), eq. 12 with the
 * noise level sigma_t(eta) of eq. 16. eta = 0 is deterministic given x_T; eta = 1 has the variance
 * of DDPM's posterior. The step after the last visited timestep goes to alphaBar = 1, so the last
 * step returns the x_0 estimate. Returns the sample `[batch, ...sampleShape]`; every intermediate
 * tensor is disposed.
 */
export function sampleDdim(options: SamplerOptions): tf.Tensor {
  const run = prepareSampling('sampleDdim', options);
  const eta = options.eta ?? 0;
  if (!(Number.isFinite(eta) && eta >= 0 && eta <= 1)) {
    throw new Error(`sampleDdim: \`eta\` must be in [0, 1], got ${eta}`);
  }

  return runSamplingLoop(run, (x, i) => {
    const t = run.timesteps[i];
    const alphaBar = run.schedule.alphasCumprod[t];
    const alphaBarPrev = previousAlphaBar(run, i);
    const level = levelOf(alphaBar);

    // 1. sigma_t(eta) (eq. 16), computed before the tensors so no noise is drawn when it is 0.
    const sigma = eta * Math.sqrt((1 - alphaBarPrev) / (1 - alphaBar)) * Math.sqrt(1 - alphaBar / alphaBarPrev);
    // NOTE: clamped at 0 because rounding can leave 1 - alphaBarPrev - sigma^2 a hair below 0 at eta = 1.
    const directionScale = Math.sqrt(Math.max(0, 1 - alphaBarPrev - sigma * sigma));

    return tf.tidy(() => {
      const output = evaluateDenoiser(run, x, t);

      // 2. Predicted x_0 (the bracket of eq. 12) and the noise eps_theta(x_t). With clipping,
      //    eps is recomputed from the clipped x_0 so that both describe the same x_t.
      let x0 = predictOriginalSample(level, x, output, run.predictionType);
      let eps = predictEpsilon(level, x, output, run.predictionType);
      if (run.clipSample !== null) {
        x0 = maybeClip(run, x0);
        eps = tf.div(tf.sub(x, tf.mul(x0, level.alpha)), level.sigma);
      }

      // 3. x_{t-1} = sqrt(alphaBar_{t-1}) x_0 + sqrt(1 - alphaBar_{t-1} - sigma^2) eps + sigma z (eq. 12).
      let next = tf.add(tf.mul(x0, Math.sqrt(alphaBarPrev)), tf.mul(eps, directionScale));
      if (sigma > 0) next = tf.add(next, tf.mul(standardNormal(run.rng, run.shape), sigma));
      return next;
    });
  });
}
