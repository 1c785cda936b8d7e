/**
 * Threshold metrics of a binary classifier, from the confusion counts at one threshold.
 *
 * Every rate is a ratio of counts. When its denominator is 0 (for example sensitivity on a set
 * with no positive examples) the rate is NaN, never 0, so a caller tests `Number.isNaN` and
 * `binaryMetrics` names the reason. scikit-learn instead returns 0 with a warning by default
 * (`zero_division="warn"`), so NaN here can be 0 there.
 */
import { checkBinaryInput } from './validate';

/** Counts of one binary confusion matrix. */
export interface ConfusionCounts {
  /** Positive examples predicted positive. */
  tp: number;
  /** Negative examples predicted positive. */
  fp: number;
  /** Negative examples predicted negative. */
  tn: number;
  /** Positive examples predicted negative. */
  fn: number;
}

/**
 * Counts the confusion matrix when a score >= `threshold` is predicted positive.
 *
 * labels: `[numExamples]`, 0 (negative) or 1 (positive). scores: `[numExamples]`, finite.
 */
export function confusionCounts(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold: number,
): ConfusionCounts {
  checkBinaryInput('confusionCounts', labels, scores);
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new Error(`confusionCounts: \`threshold\` must be a number, got ${threshold}`);
  }
  return countAtThreshold(labels, scores, threshold);
}

/** confusionCounts without input checks, for callers that validated already. */
export function countAtThreshold(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold: number,
): ConfusionCounts {
  const counts: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const predictedPositive = scores[i] >= threshold;
    if (labels[i] === 1) {
      if (predictedPositive) counts.tp++;
      else counts.fn++;
    } else if (predictedPositive) {
      counts.fp++;
    } else {
      counts.tn++;
    }
  }
  return counts;
}

/** numerator / denominator, or NaN when the denominator is 0. */
function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? NaN : numerator / denominator;
}

/** Sensitivity (recall, true positive rate) = tp / (tp + fn), or NaN without positive examples. */
export function sensitivity(c: ConfusionCounts): number {
  return ratio(c.tp, c.tp + c.fn);
}

/** Specificity (true negative rate) = tn / (tn + fp), or NaN without negative examples. */
export function specificity(c: ConfusionCounts): number {
  return ratio(c.tn, c.tn + c.fp);
}

/** Positive predictive value (precision) = tp / (tp + fp), or NaN when nothing is predicted positive. */
export function positivePredictiveValue(c: ConfusionCounts): number {
  return ratio(c.tp, c.tp + c.fp);
}

/** Negative predictive value = tn / (tn + fn), or NaN when nothing is predicted negative. */
export function negativePredictiveValue(c: ConfusionCounts): number {
  return ratio(c.tn, c.tn + c.fn);
}

/**
 * F1 = 2 tp / (2 tp + fp + fn), the harmonic mean of PPV and sensitivity, or NaN when
 * tp + fp + fn = 0 (no positive example and none predicted positive).
 */
export function f1Score(c: ConfusionCounts): number {
  return ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
}

/** False positive rate = fp / (fp + tn) = 1 - specificity, or NaN without negative examples. */
export function falsePositiveRate(c: ConfusionCounts): number {
  return ratio(c.fp, c.fp + c.tn);
}

/** Accuracy = (tp + tn) / (tp + fp + tn + fn), or NaN for empty counts. */
export function accuracy(c: ConfusionCounts): number {
  return ratio(c.tp + c.tn, c.tp + c.fp + c.tn + c.fn);
}

/** Every threshold metric of one confusion matrix, with the reason for each NaN. */
export interface BinaryMetrics {
  sensitivity: number;
  specificity: number;
  ppv: number;
  npv: number;
  f1: number;
  fpr: number;
  accuracy: number;
  /** One line per NaN metric, such as 'sensitivity: no positive examples (tp + fn = 0)'. */
  undefinedReasons: string[];
}

/** Computes every threshold metric of `counts` and lists why any of them is NaN. */
export function binaryMetrics(counts: ConfusionCounts): BinaryMetrics {
  const metrics: BinaryMetrics = {
    sensitivity: sensitivity(counts),
    specificity: specificity(counts),
    ppv: positivePredictiveValue(counts),
    npv: negativePredictiveValue(counts),
    f1: f1Score(counts),
    fpr: falsePositiveRate(counts),
    accuracy: accuracy(counts),
    undefinedReasons: [],
  };
  const reasons: [number, string][] = [
    [metrics.sensitivity, 'sensitivity: no positive examples (tp + fn = 0)'],
    [metrics.specificity, 'specificity: no negative examples (tn + fp = 0)'],
    [metrics.ppv, 'ppv: no example predicted positive (tp + fp = 0)'],
    [metrics.npv, 'npv: no example predicted negative (tn + fn = 0)'],
    [metrics.f1, 'f1: no positive example and none predicted positive (tp + fp + fn = 0)'],
    [metrics.fpr, 'fpr: no negative examples (fp + tn = 0)'],
    [metrics.accuracy, 'accuracy: no examples'],
  ];
  for (const [value, reason] of reasons) {
    if (Number.isNaN(value)) metrics.undefinedReasons.push(reason);
  }
  return metrics;
}
