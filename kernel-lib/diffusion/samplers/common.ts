import * as tf from '@tensorflow/tfjs';
import { log } from '../../util/log';
import type { Random } from '../../util/random';
import { checkPredictionType, NoiseLevel, PredictionType } from '../parameterization';
import type { NoiseSchedule } from '../schedules';
import { checkNumInferenceSteps, checkTimestepSpacing, makeTimesteps, TimestepSpacing } from '../timesteps';
import type { Denoiser, SamplerProgressCallback } from '../types';

/** Options shared by every sampler. */
export interface SamplerOptions {
  schedule: NoiseSchedule;
  denoiser: Denoiser;
  /** Shape of the result, `[batch, ...sampleShape]`. */
  shape: number[];
  /** Passed to the denoiser unchanged at every step (`batch` rows first), or null. */
  condition: tf.Tensor | null;
  numInferenceSteps: number;
  /** One of TIMESTEP_SPACINGS; default 'trailing' for a zero-terminal-SNR schedule, else 'leading'. */
  timestepSpacing?: string;
  /** One of PREDICTION_TYPES, as the denoiser was trained (default 'epsilon'). */
  predictionType?: string;
  /** Source of the initial noise (unless `xT` is given) and of the noise of stochastic steps. */
  rng: Random;
  /** Starting sample x_T of shape `shape`, used instead of noise drawn from `rng`; not disposed. */
  xT?: tf.Tensor;
  /** DDIM only: 0 is deterministic DDIM, 1 has the DDPM posterior variance (default 0). */
  eta?: number;
  /** Clip each x_0 estimate to [-clipSample, clipSample]; null turns clipping off (default). */
  clipSample?: number | null;
  onProgress?: SamplerProgressCallback;
}

/** Validated options with defaults filled in. */
export interface SamplingRun {
  caller: string;
  schedule: NoiseSchedule;
  denoiser: Denoiser;
  shape: number[];
  batch: number;
  condition: tf.Tensor | null;
  timesteps: Int32Array;
  timestepSpacing: TimestepSpacing;
  predictionType: PredictionType;
  rng: Random;
  xT: tf.Tensor | null;
  clipSample: number | null;
  onProgress: SamplerProgressCallback | null;
}

/** Validates the shared options once, at the sampler's entry; `caller` starts every message. */
export function prepareSampling(caller: string, options: SamplerOptions): SamplingRun {
  if (options === null || typeof options !== 'object') {
    throw new Error(`${caller}: expected an options object, got ${String(options)}`);
  }
  const { schedule, denoiser, shape, numInferenceSteps, rng } = options;
  if (!schedule || !(schedule.alphasCumprod instanceof Float64Array)) {
    throw new Error(`${caller}: \`schedule\` must be a NoiseSchedule from makeNoiseSchedule`);
  }
  if (typeof denoiser !== 'function') {
    throw new Error(`${caller}: \`denoiser\` must be a function, got ${typeof denoiser}`);
  }
  if (!Array.isArray(shape) || shape.length < 1 || !shape.every((size) => Number.isInteger(size) && size > 0)) {
    throw new Error(`${caller}: \`shape\` must be [batch, ...sampleShape] of positive integers, got ${JSON.stringify(shape)}`);
  }
  const batch = shape[0];

  const condition = options.condition ?? null;
  if (condition !== null && (!(condition instanceof tf.Tensor) || condition.rank < 1 || condition.shape[0] !== batch)) {
    const got = condition instanceof tf.Tensor ? `shape [${condition.shape}]` : String(condition);
    throw new Error(`${caller}: \`condition\` must be null or a tensor of ${batch} rows (the batch), got ${got}`);
  }

  checkNumInferenceSteps(caller, numInferenceSteps, schedule.numTrainTimesteps);
  const timestepSpacing = options.timestepSpacing ?? (schedule.zeroTerminalSnr ? 'trailing' : 'leading');
  checkTimestepSpacing(caller, timestepSpacing);
  const predictionType = options.predictionType ?? 'epsilon';
  checkPredictionType(caller, predictionType);

  if (!rng || typeof rng.normalArray !== 'function') {
    throw new Error(`${caller}: \`rng\` must be a Random from kernel-lib/util/random`);
  }
  const xT = options.xT ?? null;
  if (xT !== null && (!(xT instanceof tf.Tensor) || !sameShape(xT.shape, shape))) {
    const got = xT instanceof tf.Tensor ? `shape [${xT.shape}]` : String(xT);
    throw new Error(`${caller}: \`xT\` must be a tensor of shape [${shape}], got ${got}`);
  }
  const clipSample = options.clipSample ?? null;
  if (clipSample !== null && !(Number.isFinite(clipSample) && clipSample > 0)) {
    throw new Error(`${caller}: \`clipSample\` must be null or a positive finite number, got ${clipSample}`);
  }
  const onProgress = options.onProgress ?? null;
  if (onProgress !== null && typeof onProgress !== 'function') {
    throw new Error(`${caller}: \`onProgress\` must be a function, got ${typeof onProgress}`);
  }

  const timesteps = makeTimesteps(schedule.numTrainTimesteps, numInferenceSteps, timestepSpacing);
  if (predictionType === 'epsilon' && schedule.alphasCumprod[timesteps[0]] === 0) {
    throw new Error(
      `${caller}: timestep ${timesteps[0]} has alphaBar = 0 (zero terminal SNR), where an epsilon ` +
        "prediction cannot recover x_0; use predictionType 'v_prediction' or the 'leading' spacing",
    );
  }

  return {
    caller,
    schedule,
    denoiser,
    shape: shape.slice(),
    batch,
    condition,
    timesteps,
    timestepSpacing,
    predictionType,
    rng,
    xT,
    clipSample,
    onProgress,
  };
}

/** Logs once that an option has no effect on this sampler. */
export function warnUnusedEta(caller: string, eta: number | undefined): void {
  if (eta !== undefined && eta !== 0) {
    log.warnOnce(`${caller}:eta`, `${caller}: \`eta\` applies to the ddim sampler only and is ignored, got ${eta}`);
  }
}

/** x_T: a copy of `xT` when given (so the loop may dispose it), else standard normal noise from `rng`. */
export function initialSample(run: SamplingRun): tf.Tensor {
  if (run.xT !== null) return tf.clone(run.xT);
  return standardNormal(run.rng, run.shape);
}

/** Standard normal tensor of `shape`, drawn from `rng` so the same seed gives the same numbers. */
export function standardNormal(rng: Random, shape: number[]): tf.Tensor {
  const size = shape.reduce((product, dim) => product * dim, 1);
  return tf.tensor(rng.normalArray(size), shape, 'float32');
}

/** alphaBar of the timestep that step `i` lands on: the next visited timestep, or 1 after the last step. */
export function previousAlphaBar(run: SamplingRun, i: number): number {
  return i + 1 < run.timesteps.length ? run.schedule.alphasCumprod[run.timesteps[i + 1]] : 1;
}

/** alpha = sqrt(alphaBar) and sigma = sqrt(1 - alphaBar) of one alphaBar. */
export function levelOf(alphaBar: number): NoiseLevel {
  return { alpha: Math.sqrt(alphaBar), sigma: Math.sqrt(1 - alphaBar) };
}

/** Calls the denoiser on the whole batch at timestep `t` and checks the shape of its output. */
export function evaluateDenoiser(run: SamplingRun, x: tf.Tensor, t: number): tf.Tensor {
  const timesteps = tf.tensor1d(new Int32Array(run.batch).fill(t), 'int32');
  const output = run.denoiser(x, timesteps, run.condition);
  if (!(output instanceof tf.Tensor) || !sameShape(output.shape, x.shape)) {
    const got = output instanceof tf.Tensor ? `shape [${output.shape}]` : String(output);
    throw new Error(`${run.caller}: the denoiser must return a tensor of shape [${x.shape}], got ${got}`);
  }
  return output;
}

/** Clips an x_0 estimate to [-clipSample, clipSample] when clipping is on. */
export function maybeClip(run: SamplingRun, x0: tf.Tensor): tf.Tensor {
  return run.clipSample === null ? x0 : tf.clipByValue(x0, -run.clipSample, run.clipSample);
}

/**
 * Runs `step(x, i)` for every inference step, disposing each replaced sample, and reports progress.
 * `step` returns the next sample as a new tensor; the last one is returned. Disposes the current
 * sample if a step throws.
 */
export function runSamplingLoop(run: SamplingRun, step: (x: tf.Tensor, i: number) => tf.Tensor): tf.Tensor {
  const total = run.timesteps.length;
  const start = performance.now();
  let x = initialSample(run);
  try {
    for (let i = 0; i < total; i++) {
      const next = step(x, i);
      x.dispose();
      x = next;
      if (run.onProgress !== null) {
        const elapsed = performance.now() - start;
        run.onProgress({ step: i + 1, total, timestep: run.timesteps[i], msPerStep: elapsed / (i + 1) });
      }
    }
  } catch (error) {
    x.dispose();
    throw error;
  }
  return x;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}
