import { Random } from '../../util/random';
import { checkLevel, checkResamples, percentileInterval } from '../bootstrap';
import { checkFeatureRows, checkSameFeatureCount, FeatureRows, selectFeatureRows } from './feature-rows';
import { frechetDistancesToReference, statisticsUnchecked } from './frechet-distance';

/** A point value with its percentile bootstrap interval. */
export interface IntervalEstimate {
  value: number;
  lower: number;
  upper: number;
  level: number;
  resamples: number;
}

export interface FrechetBootstrapOptions {
  resamples: number;
  /** Confidence level of the percentile intervals, in (0, 1). */
  level: number;
  /** Source of the resampled rows; it advances by one draw per row of every set and resample. */
  rng: Random;
  /** Called after each resample with the number done so far. */
  onResample?: (done: number) => void;
}

/**
 * Computes FID(reference, other) for each set in `others`, each with a percentile bootstrap
 * interval. Each resample redraws every set with replacement at its own size, the reference
 * first and then `others` in order. All FIDs of one resample share the reference resample,
 * so their intervals are paired.
 *
 * NOTE: a resample repeats rows, so it has fewer distinct images than the set, and FID grows as
 * the sample shrinks. The intervals therefore tend to sit above the point value, and at small
 * sizes they can exclude it. Compare FIDs of sets of equal size.
 */
export function bootstrapFrechetDistances(
  reference: FeatureRows,
  others: readonly FeatureRows[],
  options: FrechetBootstrapOptions,
): IntervalEstimate[] {
  checkFeatureRows('bootstrapFrechetDistances', 'reference', reference, 2);
  others.forEach((rows, i) => {
    checkFeatureRows('bootstrapFrechetDistances', `others[${i}]`, rows, 2);
    checkSameFeatureCount('bootstrapFrechetDistances', ['reference', reference], [`others[${i}]`, rows]);
  });
  checkResamples('bootstrapFrechetDistances', options.resamples);
  checkLevel('bootstrapFrechetDistances', options.level);

  const pointValues = frechetDistancesToReference(statisticsUnchecked(reference), others.map(statisticsUnchecked));
  const resampled = others.map(() => new Float64Array(options.resamples));
  for (let r = 0; r < options.resamples; r++) {
    const referenceStatistics = statisticsUnchecked(selectFeatureRows(reference, drawWithReplacement(options.rng, reference.count)));
    const otherStatistics = others.map((rows) => statisticsUnchecked(selectFeatureRows(rows, drawWithReplacement(options.rng, rows.count))));
    const distances = frechetDistancesToReference(referenceStatistics, otherStatistics);
    distances.forEach((distance, i) => (resampled[i][r] = distance));
    options.onResample?.(r + 1);
  }

  return pointValues.map((value, i) => {
    const { lower, upper, level } = percentileInterval(resampled[i], options.level);
    return { value, lower, upper, level, resamples: options.resamples };
  });
}

/** `n` row indices drawn uniformly with replacement from 0 … n − 1. */
function drawWithReplacement(rng: Random, n: number): Int32Array {
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = rng.int(n);
  return rows;
}
