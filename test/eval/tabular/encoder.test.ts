import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fitTableEncoder } from '../../../kernel-lib/eval/tabular/encoder';
import { Table } from '../../../kernel-lib/eval/tabular/table';

function assertClose(actual: number, expected: number, name: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12, `${name}: expected ${expected}, but got ${actual}`);
}

// Training ages 40, NaN, 50, 60: median of the observed values is 50, the imputed column is
// 40, 50, 50, 60 with mean 50 and population std sqrt((100 + 0 + 0 + 100) / 4) = sqrt(50).
const train: Table = {
  numeric: { age: Float64Array.from([40, NaN, 50, 60]) },
  categorical: { ward: ['B', 'A', 'B', 'C'] },
  rows: 4,
};

test('encoder learns median, mean and std', () => {
  const encoder = fitTableEncoder(train);
  assert.is(encoder.numeric.length, 1);
  assert.is(encoder.numeric[0].median, 50);
  assert.is(encoder.numeric[0].mean, 50);
  assertClose(encoder.numeric[0].std, Math.sqrt(50), 'std');
  assert.is(encoder.numeric[0].missingIndicator, true);
});

test('encoder names features in schema order', () => {
  const encoder = fitTableEncoder(train);
  assert.equal(encoder.featureNames, ['age', 'age_missing', 'ward=A', 'ward=B', 'ward=C']);
  assert.equal(encoder.categorical[0].categories, ['A', 'B', 'C']);
});

test('encode standardises and imputes training rows', () => {
  const encoded = fitTableEncoder(train).encode(train);
  assert.is(encoded.rows, 4);
  assert.is(encoded.features, 5);
  const s = Math.sqrt(50);
  const expected = [
    [-10 / s, 0, 0, 1, 0],
    [0, 1, 1, 0, 0],
    [0, 0, 0, 1, 0],
    [10 / s, 0, 0, 0, 1],
  ];
  for (let r = 0; r < 4; r++) {
    for (let f = 0; f < 5; f++) assertClose(encoded.data[r * 5 + f], expected[r][f], `row ${r} feature ${f}`);
  }
  assert.equal(encoded.unseen, []);
});

test('encode gives unseen category all zeros', () => {
  const test_: Table = { numeric: { age: Float64Array.from([NaN, 70, 45]) }, categorical: { ward: ['D', 'A', 'D'] }, rows: 3 };
  const encoded = fitTableEncoder(train).encode(test_);
  const s = Math.sqrt(50);
  assert.equal(Array.from(encoded.data.subarray(0, 5)), [0, 1, 0, 0, 0]);
  assertClose(encoded.data[5], 20 / s, 'row 1 age');
  assert.equal(Array.from(encoded.data.subarray(6, 10)), [0, 1, 0, 0]);
  assert.equal(Array.from(encoded.data.subarray(12, 15)), [0, 0, 0]);
  assert.equal(encoded.unseen, [{ column: 'ward', category: 'D', rows: [0, 2] }]);
});

test('encoder median of even count averages the middle', () => {
  const table: Table = { numeric: { x: Float64Array.from([10, 1, NaN, 3, 2]) }, categorical: {}, rows: 5 };
  const encoder = fitTableEncoder(table);
  assert.is(encoder.numeric[0].median, 2.5);
  // Imputed values 10, 1, 2.5, 3, 2 have mean 18.5 / 5 = 3.7.
  assertClose(encoder.numeric[0].mean, 3.7, 'mean');
});

test('encoder drops an all-missing column', () => {
  const table: Table = {
    numeric: { lactate: Float64Array.from([NaN, NaN]), age: Float64Array.from([30, 40]) },
    categorical: {},
    rows: 2,
  };
  const encoder = fitTableEncoder(table);
  assert.equal(encoder.droppedColumns, ['lactate']);
  assert.equal(encoder.featureNames, ['age']);
  assert.ok(encoder.notes.some((note) => /'lactate' is missing \(NaN\) in all 2 training rows, so it was dropped/.test(note)));
  const encoded = encoder.encode({ numeric: { lactate: Float64Array.from([1.5]), age: Float64Array.from([35]) }, categorical: {}, rows: 1 });
  assert.equal(Array.from(encoded.data), [0]);
});

test('encoder maps a constant column to 0', () => {
  const table: Table = { numeric: { height: Float64Array.from([170, 170, NaN]) }, categorical: {}, rows: 3 };
  const encoder = fitTableEncoder(table);
  assert.is(encoder.numeric[0].std, 1);
  assert.ok(encoder.notes.some((note) => /'height' is constant in training/.test(note)));
  const encoded = encoder.encode({ numeric: { height: Float64Array.from([172]) }, categorical: {}, rows: 1 });
  assert.equal(Array.from(encoded.data), [2, 0]);
});

test('encode notes missing values new at test time', () => {
  const table: Table = { numeric: { hr: Float64Array.from([60, 80]) }, categorical: {}, rows: 2 };
  const encoded = fitTableEncoder(table).encode({ numeric: { hr: Float64Array.from([NaN, 90, NaN]) }, categorical: {}, rows: 3 });
  // Median and mean 70, std 10: NaN imputes to 70 and encodes as 0, and 90 encodes as 2.
  assert.equal(Array.from(encoded.data), [0, 2, 0]);
  assert.ok(encoded.notes.some((note) => /'hr' is missing in 2 of 3 rows but in no training row/.test(note)));
});

test('encoder column order ignores insertion order', () => {
  const first: Table = { numeric: { b: Float64Array.from([1, 2]), a: Float64Array.from([3, 4]) }, categorical: {}, rows: 2 };
  const second: Table = { numeric: { a: Float64Array.from([3, 4]), b: Float64Array.from([1, 2]) }, categorical: {}, rows: 2 };
  assert.equal(fitTableEncoder(first).featureNames, ['a', 'b']);
  assert.equal(Array.from(fitTableEncoder(first).encode(second).data), Array.from(fitTableEncoder(second).encode(second).data));
});

test('encode rejects a table with other columns', () => {
  const other: Table = { numeric: { age: Float64Array.from([1]) }, categorical: { sex: ['f'] }, rows: 1 };
  assert.throws(() => fitTableEncoder(train).encode(other), /encode: categorical columns of `table` differ from those of the training table: missing \[ward\], extra \[sex\]/);
});

test('encoder rejects an empty training table', () => {
  assert.throws(() => fitTableEncoder({ numeric: { age: new Float64Array(0) }, categorical: {}, rows: 0 }), /fitTableEncoder: `train` has 0 rows/);
});

test('encoder rejects clashing feature names', () => {
  const table: Table = {
    numeric: { age: Float64Array.from([1, NaN]), age_missing: Float64Array.from([0, 1]) },
    categorical: {},
    rows: 2,
  };
  assert.throws(() => fitTableEncoder(table), /two features are both named 'age_missing'/);
});

test.run();
