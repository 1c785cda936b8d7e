import * as tf from '@tensorflow/tfjs';
import { predictOriginalSample } from '../parameterization';
import {
  evaluateDenoiser,
  levelOf,
  maybeClip,
  prepareSampling,
  previousAlphaBar,
  runSamplingLoop,
  SamplerOptions,
  standardNormal,
  warnUnusedEta,
} from './common';

/**
 * Samples with DDPM ancestral sampling (Ho et al. 2020, "Denoising Diffusion Probabilistic
 * Models"), generalised to skipped timesteps: a step from t to the next visited timestep s uses
 * beta = 1 - alphaBar_t / alphaBar_s, and draws from the posterior q(x_s | x_t, x_0) with x_0
 * estimated by the denoiser (eq. 6 and 7 with alphaBar_s in place of alphaBar_{t-1}). The step
 * after the last visited timestep goes to alphaBar = 1, where the posterior is the x_0 estimate
 * itself with variance 0. Returns the sample `[batch, ...sampleShape]`; every intermediate tensor
 * is disposed.
 */
export function sampleDdpm(options: SamplerOptions): tf.Tensor {
  const run = prepareSampling('sampleDdpm', options);
  warnUnusedEta('sampleDdpm', options.eta);

  return runSamplingLoop(run, (x, i) => {
    const t = run.timesteps[i];
    const alphaBar = run.schedule.alphasCumprod[t];
    const alphaBarPrev = previousAlphaBar(run, i);
    const alphaStep = alphaBar / alphaBarPrev;
    const betaStep = 1 - alphaStep;

    // 1. Posterior mean coefficients (eq. 7):
    //    mu = sqrt(alphaBar_s) beta / (1 - alphaBar_t) x_0 + sqrt(alpha) (1 - alphaBar_s) / (1 - alphaBar_t) x_t.
    const x0Coefficient = (Math.sqrt(alphaBarPrev) * betaStep) / (1 - alphaBar);
    const xtCoefficient = (Math.sqrt(alphaStep) * (1 - alphaBarPrev)) / (1 - alphaBar);
    // 2. Posterior variance (eq. 7): beta~ = (1 - alphaBar_s) / (1 - alphaBar_t) beta; 0 at the last step.
    const variance = ((1 - alphaBarPrev) / (1 - alphaBar)) * betaStep;

    return tf.tidy(() => {
      const output = evaluateDenoiser(run, x, t);

      // 3. Predicted x_0, clipped if requested.
      const x0 = maybeClip(run, predictOriginalSample(levelOf(alphaBar), x, output, run.predictionType));

      // 4. x_s = mu + sqrt(beta~) z.
      const mean = tf.add(tf.mul(x0, x0Coefficient), tf.mul(x, xtCoefficient));
      if (variance <= 0) return mean;
      return tf.add(mean, tf.mul(standardNormal(run.rng, run.shape), Math.sqrt(variance)));
    });
  });
}
