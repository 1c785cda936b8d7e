import { Random } from '../util/random';
import { binaryMetrics, countAtThreshold } from '../eval/binary';
import { aurocFromCounts, rocCurve, sensitivityAtSpecificityFromCounts, thresholdCounts, youdenThreshold } from '../eval/roc';
import { averagePrecisionFromCounts } from '../eval/precision-recall';
import { brierScore, expectedCalibrationError, reliabilityDiagram } from '../eval/calibration';
import { bootstrapIndices, gather, percentileInterval } from '../eval/bootstrap';
import { multiclassConfusionMatrix, perClassMetrics } from '../eval/multiclass';

/** Headline metrics of the positive class, each reported with a bootstrap 95% interval. */
export const HEADLINE = ['sensitivity', 'specificity', 'ppv', 'f1', 'fpr', 'auroc', 'auprc', 'ece', 'brier', 'sensitivityAt90Specificity'] as const;
export type Headline = (typeof HEADLINE)[number];
/** Metrics whose difference from the real-only arm is reported. */
export const DIFFERENCE_METRICS = ['sensitivity', 'specificity', 'auroc', 'auprc', 'ece'] as const;

/** Predictions of one classifier (one arm, one seed) on the real validation and test splits. */
export interface SeedPredictions {
  seed: number;
  /** Class probabilities, row-major [count, numClasses]. */
  validation: number[];
  test: number[];
}

export interface IntervalValue {
  value: number;
  lower: number;
  upper: number;
  /** Resamples where the metric was undefined (for example one class only), left out of the interval. */
  undefinedResamples: number;
}

export interface ArmEvaluation {
  arm: string;
  /** Mean over seeds on the full test split, with the percentile interval of that mean over resamples. */
  metrics: Record<Headline, IntervalValue>;
  /** Per seed: the validation threshold (Youden's J) and the test metrics at it. */
  perSeed: { seed: number; threshold: number; metrics: Record<Headline, number> }[];
  seedStd: Record<Headline, number>;
  differenceFromReference: Partial<Record<(typeof DIFFERENCE_METRICS)[number], IntervalValue>> | null;
  /** Seed 0 details on the test split. */
  roc: { fpr: number[]; tpr: number[] };
  reliability: { lower: number[]; upper: number[]; count: number[]; meanPredicted: number[]; fractionPositive: number[] };
  confusionMatrix: number[][];
  perClassAuroc: (number | null)[];
}

function column(probabilities: number[], numClasses: number, classIndex: number): Float64Array {
  const out = new Float64Array(probabilities.length / numClasses);
  for (let i = 0; i < out.length; i++) out[i] = probabilities[i * numClasses + classIndex];
  return out;
}

/** Headline metrics at a fixed threshold; NaN where a metric is undefined on these rows. */
function headlineMetrics(labels: Float64Array, scores: Float64Array, threshold: number, eceBins: number): Record<Headline, number> {
  const counts = binaryMetrics(countAtThreshold(labels, scores, threshold));
  // One sort of the scores serves AUROC, AUPRC and the 90%-specificity point.
  const curve = thresholdCounts(labels, scores);
  return {
    sensitivity: counts.sensitivity,
    specificity: counts.specificity,
    ppv: counts.ppv,
    f1: counts.f1,
    fpr: counts.fpr,
    auroc: aurocFromCounts(curve).value,
    auprc: averagePrecisionFromCounts(curve).value,
    ece: expectedCalibrationError(labels, scores, eceBins),
    brier: brierScore(labels, scores),
    sensitivityAt90Specificity: sensitivityAtSpecificityFromCounts(curve, 0.9).value,
  };
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function std(values: number[]): number {
  if (values.length < 2) return NaN;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

function interval(value: number, resampled: Float64Array): IntervalValue {
  const { lower, upper, nanCount } = percentileInterval(resampled, 0.95);
  return { value, lower, upper, undefinedResamples: nanCount };
}

/**
 * Evaluates every arm on the real test split. For each seed, the decision threshold is the
 * one maximising Youden's J on the real validation split, applied unchanged to the test split.
 * An arm's value is the mean over its seeds. Its 95% interval comes from `resamples`
 * bootstrap resamples of the test rows (percentile method): on each resample the metric is
 * recomputed for every seed and averaged. Differences from the reference arm use the same
 * resamples (paired).
 */
export function evaluateArms(options: {
  arms: { arm: string; seeds: SeedPredictions[] }[];
  referenceArm: string;
  validationLabels: Int32Array;
  testLabels: Int32Array;
  numClasses: number;
  positiveClass: number;
  resamples: number;
  eceBins: number;
  seed: number;
}): ArmEvaluation[] {
  const { numClasses, positiveClass, eceBins } = options;
  const validationBinary = Float64Array.from(options.validationLabels, (y) => (y === positiveClass ? 1 : 0));
  const testBinary = Float64Array.from(options.testLabels, (y) => (y === positiveClass ? 1 : 0));
  const indices = bootstrapIndices(testBinary.length, options.resamples, new Random(options.seed));
  const resampledLabels = indices.map((set) => gather(testBinary, set));

  // resampleMeans[arm][metric] = Float64Array over resamples of the seed-mean metric.
  const resampleMeans = new Map<string, Record<Headline, Float64Array>>();
  const evaluations: ArmEvaluation[] = [];

  for (const { arm, seeds } of options.arms) {
    if (seeds.length === 0) throw new Error(`evaluateArms: arm '${arm}' has no trained classifiers`);
    const perSeed = seeds.map((s) => {
      const validationScores = column(s.validation, numClasses, positiveClass);
      const testScores = column(s.test, numClasses, positiveClass);
      const threshold = youdenThreshold(validationBinary, validationScores).threshold;
      return { seed: s.seed, threshold, testScores, metrics: headlineMetrics(testBinary, testScores, threshold, eceBins) };
    });

    const resampled = Object.fromEntries(HEADLINE.map((m) => [m, new Float64Array(indices.length)])) as Record<Headline, Float64Array>;
    indices.forEach((set, r) => {
      const sums = Object.fromEntries(HEADLINE.map((m) => [m, 0])) as Record<Headline, number>;
      for (const s of perSeed) {
        const values = headlineMetrics(resampledLabels[r], gather(s.testScores, set), s.threshold, eceBins);
        for (const m of HEADLINE) sums[m] += values[m];
      }
      for (const m of HEADLINE) resampled[m][r] = sums[m] / perSeed.length;
    });
    resampleMeans.set(arm, resampled);

    const metrics = Object.fromEntries(
      HEADLINE.map((m) => [m, interval(mean(perSeed.map((s) => s.metrics[m])), resampled[m])]),
    ) as Record<Headline, IntervalValue>;
    const seedStd = Object.fromEntries(HEADLINE.map((m) => [m, std(perSeed.map((s) => s.metrics[m]))])) as Record<Headline, number>;

    const first = perSeed[0];
    const roc = rocCurve(testBinary, first.testScores);
    const bins = reliabilityDiagram(testBinary, first.testScores, eceBins);
    const testRows = seeds[0].test;
    const rows = Array.from({ length: options.testLabels.length }, (_, i) => testRows.slice(i * numClasses, (i + 1) * numClasses));
    const confusion = multiclassConfusionMatrix(options.testLabels, rows);
    const perClass = perClassMetrics(options.testLabels, rows);

    evaluations.push({
      arm,
      metrics,
      perSeed: perSeed.map(({ seed, threshold, metrics: m }) => ({ seed, threshold, metrics: m })),
      seedStd,
      differenceFromReference: null,
      roc: { fpr: Array.from(roc.fpr), tpr: Array.from(roc.tpr) },
      reliability: {
        lower: bins.map((b) => b.lower),
        upper: bins.map((b) => b.upper),
        count: bins.map((b) => b.count),
        meanPredicted: bins.map((b) => b.meanPredicted),
        fractionPositive: bins.map((b) => b.fractionPositive),
      },
      confusionMatrix: confusion.map((row) => Array.from(row)),
      perClassAuroc: perClass.map((c) => (Number.isFinite(c.auroc.value) ? c.auroc.value : null)),
    });
  }

  // Paired differences from the reference arm, on the same resamples.
  const reference = evaluations.find((e) => e.arm === options.referenceArm);
  const referenceResamples = resampleMeans.get(options.referenceArm);
  if (reference && referenceResamples) {
    for (const evaluation of evaluations) {
      if (evaluation.arm === options.referenceArm) continue;
      const own = resampleMeans.get(evaluation.arm) as Record<Headline, Float64Array>;
      evaluation.differenceFromReference = Object.fromEntries(
        DIFFERENCE_METRICS.map((m) => {
          const differences = own[m].map((v, r) => v - referenceResamples[m][r]);
          return [m, interval(evaluation.metrics[m].value - reference.metrics[m].value, differences)];
        }),
      );
    }
  }
  return evaluations;
}
