/**
 * Marginal distances between real and synthetic hourly grids. For each variable, the
 * 1-Wasserstein distance (W1) and the two-sample Kolmogorov–Smirnov statistic compare the
 * values of the measured cells (mask 1) in the variable's clinical unit. checkHourlyGrid and
 * checkGridPair, the input checks of every EHR fidelity metric, are defined here too.
 */
import { HourlyGrid } from '../../ehr/hourly-grid';
import { TimeSeriesVariable, VARIABLE_INFO, isTimeSeriesVariable } from '../../ehr/variables';

/** Distances between the measured values of one variable in the real and the synthetic grid. */
export interface MarginalDistance {
  variable: TimeSeriesVariable;
  /** Clinical unit of the values, of `wasserstein1` and of `realStd`. */
  unit: string;
  /** W1 between the two empirical distributions in `unit`, or null when one side has no values. */
  wasserstein1: number | null;
  /** Kolmogorov–Smirnov statistic in [0, 1], or null when one side has no values. */
  ks: number | null;
  /** Measured cells (mask 1) of the variable in the real grid. */
  realCount: number;
  /** Measured cells (mask 1) of the variable in the synthetic grid. */
  syntheticCount: number;
  /** Population standard deviation (divisor n) of the real measured values in `unit`, or null without real values. */
  realStd: number | null;
  /** Explanation that names the side without measured values. Present only when a distance is null. */
  note?: string;
}

/**
 * Computes the exact 1-Wasserstein distance between the empirical distributions of `a` and
 * `b`, which may differ in size: W1 = ∫ |F_a(x) − F_b(x)| dx, in the unit of the values.
 * Throws `wasserstein1: …` for an empty sample or a value that is not finite.
 */
export function wasserstein1(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return sortedWasserstein1(sortedSample('wasserstein1', 'a', a), sortedSample('wasserstein1', 'b', b));
}

/**
 * Computes the two-sample Kolmogorov–Smirnov statistic sup_x |F_a(x) − F_b(x)|. The empirical
 * CDFs are compared only after all values tied at x are counted on both sides. Throws
 * `ksStatistic: …` for an empty sample or a value that is not finite.
 */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return sortedKsStatistic(sortedSample('ksStatistic', 'a', a), sortedSample('ksStatistic', 'b', b));
}

/**
 * Compares the measured values (mask 1) of each variable between the real and the synthetic
 * grid, in clinical units. Returns one entry per variable, in grid order. A variable without
 * measured values on one side gets null distances and a `note`. Throws
 * `marginalDistances: …` for invalid grids or grids whose hours or variables differ.
 */
export function marginalDistances(real: HourlyGrid, synthetic: HourlyGrid): MarginalDistance[] {
  checkGridPair('marginalDistances', real, synthetic);
  const realSamples = measuredValuesByVariable(real);
  const syntheticSamples = measuredValuesByVariable(synthetic);

  return real.variables.map((variable, v) => {
    const realValues = realSamples[v].sort();
    const syntheticValues = syntheticSamples[v].sort();
    const entry: MarginalDistance = {
      variable,
      unit: VARIABLE_INFO[variable].unit,
      wasserstein1: null,
      ks: null,
      realCount: realValues.length,
      syntheticCount: syntheticValues.length,
      realStd: realValues.length > 0 ? populationStd(realValues) : null,
    };
    if (realValues.length === 0 && syntheticValues.length === 0) {
      entry.note = `neither grid has measured values of ${variable}`;
    } else if (realValues.length === 0) {
      entry.note = `the real grid has no measured values of ${variable}`;
    } else if (syntheticValues.length === 0) {
      entry.note = `the synthetic grid has no measured values of ${variable}`;
    } else {
      entry.wasserstein1 = sortedWasserstein1(realValues, syntheticValues);
      entry.ks = sortedKsStatistic(realValues, syntheticValues);
    }
    return entry;
  });
}

// W1 and KS of two samples sorted in ascending order, both non-empty. Between consecutive
// distinct values F_a = i / n and F_b = j / m are constant, and |i·m − j·n| / (n·m) is their
// difference. The integer part is exact in float64 while n·m < 2^53.
function sortedWasserstein1(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  const m = y.length;
  let i = 0;
  let j = 0;
  let previous = Math.min(x[0], y[0]);
  let total = 0;
  while (i < n || j < m) {
    const next = j >= m || (i < n && x[i] <= y[j]) ? x[i] : y[j];
    total += Math.abs(i * m - j * n) * (next - previous);
    while (i < n && x[i] === next) i++;
    while (j < m && y[j] === next) j++;
    previous = next;
  }
  return total / (n * m);
}

function sortedKsStatistic(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  const m = y.length;
  let i = 0;
  let j = 0;
  let maxGap = 0;
  // Once one sample is used up its CDF is 1 and the gap can only shrink.
  while (i < n && j < m) {
    const next = x[i] <= y[j] ? x[i] : y[j];
    while (i < n && x[i] === next) i++;
    while (j < m && y[j] === next) j++;
    maxGap = Math.max(maxGap, Math.abs(i * m - j * n));
  }
  return maxGap / (n * m);
}

function sortedSample(functionName: string, name: string, sample: ArrayLike<number>): Float64Array {
  if (sample === null || typeof sample !== 'object' || typeof sample.length !== 'number') {
    throw new Error(`${functionName}: \`${name}\` must be an array of numbers, got ${sample === null ? 'null' : typeof sample}`);
  }
  if (sample.length === 0) {
    throw new Error(`${functionName}: \`${name}\` is empty; pass at least one value per sample`);
  }
  const values = Float64Array.from(sample);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new Error(`${functionName}: \`${name}\` contains ${sample[i]} at index ${i}; pass finite values only`);
    }
  }
  return values.sort();
}

function populationStd(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  return Math.sqrt(squares / values.length);
}

// Values of the measured cells of each variable, in float64, one array per variable.
function measuredValuesByVariable(grid: HourlyGrid): Float64Array[] {
  const [patients, hours, numVariables] = grid.shape;
  const rows = patients * hours;
  const counts = new Array<number>(numVariables).fill(0);
  for (let row = 0; row < rows; row++) {
    for (let v = 0; v < numVariables; v++) counts[v] += grid.mask[row * numVariables + v];
  }
  const samples = counts.map((count) => new Float64Array(count));
  const filled = new Array<number>(numVariables).fill(0);
  for (let row = 0; row < rows; row++) {
    for (let v = 0; v < numVariables; v++) {
      const cell = row * numVariables + v;
      if (grid.mask[cell] === 1) samples[v][filled[v]++] = grid.values[cell];
    }
  }
  return samples;
}

/**
 * Throws `functionName: …` unless `grid` is a non-empty HourlyGrid whose arrays match its
 * shape [patients, hours, variables], whose variables are distinct time-series variables,
 * whose mask contains only 0 and 1, and whose measured cells hold finite values. `name` is
 * the parameter name used in messages. Unmeasured cells may hold NaN or a filled value.
 */
export function checkHourlyGrid(functionName: string, name: string, grid: HourlyGrid): void {
  if (grid === null || typeof grid !== 'object') {
    throw new Error(`${functionName}: \`${name}\` must be an HourlyGrid, got ${grid === null ? 'null' : typeof grid}`);
  }
  const shape = grid.shape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((size) => Number.isInteger(size) && size >= 0)) {
    throw new Error(`${functionName}: \`${name}.shape\` must be [patients, hours, variables] of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const [patients, hours, numVariables] = shape;
  if (patients === 0 || hours === 0 || numVariables === 0) {
    throw new Error(`${functionName}: \`${name}\` is empty (shape [${shape.join(', ')}]); pass at least one patient, hour and variable`);
  }
  const size = patients * hours * numVariables;
  for (const field of ['values', 'mask'] as const) {
    const array = grid[field];
    if (!(array instanceof Float32Array) || array.length !== size) {
      const got = array instanceof Float32Array ? `length ${array.length}` : typeof array;
      throw new Error(`${functionName}: \`${name}.${field}\` must be a Float32Array of length ${size} for shape [${shape.join(', ')}], got ${got}`);
    }
  }
  checkVariableList(functionName, name, grid.variables, numVariables);

  for (let cell = 0; cell < size; cell++) {
    const measured = grid.mask[cell];
    if (measured !== 0 && measured !== 1) {
      throw new Error(`${functionName}: \`${name}.mask\` must contain only 0 and 1, got ${measured} at ${cellName(grid, cell)}`);
    }
    if (measured === 1 && !Number.isFinite(grid.values[cell])) {
      throw new Error(
        `${functionName}: \`${name}.values\` is ${grid.values[cell]} at ${cellName(grid, cell)} where the mask is 1; give measured cells a finite value or set their mask to 0`,
      );
    }
  }
}

/**
 * Throws `functionName: …` unless both grids pass checkHourlyGrid and have the same hours
 * and the same variables in the same order. Patient counts may differ.
 */
export function checkGridPair(functionName: string, real: HourlyGrid, synthetic: HourlyGrid): void {
  checkHourlyGrid(functionName, 'real', real);
  checkHourlyGrid(functionName, 'synthetic', synthetic);
  if (real.shape[1] !== synthetic.shape[1]) {
    throw new Error(
      `${functionName}: \`real\` has ${real.shape[1]} hours but \`synthetic\` has ${synthetic.shape[1]}; build both grids with the same hours`,
    );
  }
  if (real.shape[2] !== synthetic.shape[2]) {
    throw new Error(
      `${functionName}: \`real\` has ${real.shape[2]} variables but \`synthetic\` has ${synthetic.shape[2]}; use the same variable list on both sides`,
    );
  }
  for (let v = 0; v < real.variables.length; v++) {
    if (real.variables[v] !== synthetic.variables[v]) {
      throw new Error(
        `${functionName}: variable ${v} is ${real.variables[v]} in \`real\` but ${synthetic.variables[v]} in \`synthetic\`; use the same variable list in the same order`,
      );
    }
  }
}

function checkVariableList(functionName: string, name: string, variables: readonly string[], numVariables: number): void {
  if (!Array.isArray(variables) || variables.length !== numVariables) {
    const got = Array.isArray(variables) ? `${variables.length} names` : typeof variables;
    throw new Error(`${functionName}: \`${name}.variables\` must list ${numVariables} names to match the shape, got ${got}`);
  }
  const seen = new Set<string>();
  for (const variable of variables) {
    if (typeof variable !== 'string' || !isTimeSeriesVariable(variable)) {
      throw new Error(`${functionName}: \`${name}.variables\` contains unknown variable ${JSON.stringify(variable)}; use names from TIME_SERIES_VARIABLES`);
    }
    if (seen.has(variable)) {
      throw new Error(`${functionName}: \`${name}.variables\` lists ${variable} twice; each variable may appear once`);
    }
    seen.add(variable);
  }
}

function cellName(grid: HourlyGrid, cell: number): string {
  const numVariables = grid.shape[2];
  const hours = grid.shape[1];
  const v = cell % numVariables;
  const hour = Math.floor(cell / numVariables) % hours;
  const patient = Math.floor(cell / (numVariables * hours));
  return `patient ${patient}, hour ${hour}, variable ${grid.variables[v]}`;
}
