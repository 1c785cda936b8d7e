/**
 * Calibration of predicted probabilities of the positive class: reliability bins, expected
 * calibration error (ECE) and Brier score.
 *
 * labels: `[numExamples]`, 0 (negative) or 1 (positive). probabilities: `[numExamples]`, the
 * predicted probability of the positive class, finite and in [0, 1].
 *
 * Bins are B equal-width intervals of [0, 1]: bin k contains p in [k/B, (k+1)/B), and p = 1 falls in
 * the last bin, so every probability lands in exactly one bin.
 */
import { checkBinaryInput } from './validate';

/** Number of equal-width bins used when none is given. */
export const DEFAULT_CALIBRATION_BINS = 15;

/** One bin of a reliability diagram. */
export interface ReliabilityBin {
  /** Lower edge k/B, included. */
  lower: number;
  /** Upper edge (k+1)/B, excluded except for the last bin, whose upper edge 1 is included. */
  upper: number;
  /** Number of examples in the bin. */
  count: number;
  /** Mean predicted probability in the bin, or NaN when the bin is empty. */
  meanPredicted: number;
  /** Fraction of positive labels in the bin, or NaN when the bin is empty. */
  fractionPositive: number;
}

/** Returns the bin of probability `p` among `numBins` equal-width bins of [0, 1]. */
export function calibrationBinIndex(p: number, numBins: number): number {
  let k = Math.min(Math.floor(p * numBins), numBins - 1);
  // p * numBins can round across an edge. The loops settle k so that k / numBins <= p < (k + 1) / numBins
  // is true for the same float edges that reliabilityDiagram reports.
  while (k > 0 && p < k / numBins) k--;
  while (k < numBins - 1 && p >= (k + 1) / numBins) k++;
  return k;
}

/** Computes per-bin counts, mean predicted probability and fraction of positives. */
export function reliabilityDiagram(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  numBins: number = DEFAULT_CALIBRATION_BINS,
): ReliabilityBin[] {
  checkCalibrationInput('reliabilityDiagram', labels, probabilities, numBins);
  const sums = binSums(labels, probabilities, numBins);
  const bins: ReliabilityBin[] = [];
  for (let k = 0; k < numBins; k++) {
    const count = sums.counts[k];
    bins.push({
      lower: k / numBins,
      upper: (k + 1) / numBins,
      count,
      meanPredicted: count === 0 ? NaN : sums.predicted[k] / count,
      fractionPositive: count === 0 ? NaN : sums.positives[k] / count,
    });
  }
  return bins;
}

/**
 * Computes the expected calibration error over `numBins` equal-width bins (default 15):
 *   ECE = sum_k (n_k / N) |mean(p in bin k) - mean(y in bin k)| = sum_k |sum p_k - sum y_k| / N.
 * Empty bins contribute 0. The value depends on the number of bins, so report it with B.
 */
export function expectedCalibrationError(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  numBins: number = DEFAULT_CALIBRATION_BINS,
): number {
  checkCalibrationInput('expectedCalibrationError', labels, probabilities, numBins);
  const sums = binSums(labels, probabilities, numBins);
  let total = 0;
  for (let k = 0; k < numBins; k++) total += Math.abs(sums.predicted[k] - sums.positives[k]);
  return total / labels.length;
}

/** Computes the Brier score, mean (p - y)^2, in [0, 1], where lower is better. */
export function brierScore(labels: ArrayLike<number>, probabilities: ArrayLike<number>): number {
  checkBinaryInput('brierScore', labels, probabilities, { probabilities: true, scoresName: 'probabilities' });
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const error = probabilities[i] - labels[i];
    sum += error * error;
  }
  return sum / labels.length;
}

interface BinSums {
  /** Examples per bin, `[numBins]`. */
  counts: Float64Array;
  /** Sum of predicted probabilities per bin, `[numBins]`. */
  predicted: Float64Array;
  /** Number of positive labels per bin, `[numBins]`. */
  positives: Float64Array;
}

function binSums(labels: ArrayLike<number>, probabilities: ArrayLike<number>, numBins: number): BinSums {
  const sums: BinSums = {
    counts: new Float64Array(numBins),
    predicted: new Float64Array(numBins),
    positives: new Float64Array(numBins),
  };
  for (let i = 0; i < labels.length; i++) {
    const k = calibrationBinIndex(probabilities[i], numBins);
    sums.counts[k] += 1;
    sums.predicted[k] += probabilities[i];
    sums.positives[k] += labels[i];
  }
  return sums;
}

function checkCalibrationInput(
  functionName: string,
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  numBins: number,
): void {
  checkBinaryInput(functionName, labels, probabilities, { probabilities: true, scoresName: 'probabilities' });
  if (!Number.isInteger(numBins) || numBins < 1) {
    throw new Error(`${functionName}: \`numBins\` must be an integer >= 1, got ${numBins}`);
  }
}
