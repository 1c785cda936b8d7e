/**
 * Turns a table into a design matrix for a linear model, with every statistic learned from the
 * training rows only, so nothing about the test rows leaks into the encoding.
 *
 * Numeric column c: NaN is imputed with the training median, then standardised as
 * (value - mean) / std, with mean and std (population, ddof 0) of the imputed training values. When c
 * had NaN in training, a feature `c_missing` (1 where the value is NaN, else 0) follows it. A
 * column that is NaN in every training row is dropped.
 *
 * Categorical column c: one feature `c=category` per training category, in sorted order, 1
 * where the row has that category and 0 elsewhere. All categories are kept, without a
 * reference level, so the model needs l2 > 0. A category absent from training encodes as all zeros and is listed
 * in `unseen`: the row is still encoded, never dropped.
 */
import { DesignMatrix } from './logistic-regression';
import { Table, TableSchema, checkSchema, checkTable, tableSchema } from './table';

/** Encoding of one numeric column. */
export interface NumericColumnEncoding {
  column: string;
  /** Training median of the non-missing values, used for imputation. */
  median: number;
  /** Mean of the imputed training values. */
  mean: number;
  /** Population standard deviation of the imputed training values, or 1 when they are constant. */
  std: number;
  /** True when the column had NaN in training, which adds the `column_missing` feature. */
  missingIndicator: boolean;
}

/** Encoding of one categorical column. */
export interface CategoricalColumnEncoding {
  column: string;
  /** Categories seen in training, sorted by UTF-16 code units (JavaScript's default sort). */
  categories: string[];
}

/** Test rows of one category that training never had, encoded as all-zero one-hot. */
export interface UnseenCategory {
  column: string;
  category: string;
  /** 0-based row indices in the encoded table, ascending. */
  rows: number[];
}

export interface EncodedTable extends DesignMatrix {
  /** Names of the design matrix columns, `[features]`. */
  featureNames: string[];
  unseen: UnseenCategory[];
  /** Sentences about the encoding of this table, such as missing values where training had none. */
  notes: string[];
}

export interface TableEncoder {
  /** Columns of the training table, which every encoded table must have. */
  schema: TableSchema;
  numeric: NumericColumnEncoding[];
  categorical: CategoricalColumnEncoding[];
  /** Numeric columns dropped because every training value was NaN. */
  droppedColumns: string[];
  /** Names of the design matrix columns, `[features]`. */
  featureNames: string[];
  /** Sentences about the fit, such as dropped or constant columns. */
  notes: string[];
  /** Encodes `table`, which needs the training table's columns, into `[table.rows, featureNames.length]`. */
  encode(table: Table): EncodedTable;
}

/** Learns imputation, standardisation and categories from the training table `train` (at least one row). */
export function fitTableEncoder(train: Table): TableEncoder {
  checkTable('fitTableEncoder', 'train', train);
  if (train.rows === 0) {
    throw new Error('fitTableEncoder: `train` has 0 rows; the encoder needs at least one training row');
  }
  const schema = tableSchema(train);
  const notes: string[] = [];
  const numeric: NumericColumnEncoding[] = [];
  const droppedColumns: string[] = [];
  const featureNames: string[] = [];

  for (const column of schema.numeric) {
    const encoding = fitNumericColumn(column, train.numeric[column]);
    if (encoding === null) {
      droppedColumns.push(column);
      notes.push(`numeric column '${column}' is missing (NaN) in all ${train.rows} training rows, so it was dropped`);
      continue;
    }
    if (encoding.std === 1 && isConstant(train.numeric[column], encoding.median)) {
      notes.push(`numeric column '${column}' is constant in training (${encoding.mean}), so its standardised feature is 0 there`);
    }
    numeric.push(encoding);
    featureNames.push(column);
    if (encoding.missingIndicator) featureNames.push(`${column}_missing`);
  }

  const categorical: CategoricalColumnEncoding[] = [];
  for (const column of schema.categorical) {
    const categories = Array.from(new Set(train.categorical[column])).sort();
    categorical.push({ column, categories });
    for (const category of categories) featureNames.push(`${column}=${category}`);
  }

  const duplicate = featureNames.find((name, index) => featureNames.indexOf(name) !== index);
  if (duplicate !== undefined) {
    throw new Error(
      `fitTableEncoder: two features are both named '${duplicate}'; rename the column that clashes with a missing-indicator or category feature`,
    );
  }

  return {
    schema,
    numeric,
    categorical,
    droppedColumns,
    featureNames,
    notes,
    encode: (table: Table) => encodeTable(table, schema, numeric, categorical, featureNames),
  };
}

/** Returns the column's encoding, or null when every value is NaN. */
function fitNumericColumn(column: string, values: Float64Array): NumericColumnEncoding | null {
  const observed = Array.from(values).filter((value) => !Number.isNaN(value));
  if (observed.length === 0) return null;
  const median = medianOf(observed);
  const missingIndicator = observed.length < values.length;

  let sum = 0;
  for (const value of values) sum += Number.isNaN(value) ? median : value;
  const mean = sum / values.length;
  let squares = 0;
  for (const value of values) {
    const deviation = (Number.isNaN(value) ? median : value) - mean;
    squares += deviation * deviation;
  }
  const std = Math.sqrt(squares / values.length);
  return { column, median, mean, std: std > 0 ? std : 1, missingIndicator };
}

/** Median of a non-empty list: the mean of the two middle values for an even count. */
function medianOf(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function isConstant(values: Float64Array, median: number): boolean {
  return values.every((value) => Number.isNaN(value) || value === median);
}

function encodeTable(
  table: Table,
  schema: TableSchema,
  numeric: NumericColumnEncoding[],
  categorical: CategoricalColumnEncoding[],
  featureNames: string[],
): EncodedTable {
  checkTable('encode', 'table', table);
  checkSchema('encode', 'table', table, 'the training table', schema);
  const rows = table.rows;
  const features = featureNames.length;
  const data = new Float64Array(rows * features);
  const notes: string[] = [];
  const unseen: UnseenCategory[] = [];

  let feature = 0;
  for (const encoding of numeric) {
    const values = table.numeric[encoding.column];
    let missingCount = 0;
    for (let r = 0; r < rows; r++) {
      const missing = Number.isNaN(values[r]);
      if (missing) missingCount++;
      const value = missing ? encoding.median : values[r];
      data[r * features + feature] = (value - encoding.mean) / encoding.std;
      if (encoding.missingIndicator) data[r * features + feature + 1] = missing ? 1 : 0;
    }
    if (missingCount > 0 && !encoding.missingIndicator) {
      notes.push(
        `numeric column '${encoding.column}' is missing in ${missingCount} of ${rows} rows but in no training row, ` +
          'so those rows get the training median and no missing indicator',
      );
    }
    feature += encoding.missingIndicator ? 2 : 1;
  }

  for (const encoding of categorical) {
    const values = table.categorical[encoding.column];
    const index = new Map(encoding.categories.map((category, k) => [category, k]));
    const unseenRows = new Map<string, number[]>();
    for (let r = 0; r < rows; r++) {
      const k = index.get(values[r]);
      if (k !== undefined) {
        data[r * features + feature + k] = 1;
        continue;
      }
      const list = unseenRows.get(values[r]);
      if (list) list.push(r);
      else unseenRows.set(values[r], [r]);
    }
    const sortedCategories = Array.from(unseenRows.keys()).sort();
    for (const category of sortedCategories) {
      unseen.push({ column: encoding.column, category, rows: unseenRows.get(category) as number[] });
    }
    feature += encoding.categories.length;
  }

  return { data, rows, features, featureNames: featureNames.slice(), unseen, notes };
}
