/**
 * Attribute inference: an attacker who has a real record's other attributes predicts its
 * sensitive categorical attribute with a k-nearest-neighbour classifier fitted on the synthetic
 * records. The same attack fitted on real reference records, and the majority-class guess, give
 * the accuracy reachable without the synthetic data.
 */
import { NeighbourSearchOptions, findNearestNeighbours } from './nearest-neighbours';
import {
  FeatureSpaceDescription,
  RecordSet,
  checkDisjoint,
  checkFeatureSpaceDescription,
  checkRecordSet,
  checkSameFeatureCount,
} from './records';

export interface AttributeInferenceRequest extends FeatureSpaceDescription {
  /** Synthetic records the attack is fitted on. */
  synthetic: RecordSet;
  /** Real records from the population, not in `targets`; the comparison attack is fitted on them. */
  reference: RecordSet;
  /** Real records under attack, usually training records. */
  targets: RecordSet;
  /** Column of the sensitive attribute; its values must be integer category codes. */
  sensitiveColumn: number;
  /** Neighbours that vote (default 5). */
  k?: number;
  /** Block sizes of the nearest-neighbour search. */
  search?: Omit<NeighbourSearchOptions, 'k'>;
}

/** Predictions of one fitted attack. */
export interface AttributeAttackResult {
  /** Predicted category per target, `[numTargets]`. */
  predictions: Int32Array;
  /** Share of targets whose sensitive attribute was predicted correctly. */
  accuracy: number;
}

export interface AttributeInferenceReport extends FeatureSpaceDescription {
  sensitiveColumn: number;
  k: number;
  numTargets: number;
  /** The attack fitted on the synthetic records. */
  synthetic: AttributeAttackResult;
  /** The same attack fitted on the real reference records. */
  reference: AttributeAttackResult;
  /** Most frequent category of the reference records (ties to the smallest code). */
  majorityCategory: number;
  /** Accuracy of predicting majorityCategory for every target. */
  majorityBaselineAccuracy: number;
}

/** Splits `records` into the other columns `[numRecords, numFeatures − 1]` and the sensitive column. */
function splitSensitive(records: RecordSet, column: number): { features: RecordSet; labels: Int32Array } {
  const { data, numRecords, numFeatures } = records;
  const features = new Float64Array(numRecords * (numFeatures - 1));
  const labels = new Int32Array(numRecords);
  for (let i = 0; i < numRecords; i++) {
    let out = i * (numFeatures - 1);
    for (let f = 0; f < numFeatures; f++) {
      if (f === column) labels[i] = data[i * numFeatures + f];
      else features[out++] = data[i * numFeatures + f];
    }
  }
  return { features: { data: features, numRecords, numFeatures: numFeatures - 1 }, labels };
}

/** Throws unless every value of the sensitive column is an integer code within int32 range. */
function checkCategoryCodes(fn: string, name: string, records: RecordSet, column: number): void {
  for (let i = 0; i < records.numRecords; i++) {
    const value = records.data[i * records.numFeatures + column];
    if (!Number.isInteger(value) || Math.abs(value) > 2 ** 31 - 1) {
      throw new Error(
        `${fn}: \`${name}\` row ${i} has ${value} in the sensitive column ${column}; ` +
          'encode the sensitive attribute as integer category codes',
      );
    }
  }
}

/** Returns the most frequent value of `labels` (ties to the smallest value). */
function majority(labels: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  let best = Infinity;
  let bestCount = 0;
  for (const [label, count] of counts) {
    if (count > bestCount || (count === bestCount && label < best)) {
      best = label;
      bestCount = count;
    }
  }
  return best;
}

async function fitAndPredict(
  training: { features: RecordSet; labels: Int32Array },
  targets: { features: RecordSet; labels: Int32Array },
  k: number,
  search: Omit<NeighbourSearchOptions, 'k'>,
): Promise<AttributeAttackResult> {
  const neighbours = await findNearestNeighbours(targets.features, training.features, { ...search, k });
  const predictions = new Int32Array(targets.labels.length);
  let correct = 0;
  for (let i = 0; i < predictions.length; i++) {
    const votes = Array.from(neighbours.indices.subarray(i * k, (i + 1) * k), (index) => training.labels[index]);
    predictions[i] = majority(votes);
    if (predictions[i] === targets.labels[i]) correct++;
  }
  return { predictions, accuracy: correct / predictions.length };
}

/**
 * Runs the attribute inference attack. For each target, the k nearest records by Euclidean
 * distance on the non-sensitive columns vote on the sensitive category by majority, and a tied
 * vote goes to the smallest code. Neighbours tied in distance go to the smaller row index.
 * Reports the accuracy of the attack fitted on the synthetic records, of the same attack fitted
 * on the real reference records, and of the reference set's majority category.
 */
export async function attributeInference(request: AttributeInferenceRequest): Promise<AttributeInferenceReport> {
  const fn = 'attributeInference';
  const { synthetic, reference, targets, sensitiveColumn } = request;
  const k = request.k ?? 5;
  checkFeatureSpaceDescription(fn, request);
  const sets: [string, RecordSet][] = [['targets', targets], ['synthetic', synthetic], ['reference', reference]];
  for (const [name, set] of sets) checkRecordSet(fn, name, set);
  checkSameFeatureCount(fn, sets);
  const numFeatures = targets.numFeatures;
  if (numFeatures < 2) {
    throw new Error(`${fn}: records need the sensitive column and at least one other column, got ${numFeatures} column(s)`);
  }
  if (!Number.isInteger(sensitiveColumn) || sensitiveColumn < 0 || sensitiveColumn >= numFeatures) {
    throw new Error(`${fn}: \`sensitiveColumn\` must be an integer column index in [0, ${numFeatures - 1}], got ${sensitiveColumn}`);
  }
  if (!Number.isSafeInteger(k) || k < 1 || k > Math.min(synthetic.numRecords, reference.numRecords)) {
    throw new Error(
      `${fn}: \`k\` must be an integer in [1, ${Math.min(synthetic.numRecords, reference.numRecords)}] ` +
        `(the smaller of the synthetic and reference sizes), got ${k}`,
    );
  }
  for (const [name, set] of sets) checkCategoryCodes(fn, name, set, sensitiveColumn);
  checkDisjoint(fn, 'targets', targets, 'reference', reference);

  const search = request.search ?? {};
  const targetSplit = splitSensitive(targets, sensitiveColumn);
  const referenceSplit = splitSensitive(reference, sensitiveColumn);
  const majorityCategory = majority(referenceSplit.labels);
  const majorityHits = targetSplit.labels.reduce((hits, label) => hits + (label === majorityCategory ? 1 : 0), 0);

  return {
    featureSpace: request.featureSpace,
    scaling: request.scaling,
    sensitiveColumn,
    k,
    numTargets: targets.numRecords,
    synthetic: await fitAndPredict(splitSensitive(synthetic, sensitiveColumn), targetSplit, k, search),
    reference: await fitAndPredict(referenceSplit, targetSplit, k, search),
    majorityCategory,
    majorityBaselineAccuracy: majorityHits / targets.numRecords,
  };
}
