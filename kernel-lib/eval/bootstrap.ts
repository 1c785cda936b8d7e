/**
 * Seeded percentile bootstrap for confidence intervals of test-set metrics.
 *
 * The index sets are drawn once by `bootstrapIndices` and passed to every evaluation, so several
 * arms (classifiers scored on the same test examples) are judged on identical resamples. Their
 * differences are then paired: resampling noise shared by both arms cancels.
 *
 * Interval: the percentile method. For level 0.95 the bounds are the 2.5th and 97.5th
 * percentiles of the resampled metric values, with numpy's default linear interpolation between
 * order statistics. It needs no normal approximation, but it does not correct for bias or skew.
 */
import { Random } from '../util/random';
import { BinaryMetric, checkArrayLike, checkBinaryInput } from './validate';

/** Number of bootstrap resamples used when none is given. */
export const DEFAULT_RESAMPLES = 1000;
/** Confidence level of intervals when none is given. */
export const DEFAULT_CONFIDENCE_LEVEL = 0.95;

/**
 * Draws `resamples` index sets, each `n` indices in [0, n) drawn uniformly with replacement.
 * Returns `[resamples][n]`, views of one buffer. Same generator state, same sets.
 */
export function bootstrapIndices(n: number, resamples: number, rng: Random): Int32Array[] {
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`bootstrapIndices: \`n\` must be an integer >= 1 (the number of test examples), got ${n}`);
  }
  checkResamples('bootstrapIndices', resamples);
  if (!(rng instanceof Random)) {
    throw new Error('bootstrapIndices: `rng` must be a Random from kernel-lib/util/random, for example new Random(seed)');
  }
  const buffer = new Int32Array(resamples * n);
  for (let j = 0; j < buffer.length; j++) buffer[j] = rng.int(n);
  const sets: Int32Array[] = [];
  for (let r = 0; r < resamples; r++) sets.push(buffer.subarray(r * n, (r + 1) * n));
  return sets;
}

/** A percentile interval over resampled values. */
export interface PercentileInterval {
  /** (1 - level) / 2 quantile of the non-NaN values, or NaN when every value is NaN. */
  lower: number;
  /** 1 - (1 - level) / 2 quantile of the non-NaN values, or NaN when every value is NaN. */
  upper: number;
  level: number;
  /** Resamples whose value was not NaN, the ones the quantiles are taken over. */
  validCount: number;
  /** Resamples whose value was NaN (for example AUROC of a resample with one class), ignored. */
  nanCount: number;
}

/**
 * Computes the percentile interval of `values` at `level` (default 0.95), ignoring NaN values
 * and reporting how many there were. Quantile q of the m sorted values x_0 … x_{m-1} is
 * x_i + (h - i)(x_{i+1} - x_i) with h = (m - 1) q and i = floor(h), numpy's default "linear" method.
 */
export function percentileInterval(values: ArrayLike<number>, level: number = DEFAULT_CONFIDENCE_LEVEL): PercentileInterval {
  checkArrayLike('percentileInterval', 'values', values);
  checkLevel('percentileInterval', level);
  const valid: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) valid.push(values[i]);
  const nanCount = values.length - valid.length;
  if (valid.length === 0) return { lower: NaN, upper: NaN, level, validCount: 0, nanCount };

  const sorted = Float64Array.from(valid).sort();
  const tail = (1 - level) / 2;
  return {
    lower: linearQuantile(sorted, tail),
    upper: linearQuantile(sorted, 1 - tail),
    level,
    validCount: valid.length,
    nanCount,
  };
}

function linearQuantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const i = Math.floor(h);
  const next = Math.min(i + 1, sorted.length - 1);
  return sorted[i] + (h - i) * (sorted[next] - sorted[i]);
}

/** Labels and scores of one arm on the test set, `[numExamples]` each. */
export interface BinaryData {
  labels: ArrayLike<number>;
  scores: ArrayLike<number>;
}

/** A point estimate with its percentile interval and the value on every resample. */
export interface BootstrapEstimate extends PercentileInterval {
  /** The metric on the full test set (for a difference: arm minus reference). */
  value: number;
  /** The metric on each resample, `[resamples]`, or NaN where undefined. */
  resampleValues: Float64Array;
}

/**
 * Evaluates `metric` on the full data and on each index set of `indices` (from
 * `bootstrapIndices`), and returns the point value with its percentile interval.
 */
export function bootstrapMetric(
  data: BinaryData,
  metric: BinaryMetric,
  indices: readonly Int32Array[],
  level: number = DEFAULT_CONFIDENCE_LEVEL,
): BootstrapEstimate {
  checkBootstrapInput('bootstrapMetric', data, metric, indices, level);
  const value = metric(Float64Array.from(data.labels), Float64Array.from(data.scores));
  const resampleValues = new Float64Array(indices.length);
  for (let r = 0; r < indices.length; r++) {
    const labels = gather(data.labels, indices[r]);
    resampleValues[r] = metric(labels, gather(data.scores, indices[r]));
  }
  return { value, resampleValues, ...percentileInterval(resampleValues, level) };
}

/**
 * Estimates metric(arm) - metric(reference) with a paired percentile interval: both arms are
 * evaluated on the same index sets, and the interval is taken over the per-resample differences.
 * Both arms must be scored on the same test examples, so their labels must be identical.
 * A resample where either metric is NaN gives a NaN difference, counted in `nanCount`.
 */
export function bootstrapDifference(
  reference: BinaryData,
  arm: BinaryData,
  metric: BinaryMetric,
  indices: readonly Int32Array[],
  level: number = DEFAULT_CONFIDENCE_LEVEL,
): BootstrapEstimate {
  checkBootstrapInput('bootstrapDifference', reference, metric, indices, level);
  checkBinaryInput('bootstrapDifference', arm.labels, arm.scores);
  checkSameLabels('bootstrapDifference', reference.labels, arm.labels);

  const labels = Float64Array.from(reference.labels);
  const value = metric(labels, Float64Array.from(arm.scores)) - metric(labels, Float64Array.from(reference.scores));
  const resampleValues = new Float64Array(indices.length);
  for (let r = 0; r < indices.length; r++) {
    const resampledLabels = gather(labels, indices[r]);
    const armValue = metric(resampledLabels, gather(arm.scores, indices[r]));
    const referenceValue = metric(resampledLabels, gather(reference.scores, indices[r]));
    resampleValues[r] = armValue - referenceValue;
  }
  return { value, resampleValues, ...percentileInterval(resampleValues, level) };
}

/** Copies source[index[j]] for each j into a new array, `[index.length]`. */
export function gather(source: ArrayLike<number>, index: ArrayLike<number>): Float64Array {
  const out = new Float64Array(index.length);
  for (let j = 0; j < index.length; j++) out[j] = source[index[j]];
  return out;
}

/** Throws unless both arms have the same labels, so that their resamples are paired. */
export function checkSameLabels(functionName: string, reference: ArrayLike<number>, arm: ArrayLike<number>): void {
  if (reference.length !== arm.length) {
    throw new Error(
      `${functionName}: arms must be scored on the same test examples, got ${reference.length} reference labels and ${arm.length} arm labels`,
    );
  }
  for (let i = 0; i < reference.length; i++) {
    if (reference[i] !== arm[i]) {
      throw new Error(
        `${functionName}: arms must be scored on the same test examples in the same order, but labels differ at index ${i} (reference ${reference[i]}, arm ${arm[i]})`,
      );
    }
  }
}

/** Throws unless `indices` are index sets of the data's length with entries in [0, n). */
export function checkIndexSets(functionName: string, indices: readonly Int32Array[], n: number): void {
  if (!Array.isArray(indices) || indices.length === 0) {
    throw new Error(`${functionName}: \`indices\` must be a non-empty array of index sets from bootstrapIndices`);
  }
  for (let r = 0; r < indices.length; r++) {
    const set = indices[r];
    if (set.length !== n) {
      throw new Error(`${functionName}: index set ${r} has ${set.length} indices but the data has ${n} examples; draw them with bootstrapIndices(${n}, ...)`);
    }
    for (let j = 0; j < set.length; j++) {
      if (!Number.isInteger(set[j]) || set[j] < 0 || set[j] >= n) {
        throw new Error(`${functionName}: index set ${r} has index ${set[j]} at position ${j}, outside [0, ${n - 1}]`);
      }
    }
  }
}

/** Throws unless `resamples` is an integer >= 1. */
export function checkResamples(functionName: string, resamples: number): void {
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new Error(`${functionName}: \`resamples\` must be an integer >= 1 (default ${DEFAULT_RESAMPLES}), got ${resamples}`);
  }
}

/** Throws unless `level` is a number in (0, 1). */
export function checkLevel(functionName: string, level: number): void {
  if (typeof level !== 'number' || !(level > 0 && level < 1)) {
    throw new Error(`${functionName}: \`level\` must be a number in (0, 1) such as 0.95, got ${level}`);
  }
}

function checkBootstrapInput(
  functionName: string,
  data: BinaryData,
  metric: BinaryMetric,
  indices: readonly Int32Array[],
  level: number,
): void {
  checkBinaryInput(functionName, data.labels, data.scores);
  if (typeof metric !== 'function') {
    throw new Error(`${functionName}: \`metric\` must be a function (labels, scores) => number, got ${typeof metric}`);
  }
  checkIndexSets(functionName, indices, data.labels.length);
  checkLevel(functionName, level);
}
