/**
 * Fréchet distance between two sets of feature vectors, each summarised by a Gaussian
 * N(μ, Σ): the FID of Heusel et al. 2017 ("GANs trained by a two time-scale update rule
 * converge to a local Nash equilibrium") when the features come from Inception v3,
 *
 *   d² = ||μ1 − μ2||² + Tr(Σ1 + Σ2 − 2 (Σ1^½ Σ2 Σ1^½)^½).
 *
 * The trace term equals the usual Tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^½), because Σ1 Σ2 is similar to the
 * symmetric M = Σ1^½ Σ2 Σ1^½ and so has the same eigenvalues. Working with M keeps every
 * step symmetric: one eigendecomposition of Σ1 gives Σ1^½, and the eigenvalues of M, clamped
 * at 0, give Tr M^½ = Σ √λ_i. No complex square root is needed, unlike scipy's `sqrtm` of
 * the non-symmetric Σ1 Σ2. Everything is float64.
 */
import { log } from '../../util/log';
import { FeatureRows, checkFeatureRows, checkSameFeatureCount } from './feature-rows';
import { clampNegativeEigenvalues, multiplySquare, symmetricEigen, symmetricSqrt } from './symmetric-matrix';

/** Mean and covariance of a set of feature vectors. */
export interface FeatureStatistics {
  count: number;
  numFeatures: number;
  /** `[numFeatures]`. */
  mean: Float64Array;
  /** `[numFeatures, numFeatures]`, row-major, with divisor count − 1 (the unbiased estimate). */
  covariance: Float64Array;
}

/** Computes the mean and the covariance (divisor n − 1) of `rows`, in float64. Needs at least 2 rows. */
export function featureStatistics(rows: FeatureRows): FeatureStatistics {
  checkFeatureRows('featureStatistics', 'rows', rows, 2);
  return statisticsUnchecked(rows);
}

/** `featureStatistics` without input checks, for callers that checked the rows once already. */
export function statisticsUnchecked(rows: FeatureRows): FeatureStatistics {
  const { data, count, numFeatures: d } = rows;
  const mean = new Float64Array(d);
  for (let i = 0; i < count; i++) {
    for (let f = 0; f < d; f++) mean[f] += data[i * d + f];
  }
  for (let f = 0; f < d; f++) mean[f] /= count;

  // Σ = Σ_i (x_i − μ)(x_i − μ)ᵀ / (n − 1), upper triangle first, then mirrored.
  const covariance = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let i = 0; i < count; i++) {
    for (let f = 0; f < d; f++) centred[f] = data[i * d + f] - mean[f];
    for (let f = 0; f < d; f++) {
      const cf = centred[f];
      for (let g = f; g < d; g++) covariance[f * d + g] += cf * centred[g];
    }
  }
  for (let f = 0; f < d; f++) {
    for (let g = f; g < d; g++) {
      const value = covariance[f * d + g] / (count - 1);
      covariance[f * d + g] = value;
      covariance[g * d + f] = value;
    }
  }
  return { count, numFeatures: d, mean, covariance };
}

/**
 * Computes the Fréchet distance between the Gaussians of two sets of statistics (see the file
 * comment), clamped at ≥ 0 because rounding can leave a tiny negative value for equal inputs.
 */
export function frechetDistanceFromStatistics(a: FeatureStatistics, b: FeatureStatistics): number {
  return frechetDistancesToReference(a, [b])[0];
}

/**
 * Computes the Fréchet distance from `reference` to each of `others`. The distance is
 * symmetric, and putting the shared set first computes its square root Σ1^½ once for all.
 */
export function frechetDistancesToReference(reference: FeatureStatistics, others: readonly FeatureStatistics[]): number[] {
  for (const other of others) {
    if (other.numFeatures !== reference.numFeatures) {
      throw new Error(
        `frechetDistancesToReference: the statistics have ${reference.numFeatures} and ${other.numFeatures} features; compute both with the same feature extractor`,
      );
    }
  }
  const d = reference.numFeatures;
  const sqrtReference = symmetricSqrt(reference.covariance, d);
  return others.map((other) => {
    // 1. ||μ1 − μ2||².
    let meanTerm = 0;
    for (let f = 0; f < d; f++) meanTerm += (reference.mean[f] - other.mean[f]) ** 2;

    // 2. Tr Σ1 + Tr Σ2.
    let traceTerm = 0;
    for (let f = 0; f < d; f++) traceTerm += reference.covariance[f * d + f] + other.covariance[f * d + f];

    // 3. M = Σ1^½ Σ2 Σ1^½, symmetric up to rounding; its mirrored average is exactly symmetric.
    const product = multiplySquare(multiplySquare(sqrtReference, other.covariance, d), sqrtReference, d);
    for (let i = 0; i < d; i++) {
      for (let j = i + 1; j < d; j++) {
        const average = 0.5 * (product[i * d + j] + product[j * d + i]);
        product[i * d + j] = average;
        product[j * d + i] = average;
      }
    }

    // 4. Tr M^½ = Σ √λ_i(M), with rounding negatives clamped at 0.
    const { values } = symmetricEigen(product, d);
    clampNegativeEigenvalues('frechetDistance', values);
    let sqrtTrace = 0;
    for (const value of values) sqrtTrace += Math.sqrt(value);

    return Math.max(0, meanTerm + traceTerm - 2 * sqrtTrace);
  });
}

/**
 * Computes the Fréchet distance between the Gaussians fitted to two sets of feature vectors
 * (`[count, numFeatures]` each, at least 2 rows). With fewer rows than features a covariance is
 * singular (rank ≤ count − 1) and the distance is biased upward. That case logs a warning and
 * still returns a real value ≥ 0.
 */
export function frechetDistance(a: FeatureRows, b: FeatureRows): number {
  checkFeatureRows('frechetDistance', 'a', a, 2);
  checkFeatureRows('frechetDistance', 'b', b, 2);
  checkSameFeatureCount('frechetDistance', ['a', a], ['b', b]);
  warnIfFewSamples('frechetDistance', Math.min(a.count, b.count), a.numFeatures);
  return frechetDistanceFromStatistics(statisticsUnchecked(a), statisticsUnchecked(b));
}

/** Logs a warning when `count` samples are fewer than `numFeatures`, so the covariance is singular. */
export function warnIfFewSamples(caller: string, count: number, numFeatures: number): void {
  if (count >= numFeatures) return;
  log.warn(
    `${caller}: ${count} samples for ${numFeatures} features, so the covariance is singular and the distance is biased upward; ` +
      'compare only values computed with the same sample size, or use more samples than features',
  );
}
