import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findNearestNeighbours, findNearestNeighboursWithin } from '../../kernel-lib/privacy/nearest-neighbours';
import { RecordSet } from '../../kernel-lib/privacy/records';
import { Random } from '../../kernel-lib/util/random';
import { assertRejects, records } from './helpers';

/** Normal records rounded to 1 decimal, so that equal distances (ties) and duplicates occur. */
function roundedNormalRecords(random: Random, numRecords: number, numFeatures: number): RecordSet {
  const data = new Float64Array(numRecords * numFeatures);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(random.normal() * 10) / 10;
  return { data, numRecords, numFeatures };
}

/** O(n m d) float64 search; ties go to the smaller index. */
function bruteForce(queries: RecordSet, reference: RecordSet, k: number, excludeSelf: boolean) {
  const indices: number[][] = [];
  const distances: number[][] = [];
  for (let i = 0; i < queries.numRecords; i++) {
    const all: [number, number][] = [];
    for (let j = 0; j < reference.numRecords; j++) {
      if (excludeSelf && i === j) continue;
      let sum = 0;
      for (let f = 0; f < queries.numFeatures; f++) {
        const d = queries.data[i * queries.numFeatures + f] - reference.data[j * reference.numFeatures + f];
        sum += d * d;
      }
      all.push([Math.sqrt(sum), j]);
    }
    all.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    indices.push(all.slice(0, k).map((pair) => pair[1]));
    distances.push(all.slice(0, k).map((pair) => pair[0]));
  }
  return { indices, distances };
}

function rowsOf(values: ArrayLike<number>, width: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < values.length; i += width) rows.push(Array.from(values).slice(i, i + width));
  return rows;
}

for (const backend of ['cpu', 'wasm']) {
  test(`${backend}: matches brute force across blocks`, async () => {
    await tf.setBackend(backend);
    const random = new Random(11);
    const queries = roundedNormalRecords(random, 37, 5);
    const reference = roundedNormalRecords(random, 53, 5);
    const expected = bruteForce(queries, reference, 3, false);
    const result = await findNearestNeighbours(queries, reference, { k: 3, queryBlockSize: 8, referenceBlockSize: 16 });
    assert.equal(rowsOf(result.indices, 3), expected.indices);
    assert.equal(rowsOf(result.distances, 3), expected.distances);
  });

  test(`${backend}: within-set search excludes only the same row`, async () => {
    await tf.setBackend(backend);
    const random = new Random(12);
    const set = roundedNormalRecords(random, 41, 4);
    // Rows 5 and 30 are copies of row 0: each must find the others at distance 0.
    for (const copy of [5, 30]) set.data.copyWithin(copy * 4, 0, 4);
    const expected = bruteForce(set, set, 2, true);
    const result = await findNearestNeighboursWithin(set, { k: 2, queryBlockSize: 16, referenceBlockSize: 8 });
    assert.equal(rowsOf(result.indices, 2), expected.indices);
    assert.equal(rowsOf(result.distances, 2), expected.distances);
    assert.equal(Array.from(result.indices.subarray(0, 2)), [5, 30]);
    assert.equal(Array.from(result.distances.subarray(0, 2)), [0, 0]);
  });

  test(`${backend}: leaves the tensor count unchanged`, async () => {
    await tf.setBackend(backend);
    const random = new Random(13);
    const set = roundedNormalRecords(random, 20, 3);
    const before = tf.memory().numTensors;
    await findNearestNeighbours(set, set, { k: 2, queryBlockSize: 7, referenceBlockSize: 6 });
    await findNearestNeighboursWithin(set, { k: 1 });
    assert.is(tf.memory().numTensors, before);
  });
}

test('float64 recomputation corrects float32 ranking', async () => {
  await tf.setBackend('cpu');
  // After centring on the reference mean (about -826.6) the rows sit near 2087. Their squared
  // norms (about 4.4e6) are stored in float32 with spacing 0.5, so the float32 distances are off
  // by far more than the gap between the true distances 0.0276 and 0.043, and rank the two
  // rows the wrong way round. A search without the rounding bound returns row 1 here.
  const reference = records([[-5000], [1260.002], [1260.0726]]);
  const query = records([[1260.045]]);
  const result = await findNearestNeighbours(query, reference, { k: 2 });
  assert.equal(Array.from(result.indices), [2, 1]);
  // Exact distances 0.0276 and 0.043, up to float64 rounding of the inputs (about 1e-13 at 1260).
  assert.ok(Math.abs(result.distances[0] - 0.0276) < 1e-12, `expected 0.0276, got ${result.distances[0]}`);
  assert.ok(Math.abs(result.distances[1] - 0.043) < 1e-12, `expected 0.043, got ${result.distances[1]}`);
  const nearestOnly = await findNearestNeighbours(query, reference, { k: 1 });
  assert.is(nearestOnly.indices[0], 2);
});

test('Float32Array records are searched exactly', async () => {
  await tf.setBackend('cpu');
  const reference: RecordSet = { data: Float32Array.from([0, 0, 3, 4, 6, 8]), numRecords: 3, numFeatures: 2 };
  const queries: RecordSet = { data: Float32Array.from([3, 4.5]), numRecords: 1, numFeatures: 2 };
  const result = await findNearestNeighbours(queries, reference, { k: 3 });
  assert.equal(Array.from(result.indices), [1, 2, 0]);
  // Float32 4.5 is exact, so the distances are 0.5, √(9 + 12.25) and √(9 + 20.25).
  assert.equal(Array.from(result.distances), [0.5, Math.sqrt(21.25), Math.sqrt(29.25)]);
});

test('rejects different feature counts', async () => {
  await tf.setBackend('cpu');
  await assertRejects(
    () => findNearestNeighbours(records([[1, 2, 3]]), records([[1, 2]])),
    /findNearestNeighbours: `queries` has 3 features but `reference` has 2/,
  );
});

test('rejects k above the reference size', async () => {
  await tf.setBackend('cpu');
  await assertRejects(
    () => findNearestNeighboursWithin(records([[1], [2]]), { k: 2 }),
    /`k` = 2 needs at least 2 candidate neighbours, but the reference set has only 1 other record\(s\)/,
  );
});

test('rejects NaN with its position', async () => {
  await tf.setBackend('cpu');
  await assertRejects(
    () => findNearestNeighbours(records([[1, 2], [3, NaN], [NaN, 0]]), records([[0, 0]])),
    /`queries` contains 2 non-finite value\(s\) \(NaN or ±Infinity\), the first NaN at row 1, column 1/,
  );
});

test('rejects a zero block size', async () => {
  await tf.setBackend('cpu');
  await assertRejects(
    () => findNearestNeighbours(records([[1]]), records([[0]]), { queryBlockSize: 0 }),
    /`queryBlockSize` must be a positive integer, got 0/,
  );
});

test.run();
