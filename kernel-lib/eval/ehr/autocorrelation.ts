/**
 * Temporal structure of hourly grids: the lag-k autocorrelation of each variable, pooled over
 * patients, in the real and the synthetic grid.
 *
 * For lag k the pairs are (x_h, x_{h+k}) of one patient with both hours measured. With μ the
 * mean of all 2N values in the N pairs,
 *   r_k = 2 Σ (x_h − μ)(x_{h+k} − μ) / Σ [(x_h − μ)² + (x_{h+k} − μ)²],
 * which lies in [−1, 1] because 2|ab| ≤ a² + b². Gaps are skipped, never filled, so the
 * estimate describes the measured cells only.
 */
import { HourlyGrid } from '../../ehr/hourly-grid';
import { TimeSeriesVariable } from '../../ehr/variables';
import { checkGridPair, checkHourlyGrid } from './marginals';

/** Largest lag compared when no `maxLag` is given, in hours, capped at hours − 1. */
export const DEFAULT_MAX_LAG = 3;
/** Minimum number of measured pairs for an autocorrelation. With fewer pairs it is NaN. */
export const MIN_AUTOCORRELATION_PAIRS = 10;

export interface AutocorrelationOptions {
  /** Largest lag in hours, an integer from 1 to hours − 1. Default min(DEFAULT_MAX_LAG, hours − 1). */
  maxLag?: number;
}

/** Pooled lag-k autocorrelation of one variable and the number of pairs behind it. */
export interface LagAutocorrelation {
  /** r_k in [−1, 1], or NaN with fewer than MIN_AUTOCORRELATION_PAIRS pairs or constant values. */
  autocorrelation: number;
  /** Pairs (h, h + lag) of one patient with both hours measured. */
  pairs: number;
}

/** Autocorrelation of one variable at one lag on both sides. */
export interface AutocorrelationRow {
  variable: TimeSeriesVariable;
  /** Lag in hours. */
  lag: number;
  real: number;
  synthetic: number;
  /** |real − synthetic|, NaN when either side is NaN. */
  absoluteDifference: number;
  realPairs: number;
  syntheticPairs: number;
}

/** Autocorrelations of every variable at lags 1 … maxLag, real beside synthetic. */
export interface AutocorrelationComparison {
  maxLag: number;
  /** One row per variable and lag: variables in grid order, lags ascending within each. */
  rows: AutocorrelationRow[];
  /** Mean absoluteDifference over the rows defined on both sides, or NaN when there are none. */
  meanAbsoluteDifference: number;
  /** Rows defined (not NaN) on both sides. */
  entriesCompared: number;
}

/**
 * Computes the pooled lag-`lag` autocorrelation of `variable` in `grid` (formula in the file
 * header). Throws `lagAutocorrelation: …` for an invalid grid, a variable that the grid lacks,
 * or a lag that is not an integer from 1 to hours − 1.
 */
export function lagAutocorrelation(grid: HourlyGrid, variable: TimeSeriesVariable, lag: number): LagAutocorrelation {
  checkHourlyGrid('lagAutocorrelation', 'grid', grid);
  const v = grid.variables.indexOf(variable);
  if (v < 0) {
    throw new Error(`lagAutocorrelation: variable ${String(variable)} is not in the grid; pick one of ${grid.variables.join(', ')}`);
  }
  checkLag('lagAutocorrelation', 'lag', lag, grid.shape[1]);
  const [series] = measuredSeriesByVariable(grid, [v]);
  return computeLagAutocorrelation(series, grid.shape[0], grid.shape[1], lag);
}

/**
 * Compares the pooled autocorrelations of every variable at lags 1 … maxLag between the real
 * and the synthetic grid. Throws `autocorrelationComparison: …` for invalid grids, grids whose
 * hours or variables differ, grids of a single hour, or a `maxLag` outside 1 … hours − 1.
 */
export function autocorrelationComparison(
  real: HourlyGrid,
  synthetic: HourlyGrid,
  options: AutocorrelationOptions = {},
): AutocorrelationComparison {
  checkGridPair('autocorrelationComparison', real, synthetic);
  const hours = real.shape[1];
  if (hours < 2) {
    throw new Error(`autocorrelationComparison: the grids have ${hours} hour; autocorrelation needs at least 2 hours`);
  }
  const maxLag = options.maxLag ?? Math.min(DEFAULT_MAX_LAG, hours - 1);
  checkLag('autocorrelationComparison', 'maxLag', maxLag, real.shape[1]);

  const rows: AutocorrelationRow[] = [];
  let entriesCompared = 0;
  let sumAbsolute = 0;
  const variableIndices = real.variables.map((_, v) => v);
  const realSeries = measuredSeriesByVariable(real, variableIndices);
  const syntheticSeries = measuredSeriesByVariable(synthetic, variableIndices);
  real.variables.forEach((variable, v) => {
    for (let lag = 1; lag <= maxLag; lag++) {
      const realValue = computeLagAutocorrelation(realSeries[v], real.shape[0], hours, lag);
      const syntheticValue = computeLagAutocorrelation(syntheticSeries[v], synthetic.shape[0], hours, lag);
      const absoluteDifference = Math.abs(realValue.autocorrelation - syntheticValue.autocorrelation);
      if (!Number.isNaN(absoluteDifference)) {
        entriesCompared++;
        sumAbsolute += absoluteDifference;
      }
      rows.push({
        variable,
        lag,
        real: realValue.autocorrelation,
        synthetic: syntheticValue.autocorrelation,
        absoluteDifference,
        realPairs: realValue.pairs,
        syntheticPairs: syntheticValue.pairs,
      });
    }
  });
  return {
    maxLag,
    rows,
    meanAbsoluteDifference: entriesCompared > 0 ? sumAbsolute / entriesCompared : NaN,
    entriesCompared,
  };
}

function checkLag(functionName: string, name: string, lag: number, hours: number): void {
  if (!Number.isInteger(lag) || lag < 1 || lag > hours - 1) {
    throw new Error(`${functionName}: \`${name}\` must be an integer from 1 to hours − 1 = ${hours - 1}, got ${lag}`);
  }
}

// Measured values of each variable laid out [patients, hours] in float64, NaN where the mask
// is 0, so that the lag loops read contiguous memory. One pass over the grid for all variables.
function measuredSeriesByVariable(grid: HourlyGrid, variableIndices: readonly number[]): Float64Array[] {
  const rows = grid.shape[0] * grid.shape[1];
  const numVariables = grid.shape[2];
  const series = variableIndices.map(() => new Float64Array(rows));
  for (let row = 0; row < rows; row++) {
    const base = row * numVariables;
    for (let k = 0; k < variableIndices.length; k++) {
      const cell = base + variableIndices[k];
      series[k][row] = grid.mask[cell] === 1 ? grid.values[cell] : NaN;
    }
  }
  return series;
}

// Two passes over the pairs: the pooled mean μ, then the centred sums. Constant values are
// detected by min === max, because a float mean of equal values can miss them in the last bit.
function computeLagAutocorrelation(series: Float64Array, patients: number, hours: number, lag: number): LagAutocorrelation {
  let pairs = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let p = 0; p < patients; p++) {
    const end = (p + 1) * hours;
    for (let h = p * hours; h + lag < end; h++) {
      const x = series[h];
      const y = series[h + lag];
      if (Number.isNaN(x) || Number.isNaN(y)) continue;
      pairs++;
      sum += x + y;
      if (x < min) min = x;
      if (y < min) min = y;
      if (x > max) max = x;
      if (y > max) max = y;
    }
  }
  if (pairs < MIN_AUTOCORRELATION_PAIRS || min === max) return { autocorrelation: NaN, pairs };

  const mean = sum / (2 * pairs);
  let crossProducts = 0;
  let squares = 0;
  for (let p = 0; p < patients; p++) {
    const end = (p + 1) * hours;
    for (let h = p * hours; h + lag < end; h++) {
      const x = series[h] - mean;
      const y = series[h + lag] - mean;
      if (Number.isNaN(x) || Number.isNaN(y)) continue;
      crossProducts += x * y;
      squares += x * x + y * y;
    }
  }
  const autocorrelation = Math.max(-1, Math.min(1, (2 * crossProducts) / squares));
  return { autocorrelation, pairs };
}
