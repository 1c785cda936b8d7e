/**
 * Column-oriented tables of patient records: numeric columns, where NaN means missing, and
 * categorical columns of strings. Every column has `rows` entries, and row r of the table is entry r of
 * every column.
 */

export interface Table {
  /** Numeric columns, `[rows]` each. NaN marks a missing value, and ±Infinity is invalid. */
  numeric: Record<string, Float64Array>;
  /** Categorical columns, `[rows]` each. Every entry is a string, and '' is a category like any other. */
  categorical: Record<string, string[]>;
  /** Number of rows, a non-negative integer. */
  rows: number;
}

/**
 * Throws unless `table` is well formed: at least one column, no name used as both numeric and
 * categorical, every column `rows` long, numeric columns Float64Array without ±Infinity, and
 * categorical entries strings. `name` is the parameter name in messages.
 */
export function checkTable(functionName: string, name: string, table: Table): void {
  if (table === null || typeof table !== 'object') {
    throw new Error(`${functionName}: \`${name}\` must be a table { numeric, categorical, rows }, got ${table}`);
  }
  const { numeric, categorical, rows } = table;
  if (numeric === null || typeof numeric !== 'object' || categorical === null || typeof categorical !== 'object') {
    throw new Error(
      `${functionName}: \`${name}.numeric\` and \`${name}.categorical\` must be objects of columns; pass {} where a table has none of a kind`,
    );
  }
  if (!Number.isSafeInteger(rows) || rows < 0) {
    throw new Error(`${functionName}: \`${name}.rows\` must be a non-negative integer, got ${rows}`);
  }

  const numericNames = Object.keys(numeric);
  const categoricalNames = Object.keys(categorical);
  if (numericNames.length + categoricalNames.length === 0) {
    throw new Error(`${functionName}: \`${name}\` has no columns; pass at least one numeric or categorical column`);
  }

  for (const column of numericNames) {
    if (Object.prototype.hasOwnProperty.call(categorical, column)) {
      throw new Error(
        `${functionName}: \`${name}\` has a numeric and a categorical column both named '${column}'; rename one of them`,
      );
    }
    const values = numeric[column];
    if (!(values instanceof Float64Array)) {
      throw new Error(`${functionName}: numeric column '${column}' of \`${name}\` must be a Float64Array`);
    }
    checkColumnLength(functionName, name, column, values.length, rows);
    for (let r = 0; r < rows; r++) {
      if (values[r] === Infinity || values[r] === -Infinity) {
        throw new Error(
          `${functionName}: numeric column '${column}' of \`${name}\` has ${values[r]} at row ${r}; use NaN for a missing value`,
        );
      }
    }
  }

  for (const column of categoricalNames) {
    const values = categorical[column];
    if (!Array.isArray(values)) {
      throw new Error(`${functionName}: categorical column '${column}' of \`${name}\` must be an array of strings`);
    }
    checkColumnLength(functionName, name, column, values.length, rows);
    for (let r = 0; r < rows; r++) {
      if (typeof values[r] !== 'string') {
        throw new Error(
          `${functionName}: categorical column '${column}' of \`${name}\` has ${String(values[r])} at row ${r}; ` +
            "every entry must be a string, so encode a missing category as a string such as 'unknown'",
        );
      }
    }
  }
}

function checkColumnLength(functionName: string, name: string, column: string, length: number, rows: number): void {
  if (length !== rows) {
    throw new Error(
      `${functionName}: column '${column}' of \`${name}\` has ${length} entries, but \`${name}.rows\` is ${rows}; every column needs one entry per row`,
    );
  }
}

/** Column names of a table, each kind sorted, so that column order never depends on insertion order. */
export interface TableSchema {
  numeric: string[];
  categorical: string[];
}

/** Returns the sorted numeric and categorical column names of `table`. */
export function tableSchema(table: Table): TableSchema {
  return {
    numeric: Object.keys(table.numeric).sort(),
    categorical: Object.keys(table.categorical).sort(),
  };
}

/**
 * Throws unless `table` has exactly the numeric and categorical columns of `schema`. `name`
 * is the table's parameter name and `schemaName` names the schema's source, both for messages.
 */
export function checkSchema(functionName: string, name: string, table: Table, schemaName: string, schema: TableSchema): void {
  const actual = tableSchema(table);
  for (const kind of ['numeric', 'categorical'] as const) {
    const missing = schema[kind].filter((column) => !actual[kind].includes(column));
    const extra = actual[kind].filter((column) => !schema[kind].includes(column));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(
        `${functionName}: ${kind} columns of \`${name}\` differ from those of ${schemaName}: ` +
          `missing [${missing.join(', ')}], extra [${extra.join(', ')}]; pass tables with the same columns of the same kinds`,
      );
    }
  }
}

/** Returns a new table of the given rows of `table`, in the order of `rowIndices` (repeats allowed). */
export function selectRows(table: Table, rowIndices: ArrayLike<number>): Table {
  checkTable('selectRows', 'table', table);
  for (let k = 0; k < rowIndices.length; k++) {
    const r = rowIndices[k];
    if (!Number.isInteger(r) || r < 0 || r >= table.rows) {
      throw new Error(`selectRows: row index ${r} at position ${k} is outside 0 … ${table.rows - 1}`);
    }
  }
  const numeric: Record<string, Float64Array> = {};
  for (const [column, values] of Object.entries(table.numeric)) {
    numeric[column] = Float64Array.from(rowIndices, (r) => values[r]);
  }
  const categorical: Record<string, string[]> = {};
  for (const [column, values] of Object.entries(table.categorical)) {
    categorical[column] = Array.from(rowIndices, (r) => values[r]);
  }
  return { numeric, categorical, rows: rowIndices.length };
}

/** Returns a new table with the rows of `first` followed by the rows of `second`, which need the same columns. */
export function concatRows(first: Table, second: Table): Table {
  checkTable('concatRows', 'first', first);
  checkTable('concatRows', 'second', second);
  checkSchema('concatRows', 'second', second, '`first`', tableSchema(first));
  const numeric: Record<string, Float64Array> = {};
  for (const [column, values] of Object.entries(first.numeric)) {
    const joined = new Float64Array(first.rows + second.rows);
    joined.set(values, 0);
    joined.set(second.numeric[column], first.rows);
    numeric[column] = joined;
  }
  const categorical: Record<string, string[]> = {};
  for (const [column, values] of Object.entries(first.categorical)) {
    categorical[column] = values.concat(second.categorical[column]);
  }
  return { numeric, categorical, rows: first.rows + second.rows };
}
