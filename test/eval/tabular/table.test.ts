import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Table, checkSchema, checkTable, concatRows, selectRows, tableSchema } from '../../../kernel-lib/eval/tabular/table';

function sample(): Table {
  return {
    numeric: { age: Float64Array.from([40, NaN, 60]) },
    categorical: { ward: ['A', 'B', 'A'] },
    rows: 3,
  };
}

test('checkTable accepts NaN as missing', () => {
  checkTable('f', 'table', sample());
});

test('checkTable accepts a table of categorical columns only', () => {
  checkTable('f', 'table', { numeric: {}, categorical: { ward: ['A'] }, rows: 1 });
});

test('checkTable rejects a table without columns', () => {
  assert.throws(() => checkTable('f', 'table', { numeric: {}, categorical: {}, rows: 0 }), /f: `table` has no columns/);
});

test('checkTable rejects unequal column lengths', () => {
  const table = sample();
  table.categorical.ward = ['A', 'B'];
  assert.throws(() => checkTable('f', 'table', table), /column 'ward' of `table` has 2 entries, but `table.rows` is 3/);
});

test('checkTable rejects Infinity', () => {
  const table = sample();
  table.numeric.age[2] = -Infinity;
  assert.throws(() => checkTable('f', 'table', table), /'age' of `table` has -Infinity at row 2; use NaN/);
});

test('checkTable rejects a non-string category', () => {
  const table = sample();
  (table.categorical.ward as unknown[])[1] = null;
  assert.throws(() => checkTable('f', 'table', table), /'ward' of `table` has null at row 1; every entry must be a string/);
});

test('checkTable rejects a plain array as numeric column', () => {
  const table = sample();
  (table.numeric as Record<string, unknown>).age = [40, 50, 60];
  assert.throws(() => checkTable('f', 'table', table), /numeric column 'age' of `table` must be a Float64Array/);
});

test('checkTable rejects a name used by both kinds', () => {
  const table = sample();
  table.categorical.age = ['x', 'y', 'z'];
  assert.throws(() => checkTable('f', 'table', table), /both named 'age'/);
});

test('checkTable rejects a fractional row count', () => {
  const table = sample();
  table.rows = 2.5;
  assert.throws(() => checkTable('f', 'table', table), /`table.rows` must be a non-negative integer, got 2.5/);
});

test('tableSchema sorts column names', () => {
  const table: Table = { numeric: { z: new Float64Array(1), a: new Float64Array(1) }, categorical: { m: ['x'], b: ['y'] }, rows: 1 };
  assert.equal(tableSchema(table), { numeric: ['a', 'z'], categorical: ['b', 'm'] });
});

test('checkSchema names missing and extra columns', () => {
  const other: Table = { numeric: { age: new Float64Array(1), weight: new Float64Array(1) }, categorical: {}, rows: 1 };
  assert.throws(
    () => checkSchema('f', 'test', other, 'the training table', tableSchema(sample())),
    /numeric columns of `test` differ from those of the training table: missing \[\], extra \[weight\]/,
  );
});

test('selectRows picks rows in the given order', () => {
  const picked = selectRows(sample(), [2, 0, 2]);
  assert.equal(picked.rows, 3);
  assert.equal(Array.from(picked.numeric.age), [60, 40, 60]);
  assert.equal(picked.categorical.ward, ['A', 'A', 'A']);
});

test('selectRows rejects an index out of range', () => {
  assert.throws(() => selectRows(sample(), [0, 3]), /selectRows: row index 3 at position 1 is outside 0 … 2/);
});

test('concatRows appends the second table', () => {
  const joined = concatRows(sample(), selectRows(sample(), [1]));
  assert.equal(joined.rows, 4);
  assert.ok(Number.isNaN(joined.numeric.age[3]));
  assert.equal(joined.categorical.ward, ['A', 'B', 'A', 'B']);
});

test('concatRows rejects different columns', () => {
  const other: Table = { numeric: { age: new Float64Array(1) }, categorical: { sex: ['f'] }, rows: 1 };
  assert.throws(() => concatRows(sample(), other), /categorical columns of `second` differ from those of `first`/);
});

test.run();
