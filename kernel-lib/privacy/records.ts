/**
 * Record sets for the privacy metrics, and the checks every metric runs on them once at its entry.
 */

/** Tabular records in one numeric feature space, row-major `[numRecords, numFeatures]`. */
export interface RecordSet {
  data: Float32Array | Float64Array;
  numRecords: number;
  numFeatures: number;
}

/**
 * The space the records live in, carried into every report so that its numbers are read with the
 * right units: for example `featureSpace: 'tabular: age, systolic BP, 12 lab values'` and
 * `scaling: 'z-score on the training set'`.
 */
export interface FeatureSpaceDescription {
  featureSpace: string;
  scaling: string;
}

/** Throws unless `featureSpace` and `scaling` are non-empty strings. */
export function checkFeatureSpaceDescription(functionName: string, description: FeatureSpaceDescription): void {
  for (const key of ['featureSpace', 'scaling'] as const) {
    const value = description[key];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new Error(
        `${functionName}: \`${key}\` must be a non-empty string, got ${JSON.stringify(value)}; ` +
          "describe the records' features and their scaling so the report can be read correctly",
      );
    }
  }
}

/**
 * Throws unless `records` is a well-formed, non-empty record set with only finite values. A
 * non-finite value is reported with the count and the first row and column, both 0-based.
 */
export function checkRecordSet(functionName: string, name: string, records: RecordSet): void {
  if (records === null || typeof records !== 'object') {
    throw new Error(`${functionName}: \`${name}\` must be a record set { data, numRecords, numFeatures }, got ${records}`);
  }
  const { data, numRecords, numFeatures } = records;
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    throw new Error(`${functionName}: \`${name}.data\` must be a Float32Array or Float64Array`);
  }
  if (!Number.isSafeInteger(numFeatures) || numFeatures < 1) {
    throw new Error(`${functionName}: \`${name}.numFeatures\` must be a positive integer, got ${numFeatures}`);
  }
  if (!Number.isSafeInteger(numRecords) || numRecords < 0) {
    throw new Error(`${functionName}: \`${name}.numRecords\` must be a non-negative integer, got ${numRecords}`);
  }
  if (numRecords === 0) {
    throw new Error(`${functionName}: \`${name}\` is empty (0 records); pass at least one record`);
  }
  if (data.length !== numRecords * numFeatures) {
    throw new Error(
      `${functionName}: \`${name}.data\` has ${data.length} values, but numRecords × numFeatures = ` +
        `${numRecords} × ${numFeatures} = ${numRecords * numFeatures}`,
    );
  }

  let nonFinite = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      if (first < 0) first = i;
      nonFinite++;
    }
  }
  if (nonFinite > 0) {
    const row = Math.floor(first / numFeatures);
    const column = first % numFeatures;
    throw new Error(
      `${functionName}: \`${name}\` contains ${nonFinite} non-finite value(s) (NaN or ±Infinity), the first ` +
        `${data[first]} at row ${row}, column ${column}; impute or drop those records first`,
    );
  }
}

/** Throws unless `records` has at least `minimum` records, saying why they are needed. */
export function checkMinimumRecords(
  functionName: string,
  name: string,
  records: RecordSet,
  minimum: number,
  reason: string,
): void {
  if (records.numRecords < minimum) {
    throw new Error(`${functionName}: \`${name}\` needs at least ${minimum} records ${reason}, got ${records.numRecords}`);
  }
}

/** Throws unless every named set has the feature count of the first, naming both sets. */
export function checkSameFeatureCount(functionName: string, sets: [string, RecordSet][]): void {
  const [firstName, firstSet] = sets[0];
  for (const [name, set] of sets.slice(1)) {
    if (set.numFeatures !== firstSet.numFeatures) {
      throw new Error(
        `${functionName}: \`${name}\` has ${set.numFeatures} features but \`${firstName}\` has ${firstSet.numFeatures}; ` +
          'pass records encoded in the same feature space',
      );
    }
  }
}

/** Returns a key that two rows share exactly when all their values are equal (0 and -0 included). */
function rowKey(data: Float32Array | Float64Array, row: number, numFeatures: number): string {
  let key = '';
  for (let k = 0; k < numFeatures; k++) key += `${data[row * numFeatures + k]},`;
  return key;
}

/**
 * Throws when `other` contains a row identical to a row of `training`, reporting how many rows of
 * `other` are copies and the first pair of indices. A holdout or reference set that shares
 * records with the training set makes members look like non-members and biases every baseline.
 */
export function checkDisjoint(
  functionName: string,
  trainingName: string,
  training: RecordSet,
  otherName: string,
  other: RecordSet,
): void {
  const firstIndexByRow = new Map<string, number>();
  for (let i = 0; i < training.numRecords; i++) {
    const key = rowKey(training.data, i, training.numFeatures);
    if (!firstIndexByRow.has(key)) firstIndexByRow.set(key, i);
  }
  let shared = 0;
  let firstOther = -1;
  let firstTraining = -1;
  for (let j = 0; j < other.numRecords; j++) {
    const match = firstIndexByRow.get(rowKey(other.data, j, other.numFeatures));
    if (match === undefined) continue;
    if (shared === 0) {
      firstOther = j;
      firstTraining = match;
    }
    shared++;
  }
  if (shared > 0) {
    throw new Error(
      `${functionName}: \`${otherName}\` overlaps \`${trainingName}\`: ${shared} of its ${other.numRecords} rows are identical ` +
        `to a ${trainingName} row, the first ${otherName} row ${firstOther} = ${trainingName} row ${firstTraining}; ` +
        `remove those rows from \`${otherName}\` (split the real data before any copy is made)`,
    );
  }
}

/** Returns the rows of `records` at `indices`, in that order, as a new set. */
export function selectRecordRows(records: RecordSet, indices: ArrayLike<number>): RecordSet {
  const { numFeatures } = records;
  const data = new Float64Array(indices.length * numFeatures);
  for (let i = 0; i < indices.length; i++) {
    data.set(records.data.subarray(indices[i] * numFeatures, (indices[i] + 1) * numFeatures), i * numFeatures);
  }
  return { data, numRecords: indices.length, numFeatures };
}
