/**
 * ROC analysis of a binary classifier: cumulative counts per threshold, the ROC curve, AUROC,
 * the Youden threshold and sensitivity at a target specificity.
 *
 * labels: `[numExamples]`, 0 (negative) or 1 (positive). scores: `[numExamples]`, any finite
 * numbers where higher means more likely positive. Examples with equal scores share one
 * threshold, so ties move the curve diagonally instead of in an order-dependent staircase.
 */
import { checkBinaryInput } from './validate';

/** A metric value that may be undefined: NaN with a reason, or a number with reason null. */
export interface MetricResult {
  value: number;
  reason: string | null;
}

/** Cumulative counts at each distinct score, taken as a threshold (score >= threshold is positive). */
export interface ThresholdCounts {
  /** Distinct scores in decreasing order, `[numThresholds]`. */
  thresholds: Float64Array;
  /** Positive examples with score >= thresholds[i], `[numThresholds]`, non-decreasing. */
  truePositives: Float64Array;
  /** Negative examples with score >= thresholds[i], `[numThresholds]`, non-decreasing. */
  falsePositives: Float64Array;
  /** Number of positive examples. */
  positives: number;
  /** Number of negative examples. */
  negatives: number;
}

/** Sorts scores once and counts positives and negatives at or above each distinct score. */
export function thresholdCounts(labels: ArrayLike<number>, scores: ArrayLike<number>): ThresholdCounts {
  checkBinaryInput('thresholdCounts', labels, scores);
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);

  const thresholds: number[] = [];
  const truePositives: number[] = [];
  const falsePositives: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (labels[i] === 1) tp++;
    else fp++;
    // Emit a point only after the last example of a group of equal scores.
    const isLastOfGroup = k === n - 1 || scores[order[k + 1]] !== scores[i];
    if (isLastOfGroup) {
      thresholds.push(scores[i]);
      truePositives.push(tp);
      falsePositives.push(fp);
    }
  }
  return {
    thresholds: Float64Array.from(thresholds),
    truePositives: Float64Array.from(truePositives),
    falsePositives: Float64Array.from(falsePositives),
    positives: tp,
    negatives: fp,
  };
}

/** Returns the reason a metric that needs both classes is undefined, or null when both are present. */
export function missingClassReason(positives: number, negatives: number): string | null {
  if (positives === 0 && negatives === 0) return 'no examples';
  if (positives === 0) return `only negative examples (${negatives} negatives, 0 positives)`;
  if (negatives === 0) return `only positive examples (${positives} positives, 0 negatives)`;
  return null;
}

/** ROC curve points, `[numThresholds + 1]` each, from the strictest threshold to the loosest. */
export interface RocCurve {
  /** False positive rate fp / negatives, or NaN throughout without negative examples. */
  fpr: Float64Array;
  /** True positive rate tp / positives, or NaN throughout without positive examples. */
  tpr: Float64Array;
  /** thresholds[0] = +Infinity (nothing predicted positive), then the distinct scores, decreasing. */
  thresholds: Float64Array;
}

/**
 * Computes the ROC curve with one point per distinct score plus the start point (0, 0) at
 * threshold +Infinity, like scikit-learn's `roc_curve(..., drop_intermediate=False)`. Recent
 * scikit-learn versions also put +Infinity there, but older ones used max(score) + 1.
 */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): RocCurve {
  checkBinaryInput('rocCurve', labels, scores);
  return rocCurveFromCounts(thresholdCounts(labels, scores));
}

/** Computes the ROC curve from counts made by `thresholdCounts`. */
export function rocCurveFromCounts(counts: ThresholdCounts): RocCurve {
  const numPoints = counts.thresholds.length + 1;
  const fpr = new Float64Array(numPoints);
  const tpr = new Float64Array(numPoints);
  const thresholds = new Float64Array(numPoints);
  thresholds[0] = Infinity;
  fpr[0] = counts.negatives === 0 ? NaN : 0;
  tpr[0] = counts.positives === 0 ? NaN : 0;
  for (let i = 1; i < numPoints; i++) {
    thresholds[i] = counts.thresholds[i - 1];
    fpr[i] = counts.negatives === 0 ? NaN : counts.falsePositives[i - 1] / counts.negatives;
    tpr[i] = counts.positives === 0 ? NaN : counts.truePositives[i - 1] / counts.positives;
  }
  return { fpr, tpr, thresholds };
}

/**
 * Computes the area under the ROC curve as the Mann-Whitney statistic:
 *   AUROC = U / (positives * negatives),
 *   U = #{(positive, negative) pairs with score_pos > score_neg} + 1/2 #{pairs with equal scores}.
 * It equals the trapezoidal area under `rocCurve` and scikit-learn's `roc_auc_score`. With one
 * class only, AUROC is undefined: value NaN and a reason.
 */
export function auroc(labels: ArrayLike<number>, scores: ArrayLike<number>): MetricResult {
  checkBinaryInput('auroc', labels, scores);
  return aurocFromCounts(thresholdCounts(labels, scores));
}

/** Computes AUROC (Mann-Whitney, ties count 1/2) from counts made by `thresholdCounts`. */
export function aurocFromCounts(counts: ThresholdCounts): MetricResult {
  const reason = missingClassReason(counts.positives, counts.negatives);
  if (reason !== null) return { value: NaN, reason };

  // Walk the score groups from the highest score down. Each positive of a group beats the
  // negatives of every lower group and ties with the negatives of its own group.
  let pairsWon = 0;
  let previousTp = 0;
  let previousFp = 0;
  for (let i = 0; i < counts.thresholds.length; i++) {
    const groupPositives = counts.truePositives[i] - previousTp;
    const groupNegatives = counts.falsePositives[i] - previousFp;
    const negativesBelow = counts.negatives - counts.falsePositives[i];
    pairsWon += groupPositives * (negativesBelow + 0.5 * groupNegatives);
    previousTp = counts.truePositives[i];
    previousFp = counts.falsePositives[i];
  }
  return { value: pairsWon / (counts.positives * counts.negatives), reason: null };
}

/** An operating point chosen by Youden's J. */
export interface YoudenPoint {
  /** Predict positive when score >= threshold. */
  threshold: number;
  sensitivity: number;
  specificity: number;
  /** J = sensitivity + specificity - 1, in [0, 1] at the chosen point. */
  youdenIndex: number;
}

/**
 * Chooses the threshold that maximises Youden's J = sensitivity + specificity - 1 over the
 * distinct scores. Ties go to the highest threshold (the first maximum from the strict end, as
 * `argmax(tpr - fpr)` over scikit-learn's `roc_curve` picks).
 *
 * Contract: choose the threshold on a validation split and apply it unchanged to the test split
 * (`confusionCounts`, `evaluateBinary`). Choosing it on the test split fits the threshold to the
 * data it is judged on and biases test sensitivity and specificity upwards.
 *
 * Throws when the labels hold one class only, because J is then undefined.
 */
export function youdenThreshold(labels: ArrayLike<number>, scores: ArrayLike<number>): YoudenPoint {
  checkBinaryInput('youdenThreshold', labels, scores);
  const counts = thresholdCounts(labels, scores);
  const reason = missingClassReason(counts.positives, counts.negatives);
  if (reason !== null) {
    throw new Error(`youdenThreshold: needs both classes in the validation labels, got ${reason}`);
  }

  // J * positives * negatives = tp * negatives - fp * positives is an integer, so equal J values
  // compare equal without rounding, and strict > keeps the first maximum (the highest threshold).
  let best = 0;
  let bestScaledJ = -Infinity;
  for (let i = 0; i < counts.thresholds.length; i++) {
    const scaledJ = counts.truePositives[i] * counts.negatives - counts.falsePositives[i] * counts.positives;
    if (scaledJ > bestScaledJ) {
      best = i;
      bestScaledJ = scaledJ;
    }
  }
  const sensitivity = counts.truePositives[best] / counts.positives;
  const specificity = (counts.negatives - counts.falsePositives[best]) / counts.negatives;
  return { threshold: counts.thresholds[best], sensitivity, specificity, youdenIndex: sensitivity + specificity - 1 };
}

/** Sensitivity read from the ROC at a target specificity. */
export interface SensitivityAtSpecificity extends MetricResult {
  /** The specificity that was requested. */
  targetSpecificity: number;
  /** Threshold of the chosen ROC point, or +Infinity when only the start point qualifies. */
  threshold: number;
  /** Specificity reached at that threshold, >= targetSpecificity. */
  specificity: number;
}

/**
 * Reads sensitivity at `targetSpecificity` (for example 0.9) from the ROC: the highest TPR among
 * ROC points whose specificity tn / negatives is >= the target. No interpolation between points,
 * so the result is achievable with a real threshold. The start point (threshold +Infinity,
 * specificity 1, sensitivity 0) always qualifies, so the value is defined whenever both classes
 * are present. With one class only, value and threshold are NaN with a reason.
 */
export function sensitivityAtSpecificity(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  targetSpecificity: number,
): SensitivityAtSpecificity {
  checkBinaryInput('sensitivityAtSpecificity', labels, scores);
  checkTargetSpecificity('sensitivityAtSpecificity', targetSpecificity);
  return sensitivityAtSpecificityFromCounts(thresholdCounts(labels, scores), targetSpecificity);
}

/** Computes `sensitivityAtSpecificity` from counts made by `thresholdCounts`. */
export function sensitivityAtSpecificityFromCounts(
  counts: ThresholdCounts,
  targetSpecificity: number,
): SensitivityAtSpecificity {
  checkTargetSpecificity('sensitivityAtSpecificityFromCounts', targetSpecificity);
  const reason = missingClassReason(counts.positives, counts.negatives);
  if (reason !== null) {
    return { value: NaN, reason, targetSpecificity, threshold: NaN, specificity: NaN };
  }

  // Specificity falls as the threshold falls, so the qualifying points are a prefix of the
  // curve and the last one of them has the highest TPR.
  let result: SensitivityAtSpecificity = {
    value: 0,
    reason: null,
    targetSpecificity,
    threshold: Infinity,
    specificity: 1,
  };
  for (let i = 0; i < counts.thresholds.length; i++) {
    // tn / negatives (not 1 - fp / negatives) rounds exactly like a decimal target: 9 / 10 === 0.9.
    const specificity = (counts.negatives - counts.falsePositives[i]) / counts.negatives;
    if (specificity < targetSpecificity) break;
    result = {
      value: counts.truePositives[i] / counts.positives,
      reason: null,
      targetSpecificity,
      threshold: counts.thresholds[i],
      specificity,
    };
  }
  return result;
}

function checkTargetSpecificity(functionName: string, target: number): void {
  if (typeof target !== 'number' || !(target >= 0 && target <= 1)) {
    throw new Error(`${functionName}: \`targetSpecificity\` must be a number in [0, 1], got ${target}`);
  }
}
