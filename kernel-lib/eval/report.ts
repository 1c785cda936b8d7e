/**
 * Headline evaluation of binary classifiers on the real test split, every number with a paired
 * percentile-bootstrap interval.
 *
 * `evaluateBinary` reports one classifier. `compareArms` reports several classifiers scored on the
 * same test examples (for example trained with and without synthetic data) and the difference of
 * each arm from the reference arm, all evaluated on one shared set of resamples.
 */
import { Random } from '../util/random';
import { binaryMetrics, countAtThreshold } from './binary';
import { bootstrapIndices, checkLevel, checkResamples, DEFAULT_CONFIDENCE_LEVEL, DEFAULT_RESAMPLES, gather, percentileInterval } from './bootstrap';
import { brierScore, DEFAULT_CALIBRATION_BINS, expectedCalibrationError, ReliabilityBin, reliabilityDiagram } from './calibration';
import { averagePrecisionFromCounts } from './precision-recall';
import { aurocFromCounts, sensitivityAtSpecificityFromCounts, thresholdCounts } from './roc';
import { checkArrayLike, checkScores } from './validate';

/**
 * Headline metrics, in the order of each resample's value vector. auprc is average precision
 * (the step sum of scikit-learn's `average_precision_score`), and ece uses `bins` equal-width
 * bins. sensitivityAtSpecificity is read at `targetSpecificity`, and tp, fp, tn, fn are counts at
 * `threshold`.
 */
export const HEADLINE_METRICS = [
  'sensitivity',
  'specificity',
  'ppv',
  'npv',
  'f1',
  'fpr',
  'accuracy',
  'auroc',
  'auprc',
  'ece',
  'brier',
  'sensitivityAtSpecificity',
  'tp',
  'fp',
  'tn',
  'fn',
] as const;
export type HeadlineMetric = (typeof HEADLINE_METRICS)[number];

/** A point estimate on the full test set with its bootstrap percentile interval. */
export interface Interval {
  value: number;
  lower: number;
  upper: number;
  /** Resamples where the metric was undefined (NaN), left out of the interval. */
  nanResamples: number;
}

/** Settings shared by `evaluateBinary` and `compareArms`. */
export interface EvaluationSettings {
  /** Name of the positive class for reports, such as 'pneumonia' (default 'positive'). */
  positiveClass?: string;
  /** Class ids of [negative, positive] in `labels` (default [0, 1]). */
  classIds?: readonly [number, number];
  /** Number of equal-width calibration bins for ECE and the reliability diagram (default 15). */
  bins?: number;
  /** Number of bootstrap resamples (default 1000). */
  resamples?: number;
  /** Confidence level of the intervals (default 0.95). */
  level?: number;
  /** Specificity at which sensitivity is read from the ROC (default 0.9). */
  targetSpecificity?: number;
  /** Seed of a new Random for the resamples. Give this or `rng`, not both. */
  seed?: number;
  /** Generator for the resamples, advanced by the call. Give this or `seed`, not both. */
  rng?: Random;
}

export interface EvaluateBinaryOptions extends EvaluationSettings {
  /** True class ids, `[numExamples]`, each classIds[0] or classIds[1]. */
  labels: ArrayLike<number>;
  /** Predicted probability of the positive class, `[numExamples]`, in [0, 1]. */
  scores: ArrayLike<number>;
  /** Predict positive when score >= threshold. Choose it on a validation split (see youdenThreshold). */
  threshold: number;
}

/** Every headline metric of one classifier, each with its interval, plus the settings used. */
export type BinaryReport = Record<HeadlineMetric, Interval> & {
  positiveClass: string;
  numExamples: number;
  numPositives: number;
  numNegatives: number;
  threshold: number;
  bins: number;
  resamples: number;
  level: number;
  targetSpecificity: number;
  /** Seed of the resamples, or null when a generator was passed. */
  seed: number | null;
  /** Reliability diagram on the full test set (point values, no intervals). */
  reliability: ReliabilityBin[];
  /** Reasons for NaN point estimates, one line per metric, such as 'auroc: only positive examples …'. */
  undefinedReasons: string[];
};

/**
 * Evaluates one binary classifier on the test set: threshold metrics at `threshold`, AUROC,
 * AUPRC, ECE, Brier score, sensitivity at `targetSpecificity`, confusion counts and reliability
 * bins, each scalar with a percentile-bootstrap interval.
 */
export function evaluateBinary(options: EvaluateBinaryOptions): BinaryReport {
  const settings = resolveSettings('evaluateBinary', options);
  const labels = toBinaryLabels('evaluateBinary', options.labels, settings.classIds);
  const arm = checkArm('evaluateBinary', { name: settings.positiveClass, scores: options.scores, threshold: options.threshold }, labels.length, false);
  return evaluateArms(labels, [arm], settings).reports[0];
}

/** Scores of one arm on the test set and its own threshold (chosen on its validation split). */
export interface ArmScores {
  /** Arm name for reports, such as 'real only' or 'real + synthetic'. */
  name: string;
  /** Predicted probability of the positive class, `[numExamples]`, in [0, 1]. */
  scores: ArrayLike<number>;
  /** Predict positive when score >= threshold. */
  threshold: number;
}

export interface CompareArmsOptions extends EvaluationSettings {
  /** True class ids shared by every arm, `[numExamples]`. */
  labels: ArrayLike<number>;
}

/** One arm's report and its paired difference from the reference arm. */
export interface ArmComparison {
  name: string;
  report: BinaryReport;
  /** metric(arm) - metric(reference), point value on the full test set and paired interval. */
  difference: Record<HeadlineMetric, Interval>;
}

export interface ArmsComparison {
  reference: { name: string; report: BinaryReport };
  arms: ArmComparison[];
}

/**
 * Evaluates a reference arm and other arms on the same test examples and the same resamples,
 * and reports metric(arm) - metric(reference) with a paired percentile interval for each arm. A
 * difference interval that excludes 0 suggests a real difference at that level, for that metric
 * (no correction for testing many metrics).
 */
export function compareArms(reference: ArmScores, arms: readonly ArmScores[], options: CompareArmsOptions): ArmsComparison {
  const settings = resolveSettings('compareArms', options);
  const labels = toBinaryLabels('compareArms', options.labels, settings.classIds);
  if (!Array.isArray(arms) || arms.length === 0) {
    throw new Error('compareArms: `arms` must be a non-empty array of { name, scores, threshold } to compare with the reference');
  }
  const checked = [reference, ...arms].map((arm) => checkArm('compareArms', arm, labels.length, true));
  const names = new Set<string>();
  for (const arm of checked) {
    if (names.has(arm.name)) throw new Error(`compareArms: arm names must be unique, got '${arm.name}' twice`);
    names.add(arm.name);
  }

  const { reports, resampleValues } = evaluateArms(labels, checked, settings);
  const comparisons: ArmComparison[] = [];
  for (let a = 1; a < checked.length; a++) {
    const difference = {} as Record<HeadlineMetric, Interval>;
    HEADLINE_METRICS.forEach((metric, m) => {
      const differences = resampleValues[a][m].map((value, r) => value - resampleValues[0][m][r]);
      const interval = percentileInterval(differences, settings.level);
      difference[metric] = {
        value: reports[a][metric].value - reports[0][metric].value,
        lower: interval.lower,
        upper: interval.upper,
        nanResamples: interval.nanCount,
      };
    });
    comparisons.push({ name: checked[a].name, report: reports[a], difference });
  }
  return { reference: { name: checked[0].name, report: reports[0] }, arms: comparisons };
}

interface ResolvedSettings {
  positiveClass: string;
  classIds: readonly [number, number];
  bins: number;
  resamples: number;
  level: number;
  targetSpecificity: number;
  seed: number | null;
  rng: Random;
}

interface CheckedArm {
  name: string;
  scores: Float64Array;
  threshold: number;
}

/**
 * Draws the resamples once and evaluates every arm on the full data and on each resample.
 * resampleValues: `[arm][metric][resample]`, metrics in HEADLINE_METRICS order.
 */
function evaluateArms(
  labels: Float64Array,
  arms: readonly CheckedArm[],
  settings: ResolvedSettings,
): { reports: BinaryReport[]; resampleValues: Float64Array[][] } {
  const indices = bootstrapIndices(labels.length, settings.resamples, settings.rng);
  const resampleValues = arms.map(() => HEADLINE_METRICS.map(() => new Float64Array(settings.resamples)));
  for (let r = 0; r < settings.resamples; r++) {
    const resampledLabels = gather(labels, indices[r]);
    arms.forEach((arm, a) => {
      const { values } = headlineValues(resampledLabels, gather(arm.scores, indices[r]), arm.threshold, settings);
      values.forEach((value, m) => (resampleValues[a][m][r] = value));
    });
  }

  const numPositives = labels.reduce((sum, label) => sum + label, 0);
  const reports = arms.map((arm, a) => {
    const point = headlineValues(labels, arm.scores, arm.threshold, settings);
    const report = {
      positiveClass: settings.positiveClass,
      numExamples: labels.length,
      numPositives,
      numNegatives: labels.length - numPositives,
      threshold: arm.threshold,
      bins: settings.bins,
      resamples: settings.resamples,
      level: settings.level,
      targetSpecificity: settings.targetSpecificity,
      seed: settings.seed,
      reliability: reliabilityDiagram(labels, arm.scores, settings.bins),
      undefinedReasons: point.reasons,
    } as BinaryReport;
    HEADLINE_METRICS.forEach((metric, m) => {
      const interval = percentileInterval(resampleValues[a][m], settings.level);
      report[metric] = { value: point.values[m], lower: interval.lower, upper: interval.upper, nanResamples: interval.nanCount };
    });
    return report;
  });
  return { reports, resampleValues };
}

/** Headline values in HEADLINE_METRICS order, and one line per NaN value saying why. */
function headlineValues(
  labels: Float64Array,
  scores: Float64Array,
  threshold: number,
  settings: ResolvedSettings,
): { values: number[]; reasons: string[] } {
  const counts = countAtThreshold(labels, scores, threshold);
  const atThreshold = binaryMetrics(counts);
  const byThreshold = thresholdCounts(labels, scores);
  const auroc = aurocFromCounts(byThreshold);
  const auprc = averagePrecisionFromCounts(byThreshold);
  const atSpecificity = sensitivityAtSpecificityFromCounts(byThreshold, settings.targetSpecificity);

  const byName: Record<HeadlineMetric, number> = {
    sensitivity: atThreshold.sensitivity,
    specificity: atThreshold.specificity,
    ppv: atThreshold.ppv,
    npv: atThreshold.npv,
    f1: atThreshold.f1,
    fpr: atThreshold.fpr,
    accuracy: atThreshold.accuracy,
    auroc: auroc.value,
    auprc: auprc.value,
    ece: expectedCalibrationError(labels, scores, settings.bins),
    brier: brierScore(labels, scores),
    sensitivityAtSpecificity: atSpecificity.value,
    tp: counts.tp,
    fp: counts.fp,
    tn: counts.tn,
    fn: counts.fn,
  };

  const reasons = [...atThreshold.undefinedReasons];
  if (auroc.reason !== null) reasons.push(`auroc: ${auroc.reason}`);
  if (auprc.reason !== null) reasons.push(`auprc: ${auprc.reason}`);
  if (atSpecificity.reason !== null) reasons.push(`sensitivityAtSpecificity: ${atSpecificity.reason}`);
  return { values: HEADLINE_METRICS.map((metric) => byName[metric]), reasons };
}

function resolveSettings(functionName: string, options: EvaluationSettings): ResolvedSettings {
  if (options === null || typeof options !== 'object') {
    throw new Error(`${functionName}: expected an options object, got ${String(options)}`);
  }
  const positiveClass = options.positiveClass ?? 'positive';
  const classIds = options.classIds ?? ([0, 1] as const);
  const bins = options.bins ?? DEFAULT_CALIBRATION_BINS;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? DEFAULT_CONFIDENCE_LEVEL;
  const targetSpecificity = options.targetSpecificity ?? 0.9;

  if (typeof positiveClass !== 'string' || positiveClass === '') {
    throw new Error(`${functionName}: \`positiveClass\` must be a non-empty string, got ${String(positiveClass)}`);
  }
  const validIds = Array.isArray(classIds) && classIds.length === 2 && classIds.every(Number.isFinite) && classIds[0] !== classIds[1];
  if (!validIds) {
    throw new Error(`${functionName}: \`classIds\` must be two different numbers [negative, positive], got ${JSON.stringify(classIds)}`);
  }
  if (!Number.isInteger(bins) || bins < 1) {
    throw new Error(`${functionName}: \`bins\` must be an integer >= 1 (default ${DEFAULT_CALIBRATION_BINS}), got ${bins}`);
  }
  checkResamples(functionName, resamples);
  checkLevel(functionName, level);
  if (typeof targetSpecificity !== 'number' || !(targetSpecificity >= 0 && targetSpecificity <= 1)) {
    throw new Error(`${functionName}: \`targetSpecificity\` must be a number in [0, 1], got ${targetSpecificity}`);
  }

  if (options.seed !== undefined && options.rng !== undefined) {
    throw new Error(`${functionName}: give \`seed\` or \`rng\`, not both`);
  }
  if (options.rng !== undefined) {
    if (!(options.rng instanceof Random)) {
      throw new Error(`${functionName}: \`rng\` must be a Random from kernel-lib/util/random, got ${typeof options.rng}`);
    }
    return { positiveClass, classIds, bins, resamples, level, targetSpecificity, seed: null, rng: options.rng };
  }
  if (options.seed === undefined || !Number.isInteger(options.seed)) {
    throw new Error(`${functionName}: \`seed\` must be an integer (or pass \`rng\`) so that intervals are reproducible, got ${options.seed}`);
  }
  return { positiveClass, classIds, bins, resamples, level, targetSpecificity, seed: options.seed, rng: new Random(options.seed) };
}

/** Maps classIds[1] to 1 and classIds[0] to 0, `[numExamples]`, and throws on any other value. */
function toBinaryLabels(functionName: string, labels: ArrayLike<number>, classIds: readonly [number, number]): Float64Array {
  checkArrayLike(functionName, 'labels', labels);
  if (labels.length === 0) {
    throw new Error(`${functionName}: needs at least one example, got empty \`labels\``);
  }
  const binary = new Float64Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === classIds[1]) binary[i] = 1;
    else if (labels[i] === classIds[0]) binary[i] = 0;
    else {
      throw new Error(
        `${functionName}: \`labels\` must be ${classIds[0]} (negative) or ${classIds[1]} (positive), got ${labels[i]} at index ${i}; set \`classIds\` to [negative, positive]`,
      );
    }
  }
  return binary;
}

/** Checks one arm. Messages name the arm when `named` (compareArms) and not for the single arm of evaluateBinary. */
function checkArm(functionName: string, arm: ArmScores, numExamples: number, named: boolean): CheckedArm {
  if (arm === null || typeof arm !== 'object') {
    throw new Error(`${functionName}: each arm must be { name, scores, threshold }, got ${String(arm)}`);
  }
  if (typeof arm.name !== 'string' || arm.name === '') {
    throw new Error(`${functionName}: arm \`name\` must be a non-empty string, got ${String(arm.name)}`);
  }
  const scoresName = named ? `scores of '${arm.name}'` : 'scores';
  const thresholdName = named ? `threshold of '${arm.name}'` : 'threshold';
  checkArrayLike(functionName, scoresName, arm.scores);
  if (arm.scores.length !== numExamples) {
    throw new Error(
      `${functionName}: \`labels\` and \`${scoresName}\` must have the same length, got ${numExamples} labels and ${arm.scores.length} scores`,
    );
  }
  checkScores(functionName, scoresName, arm.scores, { probabilities: true });
  if (typeof arm.threshold !== 'number' || Number.isNaN(arm.threshold)) {
    throw new Error(
      `${functionName}: \`${thresholdName}\` must be a number (choose it on a validation split, for example with youdenThreshold), got ${arm.threshold}`,
    );
  }
  return { name: arm.name, scores: Float64Array.from(arm.scores), threshold: arm.threshold };
}
