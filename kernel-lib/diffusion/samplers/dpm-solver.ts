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
  warnUnusedEta,
} from './common';

/**
 * Samples with DPM-Solver++(2M), the second-order multistep solver in data-prediction form
 * (Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion Probabilistic
 * Models", Algorithm 2). Deterministic given x_T: `rng` is used only for the initial noise.
 *
 * With alpha = sqrt(alphaBar), sigma = sqrt(1 - alphaBar), lambda = log(alpha / sigma) and
 * h_i = lambda_{t_i} - lambda_{t_{i-1}}, one step is
 *   x_{t_i} = (sigma_{t_i} / sigma_{t_{i-1}}) x_{t_{i-1}} - alpha_{t_i} (e^{-h_i} - 1) D_i,
 * where D_i is the current x_0 estimate (first order) or, with r_i = h_{i-1} / h_i,
 *   D_i = (1 + 1 / (2 r_i)) x0_{i-1} - (1 / (2 r_i)) x0_{i-2}  (second order).
 *
 * The first step is first order (there is no earlier estimate), and so is a step after a
 * zero-terminal-SNR start, where lambda = -inf makes h infinite. The final step goes to
 * alphaBar = 1 (sigma = 0, h = +inf), where the first-order update returns the x_0 estimate.
 * Returns the sample `[batch, ...sampleShape]`; every intermediate tensor is disposed.
 */
export function sampleDpmSolver(options: SamplerOptions): tf.Tensor {
  const run = prepareSampling('sampleDpmSolver', options);
  warnUnusedEta('sampleDpmSolver', options.eta);
  const total = run.timesteps.length;

  // Carried between steps: the previous x_0 estimate and the step size h taken after it.
  const state: { previousX0: tf.Tensor | null; previousH: number } = { previousX0: null, previousH: Number.NaN };

  try {
    return runSamplingLoop(run, (x, i) => {
      const t = run.timesteps[i];
      const current = levelOf(run.schedule.alphasCumprod[t]);
      const isLast = i === total - 1;

      // [next sample] at the last step, else [next sample, x_0 estimate kept for the next step].
      const stepResult = tf.tidy((): tf.Tensor[] => {
        const output = evaluateDenoiser(run, x, t);

        // 1. Data prediction x0_theta(x_t, t), clipped if requested.
        const x0Estimate = maybeClip(run, predictOriginalSample(current, x, output, run.predictionType));
        if (isLast) return [x0Estimate];

        // 2. Step size in log-SNR: h = lambda_next - lambda_current. lambda = -inf at alphaBar = 0.
        const target = levelOf(previousAlphaBar(run, i));
        const h = halfLogSnr(target) - halfLogSnr(current);

        // 3. D: the x_0 estimate, or its second-order extrapolation when an earlier finite step exists.
        let d = x0Estimate;
        if (state.previousX0 !== null && Number.isFinite(state.previousH)) {
          const r = state.previousH / h;
          d = tf.sub(tf.mul(x0Estimate, 1 + 1 / (2 * r)), tf.mul(state.previousX0, 1 / (2 * r)));
        }

        // 4. x_next = (sigma_next / sigma) x - alpha_next (e^{-h} - 1) D, with expm1 for accuracy at small h.
        const xNext = tf.sub(tf.mul(x, target.sigma / current.sigma), tf.mul(d, target.alpha * Math.expm1(-h)));
        state.previousH = h;
        return [xNext, x0Estimate];
      });

      state.previousX0?.dispose();
      state.previousX0 = stepResult[1] ?? null;
      return stepResult[0];
    });
  } finally {
    state.previousX0?.dispose();
  }
}

/** lambda = log(alpha / sigma), half the log signal-to-noise ratio; -inf at alpha = 0, +inf at sigma = 0. */
function halfLogSnr(level: { alpha: number; sigma: number }): number {
  return Math.log(level.alpha) - Math.log(level.sigma);
}
