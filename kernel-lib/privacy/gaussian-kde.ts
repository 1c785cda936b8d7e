/**
 * Gaussian kernel density estimation with a diagonal bandwidth, in float64 on the CPU.
 *
 * For data y_1 … y_n in d dimensions and bandwidths h_1 … h_d,
 *   ln p(x) = logsumexp_j(−½ Σ_f ((x_f − y_jf) / h_f)²) − ln n − Σ_f ln h_f − (d/2) ln 2π.
 * The log-sum-exp keeps densities that underflow float64 (far from every data point, or in many
 * dimensions) finite in log space. Cost: O(numPoints × n × d) per call.
 */
import { log } from '../util/log';
import { RecordSet } from './records';

/** Column means and standard deviations (n − 1 denominator) of `records`, `[numFeatures]` each. */
export function columnMoments(records: RecordSet): { means: Float64Array; deviations: Float64Array } {
  const { data, numRecords, numFeatures } = records;
  const means = new Float64Array(numFeatures);
  const deviations = new Float64Array(numFeatures);
  for (let i = 0; i < numRecords; i++) {
    for (let f = 0; f < numFeatures; f++) means[f] += data[i * numFeatures + f];
  }
  for (let f = 0; f < numFeatures; f++) means[f] /= numRecords;
  for (let i = 0; i < numRecords; i++) {
    for (let f = 0; f < numFeatures; f++) {
      const centred = data[i * numFeatures + f] - means[f];
      deviations[f] += centred * centred;
    }
  }
  for (let f = 0; f < numFeatures; f++) deviations[f] = numRecords > 1 ? Math.sqrt(deviations[f] / (numRecords - 1)) : 0;
  return { means, deviations };
}

/**
 * Scott's rule per feature, h_f = s_f n^(−1/(d+4)), with s_f the feature's standard deviation.
 * scipy.stats.gaussian_kde uses the same factor n^(−1/(d+4)) on the full covariance matrix; this
 * diagonal form ignores correlations and equals scipy's in one dimension. A feature with s_f = 0
 * (constant, or a single record) would give a point mass, so it gets s_f = 1 and a warning.
 */
export function scottBandwidths(records: RecordSet, name: string): Float64Array {
  const { deviations } = columnMoments(records);
  const factor = records.numRecords ** (-1 / (records.numFeatures + 4));
  const bandwidths = new Float64Array(records.numFeatures);
  const constant: number[] = [];
  for (let f = 0; f < records.numFeatures; f++) {
    const deviation = deviations[f] > 0 ? deviations[f] : 1;
    if (!(deviations[f] > 0)) constant.push(f);
    bandwidths[f] = deviation * factor;
  }
  if (constant.length > 0) {
    log.warn(
      `scottBandwidths: ${constant.length} feature(s) of ${name} have zero spread (first: column ${constant[0]}); ` +
        'their kernel bandwidth uses standard deviation 1 instead',
    );
  }
  return bandwidths;
}

/** Returns ln p(x) for each row of `points` under the KDE of `data` with `bandwidths`, `[numPoints]`. */
export function kdeLogDensity(points: RecordSet, data: RecordSet, bandwidths: Float64Array): Float64Array {
  const d = data.numFeatures;
  const inverse = bandwidths.map((h) => 1 / h);
  let logNormaliser = Math.log(data.numRecords) + 0.5 * d * Math.log(2 * Math.PI);
  for (let f = 0; f < d; f++) logNormaliser += Math.log(bandwidths[f]);

  const result = new Float64Array(points.numRecords);
  for (let i = 0; i < points.numRecords; i++) {
    // Streaming log-sum-exp: the sum of exp(exponent − max) and the running max.
    let max = -Infinity;
    let sum = 0;
    for (let j = 0; j < data.numRecords; j++) {
      let squared = 0;
      for (let f = 0; f < d; f++) {
        const z = (points.data[i * d + f] - data.data[j * d + f]) * inverse[f];
        squared += z * z;
      }
      const exponent = -0.5 * squared;
      if (exponent > max) {
        sum = sum * Math.exp(max - exponent) + 1;
        max = exponent;
      } else {
        sum += Math.exp(exponent - max);
      }
    }
    result[i] = max + Math.log(sum) - logNormaliser;
  }
  return result;
}
