/**
 * Noise schedules of discrete-time diffusion, computed once in float64.
 *
 * Forward process (Ho et al. 2020, "Denoising Diffusion Probabilistic Models", eq. 4):
 *   x_t = sqrt(alphaBar_t) * x_0 + sqrt(1 - alphaBar_t) * eps,  alphaBar_t = prod_{s<=t} (1 - beta_s),
 * with t = 0 … numTrainTimesteps - 1 (index 0 is the first noising step).
 */
export const BETA_SCHEDULES = ['linear', 'scaled_linear', 'cosine'] as const;
export type BetaSchedule = (typeof BETA_SCHEDULES)[number];

export interface NoiseSchedule {
  numTrainTimesteps: number;
  betaSchedule: BetaSchedule;
  /** beta_t, `[numTrainTimesteps]`. */
  betas: Float64Array;
  /** alpha_t = 1 - beta_t. */
  alphas: Float64Array;
  /** alphaBar_t = prod_{s<=t} alpha_s, strictly decreasing. */
  alphasCumprod: Float64Array;
  /** sqrt(alphaBar_t): the signal coefficient. */
  sqrtAlphasCumprod: Float64Array;
  /** sqrt(1 - alphaBar_t): the noise coefficient. */
  sqrtOneMinusAlphasCumprod: Float64Array;
  /** Whether the schedule was rescaled so that alphaBar at the last timestep is exactly 0. */
  zeroTerminalSnr: boolean;
}

export interface NoiseScheduleOptions {
  /** Number of training timesteps T (default 1000). */
  numTrainTimesteps?: number;
  /** One of BETA_SCHEDULES (default 'linear'). */
  betaSchedule?: string;
  /** First beta of the linear and scaled_linear schedules (default 1e-4). */
  betaStart?: number;
  /** Last beta of the linear and scaled_linear schedules (default 0.02). */
  betaEnd?: number;
  /** Rescale so the last timestep carries no signal (default false). */
  zeroTerminalSnr?: boolean;
}

/** Offset s of the cosine schedule, which keeps beta_0 from being vanishingly small. */
const COSINE_OFFSET = 0.008;
/** Largest beta of the cosine schedule, which avoids a singularity near t = T. */
const COSINE_MAX_BETA = 0.999;

/**
 * Builds a noise schedule of `numTrainTimesteps` betas and the coefficients derived from them.
 *
 * - linear: betas evenly spaced from betaStart to betaEnd (Ho et al. 2020).
 * - scaled_linear: square roots evenly spaced, then squared (the Stable Diffusion schedule).
 * - cosine: alphaBar(t) = cos^2(((t / T + s) / (1 + s)) * pi / 2) with s = 0.008 and
 *   beta_t = min(1 - alphaBar(t + 1) / alphaBar(t), 0.999) (Nichol and Dhariwal 2021, eq. 17).
 *   betaStart and betaEnd are not used.
 *
 * With `zeroTerminalSnr`, sqrt(alphaBar) is shifted and scaled so the last value is exactly 0 and
 * the first is unchanged (Lin et al. 2024, "Common Diffusion Noise Schedules and Sample Steps are
 * Flawed", Algorithm 1); such a schedule needs v-prediction to sample from the last timestep.
 */
export function makeNoiseSchedule(options: NoiseScheduleOptions = {}): NoiseSchedule {
  const numTrainTimesteps = options.numTrainTimesteps ?? 1000;
  const betaSchedule = options.betaSchedule ?? 'linear';
  const betaStart = options.betaStart ?? 1e-4;
  const betaEnd = options.betaEnd ?? 0.02;
  const zeroTerminalSnr = options.zeroTerminalSnr ?? false;

  if (!(BETA_SCHEDULES as readonly string[]).includes(betaSchedule)) {
    throw new Error(
      `makeNoiseSchedule: unknown \`betaSchedule\` '${betaSchedule}'; use one of ${BETA_SCHEDULES.join(', ')}`,
    );
  }
  if (!Number.isInteger(numTrainTimesteps) || numTrainTimesteps < 2) {
    throw new Error(`makeNoiseSchedule: \`numTrainTimesteps\` must be an integer >= 2, got ${numTrainTimesteps}`);
  }
  if (!(betaStart > 0 && betaStart < betaEnd && betaEnd < 1)) {
    throw new Error(
      `makeNoiseSchedule: betas must satisfy 0 < betaStart < betaEnd < 1, got betaStart ${betaStart} and betaEnd ${betaEnd}`,
    );
  }
  if (typeof zeroTerminalSnr !== 'boolean') {
    throw new Error(`makeNoiseSchedule: \`zeroTerminalSnr\` must be a boolean, got ${String(zeroTerminalSnr)}`);
  }

  const schedule = betaSchedule as BetaSchedule;
  let betas: Float64Array;
  if (schedule === 'linear') {
    betas = linspace(betaStart, betaEnd, numTrainTimesteps);
  } else if (schedule === 'scaled_linear') {
    betas = linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), numTrainTimesteps).map((root) => root * root);
  } else {
    betas = cosineBetas(numTrainTimesteps);
  }

  let alphasCumprod = cumulativeProduct(betas.map((beta) => 1 - beta));
  if (zeroTerminalSnr) {
    alphasCumprod = rescaleToZeroTerminalSnr(alphasCumprod);
    betas = betasFromAlphasCumprod(alphasCumprod);
  }

  return {
    numTrainTimesteps,
    betaSchedule: schedule,
    betas,
    alphas: betas.map((beta) => 1 - beta),
    alphasCumprod,
    sqrtAlphasCumprod: alphasCumprod.map(Math.sqrt),
    sqrtOneMinusAlphasCumprod: alphasCumprod.map((alphaBar) => Math.sqrt(1 - alphaBar)),
    zeroTerminalSnr,
  };
}

/** `count` evenly spaced values with both endpoints exact, like numpy.linspace. */
function linspace(start: number, stop: number, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const fraction = i / (count - 1);
    out[i] = (1 - fraction) * start + fraction * stop;
  }
  return out;
}

function cosineBetas(numTrainTimesteps: number): Float64Array {
  const alphaBar = (t: number): number => {
    const angle = ((t / numTrainTimesteps + COSINE_OFFSET) / (1 + COSINE_OFFSET)) * (Math.PI / 2);
    return Math.cos(angle) ** 2;
  };
  const betas = new Float64Array(numTrainTimesteps);
  for (let t = 0; t < numTrainTimesteps; t++) {
    betas[t] = Math.min(1 - alphaBar(t + 1) / alphaBar(t), COSINE_MAX_BETA);
  }
  return betas;
}

function cumulativeProduct(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  let product = 1;
  for (let i = 0; i < values.length; i++) {
    product *= values[i];
    out[i] = product;
  }
  return out;
}

/**
 * Lin et al. 2024, Algorithm 1: sqrtAbar' = sqrtAbar_0 * (sqrtAbar - sqrtAbar_last) / (sqrtAbar_0 - sqrtAbar_last).
 * Written in this order, the first value maps to itself and the last to 0, both exactly.
 */
function rescaleToZeroTerminalSnr(alphasCumprod: Float64Array): Float64Array {
  const roots = alphasCumprod.map(Math.sqrt);
  const first = roots[0];
  const last = roots[roots.length - 1];
  return roots.map((root) => {
    const rescaled = first * ((root - last) / (first - last));
    return rescaled * rescaled;
  });
}

/** beta_0 = 1 - alphaBar_0 and beta_t = 1 - alphaBar_t / alphaBar_{t-1}; the last beta is 1 at zero terminal SNR. */
function betasFromAlphasCumprod(alphasCumprod: Float64Array): Float64Array {
  return alphasCumprod.map((alphaBar, t) => 1 - (t === 0 ? alphaBar : alphaBar / alphasCumprod[t - 1]));
}
