/**
 * Precision-recall curve and average precision (AUPRC) of a binary classifier.
 *
 * labels: `[numExamples]`, 0 (negative) or 1 (positive). scores: `[numExamples]`, any finite
 * numbers where higher means more likely positive. Equal scores share one threshold.
 */
import { MetricResult, ThresholdCounts, thresholdCounts } from './roc';
import { checkBinaryInput } from './validate';

/** Precision-recall points, `[numThresholds]` each, from the highest threshold to the lowest. */
export interface PrecisionRecallCurve {
  /** tp / (tp + fp) at each threshold, always defined because each threshold predicts at least one example positive. */
  precision: Float64Array;
  /** tp / positives at each threshold, or NaN throughout without positive examples. */
  recall: Float64Array;
  /** Distinct scores in decreasing order: score >= threshold is predicted positive. */
  thresholds: Float64Array;
}

/**
 * Computes precision and recall at every distinct score. Unlike scikit-learn's
 * `precision_recall_curve`, points run from the highest threshold down and no final point
 * (precision 1, recall 0) is appended.
 */
export function precisionRecallCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): PrecisionRecallCurve {
  checkBinaryInput('precisionRecallCurve', labels, scores);
  return precisionRecallCurveFromCounts(thresholdCounts(labels, scores));
}

/** Computes the precision-recall curve from counts made by `thresholdCounts`. */
export function precisionRecallCurveFromCounts(counts: ThresholdCounts): PrecisionRecallCurve {
  const numThresholds = counts.thresholds.length;
  const precision = new Float64Array(numThresholds);
  const recall = new Float64Array(numThresholds);
  for (let i = 0; i < numThresholds; i++) {
    const tp = counts.truePositives[i];
    precision[i] = tp / (tp + counts.falsePositives[i]);
    recall[i] = counts.positives === 0 ? NaN : tp / counts.positives;
  }
  return { precision, recall, thresholds: Float64Array.from(counts.thresholds) };
}

/**
 * Computes average precision as scikit-learn's `average_precision_score` does:
 *   AP = sum_n (R_n - R_{n-1}) P_n,  R_0 = 0,
 * over the distinct thresholds in decreasing score order, where P_n and R_n are precision and
 * recall at the n-th threshold. This step sum does not interpolate, so it is not the trapezoidal
 * area under the curve. Without positive examples, AP is undefined: value NaN and a reason
 * (scikit-learn has returned NaN, 0 or -0.0 there, depending on its version). With positives
 * only, every precision is 1, so AP is 1.
 */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): MetricResult {
  checkBinaryInput('averagePrecision', labels, scores);
  return averagePrecisionFromCounts(thresholdCounts(labels, scores));
}

/** Computes average precision from counts made by `thresholdCounts`. */
export function averagePrecisionFromCounts(counts: ThresholdCounts): MetricResult {
  if (counts.positives === 0) {
    return { value: NaN, reason: `no positive examples (${counts.negatives} negatives, 0 positives)` };
  }
  let sum = 0;
  let previousRecall = 0;
  for (let i = 0; i < counts.thresholds.length; i++) {
    const tp = counts.truePositives[i];
    const recall = tp / counts.positives;
    const precision = tp / (tp + counts.falsePositives[i]);
    sum += (recall - previousRecall) * precision;
    previousRecall = recall;
  }
  return { value: sum, reason: null };
}
