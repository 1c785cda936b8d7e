/**
 * Kernel distance between two sets of feature vectors: the KID of Bińkowski et al. 2018
 * ("Demystifying MMD GANs") when the features come from Inception v3. It is the unbiased
 * estimate of the squared maximum mean discrepancy (MMD²) with the cubic polynomial kernel
 *
 *   k(x, y) = (xᵀy / d + 1)³,   d = number of features,
 *
 * on m rows X of one set and m rows Y of the other:
 *
 *   MMD²_u = Σ_{i≠j} k(x_i, x_j) / (m(m−1)) + Σ_{i≠j} k(y_i, y_j) / (m(m−1)) − 2 Σ_{i,j} k(x_i, y_j) / m².
 *
 * It is averaged over subsets of m rows drawn without replacement from each set, and reported
 * with the standard deviation over subsets (divisor numSubsets), as torch-fidelity's metric_kid.py does.
 * Unlike the Fréchet distance it is unbiased, so it can be slightly negative for sets from one
 * distribution. Such values are reported as they are.
 */
import { Random } from '../../util/random';
import { FeatureRows, checkFeatureRows, checkSameFeatureCount } from './feature-rows';

export interface KernelDistanceOptions {
  /** Subsets to average over (default 100). */
  numSubsets?: number;
  /** Rows per subset from each set (default min(1000, a.count, b.count)); at least 2. */
  subsetSize?: number;
  /** Seed of the subset draws (default 0). */
  seed?: number;
  /**
   * Largest number of kernel values kept in memory (default 2^23, 64 MiB). When the full
   * kernel matrices of both sets fit, they are computed once and every subset reads from
   * them. Otherwise each subset computes its own.
   */
  maxCachedKernelValues?: number;
}

export interface KernelDistance {
  /** Mean MMD²_u over the subsets. */
  mean: number;
  /** Standard deviation of MMD²_u over the subsets, divisor numSubsets. */
  std: number;
  numSubsets: number;
  subsetSize: number;
  /** MMD²_u of each subset, `[numSubsets]`. */
  subsetValues: Float64Array;
}

const DEFAULT_SUBSETS = 100;
const DEFAULT_MAX_SUBSET_SIZE = 1000;
const DEFAULT_MAX_CACHED_KERNEL_VALUES = 2 ** 23;

/** k(x_i, y_j) = (x_iᵀ y_j / d + 1)³ for row i of `a` and row j of `b`. */
function polynomialKernel(a: FeatureRows, i: number, b: FeatureRows, j: number): number {
  const d = a.numFeatures;
  let dot = 0;
  for (let f = 0; f < d; f++) dot += a.data[i * d + f] * b.data[j * d + f];
  const base = dot / d + 1;
  return base * base * base;
}

/** Kernel values of every row pair, `[a.count, b.count]`, row-major. */
function kernelMatrix(a: FeatureRows, b: FeatureRows): Float64Array {
  const out = new Float64Array(a.count * b.count);
  const symmetric = a === b;
  for (let i = 0; i < a.count; i++) {
    for (let j = symmetric ? i : 0; j < b.count; j++) {
      const value = polynomialKernel(a, i, b, j);
      out[i * b.count + j] = value;
      if (symmetric) out[j * b.count + i] = value;
    }
  }
  return out;
}

type KernelLookup = (i: number, j: number) => number;

/** MMD²_u of rows `x` of set A and rows `y` of set B, from kernel lookups by row index. */
function subsetMmd(x: Int32Array, y: Int32Array, kxx: KernelLookup, kyy: KernelLookup, kxy: KernelLookup): number {
  const m = x.length;
  let sumXX = 0;
  let sumYY = 0;
  let sumXY = 0;
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      sumXX += kxx(x[i], x[j]);
      sumYY += kyy(y[i], y[j]);
    }
    for (let j = 0; j < m; j++) sumXY += kxy(x[i], y[j]);
  }
  // Off-diagonal sums count each unordered pair once, hence the factor 2.
  return (2 * sumXX + 2 * sumYY) / (m * (m - 1)) - (2 * sumXY) / (m * m);
}

/**
 * Computes the kernel distance (KID) between feature sets `a` and `b` (`[count, numFeatures]`
 * each, see the file comment). Same seed and inputs, same subsets and result.
 */
export function kernelDistance(a: FeatureRows, b: FeatureRows, options: KernelDistanceOptions = {}): KernelDistance {
  checkFeatureRows('kernelDistance', 'a', a, 2);
  checkFeatureRows('kernelDistance', 'b', b, 2);
  checkSameFeatureCount('kernelDistance', ['a', a], ['b', b]);
  const numSubsets = options.numSubsets ?? DEFAULT_SUBSETS;
  const subsetSize = options.subsetSize ?? Math.min(DEFAULT_MAX_SUBSET_SIZE, a.count, b.count);
  const seed = options.seed ?? 0;
  const maxCached = options.maxCachedKernelValues ?? DEFAULT_MAX_CACHED_KERNEL_VALUES;
  if (!Number.isInteger(numSubsets) || numSubsets < 1) {
    throw new Error(`kernelDistance: \`numSubsets\` must be an integer >= 1 (default ${DEFAULT_SUBSETS}), got ${numSubsets}`);
  }
  if (!Number.isInteger(subsetSize) || subsetSize < 2 || subsetSize > Math.min(a.count, b.count)) {
    throw new Error(
      `kernelDistance: \`subsetSize\` must be an integer in [2, ${Math.min(a.count, b.count)}] (the smaller set has ${Math.min(a.count, b.count)} rows), got ${subsetSize}`,
    );
  }
  if (!Number.isInteger(seed)) throw new Error(`kernelDistance: \`seed\` must be an integer, got ${seed}`);
  if (!(maxCached >= 0)) throw new Error(`kernelDistance: \`maxCachedKernelValues\` must be >= 0, got ${maxCached}`);

  // 1. Kernel lookups: cached matrices when they fit, direct evaluation otherwise.
  let kxx: KernelLookup = (i, j) => polynomialKernel(a, i, a, j);
  let kyy: KernelLookup = (i, j) => polynomialKernel(b, i, b, j);
  let kxy: KernelLookup = (i, j) => polynomialKernel(a, i, b, j);
  const cachedValues = a.count * a.count + b.count * b.count + a.count * b.count;
  if (cachedValues <= maxCached) {
    const matrixXX = kernelMatrix(a, a);
    const matrixYY = kernelMatrix(b, b);
    const matrixXY = kernelMatrix(a, b);
    kxx = (i, j) => matrixXX[i * a.count + j];
    kyy = (i, j) => matrixYY[i * b.count + j];
    kxy = (i, j) => matrixXY[i * b.count + j];
  }

  // 2. One MMD²_u per subset, each subset drawn without replacement from each set.
  const rng = new Random(seed);
  const subsetValues = new Float64Array(numSubsets);
  for (let s = 0; s < numSubsets; s++) {
    const x = rng.permutation(a.count).subarray(0, subsetSize);
    const y = rng.permutation(b.count).subarray(0, subsetSize);
    subsetValues[s] = subsetMmd(x, y, kxx, kyy, kxy);
  }

  // 3. Mean and standard deviation over subsets.
  let mean = 0;
  for (const value of subsetValues) mean += value;
  mean /= numSubsets;
  let variance = 0;
  for (const value of subsetValues) variance += (value - mean) ** 2;
  return { mean, std: Math.sqrt(variance / numSubsets), numSubsets, subsetSize, subsetValues };
}
