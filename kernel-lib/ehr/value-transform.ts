/**
 * A log transform for right-skewed laboratory variables, applied before per-variable
 * standardisation, so the diffusion model is trained on roughly symmetric values: u = ln(1 + x),
 * with inverse x = exp(u) − 1. Other variables pass unchanged. Both directions return
 * new grids; NaN cells stay NaN.
 */
import { HourlyGrid } from './hourly-grid';
import { TimeSeriesVariable } from './variables';

/** Variables whose hourly values span orders of magnitude in ICU data (all are ≥ 0 after cleaning). */
export const LOG_TRANSFORMED_VARIABLES: readonly TimeSeriesVariable[] = [
  'ALP', 'ALT', 'AST', 'Bilirubin', 'BUN', 'Creatinine', 'Glucose', 'Lactate',
  'Platelets', 'TroponinI', 'TroponinT', 'Urine', 'WBC',
];

function mapLogged(grid: HourlyGrid, f: (x: number) => number): HourlyGrid {
  const numVariables = grid.shape[2];
  const logged = grid.variables.map((name) => LOG_TRANSFORMED_VARIABLES.includes(name));
  const values = new Float32Array(grid.values.length);
  for (let i = 0; i < values.length; i++) {
    const x = grid.values[i];
    values[i] = logged[i % numVariables] && !Number.isNaN(x) ? f(x) : x;
  }
  return { ...grid, values, mask: grid.mask.slice() };
}

/** Clinical units to model units: ln(1 + x) for LOG_TRANSFORMED_VARIABLES. Throws for a negative value there. */
export function toModelUnits(grid: HourlyGrid): HourlyGrid {
  return mapLogged(grid, (x) => {
    if (x < 0) {
      throw new Error(`toModelUnits: a log-transformed variable has the negative value ${x}; clean the records with cleanRecords first`);
    }
    return Math.log1p(x);
  });
}

/** Model units back to clinical units: exp(u) − 1 for LOG_TRANSFORMED_VARIABLES. */
export function toClinicalUnits(grid: HourlyGrid): HourlyGrid {
  return mapLogged(grid, (u) => Math.expm1(u));
}
