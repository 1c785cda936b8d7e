/**
 * The release gate's fidelity check for images: k-NN manifold precision and recall
 * (Kynkäänniemi et al. 2019, "Improved Precision and Recall Metric for Assessing Generative
 * Models") of the synthetic images against the --reference real images, in the records'
 * pixel space.
 *
 * The yardstick is the same measure for real images: the --train images put in place of the
 * synthetic ones. Both sets are cut to the same size m = min(synthetic, train) by a seeded draw,
 * because the k-th neighbour radii, and so both measures, depend on the set size. The synthetic
 * images pass with at least `minPrecisionRatio` × the real precision and `minRecallRatio` × the
 * real recall.
 */
import { FeatureRows } from '../eval/fidelity/feature-rows';
import { manifoldPrecisionRecall } from '../eval/fidelity/precision-recall';
import { RecordSet, selectRecordRows } from '../privacy/records';
import { Random } from '../util/random';
import { ReleasePolicy } from './policy';

export interface ImageFidelitySummary {
  k: number;
  /** Images per set after the equal-size draw. */
  setSize: number;
  syntheticPrecision: number;
  syntheticRecall: number;
  /** The same measures with the --train images in place of the synthetic ones. */
  realPrecision: number;
  realRecall: number;
}

/** One check of the fidelity pair, in the gate's check format. */
export interface ImageFidelityCheck {
  name: 'image-precision' | 'image-recall';
  value: number;
  threshold: number;
  passed: boolean;
  explanation: string;
}

function rowsOf(records: RecordSet): FeatureRows {
  return { data: records.data, count: records.numRecords, numFeatures: records.numFeatures };
}

function drawRows(records: RecordSet, count: number, random: Random): RecordSet {
  if (records.numRecords === count) return records;
  return selectRecordRows(records, random.permutation(records.numRecords).subarray(0, count));
}

const format = (value: number) => Number(value.toPrecision(4)).toString();

/**
 * Computes the precision and recall checks, or returns `{ skipped }` with the reason when a set
 * is too small for k-th neighbour radii (k + 1 images each).
 */
export function imageFidelityChecks(
  synthetic: RecordSet,
  train: RecordSet,
  reference: RecordSet,
  policy: ReleasePolicy['imageFidelity'],
  seed: number,
): { summary: ImageFidelitySummary; checks: ImageFidelityCheck[] } | { skipped: string } {
  const { k, minPrecisionRatio, minRecallRatio } = policy;
  const setSize = Math.min(synthetic.numRecords, train.numRecords);
  if (setSize < k + 1 || reference.numRecords < k + 1) {
    return {
      skipped:
        `image precision and recall were skipped: k = ${k} needs at least ${k + 1} images in each set, got ${synthetic.numRecords} synthetic, ` +
        `${train.numRecords} --train and ${reference.numRecords} --reference`,
    };
  }

  const random = new Random(seed);
  const real = rowsOf(reference);
  const syntheticResult = manifoldPrecisionRecall(real, rowsOf(drawRows(synthetic, setSize, random)), k);
  const realResult = manifoldPrecisionRecall(real, rowsOf(drawRows(train, setSize, random)), k);
  const summary: ImageFidelitySummary = {
    k,
    setSize,
    syntheticPrecision: syntheticResult.precision,
    syntheticRecall: syntheticResult.recall,
    realPrecision: realResult.precision,
    realRecall: realResult.recall,
  };

  const precisionThreshold = minPrecisionRatio * realResult.precision;
  const recallThreshold = minRecallRatio * realResult.recall;
  const checks: ImageFidelityCheck[] = [
    {
      name: 'image-precision',
      value: syntheticResult.precision,
      threshold: precisionThreshold,
      passed: syntheticResult.precision >= precisionThreshold,
      explanation:
        `${format(syntheticResult.precision)} of ${setSize} synthetic images lie inside the manifold of the --reference images ` +
        `(k = ${k}), against ${format(realResult.precision)} of ${setSize} --train images (× ${minPrecisionRatio})`,
    },
    {
      name: 'image-recall',
      value: syntheticResult.recall,
      threshold: recallThreshold,
      passed: syntheticResult.recall >= recallThreshold,
      explanation:
        `the manifold of ${setSize} synthetic images covers ${format(syntheticResult.recall)} of the --reference images, ` +
        `against ${format(realResult.recall)} for ${setSize} --train images (× ${minRecallRatio})`,
    },
  ];
  return { summary, checks };
}
