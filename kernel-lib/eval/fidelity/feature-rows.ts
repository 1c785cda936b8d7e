/**
 * Feature vectors of a set of images, and the checks every fidelity metric runs on them once
 * at its entry.
 */

/** Feature vectors, row-major `[count, numFeatures]`. */
export interface FeatureRows {
  data: Float64Array | Float32Array;
  count: number;
  numFeatures: number;
}

/**
 * Throws unless `rows` is a well-formed set of at least `minCount` rows of finite values.
 * `name` labels the set in messages, for example `real`.
 */
export function checkFeatureRows(caller: string, name: string, rows: FeatureRows, minCount = 1): void {
  if (rows === null || typeof rows !== 'object') {
    throw new Error(`${caller}: \`${name}\` must be feature rows { data, count, numFeatures }, got ${rows}`);
  }
  const { data, count, numFeatures } = rows;
  if (!(data instanceof Float64Array || data instanceof Float32Array)) {
    throw new Error(`${caller}: \`${name}.data\` must be a Float64Array or Float32Array`);
  }
  if (!Number.isSafeInteger(numFeatures) || numFeatures < 1) {
    throw new Error(`${caller}: \`${name}.numFeatures\` must be a positive integer, got ${numFeatures}`);
  }
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new Error(`${caller}: \`${name}.count\` must be a non-negative integer, got ${count}`);
  }
  if (data.length !== count * numFeatures) {
    throw new Error(`${caller}: \`${name}.data\` has ${data.length} values, but count × numFeatures = ${count} × ${numFeatures} = ${count * numFeatures}`);
  }
  if (count < minCount) {
    throw new Error(`${caller}: \`${name}\` has ${count} rows, but this metric needs at least ${minCount}; pass more images`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new Error(`${caller}: \`${name}\` value at row ${Math.floor(i / numFeatures)}, column ${i % numFeatures} is ${data[i]}; features must be finite`);
    }
  }
}

/** Throws unless both sets have the same number of features. */
export function checkSameFeatureCount(caller: string, a: [string, FeatureRows], b: [string, FeatureRows]): void {
  if (a[1].numFeatures !== b[1].numFeatures) {
    throw new Error(
      `${caller}: \`${a[0]}\` has ${a[1].numFeatures} features but \`${b[0]}\` has ${b[1].numFeatures}; compute both with the same feature extractor`,
    );
  }
}

/** Copies rows `indices` of `rows` into a new Float64Array set, `[indices.length, numFeatures]`. */
export function selectFeatureRows(rows: FeatureRows, indices: ArrayLike<number>): FeatureRows {
  const { data, numFeatures } = rows;
  const out = new Float64Array(indices.length * numFeatures);
  for (let i = 0; i < indices.length; i++) {
    const source = indices[i] * numFeatures;
    for (let f = 0; f < numFeatures; f++) out[i * numFeatures + f] = data[source + f];
  }
  return { data: out, count: indices.length, numFeatures };
}

/** Squared Euclidean distance between row `i` of `a` and row `j` of `b`, in float64. */
export function squaredDistance(a: FeatureRows, i: number, b: FeatureRows, j: number): number {
  const d = a.numFeatures;
  let sum = 0;
  for (let f = 0; f < d; f++) {
    const difference = a.data[i * d + f] - b.data[j * d + f];
    sum += difference * difference;
  }
  return sum;
}
