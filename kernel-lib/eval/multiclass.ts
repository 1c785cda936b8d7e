/**
 * Multiclass metrics: the confusion matrix of argmax predictions and one-vs-rest metrics per class.
 *
 * labels: `[numExamples]`, integer class ids in [0, numClasses).
 * probabilities: `[numExamples][numClasses]`, one row of per-class probabilities per example,
 * each finite and in [0, 1]. Rows need not sum to 1, because only their order and the column of
 * each class are used.
 */
import { ConfusionCounts, f1Score, positivePredictiveValue, sensitivity, specificity } from './binary';
import { averagePrecisionFromCounts } from './precision-recall';
import { MetricResult, aurocFromCounts, thresholdCounts } from './roc';
import { checkArrayLike, checkScores } from './validate';

/**
 * Predicts the class of highest probability for each row, `[numExamples]`. Ties go to the lowest
 * class id, as numpy's `argmax` does.
 */
export function argmaxPredictions(probabilities: readonly ArrayLike<number>[]): Int32Array {
  const numClasses = checkProbabilityRows('argmaxPredictions', probabilities);
  return argmaxUnchecked(probabilities, numClasses);
}

/**
 * Counts the confusion matrix `[numClasses][numClasses]`: entry [t][p] is the number of examples
 * of true class t predicted as class p (rows true, columns predicted), with argmax predictions.
 */
export function multiclassConfusionMatrix(
  labels: ArrayLike<number>,
  probabilities: readonly ArrayLike<number>[],
): number[][] {
  const numClasses = checkMulticlassInput('multiclassConfusionMatrix', labels, probabilities);
  return confusionMatrixUnchecked(labels, argmaxUnchecked(probabilities, numClasses), numClasses);
}

/** One-vs-rest metrics of one class: that class is positive, every other class negative. */
export interface ClassMetrics {
  classId: number;
  /** Number of examples whose true class is classId. */
  support: number;
  /** Recall of the class from argmax predictions, or NaN when support is 0. */
  sensitivity: number;
  /** Specificity from argmax predictions, or NaN when every example belongs to this class. */
  specificity: number;
  /** Precision from argmax predictions, or NaN when no example is predicted as this class. */
  ppv: number;
  /** F1 from argmax predictions, or NaN when the class is neither present nor predicted. */
  f1: number;
  /** AUROC of the class's probability column, or NaN with a reason when the class is absent or alone. */
  auroc: MetricResult;
  /** Average precision (AUPRC) of the class's probability column, or NaN with a reason when absent. */
  averagePrecision: MetricResult;
}

/**
 * Computes one-vs-rest sensitivity, specificity, PPV and F1 (from argmax predictions) and AUROC
 * and average precision (from each class's probability column) for every class.
 */
export function perClassMetrics(
  labels: ArrayLike<number>,
  probabilities: readonly ArrayLike<number>[],
): ClassMetrics[] {
  const numClasses = checkMulticlassInput('perClassMetrics', labels, probabilities);
  const numExamples = labels.length;
  const matrix = confusionMatrixUnchecked(labels, argmaxUnchecked(probabilities, numClasses), numClasses);

  const results: ClassMetrics[] = [];
  for (let c = 0; c < numClasses; c++) {
    // One-vs-rest counts from the confusion matrix: row c is the true class, column c the prediction.
    let rowSum = 0;
    let columnSum = 0;
    for (let k = 0; k < numClasses; k++) {
      rowSum += matrix[c][k];
      columnSum += matrix[k][c];
    }
    const tp = matrix[c][c];
    const counts: ConfusionCounts = {
      tp,
      fn: rowSum - tp,
      fp: columnSum - tp,
      tn: numExamples - rowSum - columnSum + tp,
    };

    const binaryLabels = new Float64Array(numExamples);
    const classScores = new Float64Array(numExamples);
    for (let i = 0; i < numExamples; i++) {
      binaryLabels[i] = labels[i] === c ? 1 : 0;
      classScores[i] = probabilities[i][c];
    }
    const byThreshold = thresholdCounts(binaryLabels, classScores);

    results.push({
      classId: c,
      support: rowSum,
      sensitivity: sensitivity(counts),
      specificity: specificity(counts),
      ppv: positivePredictiveValue(counts),
      f1: f1Score(counts),
      auroc: aurocFromCounts(byThreshold),
      averagePrecision: averagePrecisionFromCounts(byThreshold),
    });
  }
  return results;
}

function argmaxUnchecked(probabilities: readonly ArrayLike<number>[], numClasses: number): Int32Array {
  const predictions = new Int32Array(probabilities.length);
  for (let i = 0; i < probabilities.length; i++) {
    const row = probabilities[i];
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (row[c] > row[best]) best = c;
    predictions[i] = best;
  }
  return predictions;
}

function confusionMatrixUnchecked(
  labels: ArrayLike<number>,
  predictions: Int32Array,
  numClasses: number,
): number[][] {
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) matrix[labels[i]][predictions[i]]++;
  return matrix;
}

/** Checks the rows and returns numClasses, the common row length (at least 2). */
function checkProbabilityRows(functionName: string, probabilities: readonly ArrayLike<number>[]): number {
  if (!Array.isArray(probabilities)) {
    throw new Error(`${functionName}: \`probabilities\` must be an array of per-class rows, got ${typeof probabilities}`);
  }
  if (probabilities.length === 0) {
    throw new Error(`${functionName}: needs at least one example, got empty \`probabilities\``);
  }
  checkArrayLike(functionName, 'probabilities[0]', probabilities[0]);
  const numClasses = probabilities[0].length;
  if (numClasses < 2) {
    throw new Error(`${functionName}: rows of \`probabilities\` need at least 2 classes, got ${numClasses}`);
  }
  for (let i = 0; i < probabilities.length; i++) {
    checkArrayLike(functionName, `probabilities[${i}]`, probabilities[i]);
    if (probabilities[i].length !== numClasses) {
      throw new Error(
        `${functionName}: every row of \`probabilities\` must have ${numClasses} classes like row 0, got ${probabilities[i].length} at row ${i}`,
      );
    }
    checkScores(functionName, `probabilities[${i}]`, probabilities[i], { probabilities: true });
  }
  return numClasses;
}

function checkMulticlassInput(
  functionName: string,
  labels: ArrayLike<number>,
  probabilities: readonly ArrayLike<number>[],
): number {
  checkArrayLike(functionName, 'labels', labels);
  const numClasses = checkProbabilityRows(functionName, probabilities);
  if (labels.length !== probabilities.length) {
    throw new Error(
      `${functionName}: \`labels\` and \`probabilities\` must have the same length, got ${labels.length} labels and ${probabilities.length} rows`,
    );
  }
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new Error(
        `${functionName}: \`labels\` must be integer class ids in [0, ${numClasses - 1}], got ${label} at index ${i}`,
      );
    }
  }
  return numClasses;
}
